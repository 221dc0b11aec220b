"""Admin: the background jobs' queue — what waits, what runs, and the jobs that failed for good (retried or
discarded here)."""

from __future__ import annotations

from flask import current_app, flash, url_for

from tracker.http.auth import role_required
from tracker.http.render import is_htmx, page_or_fragment, see_other
from tracker.jobs import jobs_for, queue
from tracker.models import Role
from tracker.web.admin.blueprint import bp
from tracker.web.forms import Form

JOB_ID = "string(maxlength=36)"


def _jobs() -> queue.Jobs:
    return jobs_for(current_app._get_current_object())  # type: ignore[attr-defined]  # a proxy typed as Flask


def _page(notice: str = ""):
    """The page, or for HTMX its block of failed jobs (with `notice` said in it)."""
    jobs = _jobs()
    return page_or_fragment("admin/jobs.html", block="failed", target="failed-jobs", counts=queue.job_counts(jobs),
                            failed=queue.failed_jobs(jobs), period=jobs.period_seconds, retries=queue.RETRIES,
                            notice=notice)


@bp.get("/jobs")
@role_required(Role.admin)
def jobs():
    return _page()


def _answer(message: str, category: str = "success"):
    """After a change: the failed jobs again for HTMX (the message said in it), else back to the page."""
    if is_htmx():
        return _page(notice=message)
    flash(message, category)
    return see_other(url_for("admin.jobs"))


def _gone(exc: queue.JobGone):
    """The job was retried or discarded already (another admin, a second click): an alert for HTMX, a message on
    the page otherwise."""
    if is_htmx():
        raise exc
    return _answer(str(exc), "error")


@bp.post(f"/jobs/failed/<{JOB_ID}:job_id>/retry")
@role_required(Role.admin)
def retry_job(job_id: str):
    Form().checked()
    try:
        queue.retry_failed(_jobs(), job_id)
    except queue.JobGone as exc:
        return _gone(exc)
    return _answer("The job is queued again; it leaves this list, and comes back here if it fails again.")


@bp.post(f"/jobs/failed/<{JOB_ID}:job_id>/discard")
@role_required(Role.admin)
def discard_job(job_id: str):
    Form().checked()
    try:
        queue.discard_failed(_jobs(), job_id)
    except queue.JobGone as exc:
        return _gone(exc)
    return _answer("The failed job is discarded.")
