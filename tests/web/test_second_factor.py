"""A second factor after the password: an authenticator app (codes made here by pyotp, as a phone would),
recovery codes, the pending sign-in between the two steps, and what an attacker would try against them."""

from __future__ import annotations

import math
import re
import time
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import time_machine
from sqlmodel import select

from tests import factories
from tests.conftest import PASSWORD, CSRFClient
from tracker.models import ApiToken, Passkey, RecoveryCode, SecurityEvent, SecurityEventKind, TotpFactor, User
from tracker.services.people import second_factor, tokens

SECRET_RE = re.compile(r'id="totp-secret">([A-Z2-7 ]+)<')
CODES_RE = re.compile(r"<li><code>((?:[a-z2-9]{4}-){5}[a-z2-9]{4})</code></li>")
HTMX = {"HX-Request": "true"}


def code_at(secret: str, offset_steps: int = 0) -> str:
    """What the app shows `offset_steps` 30-second steps from now."""
    return pyotp.TOTP(secret).at(time.time() + 30 * offset_steps)


def enrol(client: CSRFClient) -> tuple[str, list[str]]:
    """Set up an app as a person would: read the key off the page, type the code; returns the key and the
    recovery codes shown."""
    started = client.post("/account/second-factor/app", data={"begin-password": PASSWORD})
    assert started.status_code == 200
    found = SECRET_RE.search(started.get_data(as_text=True))
    assert found, "the key is shown while the app is being set up"
    secret = found.group(1).replace(" ", "")
    confirmed = client.post("/account/second-factor/app/confirm", data={"confirm-code": code_at(secret)})
    assert confirmed.status_code == 200, confirmed.get_data(as_text=True)
    codes = CODES_RE.findall(confirmed.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def password_step(client: CSRFClient, username: str = "lena", next_page: str = "") -> None:
    response = client.post(f"/signin{next_page}", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/signin/second-step"


def events(session, kind: SecurityEventKind) -> list[SecurityEvent]:
    session.expire_all()
    return list(session.exec(select(SecurityEvent).where(SecurityEvent.kind == kind)))


def test_an_app_is_on_only_after_a_right_code_and_its_key_is_never_shown_again(make_client, session):
    lena = make_client("lena")
    page = lena.post("/account/second-factor/app", data={"begin-password": PASSWORD}).get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page and "otpauth" not in page.split('src="data:image/svg+xml')[0][-200:]
    secret = SECRET_RE.search(page).group(1).replace(" ", "")
    wrong = lena.post("/account/second-factor/app/confirm", data={"confirm-code": "000000"})
    assert wrong.status_code == 400 and "That code is not right" in wrong.get_data(as_text=True)
    # not on yet: the password alone still signs in
    assert make_client().post("/signin", data={"username": "lena", "password": PASSWORD}).headers["Location"] == "/"

    confirmed = lena.post("/account/second-factor/app/confirm", data={"confirm-code": code_at(secret)})
    assert confirmed.status_code == 200 and len(CODES_RE.findall(confirmed.get_data(as_text=True))) == 10
    account = lena.get("/account").get_data(as_text=True)
    assert "<strong>On.</strong> 10 recovery codes left." in account
    for shown_again in (account, lena.get("/account/second-factor").get_data(as_text=True)):
        assert secret not in shown_again.replace(" ", "") and not CODES_RE.search(shown_again)
    stored = session.exec(select(TotpFactor)).one()
    assert secret not in stored.secret_sealed and stored.confirmed_at is not None
    assert all(len(row.code_hash) == 64 for row in session.exec(select(RecoveryCode)))
    assert [e.detail for e in events(session, SecurityEventKind.second_factor_enrolled)] == ["authenticator app"]


def test_the_password_alone_no_longer_signs_in_and_the_code_does(make_client, session):
    secret, _codes = enrol(make_client("lena"))
    browser = make_client()
    password_step(browser, next_page="?next=/catalog")
    assert browser.get("/account").status_code == 302  # not signed in between the two steps
    assert "One more step" in browser.get("/signin/second-step").get_data(as_text=True)
    done = browser.post("/signin/second-step", data={"code": code_at(secret, 1)})
    assert done.status_code == 303 and done.headers["Location"] == "/catalog"
    assert browser.get("/account").status_code == 200
    assert events(session, SecurityEventKind.sign_in)[-1].detail == "second factor: app"


def test_a_code_is_accepted_once_and_a_replay_is_refused(make_client, session):
    secret, _codes = enrol(make_client("lena"))
    first = make_client()
    password_step(first)
    code = code_at(secret, 1)
    assert first.post("/signin/second-step", data={"code": code}).status_code == 303
    thief = make_client()
    password_step(thief)
    replay = thief.post("/signin/second-step", data={"code": code})
    assert replay.status_code == 400 and "used already" in replay.get_data(as_text=True)
    assert thief.get("/account").status_code == 302
    # an older code than the last one used is refused too, even within the drift window
    older = make_client()
    password_step(older)
    assert older.post("/signin/second-step", data={"code": code_at(secret, 0)}).status_code == 400
    assert len(events(session, SecurityEventKind.second_factor_failed)) == 2


@pytest.mark.parametrize("offset", [-3, 3])
def test_codes_from_outside_one_step_either_side_are_refused(make_client, offset):
    secret, _codes = enrol(make_client("lena"))
    browser = make_client()
    password_step(browser)
    assert browser.post("/signin/second-step", data={"code": code_at(secret, offset)}).status_code == 400
    assert browser.get("/account").status_code == 302


def test_the_pending_sign_in_expires_after_five_minutes(make_client):
    secret, _codes = enrol(make_client("lena"))
    browser = make_client()
    password_step(browser)
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=5, seconds=5)):
        late = browser.post("/signin/second-step", data={"code": code_at(secret)})
        assert late.status_code == 303 and late.headers["Location"] == "/signin"
        assert "waited too long" in browser.get("/signin").get_data(as_text=True)
        assert browser.get("/account").status_code == 302


