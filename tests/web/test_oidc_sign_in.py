"""Signing in through an OpenID Connect provider: a real one (node's oidc-provider), its own login page followed
without a browser. Accounts made just in time, linked only with their owner's consent, roles and groups following
the provider's groups, RP-initiated logout, passwords turned off, and every way the callback can be abused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import time_machine
from flask import Flask
from sqlmodel import Session, col, func, select

from tests import factories
from tests.conftest import PASSWORD, CSRFClient, MakeClient
from tests.oidc_provider import Provider, running_provider, through_provider, tracker_settings
from tracker.models import (
    AuditEvent,
    DeviceSession,
    ExternalIdentity,
    GroupMember,
    GroupSource,
    Role,
    SecurityEvent,
    SecurityEventKind,
    User,
)
from tracker.services import teams
from tracker.services.people import accounts, second_factor
from tracker.services.people.passwords import PasswordPolicy

SITE = "http://localhost:5000"  # TRACKER_PUBLIC_URL's default: what the provider sends browsers back to


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider(redirect_uris=[f"{SITE}/signin/oidc/callback"],
                          post_logout_redirect_uris=[f"{SITE}/signin"]) as running:
        yield running


@pytest.fixture
def oidc_app(app: Flask, provider: Provider) -> Flask:
    app.config.update(tracker_settings(provider))
    return app


def go_to_provider(client: CSRFClient, next_page: str | None = None) -> str:
    """Press "Sign in with Example ID": the address of the provider's authorization endpoint."""
    answer = client.post("/signin/oidc", data={"next": next_page} if next_page else {})
    assert answer.status_code == 303, answer.get_data(as_text=True)[:500]
    return answer.headers["Location"]


def come_back(client: CSRFClient, address: str):
    """The browser arriving at the tracker's callback from the provider."""
    answer = client.get(address.removeprefix(SITE))
    client._csrf_token = None  # a sign-in starts a new session, with a new CSRF secret
    return answer


def sign_in_through(client: CSRFClient, login: str, next_page: str | None = None, **kwargs: Any):
    return come_back(client, through_provider(go_to_provider(client, next_page), login, back_to=SITE, **kwargs))


def count(session: Session, model: Any) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def audit_kinds(session: Session, username: str) -> list[str]:
    return list(session.exec(select(AuditEvent.kind).where(AuditEvent.subject_label == username)
                             .order_by(col(AuditEvent.id))))


def give_email(session: Session, username: str, email: str) -> User:
    user = factories.user(session, username)
    user.email = email
    session.add(user)
    session.commit()
    return user


# ---------------------------------------------------------------- the happy path

def test_the_sign_in_page_offers_the_provider_and_going_there_needs_this_sites_form(oidc_app, client, provider):
    page = client.get("/signin?next=/catalog").get_data(as_text=True)
    assert "Sign in with Example ID" in page and 'value="/catalog"' in page
    refused = client.post("/signin/oidc", csrf=False)  # a cross-site form cannot start a sign-in (login CSRF)
    assert refused.status_code == 400
    address = go_to_provider(client)
    query = parse_qs(urlsplit(address).query)
    assert address.startswith(provider.issuer + "/")
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert query["state"] and query["nonce"] and query["scope"] == ["openid email profile groups"]
    assert query["redirect_uri"] == [f"{SITE}/signin/oidc/callback"]
    headers = client.get("/signin").headers
    assert f"form-action 'self' {provider.issuer}" in headers["Content-Security-Policy"]
    # Sent through htmx all the same: a whole-page visit to the provider, never its page in a fragment.
    htmx = client.post("/signin/oidc", headers={"HX-Request": "true"})
    assert htmx.status_code == 200 and htmx.headers["HX-Redirect"].startswith(provider.issuer + "/auth?")
    assert client.get("/signin/oidc?next=//evil.example").get_data(as_text=True).count("evil") == 0


