"""A group's overview in Chromium, on a laptop (1280 px) and a phone (390 px): filters that swap the table in
place and keep the address, the Groups link for a manager who is no mentor, and no page that scrolls sideways."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.test_accessibility import axe_violations
from tests.browser.test_mentor_flow import sign_in
from tracker.services.mentoring import assignments
from tracker.services.teams import groups

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 900}


@pytest.fixture
def blue_team(session):
    """leo (a learner) manages Blue team: lena and seven more, with two paths assigned by mona."""
    group = groups.create_group(session=session, name="Blue team")
    groups.add_member(session=session, group=group, user=factories.user(session, "leo"), is_manager=True)
    members = ["lena", *(u.username for u in factories.add_learners(session, "crew", 7))]
    for name in members:
        groups.add_member(session=session, group=group, user=factories.user(session, name))
    session.commit()
    factories.mentor_of(session, "mona", *members)
    mona, today = factories.user(session, "mona"), date.today()
    assignments.assign_path(session=session, mentor=mona, usernames=members, path=factories.path(
        session, "api-designer"), due_on=today + timedelta(days=20), today=today)
    assignments.assign_path(session=session, mentor=mona, usernames=members[:3], path=factories.path(
        session, "production-services"), due_on=today + timedelta(days=40), today=today)
    return group.slug


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_a_manager_filters_her_group_in_place_on_a_laptop_and_a_phone(browser, live_server, blue_team, viewport):
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    try:
        sign_in(page, live_server, "leo")
        nav = page.get_by_role("navigation", name="Main")
        if viewport is PHONE:
            nav.locator("summary").click()
        nav.get_by_role("link", name="Groups").click()  # brought by the badge's answer
        page.get_by_role("link", name="Blue team").click()
        expect(page.get_by_role("heading", name="Blue team", level=1)).to_be_visible()
        page.wait_for_load_state("load")  # htmx, deferred, binds the filters only once the page has loaded
        table = page.get_by_role("region", name="Members and their assigned paths: percent done, status and due date")
        expect(table).to_be_visible()
        expect(table.get_by_role("row")).to_have_count(10)  # the header, eight members and leo himself
        page.get_by_label("Path", exact=True).select_option("production-services")
        expect(table.get_by_role("row")).to_have_count(4)
        expect(page).to_have_url(f"{live_server}/groups/{blue_team}?path=production-services")
        page.get_by_label("Member", exact=True).fill("lena")
        expect(table.get_by_role("row")).to_have_count(2)
        expect(table.get_by_role("link", name="lena")).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"the overview is {width} px wide on a {viewport['width']} px screen"
        page.reload()  # the pushed address shows the same table
        expect(table.get_by_role("row")).to_have_count(2)
        page.get_by_text("The last 12 weeks").click()  # the trend opens
        expect(page.get_by_role("table", name="Assignments by status at the end of each week")).to_be_visible()
        assert axe_violations(page) == []
        assert errors == []
    finally:
        context.close()
