"""Section rules in a real browser, on a wide screen and a phone: an admin makes a section elective and in order
and sees, before saving, whose percentage moves; a learner sees the rule and a closed article that opens in place
once she finishes the one before it."""

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.test_mentor_flow import sign_in
from tests.section_rules import GRAPHQL, GRAPHQL_REQUIRED
from tracker.models import ProgressState
from tracker.services.progress import follows
from tracker.services.progress import marks as progress


@pytest.mark.parametrize("width", [1280, 390])
def test_an_elective_in_order_section_from_the_editor_to_the_learner(browser, live_server, session, width):
    lena = factories.user(session, "lena")
    follows.follow_path(session=session, user=lena, path=factories.path(session, "api-designer"))
    for slug in GRAPHQL_REQUIRED[:2]:
        progress.write_mark(session=session, user=lena, article=factories.article(session, slug),
                            state=ProgressState.done)
    third, fourth = (factories.article(session, slug).title for slug in GRAPHQL_REQUIRED[2:])

    admin = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    sign_in(admin, live_server, "ada")
    admin.goto(f"{live_server}/admin/paths/api-designer/edit")
    admin.locator(f"#section-kind-{GRAPHQL}").select_option("elective")
    admin.locator(f"#section-pick-{GRAPHQL}").fill("2")
    admin.locator(f"[name='sections-{GRAPHQL}-sequential']").check()
    admin.get_by_role("button", name="Preview the effect on learners").click()
    preview = admin.locator("#editor-preview")
    expect(preview).to_contain_text("Saving this: 1 learner's percentage changes — 1 goes up.")
    expect(preview).to_be_focused()
    expect(admin.locator(f"#section-kind-{GRAPHQL}")).to_have_value("elective")  # the draft is kept
    admin.get_by_role("button", name="Save as version 2").click()
    expect(admin.get_by_text(re.compile(r"Saved version 2 .*is now elective: any 2 of 4\."))).to_be_visible()
    admin.context.close()

    page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    sign_in(page, live_server, "lena")
    page.goto(f"{live_server}/paths/api-designer")
    expect(page.locator("[data-section-rule]").nth(GRAPHQL)).to_have_text("Elective: any 2 of 4 · in order")
    closed = page.locator(f"#article-{GRAPHQL_REQUIRED[3]}")
    expect(closed.locator("[data-locked]")).to_contain_text(f"Opens once you finish “{third}”")
    expect(closed.get_by_role("button", name=f"Mark done: “{fourth}”")).to_have_count(0)
    page.evaluate("window.__noReload = true")
    page.get_by_role("button", name=f"Mark done: “{third}”").click()
    expect(closed.locator("[data-locked]")).to_have_count(0)
    expect(closed.get_by_role("button", name=f"Mark done: “{fourth}”")).to_be_visible()
    assert page.evaluate("window.__noReload") is True  # opened in place, without a reload
    page.context.close()