def test_a_new_person_signs_in_through_the_provider_and_lands_with_an_account_and_their_groups(oidc_app, client,
                                                                                             session):
    engineering = teams.create_group(session=session, name="Engineering", idp_name="engineering")
    teams.create_group(session=session, name="Design", idp_name="design")
    session.commit()
    users_before = count(session, User)
    answer = sign_in_through(client, "nadia", next_page="/catalog")
    assert answer.status_code == 303 and answer.headers["Location"] == "/catalog"
    assert "Welcome, Nadia Okafor" in client.get("/").get_data(as_text=True)
    nadia = factories.user(session, "nadia.okafor")
    assert count(session, User) == users_before + 1
    assert (nadia.email, nadia.display_name, nadia.time_zone, nadia.role) == \
        ("nadia@example.com", "Nadia Okafor", "Europe/Berlin", Role.learner)
    assert accounts.authenticate(session=session, username="nadia.okafor", password="") is None
    identity = session.exec(select(ExternalIdentity).where(ExternalIdentity.user_id == nadia.id)).one()
    assert identity.subject == "nadia" and identity.issuer == oidc_app.config["OIDC_ISSUER"]
    memberships = session.exec(select(GroupMember).where(GroupMember.user_id == nadia.id)).all()
    assert [(m.group_id, m.source) for m in memberships] == [(engineering.id, GroupSource.oidc)]
    assert teams.find_group(session=session, idp_name="tracker-mentors") is None  # unknown groups are not made
    assert audit_kinds(session, "nadia.okafor") == ["user_created", "oidc_linked", "member_added", "oidc_sign_in"]
    event = session.exec(select(SecurityEvent).where(SecurityEvent.user_id == nadia.id)).one()
    assert event.kind is SecurityEventKind.sign_in and event.detail == "through Example ID, account created"
    device = session.exec(select(DeviceSession).where(DeviceSession.user_id == nadia.id)).one()
    assert device.id_token and device.id_token.count(".") == 2  # kept on the server for signing out there
    assert device.id_token not in (answer.headers.get("Set-Cookie") or "")

    # Next time: the same account, nothing new made.
    client.post("/signout")
    again = sign_in_through(client, "nadia")
    assert again.status_code == 303 and again.headers["Location"] == "/"
    session.expire_all()
    assert count(session, User) == users_before + 1
    assert session.get_one(ExternalIdentity, identity.id).last_sign_in_at is not None
    assert audit_kinds(session, "nadia.okafor")[-1] == "oidc_sign_in"


def test_groups_unknown_to_the_tracker_become_groups_when_the_operator_says_so(oidc_app, client, session):
    oidc_app.config["OIDC_CREATE_GROUPS"] = True
    sign_in_through(client, "nadia")
    made = {g.idp_name: g for g in teams.list_groups(session=session) if g.source is GroupSource.oidc}
    assert set(made) == {"engineering", "tracker-mentors"}
    nadia = factories.user(session, "nadia.okafor")
    assert {g.name for g in teams.user_groups(session=session, user=nadia)} == {"engineering", "tracker-mentors"}


def test_leaving_a_group_at_the_provider_leaves_it_here_but_keeps_the_memberships_made_here(oidc_app, client,
                                                                                          session, provider):
    sign_in_through(client, "nadia")
    nadia = factories.user(session, "nadia.okafor")
    design = teams.create_group(session=session, name="Design", idp_name="design")
    ops = teams.create_group(session=session, name="Ops")
    teams.add_member(session=session, group=design, user=nadia, source=GroupSource.oidc)
    teams.add_member(session=session, group=ops, user=nadia)
    session.commit()
    client.post("/signout")
    sign_in_through(client, "nadia")
    session.expire_all()
    assert {g.name for g in teams.user_groups(session=session, user=nadia)} == {"Ops"}


# ---------------------------------------------------------------- linking an existing account

def test_an_existing_account_with_the_verified_email_is_linked_only_after_its_password(oidc_app, client, session):
    lena = give_email(session, "lena", "lena@example.com")
    answer = sign_in_through(client, "lena-at-idp")
    assert answer.status_code == 303 and answer.headers["Location"] == "/signin/oidc/link"
    page = client.get("/signin/oidc/link").get_data(as_text=True)
    assert "lena@example.com" in page and "<strong>lena</strong>" in page and 'name="password"' in page
    assert count(session, ExternalIdentity) == 0 and "Signed in as" not in client.get("/account").get_data(
        as_text=True)  # not signed in, nothing linked yet

    wrong = client.post("/signin/oidc/link", data={"password": "not her password"})
    assert wrong.status_code == 400 and "not the password of this account" in wrong.get_data(as_text=True)
    assert count(session, ExternalIdentity) == 0

    right = client.post("/signin/oidc/link", data={"password": PASSWORD})
    client._csrf_token = None
    assert right.status_code == 303 and right.headers["Location"] == "/"
    identity = session.exec(select(ExternalIdentity)).one()
    assert identity.user_id == lena.id and identity.subject == "lena-at-idp"
    assert "oidc_linked" in audit_kinds(session, "lena")
    assert session.get_one(User, lena.id).time_zone == "UTC"  # an unknown zoneinfo changes nothing
    assert "lena" in client.get("/account").get_data(as_text=True)

    # From now on the provider alone signs her in.
    client.post("/signout")
    again = sign_in_through(client, "lena-at-idp")
    assert again.status_code == 303 and again.headers["Location"] == "/"


