"""A group's manager adds an assignment rule and sees its preview, on a laptop and a phone; a refused rule is
said in an alert that takes the focus."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.test_mentor_flow import sign_in
from tracker.services import teams


@pytest.fixture
def platform(session):
    group = teams.create_group(session=session, name="Platform")
    teams.add_member(session=session, group=group, user=factories.user(session, "mona"), is_manager=True)
    for name in ("lena", "leo"):
        teams.add_member(session=session, group=group, user=factories.user(session, name))
    session.commit()
    return group


@pytest.mark.parametrize("width", [1280, 390])
def test_a_manager_adds_a_rule_and_sees_who_it_would_assign(browser, live_server, platform, width):
    context = browser.new_context(viewport={"width": width, "height": 844})
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        sign_in(page, live_server, "mona")
        page.goto(f"{live_server}/groups/platform/rules")
        expect(page.get_by_role("heading", name="Assignment rules of Platform")).to_be_visible()
        # refused first: a due date in the past, said in an alert that takes the focus, nothing added
        page.get_by_label("Path").select_option("api-designer")
        page.get_by_label("On a fixed date").check()
        page.get_by_label("Due date", exact=True).fill((date.today() - timedelta(days=2)).isoformat())
        page.get_by_role("button", name="Add the rule").click()
        alert = page.get_by_role("alert")
        expect(alert).to_contain_text("The due date is in the past.")
        expect(alert).to_be_focused()
        expect(page.locator("#no-rules")).to_be_visible()
        # then as meant: 30 days after each person joined
        page.get_by_label("So many days after each person joins").check()
        page.get_by_label("Days after joining").fill("30")
        page.get_by_role("button", name="Add the rule").click()
        rules = page.locator("#group-rules")
        expect(rules.get_by_role("status")).to_contain_text("The rule for “API Designer” is added")
        expect(rules.get_by_role("row", name="API Designer")).to_contain_text("due 30 days after joining")
        page.get_by_role("link", name="Preview the rule for API Designer").click()
        summary = page.get_by_role("heading", name="3 to assign, 0 to withdraw, 0 new due dates, 0 unchanged")
        expect(summary).to_be_visible()
        due = (date.today() + timedelta(days=30)).strftime("%b %-d, %Y")
        expect(page.get_by_role("row", name="lena")).to_contain_text(due)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        context.close()
