"""Take the README screenshots from a running tracker.

    tracker run --demo            # note the demo-learner password it prints
    python docs/screenshots.py http://127.0.0.1:5000 demo-learner PASSWORD

Needs `pip install playwright` and a Chromium (Debian's `chromium` package is used by default;
set CHROMIUM to another executable).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parent / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def main(base: str, username: str, password: str) -> None:
    OUT.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{base}/signin")
        page.fill("#username", username)
        page.fill("#password", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        page.screenshot(path=OUT / "dashboard.png", full_page=True)
        page.goto(f"{base}/paths/production-services")
        page.screenshot(path=OUT / "path.png")
        page.goto(f"{base}/catalog?q=kafka")
        page.screenshot(path=OUT / "catalog.png")
        phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
        phone.context.add_cookies(page.context.cookies())
        phone.goto(f"{base}/paths/api-designer")
        phone.screenshot(path=OUT / "path-phone.png")
        browser.close()


if __name__ == "__main__":
    main(*sys.argv[1:4])
