"""Take the README screenshots from a running tracker.

    tracker run --demo            # note the passwords it prints
    python docs/screenshots.py http://127.0.0.1:5000 demo-learner PASSWORD [demo-mentor PASSWORD [demo-admin PASSWORD]]

Needs `pip install playwright` and a Chromium (Debian's `chromium` package is used by default;
set CHROMIUM to another executable).
"""

from __future__ import annotations

import os
import sys
from datetime import date, timedelta
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parent / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def sign_in(browser, base: str, username: str, password: str):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{base}/signin")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def main(base: str, username: str, password: str, mentor: str | None = None, mentor_password: str | None = None,
         admin: str | None = None, admin_password: str | None = None) -> None:
    OUT.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"), args=CHROMIUM_ARGS)
        page = sign_in(browser, base, username, password)
        page.screenshot(path=OUT / "dashboard.png", full_page=True)
        page.goto(f"{base}/paths/production-services")
        page.screenshot(path=OUT / "path.png")
        page.goto(f"{base}/paths/api-designer")
        page.locator("#path-map").screenshot(path=OUT / "path-map.png")
        page.goto(f"{base}/catalog?q=kafka")
        page.screenshot(path=OUT / "catalog.png")
        page.goto(f"{base}/articles/restful-api-design")
        page.screenshot(path=OUT / "article.png", full_page=True)
        page.goto(f"{base}/account")
        page.screenshot(path=OUT / "account.png", full_page=True)
        page.goto(f"{base}/review")
        page.wait_for_load_state("load")
        page.keyboard.press("Space")
        page.wait_for_load_state("load")
        page.get_by_role("button", name="Good").wait_for()
        page.screenshot(path=OUT / "review.png")
        page.goto(f"{base}/review/stats")
        page.screenshot(path=OUT / "review-stats.png")
        page.goto(f"{base}/account/second-factor")
        page.screenshot(path=OUT / "second-factor.png", full_page=True)
        phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
        phone.context.add_cookies(page.context.cookies())
        phone.goto(f"{base}/paths/api-designer")
        phone.screenshot(path=OUT / "path-phone.png")
        phone.locator("#path-map").screenshot(path=OUT / "path-map-phone.png")
        if mentor:
            page = sign_in(browser, base, mentor, mentor_password)
            page.goto(f"{base}/mentor/")
            page.screenshot(path=OUT / "mentor-overview.png", full_page=True)
            page.locator("table.overview a").first.click()
            page.screenshot(path=OUT / "mentee.png", full_page=True)
            page.goto(f"{base}/mentor/")
            page.locator("input[name=learners]").first.check()
            page.locator("#assign-path").select_option("api-designer")
            page.locator("#due_on").fill((date.today() + timedelta(days=35)).isoformat())
            page.get_by_role("button", name="Assign", exact=True).click()
            page.screenshot(path=OUT / "assign-again.png")
            page.goto(f"{base}/groups/platform-team")
            page.screenshot(path=OUT / "group-overview.png", full_page=True)
            page.goto(f"{base}/groups/platform-team/rules")
            page.locator("table a").first.click()
            page.get_by_role("link", name="Preview").first.click() if page.get_by_role("link", name="Preview").count() else None
            page.screenshot(path=OUT / "rule-preview.png", full_page=True)
        if admin:
            page = sign_in(browser, base, admin, admin_password)
            page.goto(f"{base}/admin/paths/api-designer/edit")
            page.screenshot(path=OUT / "path-editor.png")
            page.goto(f"{base}/admin/paths/api-designer/history/1")
            page.screenshot(path=OUT / "path-version.png")
            page.goto(f"{base}/admin/groups/platform-team")
            page.screenshot(path=OUT / "group-admin.png", full_page=True)
            page.goto(f"{base}/admin/audit")
            page.screenshot(path=OUT / "audit-log.png")
        browser.close()


if __name__ == "__main__":
    main(*sys.argv[1:8])
