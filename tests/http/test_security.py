"""Security at the boundary: sessions that end, the API's 401, tokens' scope and expiry, throttling,
one administrator at setup, private answers, and the security event log."""

from __future__ import annotations

import json
import os
import re
import stat
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlmodel import select

from tests import factories
from tests.conftest import PASSWORD, CSRFClient, make_app
from tracker import db
from tracker.models import DeviceSession, Installation, Role, SecurityEvent, SecurityEventKind, TokenScope, User
from tracker.services.people import security_log, tokens


def cookies_of(client) -> dict[str, str]:
    return {cookie.key: cookie.value for cookie in client._cookies.values()}


def browser_with(app, cookies: dict[str, str]) -> FlaskClient:
    """A different browser that holds copies of someone's cookies."""
    thief = app.test_client()
    for name, value in cookies.items():
        thief.set_cookie(name, value)
    return thief


# ---------------------------------------------------------------- sessions

def test_a_copied_session_cookie_is_anonymous_after_sign_out(app, make_client):
    lena = make_client("lena")
    copy = cookies_of(lena)
    assert browser_with(app, copy).get("/account").status_code == 200
    lena.sign_out()
    assert browser_with(app, copy).get("/account").status_code == 302


def test_a_copied_remember_me_cookie_alone_is_anonymous_after_sign_out(app, client):
    client.sign_in("lena", remember=True)
    remember = {"tracker_remember": cookies_of(client)["tracker_remember"]}
    assert browser_with(app, remember).get("/account").status_code == 200  # the cookie alone signs in
    client.sign_out()
    assert browser_with(app, remember).get("/account").status_code == 302


def test_two_sign_ins_give_different_remember_cookies(make_client, client):
    first = CSRFClient.sign_in(client, "lena", remember=True)
    value = cookies_of(first)["tracker_remember"]
    again = make_client()
    again.sign_in("lena", remember=True)
    assert cookies_of(again)["tracker_remember"] != value


def test_sign_out_everywhere_ends_every_device(make_client):
    laptop, phone = make_client("lena"), make_client("lena")
    assert laptop.get("/account").get_data(as_text=True).count("Sign out this device") == 1  # the phone
    response = laptop.post("/account/sessions/end-all")
    assert response.status_code == 303 and response.headers["Clear-Site-Data"] == '"cache", "storage"'
    assert laptop.get("/account").status_code == 302 and phone.get("/account").status_code == 302


def test_signing_out_one_device_leaves_the_others_signed_in(app, make_client, session):
    from tracker.models import DeviceSession

    laptop = make_client("lena")
    phone = make_client("lena")
    ids_before = {d.id for d in session.exec(select(DeviceSession))}
    phone_id = max(ids_before)  # the last sign-in is the phone's
    assert laptop.post(f"/account/sessions/{phone_id}/end").status_code == 303
    assert phone.get("/account").status_code == 302
    assert laptop.get("/account").status_code == 200
    assert make_client("leo").post(f"/account/sessions/{phone_id - 1}/end").status_code == 404


def test_the_csrf_secret_changes_at_sign_in(client):
    before = client.csrf_token()
    client.sign_in("lena")
    response = client.post("/notifications/read", headers={"X-CSRFToken": before})
    assert response.status_code == 400 and "security token" in response.get_data(as_text=True)


def test_password_change_role_change_and_deactivation_end_the_user_s_sessions(app, make_client):
    ada = make_client("ada")
    for action in ({"action": "role", "role": "mentor"}, {"action": "deactivate"}):
        leo = make_client("leo") if action["action"] == "role" else None
        if leo is None:
            ada.post("/admin/users/leo", data={"action": "reactivate"})
            leo = make_client("leo")
        copy = cookies_of(leo)
        ada.post("/admin/users/leo", data=action)
        assert browser_with(app, copy).get("/account").status_code == 302, action


def test_a_deactivated_user_with_the_right_password_is_told_so(make_client):
    make_client("ada").post("/admin/users/leo", data={"action": "deactivate"})
    page = make_client().post("/signin", data={"username": "leo", "password": PASSWORD})
    assert page.status_code == 400 and "This account is deactivated" in page.get_data(as_text=True)
    wrong = make_client().post("/signin", data={"username": "leo", "password": "not the password"})
    assert "Wrong username or password" in wrong.get_data(as_text=True)


# ---------------------------------------------------------------- the API contract and tokens

@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_an_unauthenticated_api_write_is_401_with_www_authenticate(client, method):
    response = client.open("/api/v1/me/progress/http-protocol", method=method, json={"state": "done"}, csrf=False)
    if method in ("POST", "PATCH", "DELETE"):
        assert response.status_code in (401, 405)
        if response.status_code == 405:
            return
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="tracker"'


