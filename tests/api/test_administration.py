"""Administration through the API: users and roles, taking access back, credentials, the security log, webhooks,
jobs and learning records. Scripts use an administrator's token with the admin scope."""

from __future__ import annotations

import pytest
from sqlmodel import select

from tests import factories
from tests.api.tokens import bearer
from tests.conftest import PASSWORD
from tracker.models import Role, SecurityEvent, SecurityEventKind, TokenScope, User, WebhookEndpoint

STRONG = "plum harbour quietly sixteen"


@pytest.fixture
def admin(session):
    """The header of ada's admin-scope token."""
    return bearer(session, "ada", TokenScope.admin)


def events(session, kind: SecurityEventKind, username: str) -> list[SecurityEvent]:
    session.expire_all()
    return list(session.exec(select(SecurityEvent).where(SecurityEvent.kind == kind,
                                                         SecurityEvent.username == username)))


def test_an_admin_finds_users_and_reads_one(client, admin):
    found = client.get("/api/v1/admin/users?q=le", headers=admin).get_json()["items"]
    assert [(u["username"], u["role"], u["active"]) for u in found] == [("lena", "learner", True),
                                                                        ("leo", "learner", True)]
    assert client.get("/api/v1/admin/users/mona", headers=admin).get_json()["role"] == "mentor"
    assert client.get("/api/v1/admin/users/ghost", headers=admin).status_code == 404


def test_an_admin_makes_an_account_whose_owner_must_change_the_password_first(client, admin, session, make_client):
    made = client.post("/api/v1/admin/users", headers=admin,
                       json={"username": "Nora", "password": STRONG, "role": "mentor", "display_name": "Nora N"})
    assert made.status_code == 201
    assert (made.get_json()["username"], made.get_json()["role"], made.get_json()["must_change_password"]) == (
        "nora", "mentor", True)
    nora = make_client().sign_in("nora", STRONG)
    assert nora.get("/api/v1/me").status_code == 403  # the temporary password is changed first
    assert "made by ada" in events(session, SecurityEventKind.signed_up, "nora")[0].detail


@pytest.mark.parametrize(("body", "message"), [
    ({"username": "lena", "password": STRONG}, "is taken"),
    ({"username": "nora", "password": "password"}, "assword"),
    ({"username": "nora", "password": STRONG, "role": "root"}, "role: "),
    ({"username": "nora"}, "password: this field is required"),
])
def test_a_bad_new_account_is_refused_with_a_clear_message_and_none_is_made(client, admin, session, body, message):
    response = client.post("/api/v1/admin/users", headers=admin, json=body)
    assert response.status_code == 400 and message in response.get_json()["error"]["message"]
    assert session.exec(select(User).where(User.username == "nora")).first() is None


def test_changing_a_role_and_refusing_to_demote_yourself(client, admin, session):
    changed = client.put("/api/v1/admin/users/leo/role", headers=admin, json={"role": "mentor"})
    assert changed.status_code == 200 and changed.get_json()["role"] == "mentor"
    assert events(session, SecurityEventKind.role_changed, "leo")[0].detail == "mentor, by ada"
    refused = client.put("/api/v1/admin/users/ada/role", headers=admin, json={"role": "learner"})
    assert refused.status_code == 400 and "cannot take the admin role" in refused.get_json()["error"]["message"]
    assert factories.user(session, "ada").role is Role.admin
    assert client.put("/api/v1/admin/users/leo/role", headers=admin, json={"role": "king"}).status_code == 400


def test_revoking_a_users_tokens_ends_their_access_on_the_next_call(client, admin, session):
    lena = bearer(session, "lena")
    assert client.get("/api/v1/me", headers=lena).status_code == 200
    revoked = client.delete("/api/v1/admin/users/lena/tokens", headers=admin)
    assert revoked.status_code == 200 and revoked.get_json()["tokens"] == 1
    assert client.get("/api/v1/me", headers=lena).status_code == 401
    assert client.get("/api/v1/admin/users/lena", headers=admin).get_json()["live_tokens"] == 0
    assert "revoked by ada" in events(session, SecurityEventKind.tokens_revoked, "lena")[0].detail


