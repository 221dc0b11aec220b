"""Background jobs: a Huey task queue for everything that runs outside requests.

The queue lives in the data dir (SQLite, `jobs.db`) or, with TRACKER_REDIS_URL, in Redis, where several
`tracker worker` processes on several machines share it. The duties stay in the services; the tasks here only
open an app context and call them (each duty claims its work in the database, so a task run twice does no harm).

- `jobs_for(app)`: the app's queue and its tasks, made once per process.
- `queue`: `make_huey`, `failed_jobs`, `retry_failed`,
  `discard_failed`, `job_counts` (queued, running, failed, age of the oldest queued: the page and the metrics).
- `duties`: the periodic tasks, one per duty (due-date reminders, plan-day reminders, notification email,
  chat notifications, xAPI statements, webhook events; hourly, the assignment rules' reconciliation), and
  `enqueue_due`, which claims a period for each so it is queued once across machines. `queue_rule_run` queues
  one rule's logged run (a rule made or changed, or "Run now").
- The webhook outbox: after each commit that recorded an event, `webhook-events` is queued; it queues one
  `webhook-delivery` job per endpoint and event, retried with backoff under the same message id.
- `consumer`: `start_in_process` (`tracker run`: the consumer as threads of the web process) and `run_worker`
  (`tracker worker`: the consumer as a process of its own).
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from tracker.jobs import duties
from tracker.jobs.queue import Jobs, keep_records, make_huey
from tracker.services.notifications import chat
from tracker.services.webhooks import events as webhook_events

log = logging.getLogger("tracker.jobs")

__all__ = ["Jobs", "jobs_for", "queue_rule_run"]


def jobs_for(app: Flask) -> Jobs:
    """The app's queue with the duties defined, made once per app."""
    jobs = app.extensions.get("tracker.jobs")
    if jobs is None:
        jobs = Jobs(app=app, huey=make_huey(app.config), period_seconds=int(app.config["JOB_PERIOD_SECONDS"]),
                    retry_seconds=app.config["JOB_RETRY_SECONDS"])
        keep_records(jobs.huey)
        duties.define_duties(jobs)
        app.extensions["tracker.jobs"] = jobs
    return jobs


def _dispatch_recorded_events(session: Session) -> None:
    """After a commit that recorded webhook events or added notifications for someone's chat, queue their
    sending now rather than at the next period. Should the queue be away, the period's round sends them: the
    request that recorded them goes on."""
    due = [name for name, waiting in ((duties.WEBHOOK_EVENTS, webhook_events.recorded_in(session)),
                                      ("chat-notifications", chat.posted_in(session))) if waiting]
    if not due or not has_app_context():
        return
    try:
        jobs = jobs_for(current_app._get_current_object())  # type: ignore[attr-defined]  # a proxy typed as Flask
        for name in due:
            jobs.tasks[name]()
    except Exception:
        log.exception("Could not queue %s; the next period's round sends them", ", ".join(due))


event.listen(Session, "after_commit", _dispatch_recorded_events)


def queue_rule_run(run_id: int) -> None:
    """Queue a rule's run that the request has logged and committed. Should the queue be away, the hourly round
    runs it: the request goes on."""
    try:
        jobs = jobs_for(current_app._get_current_object())  # type: ignore[attr-defined]  # a proxy typed as Flask
        jobs.tasks[duties.RULE_RUN](run_id)
    except Exception:
        log.exception("Could not queue rule run %s; the hourly round runs it", run_id)