def test_the_second_step_belongs_to_the_browser_that_gave_the_password(make_client):
    secret, _codes = enrol(make_client("lena"))
    password_step(make_client())
    stranger = make_client()
    answer = stranger.post("/signin/second-step", data={"code": code_at(secret, 1)})
    assert answer.status_code == 303 and answer.headers["Location"] == "/signin"
    assert stranger.get("/account").status_code == 302


def test_too_many_wrong_codes_stop_the_second_step_even_from_new_browsers(make_client, session):
    secret, _codes = enrol(make_client("lena"))
    for _ in range(5):
        browser = make_client()  # a fresh pending state each time: the count is the account's
        password_step(browser)
        assert browser.post("/signin/second-step", data={"code": "123456"}).status_code == 400
    browser = make_client()
    password_step(browser)
    refused = browser.post("/signin/second-step", data={"code": code_at(secret, 1)})
    assert refused.status_code == 429
    assert "Too many wrong codes for this account. Try again in 15 minutes." in refused.get_data(as_text=True)
    assert browser.get("/account").status_code == 302
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=16)):
        later = make_client()
        password_step(later)
        assert later.post("/signin/second-step", data={"code": code_at(secret, 1)}).status_code == 303


def test_a_recovery_code_signs_in_once(make_client, session):
    _secret, codes = enrol(make_client("lena"))
    browser = make_client()
    password_step(browser)
    done = browser.post("/signin/second-step", data={"code": codes[3].upper().replace("-", " ")})
    assert done.status_code == 303
    assert "recovery code: 9 left" in browser.get("/").get_data(as_text=True)
    again = make_client()
    password_step(again)
    assert again.post("/signin/second-step", data={"code": codes[3]}).status_code == 400
    assert [e.detail for e in events(session, SecurityEventKind.recovery_code_used)] == ["9 left"]


def test_new_recovery_codes_need_the_password_and_end_the_old_ones(make_client):
    lena = make_client("lena")
    _secret, old = enrol(lena)
    wrong = lena.post("/account/second-factor/recovery-codes", data={"renew-password": "not it at all"})
    assert wrong.status_code == 400
    renewed = lena.post("/account/second-factor/recovery-codes", data={"renew-password": PASSWORD})
    new = CODES_RE.findall(renewed.get_data(as_text=True))
    assert renewed.status_code == 200 and len(new) == 10 and not set(new) & set(old)
    browser = make_client()
    password_step(browser)
    assert browser.post("/signin/second-step", data={"code": old[0]}).status_code == 400
    assert browser.post("/signin/second-step", data={"code": new[0]}).status_code == 303


