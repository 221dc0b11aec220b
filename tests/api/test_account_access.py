"""Your own access through the API: tokens and devices listed and ended, signing out everywhere, the chat URL,
sharing a certificate, and review statistics."""

from __future__ import annotations

import pytest
from sqlmodel import select

from tests import factories
from tests.api.tokens import bearer
from tests.web.test_credentials import finish_but_one
from tracker.models import Credential, SecurityEvent, SecurityEventKind, TokenScope


def test_a_script_lists_its_tokens_and_revokes_one_which_then_answers_401(client, session):
    first, second = bearer(session, "lena"), bearer(session, "lena", TokenScope.read)
    items = client.get("/api/v1/me/tokens", headers=first).get_json()["items"]
    assert sorted((t["scope"], t["current"]) for t in items) == [("read", False), ("write", True)]
    assert all("secret" not in t and len(t["hint"]) <= 16 for t in items)
    read_id = next(t["id"] for t in items if t["scope"] == "read")
    assert client.delete(f"/api/v1/me/tokens/{read_id}", headers=first).status_code == 204
    assert client.get("/api/v1/me", headers=second).status_code == 401
    assert client.delete(f"/api/v1/me/tokens/{read_id}", headers=first).status_code == 404
    assert session.exec(select(SecurityEvent).where(SecurityEvent.kind == SecurityEventKind.token_revoked)).all()


def test_someone_elses_token_or_device_cannot_be_ended(client, session, make_client):
    leo = bearer(session, "leo")
    lena_token = bearer(session, "lena")
    lena_browser = make_client("lena")
    lena_ids = [t["id"] for t in client.get("/api/v1/me/tokens", headers=lena_token).get_json()["items"]]
    device_ids = [d["id"] for d in lena_browser.get("/api/v1/me/sessions").get_json()["items"]]
    assert all(client.delete(f"/api/v1/me/tokens/{i}", headers=leo).status_code == 404 for i in lena_ids)
    assert all(client.delete(f"/api/v1/me/sessions/{i}", headers=leo).status_code == 404 for i in device_ids)
    assert client.get("/api/v1/me", headers=lena_token).status_code == 200
    assert lena_browser.get("/api/v1/me").status_code == 200


def test_a_device_is_signed_out_from_the_api(client, session, make_client):
    browser = make_client("lena")
    token = bearer(session, "lena")
    [device] = client.get("/api/v1/me/sessions", headers=token).get_json()["items"]
    assert device["current"] is False and device["device"]
    assert client.delete(f"/api/v1/me/sessions/{device['id']}", headers=token).status_code == 204
    assert browser.get("/api/v1/me").status_code == 401


def test_signing_out_everywhere_from_a_token_ends_that_token_too(client, session, make_client):
    browser, token, other = make_client("lena"), bearer(session, "lena"), bearer(session, "lena")
    ended = client.post("/api/v1/me/sessions/end-all", headers=token)
    assert ended.status_code == 200 and ended.get_json() == {"devices": 1, "tokens": 2}
    assert client.get("/api/v1/me", headers=token).status_code == 401
    assert client.get("/api/v1/me", headers=other).status_code == 401
    assert browser.get("/api/v1/me").status_code == 401


def test_a_read_only_token_cannot_revoke_or_sign_out(client, session):
    read_only, writer = bearer(session, "lena", TokenScope.read), bearer(session, "lena")
    assert client.post("/api/v1/me/sessions/end-all", headers=read_only).status_code == 403
    items = client.get("/api/v1/me/tokens", headers=read_only).get_json()["items"]
    assert all(client.delete(f"/api/v1/me/tokens/{t['id']}", headers=read_only).status_code == 403 for t in items)
    assert client.get("/api/v1/me", headers=writer).status_code == 200


def test_the_chat_url_is_set_refused_when_foreign_and_removed(make_client, session):
    lena = make_client("lena")
    assert lena.get("/api/v1/me/chat").get_json() == {"url": ""}
    url = "https://hooks.slack.com/services/T000/B000/XXXX"
    assert lena.put("/api/v1/me/chat", json={"url": url}).get_json() == {"url": url}
    refused = lena.put("/api/v1/me/chat", json={"url": "https://evil.example.com/hook"})
    assert refused.status_code == 400 and refused.get_json()["error"]["message"]
    assert factories.user(session, "lena").chat_webhook_url == url
    assert lena.put("/api/v1/me/chat", json={"url": ""}).get_json() == {"url": ""}


