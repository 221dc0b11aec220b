"""Outgoing webhooks: each event a learner sets off reaches the endpoints subscribed to it, signed per Standard
Webhooks (checked with the `standardwebhooks` library's own verifier), retried under the same message id, logged;
a disabled endpoint gets nothing, and an event recorded while the queue was away is sent when it is back."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlmodel import col, select
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from tests import factories
from tests.services.records.test_credentials import follow, settle, store_for
from tests.test_jobs import wait_until
from tracker import serving
from tracker.jobs import jobs_for
from tracker.models import ProgressState, WebhookDelivery, WebhookEndpoint, WebhookEvent, utcnow
from tracker.services.errors import Invalid
from tracker.services.mentoring import assignments, reminders
from tracker.services.progress import marks
from tracker.services.records import credentials, signing_keys
from tracker.services.webhooks import endpoints


@dataclass
class Receiver:
    """An endpoint on 127.0.0.1 answering each request with the next status of `answers` (then 200)."""

    answers: list[int] = field(default_factory=list)
    received: list[tuple[bytes, dict[str, str], float]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def receiver():
    made = []

    def start(*answers: int) -> Receiver:
        found = Receiver(answers=list(answers))

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                found.received.append((body, dict(self.headers.items()), time.monotonic()))
                self.send_response(found.answers.pop(0) if found.answers else 200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        found.url = f"http://127.0.0.1:{server.server_port}/hooks"
        made.append(server)
        return found

    yield start
    for server in made:
        server.shutdown()
        server.server_close()


@pytest.fixture
def running_jobs(app):
    app.config.update(JOB_RETRY_SECONDS=0.2)
    stops = []

    def start():
        stops.append(serving.start_jobs(app))
        return jobs_for(app)

    yield start
    for stop in stops:
        stop()


def _endpoint(session, url: str, *events: str) -> WebhookEndpoint:
    return endpoints.add_endpoint(session=session, admin=factories.user(session, "ada"), url=url,
                                  event_types=events or ["progress.marked"], now=utcnow())


def _log(session, endpoint: WebhookEndpoint) -> list[WebhookDelivery]:
    session.expire_all()
    return list(session.exec(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
                             .order_by(col(WebhookDelivery.id))))


def test_marking_an_article_delivers_a_verified_progress_marked_event(session, make_client, receiver, running_jobs):
    hook = receiver()
    endpoint = _endpoint(session, hook.url)
    running_jobs()
    lena = make_client("lena")
    marked = time.monotonic()
    assert lena.post("/articles/http-protocol/progress", data={"state": "done"}).status_code in {200, 302, 303}

    (body, headers, arrived) = wait_until(lambda: hook.received, what="the webhook")[0]
    print(f"\nmark to verified webhook delivery: {(arrived - marked) * 1000:.0f} ms (in-process queue)")
    event = Webhook(endpoint.secret).verify(body, headers)
    assert event["type"] == "progress.marked" and event["id"] == headers["webhook-id"]
    assert event["data"]["article"] == "http-protocol" and event["data"]["state"] == "done"
    assert event["data"]["learner"]["username"] == "lena"
    (delivery,) = wait_until(lambda: _log(session, endpoint), what="the delivery log")
    assert (delivery.delivered, delivery.status_code, delivery.attempt) == (True, 200, 1)


def test_a_failing_endpoint_gets_the_same_message_id_on_each_retry_and_the_log_shows_every_try(
        session, receiver, running_jobs):
    hook = receiver(500, 500, 200)
    endpoint = _endpoint(session, hook.url)
    marks.write_mark(session=session, user=factories.user(session, "lena"),
                     article=factories.article(session, "routing"), state=ProgressState.done)
    running_jobs()

    wait_until(lambda: len(hook.received) == 3, what="three tries")
    ids = {headers["webhook-id"] for _body, headers, _at in hook.received}
    assert len(ids) == 1
    for body, headers, _at in hook.received:
        assert Webhook(endpoint.secret).verify(body, headers)["data"]["article"] == "routing"
    log = wait_until(lambda: len(_log(session, endpoint)) == 3 and _log(session, endpoint), what="three log rows")
    assert [(row.attempt, row.status_code, row.delivered) for row in log] == [
        (1, 500, False), (2, 500, False), (3, 200, True)]
    assert log[0].error == "answered 500" and {row.message_id for row in log} == ids
    time.sleep(1)
    assert len(hook.received) == 3  # delivered: no more tries


def test_a_disabled_endpoint_gets_nothing(session, make_client, receiver, running_jobs):
    on, off = receiver(), receiver()
    _endpoint(session, on.url)
    disabled = _endpoint(session, off.url)
    endpoints.set_enabled(session=session, admin=factories.user(session, "ada"), endpoint_id=disabled.id,
                          enabled=False)
    running_jobs()
    make_client("lena").post("/articles/http-protocol/progress", data={"state": "done"})
    wait_until(lambda: on.received, what="the enabled endpoint's delivery")
    time.sleep(1)
    assert off.received == [] and _log(session, disabled) == []


def test_a_delivery_checked_with_another_secret_or_a_changed_body_is_refused(session, make_client, receiver,
                                                                              running_jobs):
    hook = receiver()
    endpoint = _endpoint(session, hook.url)
    running_jobs()
    make_client("lena").post("/articles/http-protocol/progress", data={"state": "done"})
    body, headers, _at = wait_until(lambda: hook.received, what="the webhook")[0]
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoints.new_secret()).verify(body, headers)
    tampered = json.loads(body)
    tampered["data"]["state"] = "skipped"
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint.secret).verify(json.dumps(tampered), headers)
    with pytest.raises(WebhookVerificationError):  # replayed later than the tolerance allows
        Webhook(endpoint.secret).verify(body, {**headers, "webhook-timestamp": str(int(time.time()) - 3600)})


def test_an_event_recorded_while_the_queue_was_away_is_sent_by_the_next_round(app, session, receiver, running_jobs):
    hook = receiver()
    endpoint = _endpoint(session, hook.url)
    marks.write_mark(session=session, user=factories.user(session, "lena"),
                     article=factories.article(session, "routing"), state=ProgressState.done)
    jobs_for(app).huey.flush()  # the queue lost the dispatch it was given (a crash, a flushed Redis)
    (event,) = session.exec(select(WebhookEvent)).all()
    assert event.dispatched_at is None
    app.config.update(JOB_PERIOD_SECONDS=1)
    app.extensions.pop("tracker.jobs")
    running_jobs()
    body, headers, _at = wait_until(lambda: hook.received, what="the next round's delivery")[0]
    assert headers["webhook-id"] == event.message_id
    assert Webhook(endpoint.secret).verify(body, headers)["type"] == "progress.marked"


def test_nobody_subscribed_means_nothing_is_written_to_the_outbox(session):
    marks.write_mark(session=session, user=factories.user(session, "lena"),
                     article=factories.article(session, "routing"), state=ProgressState.done)
    assert session.exec(select(WebhookEvent)).all() == []


@pytest.mark.parametrize("url", ["ftp://example.com/hooks", "not a url", "example.com/hooks", "https://",
                                 "javascript:alert(1)", "https://user:pw@example.com/", "http://exa mple.com/"])
def test_an_endpoint_url_must_be_http_or_https_with_a_host(url):
    with pytest.raises(Invalid):
        endpoints.check_url(url)


def _endpoints(session) -> list[WebhookEndpoint]:
    session.expire_all()
    return list(session.exec(select(WebhookEndpoint)))


def test_an_admin_adds_an_endpoint_and_sees_its_secret_once_then_tests_disables_and_deletes_it(
        session, make_client, receiver, running_jobs):
    hook = receiver()
    running_jobs()
    admin = make_client("ada")
    answer = admin.post("/admin/webhooks", data={"url": hook.url, "events": ["progress.marked",
                                                                           "credential.revoked"]})
    (endpoint,) = _endpoints(session)
    endpoint_id = endpoint.id
    assert answer.status_code == 200 and endpoint.secret in answer.get_data(as_text=True)
    assert endpoint.events == "progress.marked,credential.revoked" and endpoint.secret.startswith("whsec_")
    assert endpoint.secret not in admin.get("/admin/webhooks").get_data(as_text=True)

    tested = admin.post(f"/admin/webhooks/{endpoint.id}/test", headers={"HX-Request": "true"})
    assert tested.status_code == 200 and "A test event is on its way" in tested.get_data(as_text=True)
    body, headers, _at = wait_until(lambda: hook.received, what="the test event")[0]
    assert Webhook(endpoint.secret).verify(body, headers)["type"] == "webhook.test"
    page = wait_until(lambda: "200 delivered" in (text := admin.get("/admin/webhooks").get_data(as_text=True))
                      and text, what="the delivery in the log")
    assert headers["webhook-id"] in page

    disabled = admin.post(f"/admin/webhooks/{endpoint.id}/disable", follow_redirects=True)
    assert disabled.status_code == 200 and "is disabled" in disabled.get_data(as_text=True)
    assert _endpoints(session)[0].enabled is False
    deleted = admin.post(f"/admin/webhooks/{endpoint.id}/delete", headers={"HX-Request": "true"})
    assert deleted.status_code == 200 and "No endpoint yet." in deleted.get_data(as_text=True)
    assert _endpoints(session) == []
    again = admin.post(f"/admin/webhooks/{endpoint_id}/delete", headers={"HX-Request": "true"})
    assert again.status_code == 404 and "no such webhook endpoint" in again.get_data(as_text=True)


@pytest.mark.parametrize("url", ["ftp://example.com/hooks", "not a url"])
def test_a_bad_url_is_refused_on_the_page_and_in_the_fragment_keeping_what_was_typed(session, make_client, url):
    admin = make_client("ada")
    page = admin.post("/admin/webhooks", data={"url": url, "events": ["progress.marked"]})
    text = page.get_data(as_text=True)
    assert page.status_code == 400 and 'aria-invalid="true"' in text and 'id="url-error"' in text
    assert f'value="{url}"' in text
    fragment = admin.post("/admin/webhooks", data={"url": url, "events": ["progress.marked"]},
                          headers={"HX-Request": "true", "HX-Target": "webhook-endpoints"})
    assert fragment.status_code == 400 and 'role="alert"' in fragment.get_data(as_text=True)
    assert fragment.headers.get("HX-Retarget") == "#alerts"
    assert _endpoints(session) == []


def test_no_event_chosen_is_refused_and_only_admins_with_the_form_token_manage_webhooks(session, make_client):
    admin = make_client("ada")
    page = admin.post("/admin/webhooks", data={"url": "https://hooks.example.com/x"})
    assert page.status_code == 400 and "Choose at least one event." in page.get_data(as_text=True)
    assert admin.post("/admin/webhooks", data={"url": "https://hooks.example.com/x", "events": ["progress.marked"]},
                      csrf=False).status_code == 400
    for who in ("lena", "mona"):
        client = make_client(who)
        assert client.get("/admin/webhooks").status_code in {302, 403}
        assert client.post("/admin/webhooks", data={"url": "https://hooks.example.com/x",
                                                    "events": ["progress.marked"]}).status_code in {302, 403}
    assert _endpoints(session) == []


def _outbox(session) -> list[tuple[str, dict]]:
    session.expire_all()
    return [(event.type.value, json.loads(event.payload)["data"])
            for event in session.exec(select(WebhookEvent).order_by(col(WebhookEvent.id)))]


@pytest.fixture
def issuer(session, tmp_path) -> signing_keys.Issuer:
    return signing_keys.Issuer(url="https://tracker.example.com", store=store_for(session, tmp_path))


def test_a_credential_issued_then_revoked_is_two_events_in_the_outbox(session, issuer):
    _endpoint(session, "https://hooks.example.com/x", "credential.issued", "credential.revoked")
    lena = follow(session)
    settle(session, lena, "api-designer")
    (credential,) = credentials.issue_due(session=session, user=lena, now=utcnow(), issuer=issuer)
    credentials.revoke(session=session, admin=factories.user(session, "ada"), credential_id=credential.id,
                       reason="Marked in bulk by a script", now=utcnow(), site="https://tracker.example.org")
    (issued, issued_data), (revoked, revoked_data) = _outbox(session)  # no progress.marked: not subscribed
    assert (issued, revoked) == ("credential.issued", "credential.revoked")
    assert issued_data["credential"] == revoked_data["credential"] == credential.public_id
    assert issued_data["path"] == "api-designer" and issued_data["learner"]["username"] == "lena"
    assert revoked_data["reason"] == "Marked in bulk by a script" and revoked_data["revoked_at"]


def test_a_due_date_reminder_is_an_assignment_due_soon_event_once(session):
    _endpoint(session, "https://hooks.example.com/x", "assignment.due_soon", "assignment.overdue")
    factories.mentor_of(session, "mona", "lena")
    today = utcnow().date()
    assignments.assign_path(session=session, mentor=factories.user(session, "mona"), usernames=["lena"],
                            path=factories.path(session, "api-designer"), due_on=today + timedelta(days=2),
                            note="", today=today)
    lena = factories.user(session, "lena")
    reminders.remind_due_dates(session=session, user=lena, today=today)
    reminders.remind_due_dates(session=session, user=lena, today=today)
    ((kind, data),) = _outbox(session)
    assert kind == "assignment.due_soon" and data["path"] == "api-designer" and data["mentor"] == "mona"
    assert data["due_on"] == (today + timedelta(days=2)).isoformat()
