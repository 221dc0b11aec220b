"""A new learner's rough spots, walked in Chromium at a desktop width and a phone's: the takeaway prompt under
the row, a mark from a signed-out tab, a page whose path changed under it, touch targets and quiet buttons."""

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.test_mentor_flow import sign_in
from tests.conftest import PASSWORD
from tracker.services.curriculum import queries as path_queries
from tracker.services.curriculum import store as path_store

WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}



def open_menu(page) -> None:
    """At phone width the header's links sit behind its menu: open it (a laptop's header has none)."""
    if (page.viewport_size or {"width": 1280})["width"] > 640:  # the menu is for widths up to 40rem
        return
    if not page.evaluate("document.querySelector('details.nav-menu')?.open ?? true"):
        page.locator("summary.nav-menu-toggle").click()

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


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_mark_from_a_tab_signed_out_in_another_says_so_and_is_repeated_after_signing_in(browser, live_server,
                                                                                           width, javascript):
    w, h = WIDTHS[width]
    context = browser.new_context(viewport={"width": w, "height": h}, java_script_enabled=javascript)
    context.set_default_timeout(10_000)
    reading, other = context.new_page(), context.new_page()
    if javascript:
        sign_in(reading, live_server, "lena")
    else:  # without scripts the sign-in form still answers with the dashboard
        reading.goto(f"{live_server}/signin")
        reading.get_by_label("Username").fill("lena")
        reading.get_by_label("Password").fill(PASSWORD)
        reading.get_by_role("button", name="Sign in").click()
    reading.goto(f"{live_server}/paths/api-designer")
    other.goto(f"{live_server}/")
    open_menu(other)
    other.get_by_role("button", name="Sign out").click()
    expect(other.get_by_text("You are signed out.")).to_be_visible()  # the new page, whose menu starts closed
    open_menu(other)
    expect(other.get_by_role("link", name="Sign in")).to_be_visible()

    row = reading.locator("#article-http-protocol")
    row.get_by_role("button", name="Mark done: “HTTP Protocol”").click()
    if javascript:
        alert = reading.locator("#alerts").get_by_role("alert")
        expect(alert).to_contain_text("You were signed out")
        expect(alert).not_to_contain_text("security token")
        expect(alert).to_be_focused()
        expect(alert).to_be_in_viewport()
        expect(row.get_by_role("button", name="Mark done: “HTTP Protocol”")).to_be_visible()  # the row is intact
        alert.get_by_role("link", name="Sign in to carry on").click()
    else:
        expect(reading.get_by_role("heading", level=1)).to_have_text("You were signed out")
        reading.get_by_role("link", name="Sign in to carry on").click()
    reading.get_by_label("Username").fill("lena")
    reading.get_by_label("Password").fill(PASSWORD)
    reading.get_by_role("button", name="Sign in").click()
    expect(reading.get_by_role("heading", level=1)).to_have_text("Carry on where you were")
    reading.get_by_role("button", name="Mark “HTTP Protocol” done").click()
    expect(reading).to_have_url(f"{live_server}/paths/api-designer#article-http-protocol")
    expect(reading.locator("#article-http-protocol")).to_have_class(re.compile("state-done"))
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_path_changed_under_an_open_page_asks_to_reload_instead_of_failing_silently(page, live_server, session,
                                                                                        width):
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server, "lena")
    page.goto(f"{live_server}/paths/api-designer")
    page.evaluate("""window.__htmxErrors = [];
        ['htmx:oobErrorNoTarget', 'htmx:targetError', 'htmx:swapError'].forEach(name =>
            document.body.addEventListener(name, () => window.__htmxErrors.push(name)));""")

    path = factories.path(session, "api-designer")  # an admin saves a new version: new sections
    definition = path_queries.path_definition(session=session, path=path)
    definition.sections.reverse()
    path_store.save_path(session=session, definition=definition, base_version=path.version,
                         author=factories.user(session, "ada"))

    row = page.locator("#article-http-protocol")
    row.get_by_role("button", name="Mark done: “HTTP Protocol”").click()
    banner = page.locator("#alerts").get_by_role("alert")
    expect(banner).to_contain_text("This path changed since you opened the page")
    expect(banner).to_be_in_viewport()
    expect(row).to_have_class(re.compile("state-done"))  # the mark itself is saved and shown
    assert page.evaluate("window.__htmxErrors") == []
    assert errors == []
    banner.get_by_role("link", name="Reload the page").click()
    expect(page.locator("#article-http-protocol")).to_have_class(re.compile("state-done"))
    expect(page.locator("#alerts [role=alert]")).to_have_count(0)
    expect(page.locator(".path-section").first).to_contain_text(definition.sections[0].title)


TOUCH = 44
# What a thumb presses in a list: every button, link and disclosure in the article rows and path cards.
PRESSABLE = ("li.article-row :is(button, a, summary), article.path-card :is(button, a)")


@pytest.mark.parametrize("where", ["/paths/api-designer", "/catalog", "/paths/"])
def test_on_a_phone_what_is_pressed_in_a_list_is_at_least_44_px(page, live_server, where):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, "lena")
    page.goto(f"{live_server}{where}")
    sizes = page.locator(PRESSABLE).evaluate_all("""els => els.filter(el => el.checkVisibility()).map(el => {
        const r = el.getBoundingClientRect();
        return [el.tagName + ' ' + (el.getAttribute('aria-label') || el.textContent.trim()).slice(0, 40),
                Math.round(r.width * 10) / 10, Math.round(r.height * 10) / 10]; })""")
    assert len(sizes) >= 10, sizes
    small = [size for size in sizes if size[1] < TOUCH - 0.5 or size[2] < TOUCH - 0.5]
    assert small == [], small[:10]


@pytest.mark.parametrize("width", WIDTHS)
def test_state_buttons_in_a_list_are_secondary_and_the_pressed_one_stands_out(page, live_server, width):
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    sign_in(page, live_server, "lena")
    page.goto(f"{live_server}/catalog")
    accent = page.evaluate("getComputedStyle(document.querySelector('.nav-links a.button, .button, body'))"
                           ".getPropertyValue('--accent')") or "#2457c5"
    backgrounds = page.locator("button.state-btn", has_text="Mark done").evaluate_all(
        "els => els.map(el => getComputedStyle(el).backgroundColor)")
    assert len(backgrounds) > 10
    assert set(backgrounds) == {"rgb(255, 255, 255)"}, (accent, set(backgrounds))  # none solid primary
    row = page.locator("li.article-row").first
    row.locator("button.state-btn", has_text="Mark done").click()
    done = row.locator("button.state-btn.is-done")
    expect(done).to_be_visible()
    assert done.evaluate("el => getComputedStyle(el).backgroundColor") != "rgb(255, 255, 255)"

