"""The path editor with JavaScript, on a laptop and a phone: errors and conflicts come into view with the focus,
a moved article keeps the focus, and the search stays for the next article to add."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_mentor_flow import sign_in

WIDTHS = [1280, 390]


@pytest.fixture(params=WIDTHS, ids=lambda width: f"{width}px")
def editor(request, browser, live_server):
    context = browser.new_context(viewport={"width": request.param, "height": 844})
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, live_server, "ada")
    page.goto(f"{live_server}/admin/paths/api-designer/edit")
    yield page
    context.close()


def test_a_refused_save_and_a_conflict_come_into_view_with_the_focus(editor, browser, live_server):
    editor.get_by_role("button", name="Add a section").click()
    expect(editor.locator("#section-4")).to_be_focused()  # the new section's title, ready for typing
    editor.locator("#section-4").fill("Later")
    editor.get_by_role("button", name="Save as version 2").click()
    error = editor.locator(".editor-error")
    expect(error).to_contain_text("Section 5 'Later' needs at least one article")
    expect(error).to_be_focused()
    expect(error).to_be_in_viewport()

    other = browser.new_context().new_page()
    sign_in(other, live_server, "ada")
    other.goto(f"{live_server}/admin/paths/api-designer/edit")
    other.get_by_label("Outcome").fill("Changed elsewhere.")
    other.get_by_role("button", name="Save as version 2").click()
    expect(other.get_by_text(re.compile("Saved version 2"))).to_be_visible()
    other.context.close()

    editor.get_by_role("button", name="Remove section 5").click()
    expect(editor.get_by_role("button", name="Add a section")).to_be_focused()
    editor.get_by_label("Title", exact=True).fill("API Designer, mine")
    editor.get_by_role("button", name="Save as version 2").click()
    conflict = editor.locator(".conflict")
    expect(conflict).to_contain_text("Not saved: someone else changed this path.")
    expect(conflict).to_be_focused()
    expect(conflict).to_be_in_viewport()


def test_move_down_twice_from_the_keyboard_moves_the_same_article_twice(editor):
    first = editor.locator("[data-section]").first.locator("[data-item]")
    title = first.nth(0).locator(".editor-item-title").inner_text()
    editor.get_by_role("button", name=f"Move “{title}” down").focus()
    editor.keyboard.press("Enter")
    expect(first.nth(1)).to_contain_text(title)
    expect(editor.get_by_role("button", name=f"Move “{title}” down")).to_be_focused()
    editor.keyboard.press("Enter")
    expect(first.nth(2)).to_contain_text(title)
    expect(editor.get_by_role("button", name=f"Move “{title}” down")).to_be_focused()


def test_after_add_the_search_and_the_section_stay_for_the_next_article(editor):
    editor.get_by_label("Search the catalog").fill("hashing")
    editor.get_by_label("Add to").select_option("1")
    editor.get_by_role("button", name=re.compile("Add “Consistent Hashing")).click()
    second = editor.locator("[data-section]").nth(1)
    expect(second).to_contain_text("Consistent Hashing Explained")
    expect(editor.get_by_label("Search the catalog")).to_have_value("hashing")
    expect(editor.get_by_label("Add to")).to_have_value("1")
    expect(editor.locator("#search-results li").first).to_be_visible()  # the hits stay for the next "Add"
    assert editor.evaluate("document.documentElement.scrollWidth") <= editor.viewport_size["width"]
