"""An admin makes a group and adds its members with JavaScript on, on a laptop (1280 px) and a phone (390 px):
the preview and the confirmation swap in place, an unknown name is an alert that takes the focus, and no page
scrolls sideways, and axe-core finds nothing serious on either page."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import HTMX_SETTLED, axe_violations
from tests.browser.test_mentor_flow import sign_in

SIZES = {"laptop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("size", SIZES)
def test_an_admin_makes_a_group_and_adds_members_in_place(browser, live_server, size):
    viewport = SIZES[size]
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        sign_in(page, live_server, "ada")
        page.goto(f"{live_server}/admin/groups")
        page.get_by_label("Name", exact=True).fill("Platform team")
        page.get_by_label("Provider group name").fill("platform")
        page.get_by_role("button", name="Make the group").click()
        expect(page).to_have_url(f"{live_server}/admin/groups/platform-team")
        expect(page.get_by_text("The group Platform team is made.")).to_be_visible()

        # an unknown name: an alert naming its line, focused; nothing changes
        page.get_by_label("Usernames").fill("lena\nghost\nleo")
        page.get_by_role("button", name="Preview").click()
        alert = page.locator("#alerts [role=alert]")
        expect(alert).to_contain_text("line 2: “ghost”")
        expect(alert).to_be_focused()
        expect(page.locator("#no-members")).to_be_visible()

        page.get_by_label("Usernames").fill("lena\nleo\nmona")
        page.get_by_role("button", name="Preview").click()
        expect(page.locator("#members-preview")).to_contain_text("3 people join")
        expect(page.locator("#alerts [role=alert]")).to_have_count(0)
        page.get_by_role("button", name="Add 3 to Platform team").click()
        expect(page.locator("#group-roster [role=status]")).to_contain_text("3 people join Platform team.")
        members = page.locator("table.members")
        for name in ("lena", "leo", "mona"):
            expect(members.get_by_text(name, exact=True)).to_be_visible()
        expect(page).to_have_url(f"{live_server}/admin/groups/platform-team")  # swapped in place, no reload

        page.get_by_role("button", name="Make manager: mona").click()
        expect(page.get_by_role("button", name="Unmake manager: mona")).to_be_visible()
        page.get_by_role("button", name="Remove leo from Platform team").click()
        expect(page.locator("#group-roster [role=status]")).to_contain_text("leo is no longer in Platform team.")
        expect(members.get_by_text("leo", exact=True)).to_have_count(0)

        # a CSV file goes up through htmx as well
        page.get_by_label("Or upload a CSV file").set_input_files(
            files=[{"name": "people.csv", "mimeType": "text/csv", "buffer": b"name,username\nAda,ada\n"}])
        page.get_by_role("button", name="Preview").click()
        expect(page.locator("#members-preview")).to_contain_text("1 person joins Platform team: ada.")
        page.get_by_role("button", name="Add 1 to Platform team").click()
        expect(members.get_by_text("ada", exact=True)).to_be_visible()

        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"the group page is {width} px wide at {viewport['width']} px"
        page.wait_for_function(HTMX_SETTLED)
        assert axe_violations(page) == []
        page.goto(f"{live_server}/admin/groups")
        expect(page.locator("table.groups")).to_contain_text("Platform team")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"the group list is {width} px wide at {viewport['width']} px"
        assert axe_violations(page) == []
    finally:
        context.close()
