"""A new learner's rough spots, walked in Chromium at a desktop width and a phone's: the takeaway prompt under
the row, a mark from a signed-out tab, a page whose path changed under it, touch targets and quiet buttons."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_mentor_flow import sign_in

WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


def _box(locator) -> dict:
    """The element's box on the page (not the viewport: focus may scroll it between two measures)."""
    return locator.evaluate("""el => { const r = el.getBoundingClientRect();
        return {x: r.x + scrollX, y: r.y + scrollY, width: r.width, height: r.height}; }""")


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("where", ["/paths/api-designer", "/catalog?q=HTTP+Protocol"])
def test_the_takeaway_prompt_opens_below_the_row_and_leaves_the_title_its_width(page, live_server, width, where):
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    sign_in(page, live_server, "lena")
    page.goto(f"{live_server}{where}")
    row = page.locator("#article-http-protocol")
    title = row.locator(".article-title")
    before = _box(title)["width"]
    row.get_by_role("button", name="Mark done: “HTTP Protocol”").click()
    prompt = row.get_by_label("What would you tell a colleague about it?")
    expect(prompt).to_be_visible()
    after = _box(row.locator(".article-title"))["width"]
    assert after >= before - 4, (before, after)  # the title is not squeezed (a done row's border is 3 px wider)
    assert after > (300 if width == "desktop" else 250), after
    form = _box(row.locator(".takeaway"))
    controls = _box(row.locator(".state-controls"))
    main = _box(row.locator(".article-main"))
    assert form["y"] >= max(controls["y"] + controls["height"], main["y"] + main["height"]) - 1  # below the row
    assert form["width"] > _box(row)["width"] * 0.8  # across the row, not a column beside it
