"""Every page, as every role: axe-core finds no serious or critical violation, and nothing logs a console error.

The pages come from the app's own URL map, so a new page is checked as soon as it exists (or must be named
below as not a page). axe-core is vendored from the npm registry (tests/browser/vendor) and runs inside
the page through the DevTools protocol, so the app's Content-Security-Policy stays as strict as it is.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlmodel import Session

from tests import factories
from tests.browser.test_mentor_flow import sign_in
from tests.conftest import MakeClient

VENDOR = Path(__file__).parent / "vendor"
AXE = VENDOR / json.loads((VENDOR / "vendor.json").read_text())["axe-core"]["file"]
AXE_SOURCE = AXE.read_text(encoding="utf-8")
# A page is settled once the load has ended (page.goto waits for it) and nothing of htmx is in flight: its
# `load` triggers (the notification badge) are sent before the load event and hold `htmx-request` until the
# answer is swapped in, and the swapped part holds `htmx-settling` until it has settled. Waiting for the
# network to be idle would instead wait half a second on every page.
HTMX_SETTLED = "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"

# GET routes that are not pages a person opens: files, fragments, probes, the JSON API.
NOT_PAGES = re.compile(r"^/(static/|api/v1/|scim/|signin/oidc/callback|healthz|readyz|metrics|setup|\.well-known/"
                       r"|credentials/status/)"
                       r"|\.(csv|yaml|jwt|json|jsonl|svg)$|^/cards/export$|^/notifications/badge$|^/admin/paths/search$")
SAMPLES = {"slug": "api-designer", "username": "lena", "version": "1", "public_id": "0" * 32, "rule_id": "1",
           "resource_id": "1"}
ARTICLE = "http-protocol"
GROUP = "streaming-cohort"  # the lived-in group with a rule (its id is SAMPLES' rule_id)
ROLES = {"visitor": None, "learner": "lena", "mentor": "mona", "admin": "ada"}


def filled(rule: str, values: dict[str, str]) -> str:
    """The rule's URL with each variable part replaced by its value."""
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], rule)


def page_urls(app: Flask) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or NOT_PAGES.search(rule.rule):
            continue
        values = {name: (ARTICLE if rule.rule.startswith("/articles/") and name == "slug"
                         else GROUP if "/groups/" in rule.rule and name == "slug" else SAMPLES[name])
                  for name in rule.arguments}
        urls.append(filled(rule.rule, values))
    return [*sorted(set(urls)), "/no-such-page"]


def visible_to(role: str, url: str) -> bool:
    """Each role visits what it may open; a visitor also sees where sign-in is asked for."""
    if url.startswith("/admin"):
        return role == "admin"
    if url.startswith("/mentor"):
        return role in {"mentor", "admin"}
    return True


def axe_violations(page: Page) -> list[str]:
    page.evaluate(AXE_SOURCE)
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ["violations"]});
        return r.violations.filter(v => v.impact === "serious" || v.impact === "critical").map(
            v => v.impact + " " + v.id + ": " + v.help + " at "
                 + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "));
    }""")
    return [str(violation) for violation in result]


@pytest.fixture
def lived_in(session: Session, make_client: MakeClient) -> None:
    factories.lived_in(session, make_client)
    factories.user(session, "lena")


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES)
def test_every_page_passes_axe_and_logs_no_console_error(browser, live_app, live_server, lived_in, role):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console",
            lambda message: errors.append(f"{page.url}: {message.text}") if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    if ROLES[role]:
        sign_in(page, live_server, ROLES[role])
    problems: dict[str, list[str]] = {}
    visited = 0
    for url in page_urls(live_app):
        if not visible_to(role, url):
            continue
        page.goto(f"{live_server}{url}")
        page.wait_for_function(HTMX_SETTLED)
        visited += 1
        found = axe_violations(page)
        if found:
            problems[url] = found
    context.close()
    # a failed load (404 page, 401 fragment, ...) is not a console error here: only scripts and CSP are
    errors = [e for e in errors if "Failed to load resource" not in e]
    assert visited >= 8, visited
    assert not problems, "\n".join(f"{url}: {found}" for url, issues in problems.items() for found in issues)
    assert errors == []


def test_marking_in_place_logs_no_console_error(page, live_server):
    """htmx swaps (and the styles it would inject) raise no CSP report or script error."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server, "lena")
    page.goto(f"{live_server}/paths/api-designer")
    page.get_by_role("button", name="Follow this path: API Designer").click()
    expect(page.get_by_role("button", name=re.compile("^Following"))).to_be_visible()  # the page reloads as followed
    page.wait_for_load_state("load")  # and htmx, deferred, binds the buttons once it has loaded
    row = page.locator(f"#article-{ARTICLE}")
    row.get_by_role("button", name="Mark done: “HTTP Protocol”").click()
    expect(row).to_have_class(re.compile("state-done"))
    page.get_by_label("Search").count()  # the page is still alive
    page.goto(f"{live_server}/catalog")
    page.get_by_label("Search").press_sequentially("kafka", delay=20)
    expect(page.locator(".result-count")).not_to_contain_text("136 articles")
    assert errors == []


@pytest.mark.parametrize("where", ["/", "/paths/", "/catalog", "/paths/api-designer"])
def test_learner_pages_keep_heading_order(page, live_server, where):
    """axe's heading-order rule (moderate, so the every-page check leaves it out): no h1 -> h3 jump."""
    sign_in(page, live_server, "lena")
    page.goto(f"{live_server}/paths/api-designer")
    page.get_by_role("button", name="Follow this path: API Designer").click()
    expect(page.get_by_text("You follow “API Designer”")).to_be_visible()
    page.goto(f"{live_server}{where}")
    page.wait_for_function(HTMX_SETTLED)
    page.evaluate(AXE_SOURCE)
    found = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: ["heading-order", "page-has-heading-one"]});
        return r.violations.map(v => v.id + " at " + v.nodes.map(n => n.target.join(" ")).join(", "));
    }""")
    assert found == []