def test_ending_a_users_access_signs_out_their_browsers_and_revokes_their_tokens(client, admin, session, make_client):
    browser, token = make_client("lena"), bearer(session, "lena")
    ended = client.delete("/api/v1/admin/users/lena/sessions", headers=admin).get_json()
    assert (ended["devices"], ended["tokens"]) == (1, 1)
    assert browser.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers=token).status_code == 401


def test_a_deactivated_users_token_is_refused_and_stays_refused_after_reactivation(client, admin, session):
    lena = bearer(session, "lena")
    off = client.put("/api/v1/admin/users/lena/active", headers=admin, json={"active": False})
    assert off.status_code == 200 and off.get_json()["active"] is False
    assert client.get("/api/v1/me", headers=lena).status_code == 401
    assert client.put("/api/v1/admin/users/lena/active", headers=admin,
                      json={"active": True}).get_json()["active"] is True
    assert client.get("/api/v1/me", headers=lena).status_code == 401  # revoked for good
    assert events(session, SecurityEventKind.deactivated, "lena")
    refused = client.put("/api/v1/admin/users/ada/active", headers=admin, json={"active": False})
    assert refused.status_code == 400 and "your own account" in refused.get_json()["error"]["message"]


def test_a_deactivated_admins_admin_token_is_refused(client, session):
    other = bearer(session, "ada", TokenScope.admin)
    mona = factories.user(session, "mona")
    mona.role = Role.admin
    session.commit()
    mona_admin = bearer(session, "mona", TokenScope.admin)
    assert client.put("/api/v1/admin/users/ada/active", headers=mona_admin, json={"active": False}).status_code == 200
    assert client.get("/api/v1/admin/users", headers=other).status_code == 401


def test_a_temporary_password_revokes_the_users_tokens_and_a_weak_one_is_refused(client, admin, session,
                                                                                make_client):
    lena = bearer(session, "lena")
    weak = client.post("/api/v1/admin/users/lena/temporary-password", headers=admin, json={"password": "lena"})
    assert weak.status_code == 400
    assert client.get("/api/v1/me", headers=lena).status_code == 200  # nothing changed
    done = client.post("/api/v1/admin/users/lena/temporary-password", headers=admin, json={"password": STRONG})
    assert done.status_code == 200 and done.get_json()["must_change_password"] is True
    assert client.get("/api/v1/me", headers=lena).status_code == 401
    make_client().sign_in("lena", STRONG)
    with pytest.raises(AssertionError):
        make_client().sign_in("lena", PASSWORD)


def test_with_local_passwords_off_the_api_refuses_a_temporary_password_as_the_page_does(app, client, admin,
                                                                                        session):
    app.config.update(LOCAL_PASSWORDS=False, BREAK_GLASS_ADMINS=("ada",))
    lena = bearer(session, "lena")
    before = factories.user(session, "lena").password_hash
    refused = client.post("/api/v1/admin/users/lena/temporary-password", headers=admin, json={"password": STRONG})
    assert refused.status_code == 403
    assert "lena cannot have a password: Passwords are turned off" in refused.get_json()["error"]["message"]
    session.expire_all()
    assert factories.user(session, "lena").password_hash == before
    assert client.get("/api/v1/me", headers=lena).status_code == 200  # her tokens still work: nothing changed
    allowed = client.post("/api/v1/admin/users/ada/temporary-password", headers=admin, json={"password": STRONG})
    assert allowed.status_code == 200  # the break-glass administrator keeps a password


def test_deleting_a_user_asks_for_the_username_and_not_for_yourself(client, admin, session):
    wrong = client.open("/api/v1/admin/users/leo", method="DELETE", headers=admin, json={"confirm": "lena"})
    assert wrong.status_code == 400 and "type 'leo' to confirm" in wrong.get_json()["error"]["message"]
    assert session.exec(select(User).where(User.username == "leo")).first() is not None
    assert client.open("/api/v1/admin/users/ada", method="DELETE", headers=admin,
                       json={"confirm": "ada"}).status_code == 403
    assert client.open("/api/v1/admin/users/leo", method="DELETE", headers=admin,
                       json={"confirm": " LEO "}).status_code == 204
    session.expire_all()
    assert session.exec(select(User).where(User.username == "leo")).first() is None


