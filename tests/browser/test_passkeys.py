"""Passkeys in a real Chromium with its virtual authenticator (a platform authenticator with user verification):
registered from the account page, then signing in alone and as the step after the password, on a wide and a
narrow screen. WebAuthn needs a secure context and a host name for its RP ID: the tracker is opened at
http://localhost, and its public URL says so."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from tests.conftest import PASSWORD
from tracker.models import Passkey, SecurityEvent, SecurityEventKind


def password_step(page, base: str, username: str = "lena") -> None:
    page.goto(f"{base}/signin")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page, base: str) -> None:
    page.goto(f"{base}/account")
    if (page.viewport_size or {"width": 1280})["width"] <= 640:  # at phone width the links sit behind a menu
        page.locator("summary.nav-menu-toggle").click()
    page.locator("form[action='/signout'] button").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()


@pytest.mark.parametrize("width", [1280, 390])
def test_a_passkey_signs_in_alone_and_as_the_second_step(browser, live_app, live_server, session, width):
    base = "http://localhost:" + live_server.rsplit(":", 1)[1]
    live_app.config["PUBLIC_URL"] = base
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True}})

    password_step(page, base)
    expect(page).to_have_url(f"{base}/")
    page.goto(f"{base}/account")
    page.get_by_label("Name of the passkey").fill("test laptop")
    page.locator("#passkey-password").fill(PASSWORD)
    page.get_by_role("button", name="Add a passkey").click()
    expect(page).to_have_url(f"{base}/account/second-factor")
    expect(page.get_by_text("The passkey “test laptop” is added")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    stored = session.exec(select(Passkey)).one()
    assert stored.name == "test laptop"

    # alone: no username, no password
    sign_out(page, base)
    page.goto(f"{base}/signin")
    answered: dict = {}

    def keep(route, request):  # what an eavesdropper on this browser would keep: the answer and its cookie
        answered.update(body=request.post_data_buffer, headers=request.headers, cookies=context.cookies())
        route.continue_()

    page.route("**/signin/passkey", keep)
    page.get_by_role("button", name="Use a passkey").click()
    expect(page).to_have_url(f"{base}/")
    assert page.goto(f"{base}/account").url == f"{base}/account"
    page.unroute("**/signin/passkey")

    # the same answer, with the same session cookie, sent again: the challenge was used once, for good
    sign_out(page, base)
    context.clear_cookies()
    context.add_cookies(answered["cookies"])
    replay = context.request.post(f"{base}/signin/passkey", data=answered["body"], headers={
        "Content-Type": answered["headers"]["content-type"], "X-CSRFToken": answered["headers"]["x-csrftoken"],
        "Accept": "application/json"})
    assert replay.status == 400 and "already answered" in replay.json()["error"]["message"]
    assert page.goto(f"{base}/account").url.startswith(f"{base}/signin")

    # as the step after the password: the password alone no longer signs in
    password_step(page, base)
    expect(page).to_have_url(f"{base}/signin/second-step")
    assert page.goto(f"{base}/account").url.startswith(f"{base}/signin")
    page.goto(f"{base}/signin/second-step")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.get_by_role("button", name="Use a passkey").click()
    expect(page).to_have_url(f"{base}/")
    assert page.goto(f"{base}/account").url == f"{base}/account"
    session.expire_all()
    kinds = [e.detail for e in session.exec(select(SecurityEvent)
                                            .where(SecurityEvent.kind == SecurityEventKind.sign_in))]
    assert "passkey: test laptop" in kinds and "second factor: passkey test laptop" in kinds
    context.close()


def test_without_a_passkey_on_the_device_the_error_is_shown_and_focused(browser, live_app, live_server):
    base = "http://localhost:" + live_server.rsplit(":", 1)[1]
    live_app.config["PUBLIC_URL"] = base
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True}})
    page.goto(f"{base}/signin")
    page.get_by_role("button", name="Use a passkey").click()
    error = page.locator("[data-passkey-error]")
    expect(error).to_be_visible()
    expect(error).to_be_focused()
    assert page.url == f"{base}/signin"
    context.close()