def test_linking_an_account_with_a_second_factor_asks_for_it_before_anything_is_linked(oidc_app, client, session):
    import pyotp

    sam = accounts.create_user(session=session, username="sam", password=factories.PASSWORD_OF_SAM,
                               policy=PasswordPolicy())
    give_email(session, "sam", "sam@example.com")
    key = second_factor.sealing_key(oidc_app.config["SECRET_KEY"])
    secret = second_factor.begin_app(session=session, user=sam, key=key).secret
    second_factor.confirm_app(session=session, user=sam, key=key, code=pyotp.TOTP(secret).now())

    assert sign_in_through(client, "sam-at-idp").headers["Location"] == "/signin/oidc/link"
    step = client.post("/signin/oidc/link", data={"password": factories.PASSWORD_OF_SAM})
    client._csrf_token = None  # the second step starts a new session
    assert step.status_code == 303 and step.headers["Location"] == "/signin/second-step"
    assert count(session, ExternalIdentity) == 0  # the password alone links nothing

    next_code = pyotp.TOTP(secret).at(datetime.now(UTC) + timedelta(seconds=30))  # the enrolment used this one's
    signed = client.post("/signin/second-step", data={"code": next_code})
    client._csrf_token = None
    assert signed.headers["Location"] == "/signin/oidc/link"
    confirm = client.get("/signin/oidc/link").get_data(as_text=True)
    assert "You are signed in to it" in confirm and 'name="password"' not in confirm
    linked = client.post("/signin/oidc/link")
    assert linked.status_code == 303
    assert session.exec(select(ExternalIdentity)).one().user_id == sam.id


def test_an_unverified_email_never_links_an_existing_account(oidc_app, client, session):
    give_email(session, "lena", "lena@example.com")
    users, audits = count(session, User), count(session, AuditEvent)
    answer = sign_in_through(client, "lena-unverified")
    text = answer.get_data(as_text=True)
    assert answer.status_code == 403 and 'role="alert"' in text
    assert "has not verified that this address is yours" in text and "Back to sign in" in text
    assert (count(session, User), count(session, AuditEvent), count(session, ExternalIdentity)) == (users, audits, 0)
    assert client.get("/signin/oidc/link").headers["Location"] == "/signin"  # nothing waits to be linked


def test_a_first_sign_in_without_an_email_is_refused_and_writes_nothing(oidc_app, client, session):
    users = count(session, User)
    answer = sign_in_through(client, "no-email")
    assert answer.status_code == 400 and "did not tell the tracker your email address" in answer.get_data(
        as_text=True)
    assert count(session, User) == users and count(session, ExternalIdentity) == 0


def test_a_deactivated_account_is_refused_through_the_provider_too(oidc_app, client, session):
    sign_in_through(client, "nadia")
    client.post("/signout")
    nadia = factories.user(session, "nadia.okafor")
    nadia.is_active = False
    session.add(nadia)
    session.commit()
    answer = sign_in_through(client, "nadia")
    assert answer.status_code == 403 and "deactivated" in answer.get_data(as_text=True)
    assert "Sign out" not in client.get("/").get_data(as_text=True)


# ---------------------------------------------------------------- roles from the provider's groups

def test_roles_follow_the_provider_groups_at_every_sign_in_but_never_lower_the_break_glass_admin(
        oidc_app, client, session):
    oidc_app.config.update(OIDC_ADMIN_GROUPS=("tracker-admins",), OIDC_MENTOR_GROUPS=("tracker-mentors",),
                           BREAK_GLASS_ADMINS=("ada",))
    sign_in_through(client, "boss")
    assert factories.user(session, "boss").role is Role.admin
    assert "Admin" in client.get("/").get_data(as_text=True)
    client.post("/signout")

    oidc_app.config["OIDC_ADMIN_GROUPS"] = ("someone-else",)  # the operator narrows the mapping
    answer = sign_in_through(client, "boss")
    session.expire_all()
    assert factories.user(session, "boss").role is Role.learner
    assert client.get("/admin/").status_code == 403
    assert answer.status_code == 303
    changes = session.exec(select(AuditEvent).where(AuditEvent.kind == "role_changed",
                                                    AuditEvent.subject_label == "boss")
                           .order_by(col(AuditEvent.id))).all()
    assert [c.detail.split(",")[0] for c in changes] == ["learner → admin", "admin → learner"]
    assert all(c.actor_label == "oidc" for c in changes)
    client.post("/signout")

    sign_in_through(client, "nadia")  # in tracker-mentors
    assert factories.user(session, "nadia.okafor").role is Role.mentor
    client.post("/signout")

    give_email(session, "ada", "ada@example.com")
    sign_in_through(client, "ada-at-idp")
    client.post("/signin/oidc/link", data={"password": PASSWORD})
    session.expire_all()
    assert factories.user(session, "ada").role is Role.admin  # in no mapped group, and still an admin


