"""An admin filters the audit log on a laptop (1280 px) and on a phone (390 px): the table changes in place, the
address bar follows, the pages go back and forth, and nothing scrolls sideways; without JavaScript the form
still filters."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.test_mentor_flow import sign_in
from tracker.models import Role, utcnow
from tracker.services.mentoring import assignments
from tracker.services.people import accounts
from tracker.services.progress import follows

VIEWPORTS = {"laptop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def history(session):
    """What a week leaves in the log: an enrolment, a role change, and sixty follows and unfollows."""
    factories.mentor_of(session, "mona", "lena")
    assignments.assign_path(session=session, mentor=factories.user(session, "mona"), usernames=["lena"],
                            path=factories.path(session, "api-designer"),
                            due_on=utcnow().date() + timedelta(days=30), today=utcnow().date())
    accounts.set_role(session=session, admin=factories.user(session, "ada"), user=factories.user(session, "leo"),
                      role=Role.mentor)
    leo, path = factories.user(session, "leo"), factories.path(session, "production-services")
    for _ in range(30):
        follows.follow_path(session=session, user=leo, path=path)
        follows.unfollow_path(session=session, user=leo, path=path)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_an_admin_filters_the_audit_log_in_place_and_pages_through_it(browser, live_server, history, viewport):
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        sign_in(page, live_server, "ada")
        page.goto(f"{live_server}/admin/audit")
        table = page.locator("#audit-results table")
        expect(table.locator("tbody tr")).to_have_count(50)
        assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[viewport]["width"]

        page.get_by_label("What").select_option("enrolled")
        expect(page).to_have_url(f"{live_server}/admin/audit?kind=enrolled")
        expect(table.locator("tbody tr")).to_have_count(1)
        row = table.locator("tbody tr").first
        expect(row).to_contain_text("mona")
        expect(row).to_contain_text("lena")
        expect(row.get_by_role("link", name="API Designer")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[viewport]["width"]

        page.get_by_label("Who acted").fill("nobody")
        expect(page.locator("#audit-results [role=status]")).to_contain_text("No entries match these filters.")
        expect(page).to_have_url(f"{live_server}/admin/audit?kind=enrolled&actor=nobody")

        page.get_by_label("What").select_option("")
        page.get_by_label("Who acted").fill("leo")
        expect(page).to_have_url(f"{live_server}/admin/audit?actor=leo")
        expect(table.locator("tbody tr")).to_have_count(50)
        newest = table.locator("tbody tr").first.get_attribute("id")
        page.get_by_role("link", name="Older →").click()
        expect(table.locator("tbody tr")).to_have_count(10)
        expect(page).to_have_url(f"{live_server}/admin/audit?actor=leo&before=" +
                                 page.url.split("before=")[1])
        page.get_by_role("link", name="← Newer").click()
        expect(table.locator("tbody tr")).to_have_count(50)
        expect(table.locator("tbody tr").first).to_have_attribute("id", newest or "")
    finally:
        context.close()


def test_without_javascript_the_filter_form_still_filters(browser, live_server, history):
    context = browser.new_context(viewport=VIEWPORTS["phone"], java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, live_server, "ada")
        page.goto(f"{live_server}/admin/audit")
        page.get_by_label("What").select_option("role_changed")
        page.get_by_role("button", name="Filter").click()
        expect(page).to_have_url(f"{live_server}/admin/audit?kind=role_changed&actor=&subject=&group=&path="
                                 "&since=&until=")
        rows = page.locator("#audit-results tbody tr")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("learner → mentor")
    finally:
        context.close()
