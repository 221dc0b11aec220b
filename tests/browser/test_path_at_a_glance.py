"""A path at a glance in Chromium, at a desktop's width and a phone's: the map above the sections, sections
folded by keyboard and remembered across a reload, the plan on one line, and the page printed to PDF."""

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.test_accessibility import axe_violations
from tests.browser.test_mentor_flow import sign_in
from tracker.models import utcnow
from tracker.services.learning import plans
from tracker.services.progress import follows

WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
PATH = "/paths/api-designer"


@pytest.fixture
def follower(session):
    follows.follow_path(session=session, user=factories.user(session, "lena"),
                        path=factories.path(session, "api-designer"))


def with_plan(session):
    plans.set_plan(session=session, user=factories.user(session, "lena"), path=factories.path(session, "api-designer"),
                   days=[1, 3], minutes=30, cue="after standup", now=utcnow())


def height(page) -> int:
    return page.evaluate("document.documentElement.scrollHeight")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_map_shows_every_section_above_the_fold_and_its_links_lead_there(page, live_server, session, follower,
                                                                              width):
    w, h = WIDTHS[width]
    page.set_viewport_size({"width": w, "height": h})
    with_plan(session)
    sign_in(page, live_server, "lena")
    page.goto(f"{live_server}{PATH}")
    path_map = page.get_by_role("navigation", name=re.compile("^Sections"))
    expect(path_map.get_by_role("link")).to_have_count(4)
    top = path_map.evaluate("el => el.getBoundingClientRect().top + scrollY")
    assert top < h, (width, top)  # the map starts on the first screen
    assert page.evaluate("document.documentElement.scrollWidth") <= w  # nothing scrolls sideways
    link = path_map.get_by_role("link", name=re.compile("Versioning, compatibility"))
    link.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("#section-4$"))
    assert page.evaluate("document.getElementById('section-4').getBoundingClientRect().top") < h / 2


def test_a_mark_updates_the_map_with_the_bars(page, live_server, session, follower):
    with_plan(session)
    sign_in(page, live_server, "lena")
    page.goto(f"{live_server}{PATH}")
    first = page.locator(".path-map-item").first
    expect(first).to_contain_text(re.compile(r"0 of \d+"))
    page.locator("#article-http-protocol").get_by_role("button", name=re.compile("Mark done")).click()
    expect(first).to_contain_text(re.compile(r"1 of \d+"))
    bar = page.locator(".section-progress").first.locator("svg").get_attribute("aria-label")
    assert bar.split(":")[1] in first.locator("svg").get_attribute("aria-label")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_section_folds_by_keyboard_alone_and_stays_folded_after_a_reload(page, live_server, session, follower,
                                                                           width):
    w, h = WIDTHS[width]
    page.set_viewport_size({"width": w, "height": h})
    sign_in(page, live_server, "lena")
    page.goto(f"{live_server}{PATH}")
    button = page.locator("#fold-2")
    rows = page.locator("#section-2-articles > li")
    expect(rows.first).to_be_visible()
    button.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#fold-2")).to_have_attribute("aria-expanded", "false")
    expect(rows.first).to_be_hidden()
    assert page.evaluate("document.activeElement.id") == "fold-2"  # the focus stays on the button
    assert page.url.endswith(PATH)  # in place, no reload
    page.reload()
    expect(page.locator("#fold-2")).to_have_attribute("aria-expanded", "false")
    expect(rows.first).to_be_hidden()
    page.locator("#fold-2").focus()
    page.keyboard.press("Space")
    expect(page.locator("#fold-2")).to_have_attribute("aria-expanded", "true")
    expect(rows.first).to_be_visible()


def test_folding_works_without_javascript_and_the_map_link_shows_a_folded_section(browser, live_server, session,
                                                                                  follower):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=False)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        sign_in(page, live_server, "lena")
        page.goto(f"{live_server}{PATH}")
        page.locator("#fold-3").click()
        expect(page).to_have_url(re.compile("#fold-3$"))  # back at the button, the section folded at once
        expect(page.locator("#fold-3")).to_have_attribute("aria-expanded", "false")
        expect(page.locator("#fold-3")).to_be_in_viewport()
        expect(page.locator("#section-3-articles > li").first).to_be_hidden()
        page.locator(".path-map").get_by_role("link", name=re.compile("Implement API gateways")).click()
        expect(page.locator("#section-3-articles > li").first).to_be_visible()  # the link opens it to read
    finally:
        context.close()