@pytest.fixture
def credential(session, make_client):
    lena, last = finish_but_one(session, make_client)
    lena.put(f"/api/v1/me/progress/{last.slug}", json={"state": "done", "path": "api-designer"})
    return session.exec(select(Credential)).one()


def test_a_learner_shares_a_certificate_and_makes_it_private_again(make_client, session, credential):
    lena = make_client("lena")
    [mine] = lena.get("/api/v1/me/credentials").get_json()["items"]
    assert mine["id"] == credential.public_id and mine["shared"] is False
    shared = lena.put(f"/api/v1/me/credentials/{credential.public_id}/sharing", json={"shared": True})
    assert shared.status_code == 200 and shared.get_json()["shared"] is True
    assert make_client().get(f"/credentials/{credential.public_id}").status_code == 200
    lena.put(f"/api/v1/me/credentials/{credential.public_id}/sharing", json={"shared": False})
    assert make_client().get(f"/credentials/{credential.public_id}").status_code == 404


def test_no_one_else_shares_a_learners_certificate(make_client, session, credential):
    assert make_client("leo").put(f"/api/v1/me/credentials/{credential.public_id}/sharing",
                                  json={"shared": True}).status_code == 404
    assert make_client("ada").put(f"/api/v1/me/credentials/{credential.public_id}/sharing",
                                  json={"shared": True}).status_code in {403, 404}
    bad = make_client("lena").put(f"/api/v1/me/credentials/{credential.public_id}/sharing", json={"shared": "yes!"})
    assert bad.status_code == 400
    session.refresh(credential)
    assert credential.shared is False


def test_an_admin_revokes_and_regrants_a_credential_through_the_api(client, session, credential, make_client):
    admin = bearer(session, "ada", TokenScope.admin)
    [listed] = client.get("/api/v1/admin/credentials?username=lena", headers=admin).get_json()["items"]
    assert (listed["learner"], listed["path"], listed["revoked"]) == ("lena", "api-designer", False)
    no_reason = client.post(f"/api/v1/admin/credentials/{listed['id']}/revoke", headers=admin, json={"reason": " "})
    assert no_reason.status_code == 400 and "Reason" in no_reason.get_json()["error"]["message"]
    revoked = client.post(f"/api/v1/admin/credentials/{listed['id']}/revoke", headers=admin,
                          json={"reason": "Copied answers"})
    assert revoked.status_code == 200
    assert (revoked.get_json()["revoked"], revoked.get_json()["revoked_reason"]) == (True, "Copied answers")
    assert client.post(f"/api/v1/admin/credentials/{listed['id']}/revoke", headers=admin,
                       json={"reason": "again"}).status_code == 409
    verified = make_client().post("/api/v1/credentials/verify", json={"jwt": credential.jwt}).get_json()
    assert verified["valid"] is False and "Copied answers" in verified["reason"]
    regranted = client.post(f"/api/v1/admin/credentials/{listed['id']}/regrant", headers=admin,
                            json={"reason": "Appeal upheld"})
    assert regranted.status_code == 200 and regranted.get_json()["revoked"] is False
    assert client.post(f"/api/v1/admin/credentials/{listed['id']}/regrant", headers=admin,
                       json={"reason": "twice"}).status_code == 409
    assert client.post("/api/v1/admin/credentials/999999/revoke", headers=admin,
                       json={"reason": "x"}).status_code == 404


def test_review_statistics_cover_thirty_days_each_way(make_client):
    lena = make_client("lena")
    lena.post("/api/v1/me/cards", json={"article": "http-protocol", "prompt": "Safe verbs?", "answer": "GET"})
    stats = lena.get("/api/v1/me/reviews/stats").get_json()
    assert len(stats["reviews_per_day"]) == 30 and len(stats["forecast"]) == 30
    assert stats["by_state"]["new"] == 1 and stats["true_retention"] is None