def test_the_security_log_filters_by_kind_and_username(client, admin):
    client.delete("/api/v1/admin/users/lena/tokens", headers=admin)
    client.put("/api/v1/admin/users/leo/role", headers=admin, json={"role": "mentor"})
    items = client.get("/api/v1/admin/security-events?kind=role_changed", headers=admin).get_json()["items"]
    assert [(e["kind"], e["username"]) for e in items] == [("role_changed", "leo")]
    assert all(e["username"] == "leo" for e in
               client.get("/api/v1/admin/security-events?username=leo", headers=admin).get_json()["items"])
    bad = client.get("/api/v1/admin/security-events?kind=nope", headers=admin)
    assert bad.status_code == 400 and "unknown event kind" in bad.get_json()["error"]["message"]


def test_mentorships_are_listed_for_admins(client, admin, session):
    factories.mentor_of(session, "mona", "lena")
    items = client.get("/api/v1/mentorships", headers=admin).get_json()["items"]
    assert [(m["mentor"], m["learner"], m["status"]) for m in items] == [("mona", "lena", "active")]


def test_an_admin_adds_a_webhook_sees_its_secret_once_switches_it_off_tests_and_deletes_it(client, admin, session):
    bad = client.post("/api/v1/admin/webhooks", headers=admin, json={"url": "ftp://x", "events": ["progress.marked"]})
    assert bad.status_code == 400 and bad.get_json()["error"]["message"]
    assert session.exec(select(WebhookEndpoint)).all() == []
    made = client.post("/api/v1/admin/webhooks", headers=admin,
                       json={"url": "https://hooks.example.com/in", "events": ["progress.marked"]})
    assert made.status_code == 201, made.get_json()
    endpoint = made.get_json()
    assert endpoint["secret"].startswith("whsec_") and endpoint["enabled"] is True
    [listed] = client.get("/api/v1/admin/webhooks", headers=admin).get_json()["items"]
    assert "secret" not in listed and listed["events"] == ["progress.marked"]
    off = client.put(f"/api/v1/admin/webhooks/{endpoint['id']}/enabled", headers=admin, json={"enabled": False})
    assert off.get_json()["enabled"] is False
    assert client.post(f"/api/v1/admin/webhooks/{endpoint['id']}/test", headers=admin).status_code == 202
    assert client.delete(f"/api/v1/admin/webhooks/{endpoint['id']}", headers=admin).status_code == 204
    assert client.delete(f"/api/v1/admin/webhooks/{endpoint['id']}", headers=admin).status_code == 404
    assert client.post(f"/api/v1/admin/webhooks/{endpoint['id']}/test", headers=admin).status_code == 404


def test_the_jobs_queue_is_read_and_a_failed_job_that_is_gone_is_404(client, admin):
    jobs = client.get("/api/v1/admin/jobs", headers=admin)
    assert jobs.status_code == 200 and jobs.get_json()["failed_jobs"] == []
    assert client.post("/api/v1/admin/jobs/failed/no-such-job/retry", headers=admin).status_code == 404
    assert client.delete("/api/v1/admin/jobs/failed/no-such-job", headers=admin).status_code == 404
    assert client.delete("/api/v1/admin/jobs/failed/" + "x" * 80, headers=admin).status_code == 404


def test_learning_records_without_a_store_answer_clearly(client, admin):
    records = client.get("/api/v1/admin/records", headers=admin).get_json()
    assert records["store"] is None and records["refused_statements"] == []
    push = client.post("/api/v1/admin/records/push", headers=admin)
    assert push.status_code == 400 and "No Learning Record Store" in push.get_json()["error"]["message"]
    retried = client.post("/api/v1/admin/records/refused/retry", headers=admin).get_json()
    assert retried["due"] == 0 and "once a Learning Record Store is set up" in retried["message"]
    assert client.delete("/api/v1/admin/records/refused/no-such", headers=admin).status_code == 404
    assert client.post("/api/v1/admin/records/refused/no-such/retry", headers=admin).status_code == 404
