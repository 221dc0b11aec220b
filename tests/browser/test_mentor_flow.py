"""A mentor assigns a path in the browser; the learner sees it on their dashboard."""

import re
from datetime import date, timedelta

from playwright.sync_api import expect

from tests import factories
from tests.conftest import PASSWORD


def sign_in(page, base, username):
    page.goto(f"{base}/signin")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/")


def test_mentor_assigns_a_path_and_the_learner_sees_it(browser, live_server, session):
    factories.mentor_of(session, "mona", "lena", "leo")
    due = date.today() + timedelta(days=10)

    mentor = browser.new_context().new_page()
    sign_in(mentor, live_server, "mona")
    mentor.get_by_role("link", name="Mentees").click()
    mentor.get_by_label("lena").check()
    mentor.get_by_label("leo").check()
    mentor.get_by_label("Path", exact=True).select_option("real-time-streaming")
    mentor.get_by_label("Due date (optional)").fill(due.isoformat())
    mentor.get_by_label("Note for the learner (optional)").fill("Kafka first, please.")
    mentor.get_by_role("button", name="Assign").click()
    expect(mentor.get_by_text("Assigned “Real-Time & Streaming Engineer” to lena, leo.")).to_be_visible()
    table = mentor.locator("#overview-table")
    expect(table.get_by_role("row")).to_have_count(3)
    mentor.get_by_label("Sort by").select_option("status")
    expect(mentor).to_have_url(re.compile(r"/mentor/\?sort=status$"))
    # the download follows what the page shows
    expect(mentor.get_by_role("link", name="Download as CSV")).to_have_attribute("href", re.compile(r"sort=status"))

    # assigning the same path again without a date keeps lena's date, and says so
    mentor.get_by_role("checkbox", name="lena").check()
    mentor.get_by_label("Path", exact=True).select_option("real-time-streaming")
    mentor.get_by_role("button", name="Assign").click()
    expect(mentor.get_by_role("heading", name="Assign “Real-Time & Streaming Engineer”?")).to_be_visible()
    expect(mentor.locator(".outcome-list")).to_contain_text(
        f"lena: already has it as given: nothing changes (due {due.strftime('%b %-d, %Y')} stays)")
    mentor.get_by_role("button", name="Confirm").click()
    expect(mentor.get_by_text("lena already has it as given; nothing changed.")).to_be_visible()

    learner = browser.new_context().new_page()
    sign_in(learner, live_server, "lena")
    card = learner.locator("article.assigned")
    expect(card).to_contain_text("Real-Time & Streaming Engineer")
    expect(card).to_contain_text("Assigned by mona")
    expect(card).to_contain_text("“Kafka first, please.”")
    expect(card).to_contain_text("10 days left")
    expect(learner.locator("#notification-badge")).to_have_text(re.compile(r"^1"))
    learner.context.close()
    mentor.context.close()


def test_the_overview_on_a_phone_puts_the_table_first_without_sideways_scrolling(browser, live_server, session):
    factories.mentor_of(session, "mona", "lena")
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    sign_in(page, live_server, "mona")
    page.goto(f"{live_server}/mentor/")
    page.get_by_label("lena").check()
    page.get_by_label("Path", exact=True).select_option("api-designer")
    page.get_by_role("button", name="Assign").click()
    card = page.locator("#overview-table tbody tr").first
    expect(card).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    table_top = page.locator("#overview-table").bounding_box()["y"]
    assert table_top < page.get_by_role("heading", name="Assign a path").bounding_box()["y"]
    assert table_top < 844  # on the first screen
    # each cell says what it is: the label stands beside the value
    status = card.locator("td[data-label='Status']")
    assert status.evaluate("cell => getComputedStyle(cell, '::before').content") == '"Status"'
    page.context.close()
