"""A learner adds her own resource beside an article on the path page, on a laptop (1280 px) and a phone (390 px):
it appears in place under the row, opens in a new tab without handing over the page, and a bad link is refused
beside the field, focused, with what she typed kept."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_mentor_flow import sign_in

WIDTHS = {"laptop": (1280, 900), "phone": (390, 844)}
ROW = "#article-restful-api-design"
OPENS = re.compile(r"^Fielding, chapter 5 \(opens in a new tab\)")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_learner_adds_a_resource_beside_an_article_and_sees_it_in_place(page, live_server, width):
    w, h = WIDTHS[width]
    page.set_viewport_size({"width": w, "height": h})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server, "lena")
    page.goto(f"{live_server}/paths/api-designer")
    row = page.locator(ROW)
    row.get_by_text("Add your own resource").click()
    row.get_by_label("Title").fill("Fielding, chapter 5")
    row.get_by_label("Link").fill("javascript:alert(1)")
    # the browser's own check would stop a javascript: link in a url field: the server's answer is what is tested
    row.locator("form.resource-form").evaluate("form => form.noValidate = true")
    row.get_by_role("button", name="Add the resource").click()
    alert = row.get_by_role("alert")
    expect(alert).to_contain_text("Only web addresses starting with https:// or http://")
    link_field = row.get_by_label("Link")
    expect(link_field).to_be_focused()
    expect(row.get_by_label("Title")).to_have_value("Fielding, chapter 5")
    link_field.fill("https://example.org/fielding-5")
    row.get_by_label("Minutes").fill("45")
    row.get_by_role("button", name="Add the resource").click()
    link = row.get_by_role("link", name=OPENS)
    expect(link).to_be_visible()
    assert link.get_attribute("href") == "https://example.org/fielding-5"
    assert link.get_attribute("rel") == "noopener noreferrer" and link.get_attribute("target") == "_blank"
    expect(row).to_contain_text("45 min")
    box = link.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= w + 1, box  # within the screen
    page.reload()
    expect(page.locator(ROW).get_by_role("link", name=OPENS)).to_be_visible()
    assert errors == []
