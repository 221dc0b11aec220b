"""The header and the admin pages on a phone (390 px) and a laptop (1280 px): one header row with a menu that
opens from the keyboard, and no page that scrolls sideways."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_mentor_flow import sign_in

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 900}
ADMIN_PAGES = ["/admin/paths", "/admin/users", "/admin/articles", "/admin/mentorships", "/admin/credentials",
               "/admin/records", "/admin/security", "/admin/paths/api-designer/edit",
               "/admin/paths/api-designer/history", "/admin/paths/api-designer/status", "/admin/audit",
               "/admin/users/lena", "/account"]


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(viewport=PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, live_server, "ada")
    yield page
    context.close()


def test_on_a_phone_the_header_is_one_row_with_a_menu_that_opens_from_the_keyboard(phone, live_server):
    for address in ("/", "/admin/users"):
        phone.goto(f"{live_server}{address}")
        header = phone.locator(".site-header").bounding_box()
        assert header and header["height"] <= 64, f"{address}: the header is {header} tall"
    nav = phone.get_by_role("navigation", name="Main")
    account_link = nav.get_by_role("link", name="Ada")
    expect(account_link).to_be_hidden()
    menu = nav.locator("summary")
    expect(menu).to_have_text("Menu")
    menu.focus()
    phone.keyboard.press("Enter")
    expect(account_link).to_be_visible()
    expect(nav.get_by_role("link", name="Admin")).to_have_attribute("aria-current", "page")
    phone.keyboard.press("Tab")  # the links follow the button in the keyboard order
    expect(nav.get_by_role("link", name="Dashboard")).to_be_focused()
    menu.focus()
    phone.keyboard.press("Space")
    expect(account_link).to_be_hidden()


def test_on_a_phone_no_admin_page_scrolls_sideways(phone, live_server):
    for address in ADMIN_PAGES:
        phone.goto(f"{live_server}{address}")
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{address} is {width} px wide on a {PHONE['width']} px phone"
    phone.goto(f"{live_server}/admin/users")
    lena = phone.locator("table.users tr", has_text="lena")
    expect(lena.get_by_label("Temporary password for lena")).to_be_visible()  # a labelled card, all within reach
    assert lena.get_by_role("button", name="Set").bounding_box()["x"] + 10 < PHONE["width"]


def test_on_a_laptop_every_header_link_shows_without_a_menu_button(page, live_server):
    sign_in(page, live_server, "ada")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.locator("summary")).to_be_hidden()
    for name in ("Dashboard", "Paths", "Catalog", "Review", "Admin", "Notifications"):
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(nav.get_by_role("button", name="Sign out")).to_be_visible()
    assert page.locator(".site-header").bounding_box()["height"] <= 64


def test_without_javascript_the_phone_menu_still_opens(browser, live_server):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, live_server, "lena")
        nav = page.get_by_role("navigation", name="Main")
        nav.locator("summary").click()
        nav.get_by_role("link", name="Catalog").click()
        expect(page).to_have_url(f"{live_server}/catalog")
    finally:
        context.close()
