"""Errors the server sends reach the screen with JavaScript on; focus stays where the person was."""

import re

from playwright.sync_api import expect

from tests import factories
from tests.browser.test_mentor_flow import sign_in
from tracker.models import Role
from tracker.services.people import accounts
from tracker.services.people.passwords import PasswordPolicy


def test_a_stale_save_in_the_editor_shows_the_conflict_and_keeps_the_draft(browser, live_server, session):
    accounts.create_user(session=session, username="grace", password="another admin's passphrase", role=Role.admin,
                         policy=PasswordPolicy())
    first = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
    second = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
    sign_in(first, live_server, "ada")
    second.goto(f"{live_server}/signin")
    second.get_by_label("Username").fill("grace")
    second.get_by_label("Password").fill("another admin's passphrase")
    second.get_by_role("button", name="Sign in").click()
    for page in (first, second):
        page.goto(f"{live_server}/admin/paths/api-designer/edit")

    second.get_by_label("Title", exact=True).fill("API Designer (2027 edition)")
    second.get_by_role("button", name="Save as version 2").click()
    expect(second.get_by_text(re.compile("Saved version 2"))).to_be_visible()

    first.get_by_label("Section title").first.fill("My own section title")
    first.get_by_role("button", name="Save as version 2").click()
    conflict = first.locator(".conflict")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text("Not saved: someone else changed this path.")
    expect(conflict).to_contain_text("Title changed from “API Designer” to “API Designer (2027 edition)”.")
    expect(conflict).to_contain_text("changed by grace")
    expect(first.get_by_label("Section title").first).to_have_value("My own section title")
    assert factories.path(session, "api-designer").version == 2
    first.context.close()
    second.context.close()


def test_a_note_over_the_limit_shows_its_message_and_keeps_the_text(page, live_server):
    sign_in(page, live_server, "lena")
    page.goto(f"{live_server}/paths/api-designer")
    row = page.locator("#article-http-protocol")
    row.get_by_text("Add a note").click()
    box = row.get_by_label("Note on “HTTP Protocol”")
    box.evaluate("el => el.removeAttribute('maxlength')")  # as an old page or a paste past the limit would
    box.fill("x" * 2001)
    row.get_by_role("button", name="Save note").click()
    expect(row.get_by_role("alert")).to_contain_text("The note is 2001 characters long; the limit is 2000.")
    expect(row.get_by_label("Note on “HTTP Protocol”")).to_have_value("x" * 2001)


def test_a_temporary_password_sign_in_settles_on_the_account_page(page, live_server, session):
    accounts.set_temporary_password(session=session, user=factories.user(session, "leo"), password="temporary pass 123",
                                    policy=PasswordPolicy())
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{live_server}/signin")
    page.get_by_label("Username").fill("leo")
    page.get_by_label("Password").fill("temporary pass 123")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server}/account")
    expect(page.get_by_text("Please choose a new password")).to_be_visible()
    page.wait_for_timeout(2500)
    after_sign_in = [url for url in requests if "/signin" not in url]
    assert len(after_sign_in) < 16, after_sign_in  # a handful (page, css, scripts, icon, badge), not a stream
    assert page.locator(".site-header").count() == 1
    assert page.locator("#notification-badge").count() == 1


def test_marking_with_the_keyboard_keeps_focus_on_that_article(page, live_server):
    sign_in(page, live_server, "lena")
    page.goto(f"{live_server}/paths/api-designer")
    row = page.locator("#article-http-protocol")
    row.get_by_role("button", name="Mark done: “HTTP Protocol”").focus()
    page.keyboard.press("Enter")
    done = row.get_by_role("button", name=re.compile("Done: “HTTP Protocol”"))
    expect(done).to_be_visible()
    expect(done).to_be_focused()
    page.keyboard.press("Tab")
    expect(row.get_by_role("button", name="Reading “HTTP Protocol”")).to_be_focused()
    page.keyboard.press("Enter")
    expect(row.get_by_role("button", name="Reading “HTTP Protocol”")).to_have_attribute("aria-pressed", "true")
    expect(row.get_by_role("button", name="Reading “HTTP Protocol”")).to_be_focused()


def test_a_refused_request_shows_the_server_s_message(page, live_server):
    sign_in(page, live_server, "lena")
    page.goto(f"{live_server}/paths/api-designer")
    page.evaluate("""document.body.setAttribute('hx-headers', JSON.stringify({'X-CSRFToken': 'expired'}));
                     document.querySelectorAll('input[name=csrf_token]').forEach(i => i.value = 'expired')""")
    row = page.locator("#article-http-protocol")
    row.get_by_role("button", name="Mark done: “HTTP Protocol”").click()
    alert = page.locator("#alerts").get_by_role("alert")
    expect(alert).to_contain_text("security token was missing or expired")
    expect(row.get_by_role("button", name="Mark done: “HTTP Protocol”")).to_be_visible()  # the row is intact
    alert.get_by_role("button", name="Dismiss this message").click()
    expect(page.locator("#alerts [role=alert]")).to_have_count(0)


def test_server_failures_and_lost_connections_show_a_banner(page, live_server):
    sign_in(page, live_server, "lena")
    page.goto(f"{live_server}/paths/api-designer")
    row = page.locator("#article-http-protocol")

    page.route("**/articles/http-protocol/progress", lambda route: route.fulfill(status=502, body="Bad gateway"))
    row.get_by_role("button", name="Mark done: “HTTP Protocol”").click()
    expect(page.locator("#alerts")).to_contain_text("Something went wrong")
    expect(page.locator("#alerts")).to_contain_text("error 502")
    expect(row).not_to_contain_text("Bad gateway")

    page.unroute("**/articles/http-protocol/progress")
    page.route("**/articles/http-protocol/progress", lambda route: route.abort())
    row.get_by_role("button", name="Mark done: “HTTP Protocol”").click()
    expect(page.locator("#alerts")).to_contain_text("The server could not be reached")


def test_a_refused_setting_low_on_the_account_page_is_scrolled_to_and_focused(page, live_server):
    page.set_viewport_size({"width": 390, "height": 800})
    sign_in(page, live_server, "lena")
    page.goto(f"{live_server}/account")
    choice = page.get_by_label("Desired retention")
    # A value the form never offers (a tampered or stale page): the server refuses it.
    choice.evaluate("el => { el.options[0].value = '99'; el.selectedIndex = 0; }")
    page.get_by_role("button", name="Save desired retention").click()
    error = page.locator("#retention-error")
    expect(error).to_have_text("Not a valid choice.")
    expect(page.get_by_label("Desired retention")).to_be_focused()
    expect(error).to_be_in_viewport()
    expect(page.get_by_label("Desired retention")).to_have_value("90")  # the setting that stands