def test_with_javascript_a_folded_section_opened_by_its_map_link_says_it_is_expanded(page, live_server, session,
                                                                                     follower):
    """The map link shows the folded section's articles; its button tells a screen reader so, until the reader
    moves on to another section."""
    sign_in(page, live_server, "lena")
    page.goto(f"{live_server}{PATH}")
    page.locator("#fold-3").click()
    expect(page.locator("#fold-3")).to_have_attribute("aria-expanded", "false")
    page.locator(".path-map").get_by_role("link", name=re.compile("Implement API gateways")).click()
    expect(page.locator("#section-3-articles > li").first).to_be_visible()
    expect(page.locator("#fold-3")).to_have_attribute("aria-expanded", "true")
    page.locator(".path-map").get_by_role("link", name=re.compile("section 1")).click()
    expect(page.locator("#section-3-articles > li").first).to_be_hidden()
    expect(page.locator("#fold-3")).to_have_attribute("aria-expanded", "false")


def test_the_next_article_shows_in_a_folded_section(page, live_server, session, follower):
    sign_in(page, live_server, "lena")
    page.goto(f"{live_server}{PATH}")
    page.locator("#fold-1").click()
    expect(page.locator("#fold-1")).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#section-1-articles > li.is-next")).to_be_visible()
    expect(page.locator("#section-1-articles > li:not(.is-next)").first).to_be_hidden()


@pytest.mark.parametrize("width", WIDTHS)
def test_with_a_plan_the_plan_is_one_line_and_a_refusal_opens_it_on_the_field(page, live_server, session, follower,
                                                                              width):
    w, h = WIDTHS[width]
    page.set_viewport_size({"width": w, "height": h})
    with_plan(session)
    sign_in(page, live_server, "lena")
    page.goto(f"{live_server}{PATH}")
    plan = page.locator("#plan")
    expect(plan.locator("summary")).to_contain_text("Your plan: Tue and Thu after standup, 30 min")
    expect(plan.get_by_label("Minutes each day")).to_be_hidden()
    assert plan.bounding_box()["height"] < (60 if width == "desktop" else 110)  # one line (a phone wraps it)
    plan.get_by_text("Change").click()
    plan.get_by_label("Tue").uncheck()
    plan.get_by_label("Thu").uncheck()
    plan.get_by_role("button", name="Save plan").click()
    expect(plan.get_by_role("alert")).to_contain_text("choose at least one day")
    expect(plan.get_by_label("Mon")).to_be_focused()
    expect(plan.get_by_label("Mon")).to_have_attribute("aria-invalid", "true")


def test_the_form_is_open_for_a_new_follower(page, live_server, session, follower):
    sign_in(page, live_server, "lena")
    page.goto(f"{live_server}{PATH}")
    expect(page.locator("#plan").get_by_label("Minutes each day")).to_be_visible()


def test_printing_gives_a_pdf_of_every_section_without_buttons(page, live_server, session, follower, tmp_path):
    with_plan(session)
    article = factories.article(session, "http-protocol")
    article.url = "https://developer.mozilla.org/en-US/docs/Web/HTTP/Overview"
    session.add(article)
    session.commit()
    sign_in(page, live_server, "lena")
    page.goto(f"{live_server}{PATH}")
    page.locator("#fold-2").click()
    expect(page.locator("#fold-2")).to_have_attribute("aria-expanded", "false")
    page.emulate_media(media="print")
    page.screenshot(path=tmp_path / "print.png", full_page=True)
    assert page.locator("button:visible").count() == 0
    assert page.locator("form:visible, nav.breadcrumbs:visible, .site-header:visible").count() == 0
    expect(page.locator("#section-2-articles > li").first).to_be_visible()  # a folded section prints whole
    address = page.locator("#article-http-protocol .print-address")
    expect(address).to_be_visible()
    expect(address).to_have_text("https://developer.mozilla.org/en-US/docs/Web/HTTP/Overview")
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000


def test_folding_every_section_shortens_the_page(page, live_server, session, follower):
    """The 23-article path at 1280 px, before and after folding all four sections (figures printed with -s)."""
    with_plan(session)
    sign_in(page, live_server, "lena")
    page.goto(f"{live_server}{PATH}")
    before = height(page)
    for number in range(1, 5):
        page.locator(f"#fold-{number}").click()
        expect(page.locator(f"#fold-{number}")).to_have_attribute("aria-expanded", "false")
    page.reload()
    after = height(page)
    print(f"\npath page height at 1280 px: {before} px open, {after} px with every section folded")
    assert after < before / 2, (before, after)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_map_and_a_folded_section_pass_axe(page, live_server, session, follower, width):
    w, h = WIDTHS[width]
    page.set_viewport_size({"width": w, "height": h})
    with_plan(session)
    sign_in(page, live_server, "lena")
    page.goto(f"{live_server}{PATH}")
    page.locator("#fold-2").click()
    expect(page.locator("#fold-2")).to_have_attribute("aria-expanded", "false")
    page.reload()
    assert axe_violations(page) == []
    found = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: ["heading-order", "landmark-unique", "nested-interactive"]});
        return r.violations.map(v => v.id + " at " + v.nodes.map(n => n.target.join(" ")).join(", "));
    }""")
    assert found == []