def test_without_a_mapping_roles_are_left_to_the_admins(oidc_app, client, session):
    sign_in_through(client, "boss")
    assert factories.user(session, "boss").role is Role.learner


# ---------------------------------------------------------------- abuse of the callback

def test_a_callback_used_twice_is_refused_the_second_time(oidc_app, client, make_client, session):
    back = through_provider(go_to_provider(client), "nadia", back_to=SITE)
    assert come_back(client, back).status_code == 303
    users = count(session, User)
    client.post("/signout")
    replayed = come_back(client, back)
    assert replayed.status_code == 400 and "already used" in replayed.get_data(as_text=True)
    elsewhere = come_back(make_client(), back)  # another browser with the captured address
    assert elsewhere.status_code == 400
    assert count(session, User) == users


def test_pressing_the_button_again_and_again_keeps_the_session_cookie_small(oidc_app, client):
    for _ in range(12):
        go_to_provider(client)
    with client.session_transaction() as state:
        assert len([key for key in state if key.startswith("_state_")]) == 3  # the latest and the two before


def test_a_code_from_another_sign_in_of_the_same_browser_is_refused(oidc_app, client, session):
    """The nonce and PKCE bind the code to the sign-in that asked for it: swapping the states fails."""
    first = through_provider(go_to_provider(client), "nadia", back_to=SITE)
    second = through_provider(go_to_provider(client), "boss", back_to=SITE)
    state_of_second = parse_qs(urlsplit(second).query)["state"][0]
    query = parse_qs(urlsplit(first).query)
    swapped = f"{SITE}/signin/oidc/callback?" + urlencode({"code": query["code"][0], "state": state_of_second,
                                                           "iss": query["iss"][0]})
    users = count(session, User)
    answer = come_back(client, swapped)
    assert answer.status_code == 400 and "Nothing was changed" in answer.get_data(as_text=True)
    assert count(session, User) == users


def test_an_answer_naming_another_provider_is_refused(oidc_app, client, session):
    back = through_provider(go_to_provider(client), "nadia", back_to=SITE)
    query = {k: v[0] for k, v in parse_qs(urlsplit(back).query).items()} | {"iss": "https://evil.example"}
    answer = come_back(client, f"{SITE}/signin/oidc/callback?{urlencode(query)}")
    assert answer.status_code == 400 and "another identity provider" in answer.get_data(as_text=True)
    assert count(session, ExternalIdentity) == 0


def test_an_expired_id_token_is_refused(oidc_app, client, session):
    back = through_provider(go_to_provider(client), "nadia", back_to=SITE)
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=15), tick=False):  # the token lives 10 minutes
        answer = come_back(client, back)
    assert answer.status_code == 400 and "could not be verified" in answer.get_data(as_text=True)
    assert count(session, ExternalIdentity) == 0


def test_cancelling_at_the_provider_comes_back_to_a_clear_page(oidc_app, client, session):
    answer = sign_in_through(client, "nadia", cancel=True)
    text = answer.get_data(as_text=True)
    assert answer.status_code == 403 and "Sign-in cancelled" in text and 'href="/signin"' in text
    assert count(session, ExternalIdentity) == 0