def test_turning_the_app_off_needs_the_password_and_a_code(make_client, session):
    lena = make_client("lena")
    secret, _codes = enrol(lena)
    no_password = lena.post("/account/second-factor/app/remove",
                            data={"remove-password": "wrong wrong", "remove-code": code_at(secret, 1)})
    assert no_password.status_code == 400 and "The password is not right." in no_password.get_data(as_text=True)
    no_code = lena.post("/account/second-factor/app/remove",
                        data={"remove-password": PASSWORD, "remove-code": "111111"})
    assert no_code.status_code == 400 and "That code is not right" in no_code.get_data(as_text=True)
    assert session.exec(select(TotpFactor)).one() is not None
    off = lena.post("/account/second-factor/app/remove",
                    data={"remove-password": PASSWORD, "remove-code": code_at(secret, 1)})
    assert off.status_code == 303
    session.expire_all()
    assert session.exec(select(TotpFactor)).first() is None and session.exec(select(RecoveryCode)).first() is None
    assert make_client().post("/signin", data={"username": "lena", "password": PASSWORD}).headers["Location"] == "/"
    assert len(events(session, SecurityEventKind.second_factor_removed)) == 1


def test_htmx_gets_the_section_or_the_step_back_with_the_error_focused(make_client):
    lena = make_client("lena")
    started = lena.post("/account/second-factor/app", data={"begin-password": PASSWORD}, headers=HTMX)
    fragment = started.get_data(as_text=True)
    assert started.status_code == 200 and fragment.lstrip().startswith('<section class="card second-factor"')
    assert "autofocus" in fragment  # the code field, ready to type into
    secret = SECRET_RE.search(fragment).group(1).replace(" ", "")
    refused = lena.post("/account/second-factor/app/confirm", data={"confirm-code": "12"}, headers=HTMX)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and 'aria-invalid="true"' in text and "autofocus" in text
    assert "<html" not in text and "That code is not right" in text
    on = lena.post("/account/second-factor/app/confirm", data={"confirm-code": code_at(secret)}, headers=HTMX)
    assert on.status_code == 200

    browser = make_client()
    password_step(browser)
    wrong = browser.post("/signin/second-step", data={"code": "000000"}, headers=HTMX | {"HX-Target": "second-step"})
    assert wrong.status_code == 400 and wrong.get_data(as_text=True).lstrip().startswith('<section class="narrow card"')
    assert 'aria-invalid="true"' in wrong.get_data(as_text=True)
    done = browser.post("/signin/second-step", data={"code": code_at(secret, 1)}, headers=HTMX)
    assert done.headers["HX-Redirect"] == "/"


def test_the_second_step_needs_its_csrf_token(make_client):
    secret, _codes = enrol(make_client("lena"))
    browser = make_client()
    password_step(browser)
    assert browser.post("/signin/second-step", data={"code": code_at(secret, 1)}, csrf=False).status_code == 400
    assert browser.get("/account").status_code == 302


def test_api_tokens_keep_working_with_a_second_factor(make_client, session):
    enrol(make_client("lena"))
    raw, _token = tokens.create_token(session=session, user=session.exec(select(User).where(User.username == "lena"))
                                      .one(), name="script")
    answer = make_client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert answer.status_code == 200
    assert session.exec(select(ApiToken)).first() is not None


def lena_with_a_passkey(make_client, session) -> tuple[CSRFClient, Passkey]:
    lena = make_client("lena")
    user = session.exec(select(User).where(User.username == "lena")).one()
    passkey = Passkey(user_id=user.id, name="old phone", credential_id="AAEC", public_key="pQECAyYgASFYIA")
    session.add(passkey)
    session.commit()
    return lena, passkey


def test_deleting_a_passkey_needs_the_password(make_client, session):
    lena, passkey = lena_with_a_passkey(make_client, session)
    field = f"passkey{passkey.id}-password"
    refused = lena.post(f"/account/passkeys/{passkey.id}/delete", data={field: "not my password"}, headers=HTMX)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "The password is not right." in text and "autofocus" in text
    assert session.exec(select(Passkey)).first() is not None
    assert make_client("leo").post(f"/account/passkeys/{passkey.id}/delete", data={field: PASSWORD}).status_code == 404
    deleted = lena.post(f"/account/passkeys/{passkey.id}/delete", data={field: PASSWORD})
    assert deleted.status_code == 303
    session.expire_all()
    assert session.exec(select(Passkey)).first() is None
    assert [e.detail for e in events(session, SecurityEventKind.passkey_removed)] == ["old phone"]