def test_expired_and_revoked_tokens_get_401(session, client):
    lena = factories.user(session, "lena")
    raw, token = tokens.create_token(session=session, user=lena, name="short", expires_in_days=30)
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/me/progress", headers=headers).status_code == 200
    token.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    session.add(token)
    session.commit()
    assert client.get("/api/v1/me/progress", headers=headers).status_code == 401
    raw2, token2 = tokens.create_token(session=session, user=lena, name="revoked")
    tokens.revoke_token(session=session, user=lena, token_id=token2.id)
    assert client.get("/api/v1/me/progress", headers={"Authorization": f"Bearer {raw2}"}).status_code == 401


def test_a_read_only_token_reads_but_cannot_write(session, client):
    raw, _ = tokens.create_token(session=session, user=factories.user(session, "lena"), name="ro",
                                 scope=TokenScope.read)
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/me/paths", headers=headers).status_code == 200
    write = client.put("/api/v1/me/progress/http-protocol", json={"state": "done"}, headers=headers)
    assert write.status_code == 403 and "read-only" in write.get_json()["error"]["message"]
    refused = session.exec(select(SecurityEvent).where(SecurityEvent.kind == SecurityEventKind.access_refused)).all()
    assert refused and refused[-1].username == "lena"


def test_an_api_token_does_not_open_the_pages(session, client):
    raw, _ = tokens.create_token(session=session, user=factories.user(session, "ada"), name="admin script")
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get("/admin/users", headers=headers).status_code == 302  # to sign-in: no session
    posted = client.post("/admin/users/leo", data={"action": "deactivate"}, headers=headers, csrf=False)
    assert posted.status_code == 400  # no session, so no CSRF token: the bearer token is no substitute
    assert factories.user(session, "leo").is_active


def test_tokens_are_created_with_a_scope_and_an_expiry_from_the_account_page(make_client, session):
    lena = make_client("lena")
    page = lena.post("/account/tokens", data={"name": "reader", "scope": "read", "lifetime": "30",
                                              "password": PASSWORD})
    assert page.status_code == 200 and "Copy your new token now" in page.get_data(as_text=True)
    token = tokens.list_tokens(session=session, user=factories.user(session, "lena"))[0]
    assert token.scope is TokenScope.read and token.expires_at is not None
    assert 29 <= (token.expires_at.replace(tzinfo=UTC) - datetime.now(UTC)).days <= 30


# ---------------------------------------------------------------- throttling

def test_without_trusted_proxies_forwarded_addresses_are_ignored(database_url, tmp_path):
    app = make_app(database_url, tmp_path)
    app.test_client_class = CSRFClient
    client = app.test_client()
    for i in range(3):
        client.post("/signin", data={"username": "nobody", "password": "x"}, headers={"X-Forwarded-For": f"10.0.0.{i}"})
    with app.app_context():
        events = db.get_session().exec(select(SecurityEvent)
                                       .where(SecurityEvent.kind == SecurityEventKind.sign_in_failed)).all()
    assert {e.address for e in events} == {"127.0.0.1"}
    app.extensions["tracker.engine"].dispose()


def test_failed_sign_ins_are_capped_per_address_and_each_client_behind_the_proxy_counts_apart(database_url, tmp_path):
    app = make_app(database_url, tmp_path, TRUSTED_PROXIES=1)
    app.test_client_class = CSRFClient
    client = app.test_client()
    guessing = {"X-Forwarded-For": "198.51.100.7"}
    statuses = [client.post("/signin", data={"username": f"user{i}", "password": "guess"}, headers=guessing).status_code
                for i in range(61)]
    assert statuses[:60] == [400] * 60 and statuses[60] == 429
    refused = client.post("/signin", data={"username": "lena", "password": PASSWORD}, headers=guessing)
    assert refused.status_code == 429 and "from your address" in refused.get_data(as_text=True)
    # a colleague behind the same proxy is another client: not locked out by the guesser
    colleague = client.post("/signin", data={"username": "lena", "password": PASSWORD},
                            headers={"X-Forwarded-For": "198.51.100.8"})
    assert colleague.status_code == 302
    app.extensions["tracker.engine"].dispose()


