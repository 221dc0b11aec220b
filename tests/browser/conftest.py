"""A live server on 127.0.0.1 and a headless Debian Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from flask import Flask

from tests.conftest import make_app

if TYPE_CHECKING:  # Playwright is imported when a browser is first needed
    from playwright.sync_api import Browser, Page

CHROMIUM = os.environ.get("TRACKER_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything in this folder drives Chromium: `pytest -m "not browser"` leaves it out."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium, "
                    "or set TRACKER_TEST_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def backend() -> str:
    return "sqlite"  # the browser checks the pages; the database matrix is covered by the HTTP tests


@pytest.fixture
def live_app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The app the live server serves (tests may change its config before the first request)."""
    app = make_app(database_url, tmp_path)
    yield app
    app.extensions["tracker.engine"].dispose()


@pytest.fixture
def live_server(live_app: Flask) -> Iterator[str]:
    """The app served by waitress in a thread, on a free port."""
    from waitress.server import create_server

    server = create_server(live_app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    # Closed from its own loop, which then ends at once: closed from here, the loop would notice only at its
    # next one-second timeout. Then its request threads are stopped.
    server.trigger.pull_trigger(server.close)
    thread.join(timeout=5)
    assert not thread.is_alive(), "the live server did not stop"
    server.task_dispatcher.shutdown()


@pytest.fixture
def page(browser: Browser, live_server: str) -> Iterator[Page]:
    """A page in a fresh context, closed before the server stops, so that no connection holds it up."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()
