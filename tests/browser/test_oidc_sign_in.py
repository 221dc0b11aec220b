"""Signing in through a real OpenID provider (node's oidc-provider) in Chromium: its own login and consent pages,
back to the dashboard with the groups the provider named; linking an existing account; and signing out there too
(RP-initiated logout)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect
from sqlmodel import Session, select

from tests import factories
from tests.conftest import PASSWORD
from tests.oidc_provider import Provider, running_provider, tracker_settings
from tracker.models import DeviceSession, ExternalIdentity, utcnow
from tracker.services import teams
from tracker.services.people.time_zones import local_day


@pytest.fixture
def provider(live_app: Flask, live_server: str) -> Iterator[Provider]:
    with running_provider(redirect_uris=[f"{live_server}/signin/oidc/callback"],
                          post_logout_redirect_uris=[f"{live_server}/signin"]) as running:
        live_app.config.update(tracker_settings(running), PUBLIC_URL=live_server)
        yield running


def only_this_machine(route: Route) -> None:
    """The provider's pages ask for web fonts: nothing leaves this machine."""
    if route.request.url.startswith("http://127.0.0.1:"):
        route.continue_()
    else:
        route.abort()


@pytest.fixture
def open_page(browser: Browser, live_server: str) -> Iterator[Callable[[int], Page]]:
    """A page at a width, in a fresh context closed before the servers stop."""
    contexts: list[BrowserContext] = []

    def make(width: int) -> Page:
        context = browser.new_context(viewport={"width": width, "height": 900})
        context.set_default_timeout(10_000)
        context.route("**/*", only_this_machine)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def at_the_provider(page: Page, login: str) -> None:
    """The provider's own pages: its login form (any password), then its consent page."""
    page.get_by_role("button", name="Sign in with Example ID").click()
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("anything")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()


@pytest.mark.parametrize("width", [1280, 390])
def test_a_new_person_signs_in_at_the_provider_and_lands_on_the_dashboard_in_their_groups(
        open_page, live_server, provider, session: Session, width):
    engineering = teams.create_group(session=session, name="Engineering", idp_name="engineering")
    session.commit()
    page = open_page(width)
    page.goto(f"{live_server}/signin")
    at_the_provider(page, "nadia")
    expect(page).to_have_url(f"{live_server}/")
    expect(page.get_by_text("Welcome, Nadia Okafor!")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    nadia = factories.user(session, "nadia.okafor")
    assert [g.id for g in teams.user_groups(session=session, user=nadia)] == [engineering.id]
    assert nadia.time_zone == "Europe/Berlin"


def test_signing_out_signs_out_at_the_provider_too_and_the_session_here_is_gone(open_page, live_server, provider,
                                                                                 session: Session):
    page = open_page(1280)
    page.goto(f"{live_server}/signin?next=/catalog")
    at_the_provider(page, "nadia")
    expect(page).to_have_url(f"{live_server}/catalog")
    page.locator("form[action='/signout'] button").click()
    page.get_by_role("button", name="Yes, sign me out").click()
    expect(page).to_have_url(f"{live_server}/signin")
    expect(page.get_by_text("You are signed out here and at Example ID.")).to_be_visible()
    assert session.exec(select(DeviceSession)).one().ended_at is not None
    page.goto(f"{live_server}/account")
    expect(page).to_have_url(f"{live_server}/signin?next=/account")
    # Signed out at the provider as well: signing in again asks for the login there.
    page.get_by_role("button", name="Sign in with Example ID").click()
    expect(page.locator("input[name=login]")).to_be_visible()


def test_an_existing_account_is_linked_once_its_owner_gives_its_password(open_page, live_server, provider,
                                                                         session: Session):
    lena = factories.user(session, "lena")
    lena.email = "lena@example.com"
    session.add(lena)
    session.commit()
    page = open_page(1280)
    page.goto(f"{live_server}/signin")
    at_the_provider(page, "lena-at-idp")
    expect(page).to_have_url(f"{live_server}/signin/oidc/link")
    expect(page.get_by_role("heading", name="Link your Example ID account")).to_be_visible()
    page.get_by_label("Password of your account here").fill("not the password")
    page.get_by_role("button", name="Link and sign in").click()
    expect(page.get_by_text("That is not the password of this account.")).to_be_visible()
    assert session.exec(select(ExternalIdentity)).first() is None
    page.get_by_label("Password of your account here").fill(PASSWORD)
    page.get_by_role("button", name="Link and sign in").click()
    expect(page).to_have_url(f"{live_server}/")
    expect(page.get_by_text("Your Example ID account is linked")).to_be_visible()
    assert session.exec(select(ExternalIdentity)).one().user_id == lena.id


@pytest.mark.parametrize("width", [1280, 390])
def test_a_new_person_from_the_provider_finds_the_paths_their_groups_rules_assign_on_the_dashboard(
        open_page, live_server, provider, session: Session, width):
    engineering = teams.create_group(session=session, name="Engineering", idp_name="engineering")
    teams.assignment_rules.create_rule(session=session, group=engineering,
                                       path=factories.path(session, "api-designer"), due_days_after_joining=30,
                                       actor=factories.user(session, "ada"), today=utcnow().date())
    session.commit()
    page = open_page(width)
    page.goto(f"{live_server}/signin")
    at_the_provider(page, "nadia")
    expect(page).to_have_url(f"{live_server}/")
    card = page.locator("article.assigned").filter(has_text="API Designer")
    expect(card).to_be_visible()
    due = local_day(utcnow(), ZoneInfo("Europe/Berlin")) + timedelta(days=30)
    expect(card.locator(".assignment-meta")).to_contain_text("Assigned to everyone in Engineering")
    expect(card.locator(".assignment-meta")).to_contain_text(f"due {due.strftime('%b %-d, %Y')}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
