"""API tokens end when the account is recovered: a stolen session cannot mint a token that outlives the
password change, and every step that takes an account back revokes its tokens (ASVS 7.4.3, 7.4.5)."""

from sqlmodel import col, select

from tests import factories
from tests.conftest import PASSWORD
from tracker.models import ApiToken, SecurityEvent, SecurityEventKind
from tracker.services.people import tokens

NEW_PASSWORD = "a brand new passphrase here"


def _bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def _token_from(page: str) -> str:
    return page.split('id="new-token">')[1].split("<")[0]


def _revocations(session, username: str) -> list[str]:
    session.expire_all()
    return list(session.exec(select(SecurityEvent.detail).where(
        SecurityEvent.kind == SecurityEventKind.tokens_revoked, SecurityEvent.username == username)
        .order_by(col(SecurityEvent.id))))


def test_a_stolen_session_cannot_make_a_token_without_the_password(make_client, session):
    thief = make_client("lena")  # holds lena's session cookie, not her password
    refused = thief.post("/account/tokens", data={"name": "backdoor", "scope": "write", "lifetime": ""})
    assert refused.status_code == 400
    assert "password" in refused.get_data(as_text=True).lower()
    wrong = thief.post("/account/tokens", data={"name": "backdoor", "scope": "write", "lifetime": "",
                                                "password": "a lucky guess"})
    assert wrong.status_code == 400 and "The password is not right." in wrong.get_data(as_text=True)
    assert session.exec(select(ApiToken)).all() == []


def test_a_token_made_from_a_stolen_session_dies_when_the_victim_changes_her_password(make_client, session):
    thief, lena = make_client("lena"), make_client("lena")
    made = thief.post("/account/tokens", data={"name": "backdoor", "scope": "write", "lifetime": "",
                                               "password": PASSWORD})
    assert made.status_code == 200
    raw = _token_from(made.get_data(as_text=True))
    api = make_client()
    assert api.get("/api/v1/me/export", headers=_bearer(raw)).status_code == 200

    changed = lena.post("/account/password", data={"current": PASSWORD, "password": NEW_PASSWORD,
                                                   "confirm": NEW_PASSWORD})
    assert changed.status_code == 302
    answer = api.get("/api/v1/me/export", headers=_bearer(raw))
    assert answer.status_code == 401 and answer.get_json()["error"]
    assert thief.get("/account").status_code == 302  # the stolen session is over too
    assert _revocations(session, "lena") == ["1 token: password changed"]
    assert "backdoor" not in lena.get("/account").get_data(as_text=True)


def test_signing_out_everywhere_revokes_every_token(make_client, session):
    lena = make_client("lena")
    raw, _ = tokens.create_token(session=session, user=factories.user(session, "lena"), name="one")
    other, _ = tokens.create_token(session=session, user=factories.user(session, "lena"), name="two")
    kept, _ = tokens.create_token(session=session, user=factories.user(session, "leo"), name="leo's")
    assert lena.post("/account/sessions/end-all").status_code == 303
    api = make_client()
    assert api.get("/api/v1/me/export", headers=_bearer(raw)).status_code == 401
    assert api.get("/api/v1/me/export", headers=_bearer(other)).status_code == 401
    assert api.get("/api/v1/me/export", headers=_bearer(kept)).status_code == 200
    assert _revocations(session, "lena") == ["2 tokens: signed out everywhere"]


def test_a_temporary_password_revokes_the_tokens(make_client, session):
    raw, _ = tokens.create_token(session=session, user=factories.user(session, "lena"), name="script")
    ada = make_client("ada")
    assert ada.post("/admin/users/lena", data={"action": "password", "password": "a temporary passphrase"}) \
        .status_code == 303
    api = make_client()
    assert api.get("/api/v1/me/export", headers=_bearer(raw)).status_code == 401
    # and the new password, once chosen, does not bring it back
    lena = make_client().sign_in("lena", "a temporary passphrase")
    lena.post("/account/password", data={"current": "a temporary passphrase", "password": NEW_PASSWORD,
                                         "confirm": NEW_PASSWORD})
    assert api.get("/api/v1/me/export", headers=_bearer(raw)).status_code == 401
    assert _revocations(session, "lena") == ["1 token: temporary password set by ada"]


def test_deactivation_revokes_the_tokens_and_reactivation_does_not_bring_them_back(make_client, session):
    raw, _ = tokens.create_token(session=session, user=factories.user(session, "lena"), name="script")
    ada = make_client("ada")
    assert ada.post("/admin/users/lena", data={"action": "deactivate"}).status_code == 303
    assert ada.post("/admin/users/lena", data={"action": "reactivate"}).status_code == 303
    api = make_client()
    assert api.get("/api/v1/me/export", headers=_bearer(raw)).status_code == 401
    assert _revocations(session, "lena") == ["1 token: deactivated by ada"]


def test_an_admin_revokes_someone_elses_tokens_from_the_users_page(make_client, session):
    raw, _ = tokens.create_token(session=session, user=factories.user(session, "lena"), name="script")
    ada = make_client("ada")
    page = ada.get("/admin/users?q=lena").get_data(as_text=True)
    assert "Revoke all of lena's API tokens" in page
    done = ada.post("/admin/users/lena?q=lena", data={"action": "revoke_tokens"}, follow_redirects=True)
    assert done.status_code == 200 and "1 API token of lena revoked" in done.get_data(as_text=True)
    assert make_client().get("/api/v1/me/export", headers=_bearer(raw)).status_code == 401
    assert _revocations(session, "lena") == ["1 token: revoked by ada"]


def test_only_admins_revoke_other_peoples_tokens_and_only_with_a_csrf_token(make_client, session):
    raw, _ = tokens.create_token(session=session, user=factories.user(session, "leo"), name="script")
    assert make_client("mona").post("/admin/users/leo", data={"action": "revoke_tokens"}).status_code == 403
    assert make_client("ada").post("/admin/users/leo", data={"action": "revoke_tokens"}, csrf=False) \
        .status_code == 400
    assert make_client().get("/api/v1/me/export", headers=_bearer(raw)).status_code == 200
