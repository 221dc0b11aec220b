"""Notifications in Slack or Microsoft Teams: a learner or mentor gives an incoming-webhook URL on the account
page (checked: https, Slack's or Microsoft's hosts unless the operator allows others), and each new in-app
notification is posted there as {"text": …} with a link, by the job queue, once."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests import factories
from tests.test_jobs import wait_until
from tracker import serving
from tracker.models import NotificationKind, utcnow
from tracker.services.errors import Invalid
from tracker.services.notifications import chat
from tracker.services.notifications import in_app as notifications


@pytest.fixture
def chat_receiver():
    """A chat service on 127.0.0.1: every POST's path and JSON body."""
    received: list[tuple[str, dict]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            received.append((self.path, json.loads(body)))
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", received
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(("path", "link"), [("/services/T000/B000/XXXX", "<http://tracker.test/paths/x|Open>"),
                                            ("/webhookb2/abc/IncomingWebhook/def", "[Open](http://tracker.test/paths/x)")])
def test_a_notification_is_posted_once_to_the_slack_or_teams_url_set_on_the_account_page(
        app, session, make_client, chat_receiver, path, link):
    base, received = chat_receiver
    app.config.update(CHAT_HOSTS="any", PUBLIC_URL="http://tracker.test", JOB_PERIOD_SECONDS=1)
    lena = make_client("lena")
    answer = lena.post("/account/chat", data={"url": base + path})
    assert answer.status_code == 303
    stop = serving.start_jobs(app)
    try:
        user = factories.user(session, "lena")
        session.refresh(user)
        notifications.notify(session=session, user=user, kind=NotificationKind.due_soon, key="k1",
                             message="“API designer” is due Jan 31.", link="/paths/x")
        session.commit()
        (got,) = wait_until(lambda: received, what="the chat post")
        assert got == (path, {"text": f"“API designer” is due Jan 31. {link}"})
        time.sleep(2.5)  # two more periods: claimed, never posted twice
        assert len(received) == 1
    finally:
        stop()


@pytest.mark.parametrize("url", ["ftp://hooks.slack.com/services/x", "not a url", "http://hooks.slack.com/services/x",
                                 "https://evil.example.com/services/x", "https://hooks.slack.com.evil.example/x"])
def test_a_chat_url_that_is_not_an_https_slack_or_teams_webhook_is_refused_on_the_page_nothing_saved(
        session, make_client, url):
    lena = make_client("lena")
    answer = lena.post("/account/chat", data={"url": url})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400 and 'aria-invalid="true"' in page and 'id="url-error"' in page
    session.expire_all()
    assert factories.user(session, "lena").chat_webhook_url == ""


def test_the_operator_may_allow_any_https_host_and_only_tests_allow_plain_http():
    assert chat.check_chat_url("https://acme.webhook.office.com/webhookb2/x", hosts="official")
    assert chat.check_chat_url("https://prod-1.westeurope.logic.azure.com/workflows/x", hosts="official")
    assert chat.check_chat_url("https://chat.example.com/hooks/x", hosts="any-https")
    with pytest.raises(Invalid):
        chat.check_chat_url("http://chat.example.com/hooks/x", hosts="any-https")
    assert chat.check_chat_url("http://127.0.0.1:9/services/x", hosts="any")


def test_setting_a_chat_url_does_not_post_the_notifications_from_before(session):
    user = factories.user(session, "lena")
    notifications.notify(session=session, user=user, kind=NotificationKind.due_soon, key="old", message="Old.")
    session.commit()
    chat.set_chat_url(session=session, user=user, url="https://hooks.slack.com/services/x", hosts="official",
                      now=utcnow())
    posted: list = []
    assert chat.send_due_chat(session=session, public_url="http://t", now=utcnow(),
                              post=lambda url, body: posted.append(body)).posted == 0
