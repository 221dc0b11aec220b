"""Background jobs on the Huey queue: the embedded default runs every duty with no other service; a failing job
is retried with backoff, then shown to admins at /admin/jobs and in the metrics, and retried from there.
(Two `tracker worker` processes sharing Redis: tests/test_workers.py.)"""

from __future__ import annotations

import itertools
import json
import time
import uuid

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests import factories
from tests.conftest import csrf_client, make_app
from tracker import serving
from tracker.jobs import jobs_for, queue
from tracker.models import EmailFrequency, NotificationKind, ProgressState
from tracker.services.notifications import in_app as notifications
from tracker.services.people import accounts
from tracker.services.progress import marks as progress


def wait_until(check, *, seconds: float = 20, what: str = "the jobs to run"):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


@pytest.fixture
def running_jobs(app):
    """The queue's consumer and clock as threads, as `tracker run` starts them; stopped after the test."""
    stops = []

    def start():
        stops.append(serving.start_jobs(app))
        return jobs_for(app)

    yield start
    for stop in stops:
        stop()


def _statements(lrs, site, user) -> list[dict]:
    agent = json.dumps({"account": {"homePage": site, "name": user.public_id}})
    answer = requests.get(lrs["endpoint"] + "/statements", params={"agent": agent},
                          auth=(lrs["username"], lrs["password"]),
                          headers={"X-Experience-API-Version": "1.0.3"}, timeout=10)
    assert answer.status_code == 200
    return answer.json()["statements"]


def test_the_embedded_server_sends_email_and_xapi_statements_with_no_other_service(app, session, running_jobs,
                                                                                   smtp_server, ralph_lrs):
    site = f"http://tracker-{uuid.uuid4().hex[:12]}.test"
    app.config.update(JOB_PERIOD_SECONDS=1, SMTP_URL=smtp_server.url, MAIL_FROM="tracker@team.example",
                      PUBLIC_URL=site, XAPI_ENDPOINT=ralph_lrs["endpoint"], XAPI_USERNAME=ralph_lrs["username"],
                      XAPI_PASSWORD=ralph_lrs["password"])
    mona = accounts.update_settings(session=session, user=factories.user(session, "mona"),
                                    email="mona@example.com", frequency=EmailFrequency.immediate)
    notifications.notify(session=session, user=mona, kind=NotificationKind.shared_note, key="n1",
                         message="Lena shared a note on “HTTP Protocol”.", link="/notifications")
    lena = factories.user(session, "lena")
    progress.write_mark(session=session, user=lena, article=factories.article(session, "routing"),
                        state=ProgressState.done)
    session.commit()

    running_jobs()
    (message,) = smtp_server.wait_for(1)
    assert message["To"] == "mona@example.com"
    (statement,) = wait_until(lambda: _statements(ralph_lrs, site, lena), what="the statement to reach the LRS")
    assert statement["verb"]["id"].endswith("/completed")
    time.sleep(2.5)  # two more periods: claimed in the database, nothing goes twice
    assert len(smtp_server.messages) == 1 and len(_statements(ralph_lrs, site, lena)) == 1


@pytest.fixture
def metrics_app(database_url, tmp_path):
    app = make_app(database_url, tmp_path, METRICS=True, JOB_RETRY_SECONDS=0.5)
    yield app
    app.extensions["tracker.engine"].dispose()


def _gauges(client) -> dict[str, float]:
    text = client.get("/metrics").get_data(as_text=True)
    return {family.name: family.samples[0].value for family in text_string_to_metric_families(text)
            if family.name.startswith("tracker_jobs_")}


def test_a_failing_job_is_retried_with_backoff_then_shown_to_admins_and_counted_and_a_retry_reruns_it(metrics_app):
    app = metrics_app
    stop = serving.start_jobs(app)
    try:
        jobs = jobs_for(app)
        tries: list[float] = []

        def flaky() -> None:
            tries.append(time.monotonic())
            if len(tries) <= queue.RETRIES + 1:
                raise RuntimeError("the mail server said 451 try later")

        jobs.define("flaky", flaky)
        jobs.tasks["flaky"]()
        admin = csrf_client(app).sign_in("ada")
        (failed,) = wait_until(lambda: queue.failed_jobs(jobs), what="the job to fail for good")

        # Each retry waited at least twice as long as the one before (0.5 s, 1, 2, 4), and there were 4.
        waits = [later - earlier for earlier, later in itertools.pairwise(tries)]
        assert len(tries) == queue.RETRIES + 1
        assert all(wait >= 0.5 * 2 ** n - 0.05 for n, wait in enumerate(waits)), waits

        page = admin.get("/admin/jobs").get_data(as_text=True)
        assert "flaky" in page and "RuntimeError: the mail server said 451 try later" in page
        assert f'id="job-{failed.id}"' in page and ">5<" in page  # tries
        gauges = _gauges(admin)
        assert gauges.items() >= {"tracker_jobs_failed": 1.0, "tracker_jobs_running": 0.0,
                                  "tracker_jobs_queued": 0.0, "tracker_jobs_storage_up": 1.0}.items(), gauges

        answer = admin.post(f"/admin/jobs/failed/{failed.id}/retry", headers={"HX-Request": "true"})
        assert answer.status_code == 200 and "queued again" in answer.get_data(as_text=True)
        assert f"job-{failed.id}" not in answer.get_data(as_text=True)
        wait_until(lambda: len(tries) == queue.RETRIES + 2, what="the retried job to run")
        wait_until(lambda: _gauges(admin)["tracker_jobs_failed"] == 0, what="the failure to leave the metrics")
        assert queue.failed_jobs(jobs) == []
        # A second click on the same (stale) button queues nothing more: an alert for HTMX, a message otherwise.
        again = admin.post(f"/admin/jobs/failed/{failed.id}/retry", headers={"HX-Request": "true"})
        assert again.status_code == 404 and "retried or discarded already" in again.get_data(as_text=True)
        plain = admin.post(f"/admin/jobs/failed/{failed.id}/retry", follow_redirects=True)
        assert plain.status_code == 200 and "retried or discarded already" in plain.get_data(as_text=True)
        time.sleep(1)
        assert len(tries) == queue.RETRIES + 2
    finally:
        stop()


def test_a_failed_job_is_discarded_once_and_only_by_an_admin_with_the_form_token(app, make_client, running_jobs):
    app.config.update(JOB_RETRY_SECONDS=0)
    jobs = running_jobs()
    jobs.define("broken", lambda: 1 / 0)
    jobs.tasks["broken"]()
    (failed,) = wait_until(lambda: queue.failed_jobs(jobs), what="the job to fail for good")
    assert failed.error.startswith("ZeroDivisionError")

    assert make_client("lena").get("/admin/jobs").status_code in {302, 403}
    assert make_client("mona").post(f"/admin/jobs/failed/{failed.id}/discard").status_code in {302, 403}
    admin = make_client("ada")
    assert admin.post(f"/admin/jobs/failed/{failed.id}/discard", csrf=False).status_code == 400
    assert [job.id for job in queue.failed_jobs(jobs)] == [failed.id]

    answer = admin.post(f"/admin/jobs/failed/{failed.id}/discard", follow_redirects=True)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "The failed job is discarded." in page and "No job has failed." in page
    assert admin.post(f"/admin/jobs/failed/{failed.id}/discard", headers={"HX-Request": "true"}).status_code == 404