def test_a_provider_that_does_not_answer_gets_a_clear_page_on_every_kind_of_request(app, client):
    app.config.update(OIDC_ISSUER="http://127.0.0.1:9", OIDC_CLIENT_ID="tracker", OIDC_CLIENT_SECRET="x",
                      OIDC_PROVIDER_NAME="Example ID")
    assert "Sign in with Example ID" in client.get("/signin").get_data(as_text=True)
    page = client.post("/signin/oidc")
    assert page.status_code == 503 and "Example ID cannot be reached" in page.get_data(as_text=True)
    assert "<html" in page.get_data(as_text=True).lower()
    fragment = client.post("/signin/oidc", headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert fragment.status_code == 503 and 'role="alert"' in text and "<html" not in text.lower()
    callback = client.get("/signin/oidc/callback?code=x&state=y")
    assert callback.status_code == 503 and "cannot be reached" in callback.get_data(as_text=True)


def test_without_a_provider_its_addresses_are_not_found(app, client):
    assert "Sign in with" not in client.get("/signin").get_data(as_text=True)
    for answer in (client.get("/signin/oidc"), client.post("/signin/oidc"), client.get("/signin/oidc/callback")):
        assert answer.status_code == 404


# ---------------------------------------------------------------- signing out at the provider too

def test_signing_out_ends_the_session_here_and_sends_the_browser_to_the_providers_end_session(oidc_app, client,
                                                                                             session, provider):
    sign_in_through(client, "nadia")
    token = session.exec(select(DeviceSession.id_token).where(col(DeviceSession.id_token).is_not(None))).one()
    answer = client.post("/signout")
    address = answer.headers["Location"]
    assert answer.status_code == 303 and address.startswith(f"{provider.issuer}/session/end?")
    query = parse_qs(urlsplit(address).query)
    assert query["id_token_hint"] == [token] and query["post_logout_redirect_uri"] == [f"{SITE}/signin"]
    assert session.exec(select(DeviceSession).where(col(DeviceSession.id_token).is_not(None))).one().ended_at
    assert "Sign out" not in client.get("/").get_data(as_text=True)
    import requests

    at_provider = requests.get(address, timeout=10)  # the provider takes the hint and asks to confirm
    assert at_provider.status_code == 200 and "error" not in at_provider.text.lower()


def test_a_password_sign_in_signs_out_here_only(oidc_app, make_client: MakeClient):
    lena = make_client("lena")
    answer = lena.post("/signout")
    assert answer.headers["Location"] == "/"


def test_a_mentor_signed_in_by_the_provider_is_not_asked_for_our_second_factor(oidc_app, client, session):
    oidc_app.config.update(REQUIRE_SECOND_FACTOR=True, OIDC_MENTOR_GROUPS=("tracker-mentors",))
    sign_in_through(client, "nadia")
    assert factories.user(session, "nadia.okafor").role is Role.mentor
    assert client.get("/").status_code == 200


# ---------------------------------------------------------------- passwords turned off

def test_with_local_passwords_off_only_the_break_glass_admin_signs_in_with_a_password(oidc_app, make_client,
                                                                                     client, session):
    lena = make_client("lena")  # signed in before passwords were turned off
    oidc_app.config.update(LOCAL_PASSWORDS=False, BREAK_GLASS_ADMINS=("ada",))
    refused = client.post("/signin", data={"username": "lena", "password": PASSWORD})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Passwords are turned off on this tracker: sign in with Example ID" in text
    assert "Sign in with Example ID" in text
    assert client.post("/signin", data={"username": "ada", "password": PASSWORD}).status_code == 302
    assert make_client().get("/signup").status_code == 403
    assert "Sign up" not in make_client().get("/signin").get_data(as_text=True)
    before = factories.user(session, "lena").password_hash
    change = lena.post("/account/password", data={"current": PASSWORD, "password": "a brand new long passphrase",
                                                  "confirm": "a brand new long passphrase"})
    assert change.status_code == 400 and "Passwords are turned off" in change.get_data(as_text=True)
    session.expire_all()
    assert factories.user(session, "lena").password_hash == before
    assert "Passwords are turned off" in lena.get("/account").get_data(as_text=True)


def test_with_local_passwords_off_an_admin_cannot_give_anyone_a_temporary_password(oidc_app, make_client, session):
    oidc_app.config.update(LOCAL_PASSWORDS=False, BREAK_GLASS_ADMINS=("ada",))
    ada = make_client("ada")
    before = factories.user(session, "lena").password_hash
    answer = ada.post("/admin/users/lena", data={"action": "password", "password": "a brand new long passphrase"},
                      follow_redirects=True)
    assert "lena cannot have a password: Passwords are turned off" in answer.get_data(as_text=True)
    session.expire_all()
    assert factories.user(session, "lena").password_hash == before


def test_a_break_glass_name_that_is_not_an_admin_cannot_use_its_password(oidc_app, client):
    oidc_app.config.update(LOCAL_PASSWORDS=False, BREAK_GLASS_ADMINS=("ada", "lena"))
    refused = client.post("/signin", data={"username": "lena", "password": PASSWORD})
    assert refused.status_code == 400 and "Passwords are turned off" in refused.get_data(as_text=True)