def test_a_slowed_account_signs_in_again_once_the_wait_has_passed(database_url, tmp_path):
    start = datetime.now(UTC)
    app = make_app(database_url, tmp_path)
    app.test_client_class = CSRFClient
    client = app.test_client()
    with time_machine.travel(start, tick=False):
        client.csrf_token()
        for i in range(10):  # five free, then 1 s, 2 s, 4 s, 8 s: the last ones are refused unchecked
            client.post("/signin", data={"username": "lena", "password": f"guess {i}"})
        assert client.post("/signin", data={"username": "lena", "password": PASSWORD}).status_code == 429
    with time_machine.travel(start + timedelta(seconds=1, milliseconds=1), tick=False):
        assert client.post("/signin", data={"username": "lena", "password": PASSWORD}).status_code == 302
    app.extensions["tracker.engine"].dispose()


def test_sign_up_is_limited_per_address(database_url, tmp_path):
    app = make_app(database_url, tmp_path)
    app.test_client_class = CSRFClient
    created = []
    for i in range(11):
        client = app.test_client()
        response = client.post("/signup", data={"username": f"newcomer{i}", "password": "a fine long passphrase",
                                                "confirm": "a fine long passphrase"})
        created.append(response.status_code)
    assert created[:10] == [302] * 10 and created[10] == 429
    app.extensions["tracker.engine"].dispose()


# ---------------------------------------------------------------- setup

def test_concurrent_setups_create_exactly_one_administrator(empty_database_url, tmp_path):
    from tracker.services.people import first_run

    app = make_app(empty_database_url, tmp_path)
    with app.app_context():
        db.upgrade(db.get_engine())
    app.test_client_class = CSRFClient
    token = first_run.issue_setup_token(data_dir=app.config["DATA_DIR"])

    def attempt(i: int) -> int:
        client = app.test_client()
        return client.post("/setup", data={"username": f"admin{i}", "password": "the first admin's passphrase",
                                           "confirm": "the first admin's passphrase", "token": token}).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(attempt, range(8)))
    with app.app_context():
        admins = db.get_session().exec(select(User).where(User.role == Role.admin)).all()
        installation = db.get_session().exec(select(Installation)).all()
    app.extensions["tracker.engine"].dispose()
    assert len(admins) == 1 and len(installation) == 1 and installation[0].admin_id == admins[0].id
    # the others: 404 once the administrator exists, 403 when the link died under them, 400 for the race itself
    assert statuses.count(302) == 1 and all(s in (302, 400, 403, 404) for s in statuses)


# ---------------------------------------------------------------- private answers

def test_signed_in_answers_are_not_stored_and_sign_out_clears_the_browser(make_client, session):
    lena = make_client("lena")
    for url in ("/", "/account", "/api/v1/me/progress", "/paths/api-designer"):
        assert lena.get(url).headers["Cache-Control"] == "no-store", url
    raw, _ = tokens.create_token(session=session, user=factories.user(session, "lena"), name="t")
    assert lena.get("/api/v1/me/paths", headers={"Authorization": f"Bearer {raw}"}).headers["Cache-Control"] \
        == "no-store"
    assert "no-store" not in lena.get("/static/app.css").headers.get("Cache-Control", "")
    out = lena.sign_out()
    assert out.headers["Clear-Site-Data"] == '"cache", "storage"'


def test_pages_keep_no_htmx_history_copies(client):
    assert '"historyCacheSize": 0' in client.get("/").get_data(as_text=True)


def test_secure_cookies_use_the_host_prefix_and_hsts(database_url, tmp_path):
    import re

    app = make_app(database_url, tmp_path, SECURE_COOKIES=True)
    client = app.test_client()
    page = client.get("/signin", base_url="https://localhost").get_data(as_text=True)
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    response = client.post("/signin", data={"username": "lena", "password": PASSWORD, "remember": "y"},
                           headers={"X-CSRFToken": token, "Referer": "https://localhost/signin"},
                           base_url="https://localhost")
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("__Host-tracker_session=") and "Secure" in c and "Path=/" in c for c in cookies)
    assert any(c.startswith("__Host-tracker_remember=") and "Secure" in c for c in cookies)
    assert "max-age=" in response.headers["Strict-Transport-Security"]
    app.extensions["tracker.engine"].dispose()


def test_the_sqlite_file_and_data_dir_are_readable_by_the_owner_only(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'fresh' / 'tracker.db'}", tmp_path / "fresh")
    assert stat.S_IMODE(os.stat(tmp_path / "fresh" / "tracker.db").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "fresh" / "data").st_mode) == 0o700
    app.extensions["tracker.engine"].dispose()


# ---------------------------------------------------------------- the record

