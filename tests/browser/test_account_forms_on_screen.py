"""Setup's refused form in a browser, on a laptop and a phone: every problem at once, the first field focused."""

import pytest
from playwright.sync_api import expect
from sqlmodel import delete

from tests.conftest import TrackerRunner
from tracker.models import User


@pytest.mark.parametrize("width", [1280, 390])
def test_setup_marks_every_field_in_error_and_focuses_the_first(live_app, browser, live_server, session, width):
    session.exec(delete(User))
    session.commit()
    link = TrackerRunner(live_app).invoke(args=["setup-link"]).output  # what `tracker run` prints on a fresh install
    token = link.split("token=")[1].split()[0]
    context = browser.new_context(viewport={"width": width, "height": 844})
    try:
        page = context.new_page()
        page.goto(f"{live_server}/setup?token={token}")
        expect(page.get_by_role("navigation", name="Main").get_by_role("link")).to_have_count(1)  # the brand only
        page.get_by_label("Username").fill("x")
        page.get_by_label("Password", exact=True).fill("short")
        page.get_by_label("Repeat the password").fill("other")
        page.get_by_role("button", name="Create administrator").click()
        expect(page.get_by_role("alert")).to_contain_text("3 things to fix")
        for label in ("Username", "Password", "Repeat the password"):
            expect(page.get_by_label(label, exact=True)).to_have_attribute("aria-invalid", "true")
        expect(page.get_by_label("Username")).to_be_focused()
        expect(page.get_by_label("Username")).to_be_in_viewport()
        expect(page.get_by_label("Username")).to_have_accessible_description(
            "3–32 characters: letters, digits, '.', '_' or '-'. Usernames are 3–32 characters: letters, digits, "
            "'.', '_' or '-', starting and ending with a letter or digit.")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        context.close()
