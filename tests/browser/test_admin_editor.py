"""The path editor in a real browser: keyboard moves, drag and drop, live search, save."""

import re

from playwright.sync_api import expect

from tests.browser.test_mentor_flow import sign_in


def item_slugs(page, section_index):
    return page.locator(f"[data-section]:nth-of-type({section_index + 1}) [data-item] input[type=hidden]").evaluate_all(
        "els => els.map(e => e.value)")


def test_edit_a_path_with_buttons_drag_and_drop_and_search(browser, live_server):
    page = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
    sign_in(page, live_server, "ada")
    page.goto(f"{live_server}/admin/paths/api-designer/edit")
    first = page.locator("[data-section]").first
    expect(first.locator("[data-item]").first).to_contain_text("HTTP Protocol")

    page.evaluate("window.__noReload = true")
    page.get_by_role("button", name="Move “HTTP Protocol” down").click()
    expect(page.get_by_text("Unsaved changes.")).to_be_visible()
    expect(first.locator("[data-item]").nth(1)).to_contain_text("HTTP Protocol")

    items = page.locator("[data-section]").nth(1).locator("[data-item]")
    moving = items.nth(0).locator(".editor-item-title").inner_text()
    items.nth(0).locator(".drag-handle").drag_to(items.nth(3).locator(".drag-handle"))
    expect(items.nth(0)).not_to_contain_text(moving)
    names = items.locator("input[type=hidden]").evaluate_all("els => els.map(e => e.name)")
    assert names == [f"sections-1-items-{i}-slug" for i in range(len(names))]

    page.get_by_label("Search the catalog").fill("consistent hashing")
    page.get_by_label("Add to").select_option("2")
    page.get_by_role("button", name=re.compile("Add “Consistent Hashing")).click()
    expect(page.locator("[data-section]").nth(2)).to_contain_text("Consistent Hashing Explained")
    assert page.evaluate("window.__noReload") is True

    page.get_by_role("button", name="Save as version 2").click()
    expect(page.get_by_text(re.compile(r"Saved version 2 of “API Designer”"))).to_be_visible()
    expect(page.locator("[data-section]").nth(2)).to_contain_text("Consistent Hashing Explained")
    expect(page.locator("[data-section]").first.locator("[data-item]").nth(1)).to_contain_text("HTTP Protocol")
    page.goto(f"{live_server}/admin/paths/api-designer/history")
    expect(page.locator(".history li").first).to_contain_text("Added 1 article: “Consistent Hashing Explained")
    page.context.close()


def test_the_editor_asks_before_unsaved_changes_are_lost(browser, live_server):
    page = browser.new_context().new_page()
    sign_in(page, live_server, "ada")
    page.goto(f"{live_server}/admin/paths/api-designer/edit")
    unsaved = page.get_by_text("Unsaved changes.")
    expect(unsaved).to_be_hidden()
    page.get_by_label("Title", exact=True).fill("API Designer, revised")
    expect(unsaved).to_be_visible()  # after typing, not only after a drag

    asked = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", answer)
    page.get_by_role("link", name="Discard changes").click()
    assert asked == ["confirm"]
    expect(page).to_have_url(f"{live_server}/admin/paths/api-designer/edit")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Paths").click()
    page.wait_for_timeout(300)
    assert asked == ["confirm", "beforeunload"]
    expect(page.get_by_label("Title", exact=True)).to_have_value("API Designer, revised")  # still here
    page.remove_listener("dialog", answer)

    page.get_by_role("button", name="Save as version 2").click()  # saving never asks
    expect(page.get_by_text(re.compile(r"Saved version 2"))).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Paths").click()
    expect(page).to_have_url(f"{live_server}/paths/")
    page.context.close()


def test_without_javascript_the_editor_searches_and_adds_articles(browser, live_server):
    page = browser.new_context(java_script_enabled=False).new_page()
    sign_in(page, live_server, "ada")
    page.goto(f"{live_server}/admin/paths/api-designer/edit")
    page.get_by_label("Search the catalog").fill("consistent hashing")
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_role("button", name=re.compile("Add “Consistent Hashing")).click()
    expect(page.locator("[data-section]").last).to_contain_text("Consistent Hashing Explained")
    page.get_by_role("button", name="Save as version 2").click()
    expect(page.get_by_text(re.compile(r"Saved version 2 of “API Designer”"))).to_be_visible()
    page.context.close()
