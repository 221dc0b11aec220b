"""Who may provision: a SCIM token made by the operator, and nothing else; refused tokens are slowed down."""

from __future__ import annotations

from flask import Flask
from sqlmodel import Session

from tests import factories
from tests.scim.conftest import is_scim_error
from tracker.services.people import tokens as api_tokens


def scim_get(app: Flask, path: str = "/scim/v2/Users", token: str | None = None, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return app.test_client().get(path, headers=headers, **kwargs)


def test_no_token_a_wrong_one_or_a_personal_api_token_is_refused_with_a_scim_401(app: Flask, session: Session):
    personal, _ = api_tokens.create_token(session=session, user=factories.user(session, "ada"), name="script")
    for token in (None, "scim_" + "x" * 43, "wrong", personal):
        refused = scim_get(app, token=token)
        assert is_scim_error(refused, 401), token
        assert refused.headers["WWW-Authenticate"] == 'Bearer realm="scim"'


def test_a_signed_in_administrators_browser_cannot_provision(make_client):
    ada = make_client("ada")
    assert is_scim_error(ada.get("/scim/v2/Users"), 401)
    assert is_scim_error(ada.post("/scim/v2/Users", json={"userName": "x"}), 401)


def test_a_revoked_token_is_refused_at_once(app: Flask, runner, scim_token: str):
    assert scim_get(app, token=scim_token).status_code == 200
    revoked = runner.invoke(args=["scim", "token", "--revoke", "Entra ID"])
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    assert is_scim_error(scim_get(app, token=scim_token), 401)


def test_the_token_is_printed_once_and_listed_by_name_and_hint_only(app: Flask, runner):
    made = runner.invoke(args=["scim", "token", "Okta"])
    assert made.exit_code == 0
    token = made.stdout.strip().splitlines()[-1]
    assert token.startswith("scim_") and scim_get(app, token=token).status_code == 200
    listed = runner.invoke(args=["scim", "tokens"])
    assert "Okta" in listed.output and token[:9] in listed.output and token not in listed.output
    assert runner.invoke(args=["scim", "token", "Okta"]).exit_code != 0  # names are not reused
    assert runner.invoke(args=["scim", "token", "--revoke", "Nobody"]).exit_code != 0


def test_guessing_tokens_is_slowed_down_and_the_wait_is_said(app: Flask):
    answers = [scim_get(app, token="scim_guess") for _ in range(13)]
    assert [a.status_code for a in answers[:11]] == [401] * 11  # ten free failures, then waits from 1 s up
    throttled = answers[-1]
    assert is_scim_error(throttled, 429) and int(throttled.headers["Retry-After"]) >= 1


def test_a_fresh_install_answers_scim_rather_than_sending_it_to_setup(app: Flask, scim_token: str):
    answer = scim_get(app, "/scim/v2/ServiceProviderConfig", token=scim_token)
    assert answer.status_code == 200 and answer.mimetype == "application/scim+json"