def test_a_passkey_answer_without_its_challenge_is_refused_in_json(make_client, session):
    _lena, _passkey = lena_with_a_passkey(make_client, session)
    stranger = make_client()
    forged = stranger.post("/signin/passkey", data={"credential": '{"id": "AAEC", "rawId": "AAEC"}'},
                           headers={"Accept": "application/json"})
    assert forged.status_code == 400 and "already answered" in forged.get_json()["error"]["message"]
    no_pending = stranger.post("/signin/second-step/passkey/options", headers={"Accept": "application/json"})
    assert no_pending.status_code == 400 and "Sign in again" in no_pending.get_json()["error"]["message"]
    # a passkey account's password alone waits for the second step
    password_step(stranger)
    assert stranger.get("/account").status_code == 302


def test_with_the_policy_on_a_mentor_without_a_second_factor_must_set_one_up_first(app, make_client, session):
    app.config["REQUIRE_SECOND_FACTOR"] = True
    mona = make_client("mona")
    for page in ("/", "/paths/", "/mentor/"):
        sent = mona.get(page)
        assert sent.status_code == 302 and sent.headers["Location"] == "/account/second-factor"
    assert mona.get("/", headers=HTMX).headers["HX-Redirect"] == "/account/second-factor"
    assert mona.get("/api/v1/me").status_code == 403
    assert "requires a second factor for your role" in mona.get("/account/second-factor").get_data(as_text=True)
    raw, _token = tokens.create_token(session=session, user=session.exec(select(User).where(User.username == "mona"))
                                      .one(), name="script")
    assert make_client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    assert make_client("lena").get("/").status_code == 200  # learners are not covered
    secret, _codes = enrol(mona)
    assert mona.get("/").status_code == 200
    kept = mona.post("/account/second-factor/app/remove",
                     data={"remove-password": PASSWORD, "remove-code": code_at(secret, 1)})
    assert kept.status_code == 400 and "Your role needs a second factor" in kept.get_data(as_text=True)


def test_guessing_the_password_on_the_second_factor_forms_is_slowed_like_every_other_check(make_client):
    """A stolen session cannot guess the password without limit through the forms that change the second
    factor: their wrong passwords count with the password form's and the deletion page's."""
    lena = make_client("lena")
    enrol(lena)
    for guess in range(3):
        assert lena.post("/account/second-factor/recovery-codes",
                         data={"renew-password": f"guess {guess}"}).status_code == 400
    for guess in range(3):
        assert lena.post("/account/second-factor/app/remove",
                         data={"remove-password": f"guess {guess}", "remove-code": "123456"}).status_code == 400
    refused = lena.post("/account/second-factor/recovery-codes", data={"renew-password": PASSWORD})
    assert refused.status_code == 429 and "Try again in" in refused.get_data(as_text=True)
    change = {"current": PASSWORD, "password": "a brand new passphrase", "confirm": "a brand new passphrase"}
    assert lena.post("/account/password", data=change).status_code == 429  # one count for every form


def test_recovery_codes_carry_enough_randomness_for_a_plain_hash(make_client):
    """ASVS 6.5.2 allows a plain (unsalted, fast) hash only for secrets of at least 112 bits."""
    _secret, codes = enrol(make_client("lena"))
    symbols = len(codes[0].replace("-", ""))
    assert symbols * math.log2(len(second_factor.RECOVERY_ALPHABET)) >= 112


def test_a_stolen_session_alone_cannot_add_a_factor_of_its_own(make_client, session):
    """ASVS 7.5.1: adding an authenticator app or a passkey changes what signing in rests on, so it asks for
    the password; without it nothing is set up, as a page, as a fragment, and for the passkey's JSON call."""
    thief = make_client("lena")
    page = thief.post("/account/second-factor/app", data={"begin-password": "not the password"})
    assert page.status_code == 400 and "The password is not right." in page.get_data(as_text=True)
    assert 'id="totp-secret"' not in page.get_data(as_text=True)
    fragment = thief.post("/account/second-factor/app", data={}, headers=HTMX)
    assert fragment.status_code == 400 and 'id="totp-secret"' not in fragment.get_data(as_text=True)
    answer = thief.post("/account/passkeys", data={"passkey-name": "thief's key", "passkey-password": "guess",
                                                  "credential": "{}"}, headers={"Accept": "application/json"})
    assert answer.status_code == 400 and answer.get_json()["error"]["message"] == "The password is not right."
    lena = factories.user(session, "lena")
    assert session.exec(select(TotpFactor).where(TotpFactor.user_id == lena.id)).first() is None
    assert session.exec(select(Passkey).where(Passkey.user_id == lena.id)).first() is None