def test_security_events_are_recorded_and_shown_to_admins_and_to_each_user(make_client, session):
    make_client().post("/signin", data={"username": "lena", "password": "wrong password"})
    lena = make_client("lena")
    lena.post("/account/tokens", data={"name": "script", "scope": "write", "lifetime": "", "password": PASSWORD})
    kinds = [e.kind for e in session.exec(select(SecurityEvent).where(SecurityEvent.username == "lena"))]
    assert kinds == [SecurityEventKind.sign_in_failed, SecurityEventKind.sign_in, SecurityEventKind.token_created]
    history = lena.get("/account").get_data(as_text=True)
    assert "Sign in failed" in history and "Recent sign-ins" in history
    admin_page = make_client("ada").get("/admin/security?kind=sign_in_failed").get_data(as_text=True)
    assert "lena" in admin_page and "Sign in failed" in admin_page
    assert make_client("ada").get("/admin/security?kind=bogus").status_code == 400
    assert make_client("mona").get("/admin/security").status_code == 403


# ---------------------------------------------------------------- the security event log

def test_every_account_change_is_in_the_security_log_and_its_json_line_holds_no_secret(make_client, session,
                                                                                        caplog):
    new_password = "a brand new passphrase here"
    temporary = "temporary passphrase 42"
    with caplog.at_level("INFO", logger="tracker.security"):
        lena, other_device = make_client("lena"), make_client("lena")
        page = lena.post("/account/tokens", data={"name": "reader", "scope": "read", "lifetime": "30",
                                                  "password": PASSWORD})
        raw = re.search(r"trk_[A-Za-z0-9_-]{20,}", page.get_data(as_text=True)).group(0)
        token = tokens.list_tokens(session=session, user=factories.user(session, "lena"))[0]
        lena.post(f"/account/tokens/{token.id}/revoke")
        devices = session.exec(select(DeviceSession).where(DeviceSession.user_id == factories.user(session, "lena").id)
                               .order_by(DeviceSession.id)).all()
        lena.post(f"/account/sessions/{devices[-1].id}/end")  # the other device, signed in last
        lena.post("/account/password", data={"current": PASSWORD, "password": new_password, "confirm": new_password})
        lena.sign_in("lena", new_password)
        lena.sign_out()
        lena.sign_in("lena", new_password)
        lena.post("/account/sessions/end-all")
        ada = make_client("ada")
        ada.post("/admin/users/leo", data={"action": "role", "role": "mentor"})
        ada.post("/admin/users/leo", data={"action": "deactivate"})
        ada.post("/admin/users/leo", data={"action": "reactivate"})
        ada.post("/admin/users/leo", data={"action": "password", "password": temporary})
    del other_device
    recorded = {(e.kind, e.username) for e in session.exec(select(SecurityEvent))}
    for kind in ("token_created", "token_revoked", "session_ended", "password_changed", "signed_out_everywhere",
                 "sign_out"):
        assert (SecurityEventKind(kind), "lena") in recorded, kind
    for kind in ("role_changed", "deactivated", "reactivated", "temporary_password_set"):
        assert (SecurityEventKind(kind), "leo") in recorded, kind
    lines = [json.loads(record.getMessage()) for record in caplog.records if record.name == "tracker.security"]
    assert {"event": "role_changed", "user": "leo", "address": "127.0.0.1", "detail": "mentor, by ada"} in lines
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert PASSWORD not in text and new_password not in text and temporary not in text and raw not in text


def test_a_logged_line_escapes_what_a_user_typed(session, caplog):
    with caplog.at_level("INFO", logger="tracker.security"):
        security_log.record(session=session, kind=SecurityEventKind.sign_in_failed, username="evil\n{\"event\": 1}")
    [line] = [r.getMessage() for r in caplog.records if r.name == "tracker.security"]
    assert "\n" not in line and json.loads(line)["user"] == "evil\n{\"event\": 1}"


def test_the_content_security_policy_forbids_plugins_and_a_changed_base(client):
    policy = client.get("/signin").headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["object-src"] == "'none'" and directives["base-uri"] == "'none'"


def test_signing_out_removes_the_remember_me_cookie(make_client, app):
    browser = make_client()
    browser.sign_in("lena", remember=True)
    name = app.config["REMEMBER_COOKIE_NAME"]
    assert browser.get_cookie(name) is not None
    out = browser.sign_out()
    assert any(header.startswith(f"{name}=;") for header in out.headers.getlist("Set-Cookie"))
    assert browser.get_cookie(name) is None
    assert browser.get("/account").status_code == 302  # signed out, and no cookie signs it back in


def test_signing_out_everywhere_removes_the_remember_me_cookie_here(make_client, app):
    browser = make_client()
    browser.sign_in("lena", remember=True)
    browser.post("/account/sessions/end-all")
    assert browser.get_cookie(app.config["REMEMBER_COOKIE_NAME"]) is None
