"""A learner makes a path their own, walked in Chromium at a desktop width and a phone's: the copy, a resource of
their own, and a change an admin makes to the curated path afterwards, taken on the copy's page."""

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.test_accessibility import HTMX_SETTLED, axe_violations
from tests.browser.test_mentor_flow import sign_in
from tracker.services.curriculum import queries as path_queries
from tracker.services.curriculum import store as path_store

WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


@pytest.mark.parametrize("width", WIDTHS)
def test_a_learner_copies_a_path_adds_a_resource_and_takes_the_curated_paths_later_change(page, live_server,
                                                                                         session, width):
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    sign_in(page, live_server, "lena")
    page.goto(f"{live_server}/paths/api-designer")
    page.get_by_role("button", name="Make it your own: copy API Designer").click()
    expect(page.get_by_role("heading", name="API Designer (my copy)", level=1)).to_be_visible()
    copy_address = page.url

    page.get_by_role("link", name="Edit this path").click()
    page.get_by_label("Section").last.select_option(index=1)
    page.get_by_label("Title", exact=True).last.fill("My gRPC notes")
    page.get_by_label("Link").fill("https://example.com/grpc-notes")
    page.get_by_label("Minutes").fill("15")
    page.get_by_role("button", name="Add the resource").click()
    expect(page.locator("#editor .flash-success")).to_contain_text("Added your resource “My gRPC notes”")

    upstream = factories.path(session, "api-designer")  # an admin publishes a new version of the curated path
    data = path_queries.path_definition(session=session, path=upstream).model_dump(mode="python")
    data["sections"][1]["items"].append({"slug": "caching", "optional": False})
    path_store.save_path(session=session, definition=path_store.PathDefinition.model_validate(data),
                         base_version=upstream.version, author=factories.user(session, "ada"))

    page.goto(copy_address)
    fork = page.locator("#fork")
    expect(fork).to_contain_text("Copied from API Designer v1 · 1 change since")
    fork.get_by_role("button", name="Take: Added “Caching” to").click()
    expect(page.locator("#fork")).to_contain_text("up to date with v2")
    section = page.locator(".path-section").nth(1)
    expect(section).to_contain_text("Caching")
    expect(section).to_contain_text("My gRPC notes")


def test_a_copys_page_and_its_edit_page_pass_axe_even_with_an_error_shown(page, live_server):
    sign_in(page, live_server, "lena")
    page.goto(f"{live_server}/paths/api-designer")
    page.get_by_role("button", name="Make it your own: copy API Designer").click()
    expect(page.get_by_role("heading", name="API Designer (my copy)", level=1)).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Edit this path").click()
    assert axe_violations(page) == []
    page.get_by_role("textbox", name="Catalog article").fill("no-such-article")
    page.get_by_role("button", name="Add the article").click()
    error = page.locator("#error-article")
    expect(error).to_contain_text("There is no article with that slug")
    expect(error).to_be_focused()
    page.wait_for_function(HTMX_SETTLED)
    assert axe_violations(page) == []
