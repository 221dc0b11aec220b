"""A learner's whole loop in a real browser: sign up, follow, mark, see the bars move in place."""

import re

from playwright.sync_api import expect


def test_sign_up_follow_mark_done_and_see_it_everywhere(page, live_server):
    base = live_server
    page.goto(f"{base}/signup")
    page.get_by_label("Username").fill("browser-user")
    page.get_by_label("Password", exact=True).fill("a walk in the browser park")
    page.get_by_label("Repeat the password").fill("a walk in the browser park")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(f"{base}/paths/")

    page.get_by_role("button", name="Follow this path: API Designer").click()
    expect(page.get_by_text("You follow “API Designer”")).to_be_visible()
    expect(page.get_by_role("button", name="Unfollow API Designer")).to_be_visible()
    page.get_by_role("link", name="API Designer").click()
    expect(page).to_have_url(f"{base}/paths/api-designer")

    path_bar = page.locator("#path-progress-api-designer")
    row = page.locator("#article-http-protocol")
    section_bar = row.locator("xpath=ancestor::section").locator(".section-progress")
    expect(path_bar).to_contain_text("0% done")
    expect(section_bar).to_contain_text("0 of 7 required done")

    page.evaluate("window.__noReload = true")  # survives only if the page is not reloaded
    row.get_by_role("button", name="Mark done: “HTTP Protocol”").click()
    expect(row.get_by_role("button", name=re.compile("Done: “"))).to_be_visible()
    expect(path_bar).to_contain_text("5% done")
    expect(section_bar).to_contain_text("1 of 7 required done")
    expect(page.locator("#live-status")).to_contain_text("“HTTP Protocol”: done.")
    assert page.evaluate("window.__noReload") is True
    expect(page.locator("#article-routing")).to_have_class(re.compile("is-next"))

    page.reload()
    expect(page.locator("#article-http-protocol")).to_have_class(re.compile("state-done"))
    expect(page.locator("#path-progress-api-designer")).to_contain_text("5% done")

    page.goto(f"{base}/paths/production-services")
    expect(page.locator("#article-http-protocol")).to_have_class(re.compile("state-done"))

    page.goto(f"{base}/catalog")
    page.get_by_label("Search").fill("HTTP Protocol")
    expect(page).to_have_url(re.compile(r"/catalog\?q=HTTP(\+|%20)Protocol$"))  # shareable, kept in the URL
    expect(page.locator("#article-http-protocol")).to_have_class(re.compile("state-done"))

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    page.goto(f"{base}/account")
    expect(page).to_have_url(re.compile(r"/signin\?next="))


def test_catalog_search_as_you_type_swaps_results_in_place(page, live_server):
    page.goto(f"{live_server}/catalog")
    expect(page.locator(".result-count")).to_contain_text("136 articles")
    page.evaluate("window.__noReload = true")
    page.get_by_label("Search").press_sequentially("rabbitmq", delay=30)
    expect(page.locator(".result-count")).to_contain_text("matching “rabbitmq”")
    page.get_by_label("Topic", exact=True).select_option("system-design")
    expect(page).to_have_url(re.compile(r"topic=system-design"))
    assert page.evaluate("window.__noReload") is True
    page.reload()
    expect(page.get_by_label("Search")).to_have_value("rabbitmq")


def test_marking_works_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/signin")
    page.get_by_label("Username").fill("lena")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server}/paths/systems-performance")
    page.get_by_role("button", name="Mark done: “Concurrency & Async”").click()
    expect(page).to_have_url(re.compile(r"/paths/systems-performance#article-concurrency-async$"))
    expect(page.locator("#article-concurrency-async")).to_have_class(re.compile("state-done"))
    context.close()


def test_a_title_on_a_path_opens_its_article_page_and_marking_there_updates_in_place(page, live_server):
    from tests.browser.test_mentor_flow import sign_in

    sign_in(page, live_server, "lena")
    page.goto(f"{live_server}/paths/api-designer")
    page.locator("#article-http-protocol").get_by_role("link", name="HTTP Protocol", exact=True).click()
    expect(page).to_have_url(f"{live_server}/articles/http-protocol")
    expect(page.get_by_role("heading", level=1)).to_have_text("HTTP Protocol")
    expect(page.get_by_role("link", name=re.compile("Search the web for it"))).to_have_attribute(
        "href", re.compile(r"^https://duckduckgo\.com/\?q=%22HTTP\+Protocol%22"))
    page.evaluate("window.__noReload = true")
    page.get_by_role("button", name="Mark done: “HTTP Protocol”").click()
    expect(page.locator("#article-state .badge-done")).to_have_text("Done")
    assert page.evaluate("window.__noReload") is True  # swapped in place, not reloaded
    expect(page.locator("main").get_by_role("link", name="API Designer")).to_be_visible()
