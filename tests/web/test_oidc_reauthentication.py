"""Confirming who you are through the identity provider instead of the current password (accounts it made have
none): a real provider (node's oidc-provider) asked to make the person sign in again, the answer checked for
being fresh and for being the provider account linked to this account, and worth five minutes on this device
only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask import Flask
from sqlmodel import Session, func, select

from tests import factories
from tests.conftest import PASSWORD, CSRFClient, MakeClient
from tests.oidc_provider import Provider, running_provider, through_provider, tracker_settings
from tracker.models import ApiToken, ExternalIdentity, SecurityEvent, SecurityEventKind

SITE = "http://localhost:5000"


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider(redirect_uris=[f"{SITE}/signin/oidc/callback"],
                          post_logout_redirect_uris=[f"{SITE}/signin"]) as running:
        yield running


@pytest.fixture
def oidc_app(app: Flask, provider: Provider) -> Flask:
    app.config.update(tracker_settings(provider))
    return app


def come_back(client: CSRFClient, address: str):
    answer = client.get(address.removeprefix(SITE))
    client._csrf_token = None
    return answer


def signed_in_through_provider(make_client: MakeClient, login: str) -> CSRFClient:
    client = make_client()
    start = client.post("/signin/oidc", data={})
    assert start.status_code == 303
    assert come_back(client, through_provider(start.headers["Location"], login, back_to=SITE)).status_code == 303
    return client


def confirm(client: CSRFClient, login: str, next_page: str = "/account"):
    """Press "Confirm with Example ID" and sign in at the provider again as `login`."""
    start = client.post("/account/confirm-identity", data={"next": next_page})
    assert start.status_code == 303, start.get_data(as_text=True)[:500]
    assert "prompt=login" in start.headers["Location"] and "max_age=0" in start.headers["Location"]
    return come_back(client, through_provider(start.headers["Location"], login, back_to=SITE))


def make_token(client: CSRFClient, password: str = ""):
    return client.post("/account/tokens", data={"name": "laptop script", "scope": "read", "lifetime": "30",
                                                "password": password})


def tokens_of(session: Session, username: str) -> int:
    session.expire_all()
    user = factories.user(session, username)
    return session.exec(select(func.count()).select_from(ApiToken).where(ApiToken.user_id == user.id)).one()


def test_an_account_made_by_the_provider_makes_a_token_after_confirming_with_it(oidc_app, make_client, session):
    nadia = signed_in_through_provider(make_client, "nadia")
    page = nadia.get("/account").get_data(as_text=True)
    assert "Confirm with Example ID" in page
    back = confirm(nadia, "nadia", "/account#tokens-heading")
    assert back.status_code == 303 and back.headers["Location"] == "/account#tokens-heading"
    page = nadia.get("/account").get_data(as_text=True)
    assert "Confirmed with Example ID at" in page
    made = make_token(nadia)
    assert made.status_code == 200 and "Copy your new token now" in made.get_data(as_text=True)
    assert tokens_of(session, "nadia.okafor") == 1


def test_without_confirming_an_account_with_no_password_cannot_make_a_token(oidc_app, make_client, session):
    nadia = signed_in_through_provider(make_client, "nadia")
    refused = make_token(nadia)
    assert refused.status_code == 400 and "type your password to confirm" in refused.get_data(as_text=True)
    guessed = make_token(nadia, "anything at all")
    assert guessed.status_code == 400 and "Confirm with Example ID" in guessed.get_data(as_text=True)
    assert tokens_of(session, "nadia.okafor") == 0


def test_a_confirmation_older_than_five_minutes_no_longer_stands_in_for_the_password(oidc_app, make_client,
                                                                                    session):
    nadia = signed_in_through_provider(make_client, "nadia")
    assert confirm(nadia, "nadia").status_code == 303
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=6), tick=False):
        assert "Confirmed with Example ID at" not in nadia.get("/account").get_data(as_text=True)
        refused = make_token(nadia)
    assert refused.status_code == 400 and "type your password to confirm" in refused.get_data(as_text=True)
    assert tokens_of(session, "nadia.okafor") == 0


def test_signing_in_at_the_provider_as_someone_else_confirms_nothing_and_links_nothing(oidc_app, make_client,
                                                                                       session):
    nadia = signed_in_through_provider(make_client, "nadia")
    linked = session.exec(select(func.count()).select_from(ExternalIdentity)).one()
    answer = confirm(nadia, "sam-at-idp")
    assert answer.status_code == 403 and "as someone else" in answer.get_data(as_text=True)
    session.expire_all()
    assert session.exec(select(func.count()).select_from(ExternalIdentity)).one() == linked
    assert session.exec(select(ExternalIdentity).where(ExternalIdentity.subject == "sam-at-idp")).first() is None
    assert make_token(nadia).status_code == 400
    assert tokens_of(session, "nadia.okafor") == 0
    refusals = session.exec(select(SecurityEvent).where(SecurityEvent.kind == SecurityEventKind.access_refused,
                                                        SecurityEvent.username == "nadia.okafor")).all()
    assert any("not confirmed at Example ID" in event.detail for event in refusals)


def test_a_confirmation_on_one_device_does_not_carry_to_another_device_of_the_same_account(oidc_app, make_client,
                                                                                           session):
    laptop = signed_in_through_provider(make_client, "nadia")
    phone = signed_in_through_provider(make_client, "nadia")
    assert confirm(laptop, "nadia").status_code == 303
    assert "Confirm with Example ID" in phone.get("/account").get_data(as_text=True)
    assert make_token(phone).status_code == 400
    assert make_token(laptop).status_code == 200
    assert tokens_of(session, "nadia.okafor") == 1


def test_signing_out_and_in_again_drops_the_confirmation(oidc_app, make_client, session):
    nadia = signed_in_through_provider(make_client, "nadia")
    assert confirm(nadia, "nadia").status_code == 303
    nadia.post("/signout")
    nadia._csrf_token = None
    start = nadia.post("/signin/oidc", data={})
    assert come_back(nadia, through_provider(start.headers["Location"], "nadia", back_to=SITE)).status_code == 303
    assert make_token(nadia).status_code == 400
    assert tokens_of(session, "nadia.okafor") == 0


def test_the_password_still_works_for_an_account_that_has_one(oidc_app, make_client, session):
    lena = make_client("lena")
    assert "Confirm with Example ID" not in lena.get("/account").get_data(as_text=True)  # not linked
    assert make_token(lena, "not her password").status_code == 400
    made = make_token(lena, PASSWORD)
    assert made.status_code == 200 and "Copy your new token now" in made.get_data(as_text=True)
    assert tokens_of(session, "lena") == 1


def test_an_account_not_linked_to_the_provider_has_nothing_to_confirm_with(oidc_app, make_client):
    lena = make_client("lena")
    refused = lena.post("/account/confirm-identity", data={"next": "/account"})
    assert refused.status_code == 403 and "not linked to Example ID" in refused.get_data(as_text=True)


def test_a_confirmation_goes_back_only_to_a_page_of_this_site(oidc_app, make_client):
    nadia = signed_in_through_provider(make_client, "nadia")
    back = confirm(nadia, "nadia", "https://evil.example/phish")
    assert back.status_code == 303 and back.headers["Location"] == "/account"
