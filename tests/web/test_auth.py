"""Sign-up, sign-in, remember me, password changes, first-run setup and personal tokens."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlmodel import delete, select

from tests.conftest import PASSWORD, make_app
from tracker.models import ApiToken, Role, User


def test_sign_up_signs_the_new_learner_in(client, session):
    response = client.post("/signup", data={"username": "Newton", "password": "falling apples orbit",
                                             "confirm": "falling apples orbit"})
    assert response.status_code == 302 and response.headers["Location"] == "/paths/"
    assert "Hello, newton" in client.get("/").get_data(as_text=True)
    user = session.exec(select(User).where(User.username == "newton")).one()
    assert user.role == Role.learner
    assert user.password_hash.startswith("$argon2id$")


@pytest.mark.parametrize(("password", "message"), [
    ("short", "at least 8 characters"),
    ("password1", "This password appears in lists of breached passwords; choose another."),
    ("qwertyuiop", "This password appears in lists of breached passwords; choose another."),
    ("Summer2024", "This is similar to a commonly used password."),
])
def test_weak_passwords_are_refused_with_a_clear_message(client, password, message):
    response = client.post("/signup", data={"username": "newbie", "password": password, "confirm": password})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_long_and_unicode_passwords_are_accepted_as_typed(client):
    long_one = "a long walk along the river bank at dawn " * 20
    for name, password in [("unicode", "пароль-секрет-ключ 🔑 ok"), ("longpass", long_one)]:
        fresh = client.application.test_client()
        signup = fresh.post("/signup", data={"username": name, "password": password, "confirm": password})
        assert signup.status_code == 302
        fresh.sign_out()
        assert fresh.sign_in(name, password)


def test_a_taken_username_is_refused_whatever_its_case(client):
    response = client.post("/signup", data={"username": "LENA", "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 400
    assert "The username &#39;lena&#39; is taken." in response.get_data(as_text=True)


def test_wrong_password_and_unknown_user_get_the_same_answer(client):
    wrong = client.post("/signin", data={"username": "lena", "password": "nope nope nope"})
    unknown = client.post("/signin", data={"username": "nobody", "password": "nope nope nope"})
    assert wrong.status_code == unknown.status_code == 400
    assert "Wrong username or password." in wrong.get_data(as_text=True)
    assert "Wrong username or password." in unknown.get_data(as_text=True)


def test_sign_in_follows_only_local_next_targets(client):
    ok = client.post("/signin?next=/catalog", data={"username": "lena", "password": PASSWORD})
    assert ok.headers["Location"] == "/catalog"
    client.sign_out()
    evil = client.post("/signin?next=https://evil.example/x", data={"username": "lena", "password": PASSWORD})
    assert evil.headers["Location"] == "/"
    client.sign_out()
    sneaky = client.post("/signin?next=//evil.example/x", data={"username": "lena", "password": PASSWORD})
    assert sneaky.headers["Location"] == "/"


def test_remember_me_sets_a_lasting_cookie(client):
    client.sign_in("lena", remember=True)
    assert client.get_cookie("tracker_remember") is not None


def test_sign_out_ends_the_session(make_client):
    lena = make_client("lena")
    assert lena.get("/account").status_code == 200
    lena.sign_out()
    assert lena.get("/account").status_code == 302


def test_signing_out_needs_a_post_with_csrf(make_client):
    lena = make_client("lena")
    assert lena.get("/signout").status_code == 405
    assert lena.post("/signout", csrf=False).status_code == 400
    assert lena.get("/account").status_code == 200


def test_changing_the_password_needs_the_current_one_and_ends_other_sessions(make_client):
    laptop, phone = make_client("lena"), make_client("lena")
    wrong = laptop.post("/account/password", data={"current": "not it at all", "password": "a brand new secret",
                                                   "confirm": "a brand new secret"})
    assert wrong.status_code == 400 and "The current password is not right." in wrong.get_data(as_text=True)
    ok = laptop.post("/account/password", data={"current": PASSWORD, "password": "a brand new secret",
                                                "confirm": "a brand new secret"})
    assert ok.status_code == 302
    assert laptop.get("/account").status_code == 200  # this session continues
    assert phone.get("/account").status_code == 302    # the other one is signed out
    fresh = make_client()
    assert fresh.post("/signin", data={"username": "lena", "password": PASSWORD}).status_code == 400
    assert fresh.sign_in("lena", "a brand new secret")


def test_closed_sign_up_is_refused(database_url, tmp_path):
    app = make_app(database_url, tmp_path, OPEN_SIGNUP=False)
    response = app.test_client().get("/signup")
    assert response.status_code == 403
    assert "Sign-up is closed" in response.get_data(as_text=True)
    app.extensions["tracker.engine"].dispose()


ROOT = {"username": "root", "password": "the first admin here", "confirm": "the first admin here"}


def _setup_link(runner) -> str:
    """The link `tracker setup-link` prints (as `tracker run` does at start), as a path with its token."""
    result = runner.invoke(args=["setup-link"])
    assert result.exit_code == 0, result.output
    return "/setup?" + result.output.split("/setup?")[1].split()[0]


def test_a_fresh_install_offers_the_administrator_setup_once(client, session, runner):
    session.exec(delete(User))
    session.commit()
    assert client.get("/").headers["Location"] == "/setup"
    link = _setup_link(runner)
    token = link.split("token=")[1]
    assert 'name="token"' in client.get(link).get_data(as_text=True)
    response = client.post("/setup", data=ROOT | {"token": token})
    assert response.status_code == 302
    assert session.exec(select(User.role).where(User.username == "root")).one() == Role.admin
    assert client.get("/setup").status_code == 404
    assert client.get(link).status_code == 404
    assert client.get("/").status_code == 200


def test_whoever_comes_first_cannot_claim_or_block_a_fresh_install(client, make_client, session, runner, app):
    session.exec(delete(User))
    session.commit()
    link = _setup_link(runner)
    # sign-up is closed until the administrator exists, so the first visitor cannot take the first account
    squatter = make_client()
    refused = squatter.post("/signup", data={"username": "squatter", "password": "first come first served",
                                             "confirm": "first come first served"})
    assert refused.status_code == 403 and "once the administrator has set up" in refused.get_data(as_text=True)
    # and /setup without the printed link says how to get it, and creates nothing
    page = squatter.get("/setup")
    assert page.status_code == 200 and "tracker setup-link" in page.get_data(as_text=True)
    assert 'name="password"' not in page.get_data(as_text=True)
    assert squatter.post("/setup", data=ROOT).status_code == 403
    guessed = squatter.post("/setup", data=ROOT | {"token": "guessed-" + "x" * 35})
    assert guessed.status_code == 403 and "not valid" in guessed.get_data(as_text=True)
    assert squatter.get("/setup?token=" + "x" * 10_000).status_code == 403
    assert session.exec(select(User)).all() == []
    # the owner, who reads the server's output, still sets it up
    assert client.post("/setup", data=ROOT | {"token": link.split("token=")[1]}).status_code == 302
    stored = app.config["DATA_DIR"] / "setup-token"
    assert not stored.exists()


def test_the_setup_token_is_kept_hashed_owner_only_and_a_new_link_ends_the_old_one(client, session, runner, app):
    import os
    import stat

    session.exec(delete(User))
    session.commit()
    first = _setup_link(runner)
    stored = app.config["DATA_DIR"] / "setup-token"
    assert stat.S_IMODE(os.stat(stored).st_mode) == 0o600
    assert first.split("token=")[1] not in stored.read_text()
    second = _setup_link(runner)
    assert client.get(first).status_code == 403
    assert client.get(second).status_code == 200


def test_an_install_claimed_by_an_early_sign_up_can_still_be_set_up(client, session, runner):
    """Before sign-up waited for setup, a visitor could take the first account: the link still makes an admin."""
    session.exec(delete(User).where(User.role != Role.learner))
    session.commit()
    link = _setup_link(runner)
    assert client.post("/setup", data=ROOT | {"token": link.split("token=")[1]}).status_code == 302
    assert session.exec(select(User.role).where(User.username == "root")).one() == Role.admin


def test_the_setup_link_is_refused_once_an_administrator_exists(runner, app):
    result = runner.invoke(args=["setup-link"])
    assert result.exit_code == 1 and "setup is done" in result.output
    assert not (app.config["DATA_DIR"] / "setup-token").exists()


def test_tokens_are_shown_once_stored_hashed_and_revocable(make_client, session):
    lena = make_client("lena")
    page = lena.post("/account/tokens", data={"name": "my script", "password": PASSWORD}).get_data(as_text=True)
    raw = page.split('id="new-token">')[1].split("<")[0]
    assert raw.startswith("trk_")
    stored = session.exec(select(ApiToken)).one()
    assert raw not in stored.token_hash and stored.name == "my script"
    assert raw not in lena.get("/account").get_data(as_text=True)

    api = make_client()
    assert api.get("/api/v1/me/progress", headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    assert lena.post(f"/account/tokens/{stored.id}/revoke").status_code == 303
    assert api.get("/api/v1/me/progress", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_a_user_cannot_revoke_someone_elses_token(make_client, session):
    make_client("lena").post("/account/tokens", data={"name": "mine", "password": PASSWORD})
    token_id = session.exec(select(ApiToken.id)).one()
    assert make_client("leo").post(f"/account/tokens/{token_id}/revoke").status_code == 404


def test_tokens_command_creates_a_working_token(runner, make_client):
    result = runner.invoke(args=["tokens", "create", "lena", "--name", "cli"])
    assert result.exit_code == 0, result.output
    raw = result.output.strip().splitlines()[-1]
    response = make_client().get("/api/v1/me/paths", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200


def test_a_backslash_next_target_cannot_leave_the_site(client):
    response = client.post("/signin?next=/%5Cevil.example", data={"username": "lena", "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_oversized_requests_are_refused_before_reading_them(client):
    response = client.post("/signin", data={"username": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413


def test_repeated_failed_sign_ins_are_slowed_down(client):
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=1), tick=False):
        for _ in range(6):
            assert client.post("/signin", data={"username": "lena", "password": "wrong guess"}).status_code == 400
        blocked = client.post("/signin", data={"username": "lena", "password": PASSWORD})
        assert blocked.status_code == 429
        assert "Too many wrong passwords for this account from your address" in blocked.get_data(as_text=True)
        # another account from the same address is not slowed down by lena's attacker
        assert client.post("/signin", data={"username": "leo", "password": PASSWORD}).status_code == 302


def test_account_forms_tie_hints_and_errors_to_their_fields_without_empty_attributes(client):
    page = client.get("/signup").get_data(as_text=True)
    assert '"None"' not in page and 'aria-describedby="password-hint"' in page
    refused = client.post("/signup", data={"username": "x", "password": "short", "confirm": "other"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and '"None"' not in text
    assert 'aria-describedby="confirm-error" aria-invalid="true"' in text and 'id="confirm-error"' in text
