"""`tracker serve`: gunicorn with several worker processes on PostgreSQL and Redis agrees with itself.
Sign-in, CSRF, throttling, notifications and metrics hold whichever worker takes a request. Uses the
machine's Redis on database 12, emptied before and after."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import CHEAP_HASHING, PASSWORD, SECRET
from tests.http.test_shared_limits import redis_client

REDIS_URL = os.environ.get("TRACKER_TEST_SERVE_REDIS_URL", "redis://127.0.0.1:6379/12")
CSRF_RE = re.compile(r'"X-CSRFToken": "([^"]+)"')
WORKERS = 3


def csrf_token(page: str) -> str:
    """The CSRF token a page hands to htmx."""
    found = CSRF_RE.search(page)
    assert found, f"no CSRF token in the page: {page[:300]}"
    return found.group(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_store():
    return redis_client(REDIS_URL)


class Served:
    def __init__(self, base: str, log_path):
        self.base, self.log_path = base, log_path
        self.sequence = 0

    def browser(self, username: str | None = None) -> requests.Session:
        browser = requests.Session()
        if username:
            answer = self.post(browser, "/signin", data={"username": username, "password": PASSWORD})
            assert answer.status_code == 200 and "Sign out" in answer.text, answer.text[:300]
        return browser

    def _traced(self) -> dict[str, str]:
        self.sequence += 1
        return {"X-Request-ID": f"serve-test-{self.sequence:05d}"}

    def get(self, browser: requests.Session, path: str) -> requests.Response:
        return browser.get(self.base + path, headers=self._traced(), timeout=30)

    def post(self, browser: requests.Session, path: str, **kwargs) -> requests.Response:
        token = csrf_token(browser.get(self.base + "/signin" if path == "/signin" else self.base + "/",
                                       timeout=30).text)
        return browser.post(self.base + path, headers=self._traced() | {"X-CSRFToken": token}, timeout=30, **kwargs)

    def workers_that_answered(self, answers: list[requests.Response]) -> Counter[str]:
        """Which worker process answered each request, read from the access log by request id."""
        ids = {answer.headers["X-Request-ID"] for answer in answers}
        log = self.log_path.read_text(encoding="utf-8")
        pids: Counter[str] = Counter()
        for match in re.finditer(r"\[(\d+)\] INFO tracker\.access: .* id=(\S+)", log):
            if match.group(2) in ids:
                pids[match.group(1)] += 1
        assert sum(pids.values()) == len(ids), "every request has its access-log line"
        return pids


@pytest.fixture
def served(postgres, template_databases, tmp_path):
    store = redis_store()
    store.flushdb()
    name = postgres.create("serve", template=template_databases("postgresql"))
    port = free_port()
    env = os.environ | {"TRACKER_DATABASE_URL": postgres.url(name), "TRACKER_REDIS_URL": REDIS_URL,
                        "TRACKER_DATA_DIR": str(tmp_path / "data"), "TRACKER_METRICS": "1"}
    env["TRACKER_SECRET_KEY"] = SECRET  # the one the test database's signing keys were sealed with
    env |= {f"TRACKER_{key}": str(value) for key, value in CHEAP_HASHING.items()}
    log_path = tmp_path / "server.log"
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen([sys.executable, "-m", "tracker", "serve", "--port", str(port),
                                    "--workers", str(WORKERS), "--threads", "2"],
                                   env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(base + "/readyz", timeout=2).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):  # still starting, or slow to answer at first
                pass
            assert process.poll() is None, log_path.read_text(encoding="utf-8")
            time.sleep(0.2)
        else:
            pytest.fail("the server did not get ready:\n" + log_path.read_text(encoding="utf-8"))
        time.sleep(1)  # every worker up, so the kernel spreads connections over all of them
        yield Served(base, log_path)
    finally:
        process.terminate()
        process.wait(timeout=30)
        store.flushdb()
        store.close()


def at_once(calls) -> list[requests.Response]:
    """Requests sent together, each on its own connection, so the workers share them out."""
    with ThreadPoolExecutor(max_workers=6) as pool:
        return list(pool.map(lambda call: call(), calls))


def as_browser(cookies, username=None) -> requests.Session:
    browser = requests.Session()
    browser.cookies.update(cookies)
    return browser


@pytest.mark.slow
@pytest.mark.postgresql
def test_several_workers_agree_on_sign_in_csrf_limits_and_notifications(served):
    lena = served.browser("lena")
    cookies = lena.cookies.get_dict()
    answered = []

    # Signed in once, every worker knows her.
    pages = at_once([lambda: served.get(as_browser(cookies), "/") for _ in range(24)])
    assert all(page.status_code == 200 and "Sign out" in page.text for page in pages)
    answered += pages

    # One CSRF token, from one page, is good on every worker.
    token = csrf_token(pages[0].text)
    slugs = ("http-protocol", "restful-api-design", "validation-transformation", "webhooks-openapi") * 3
    marks = at_once([lambda slug=slug: as_browser(cookies).post(
        served.base + f"/articles/{slug}/progress", data={"state": "done"}, allow_redirects=False, timeout=30,
        headers=served._traced() | {"X-CSRFToken": token}) for slug in slugs])
    assert [m.status_code for m in marks] == [303] * 12
    answered += marks

    # Wrong passwords for one account from one address: five free, the sixth starts a wait; parallel guesses
    # beyond those are refused unchecked, whichever worker takes them.
    guesser = served.browser()
    served.get(guesser, "/signin")
    guess_cookies = guesser.cookies.get_dict()
    guess_token = csrf_token(served.get(guesser, "/signin").text)
    attempts = at_once([lambda i=i: as_browser(guess_cookies).post(
        served.base + "/signin", data={"username": "leo", "password": f"wrong {i}"}, timeout=30,
        headers=served._traced() | {"X-CSRFToken": guess_token}) for i in range(12)])
    statuses = sorted(a.status_code for a in attempts)
    assert statuses.count(429) >= 5 and set(statuses) == {400, 429}, statuses  # 6 checked, or 7 past a 1 s wait
    answered += attempts

    # A mentor's invitation reaches the learner on every worker.
    mona = served.browser("mona")
    assert served.post(mona, "/mentor/invite", data={"username": "lena"}).status_code == 200
    badges = at_once([lambda: served.get(as_browser(cookies), "/notifications/badge") for _ in range(12)])
    counts = {re.sub(r"<[^>]+>", "", badge.text).strip() for badge in badges}
    assert counts == {"1 unread"}, counts
    answered += badges

    workers = served.workers_that_answered(answered)
    assert len(workers) >= 2, workers

    # Metrics add up every worker's counts.
    text_format = requests.get(served.base + "/metrics", timeout=30).text
    values = Counter()
    for family in text_string_to_metric_families(text_format):
        for sample in family.samples:
            if sample.name == "tracker_security_events_total":
                values[sample.labels["kind"]] += sample.value
    assert values["sign_in_failed"] == statuses.count(400), text_format[:3000]
    assert values["throttled"] == statuses.count(429), text_format[:3000]  # counted even when no row is kept


def test_one_command_prints_the_setup_link_and_only_that_link_creates_the_administrator(tmp_path):
    """The README's start on a fresh install: `tracker run` prints a one-time link; /setup wants it."""
    port = free_port()
    env = os.environ | {"TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}",
                        "TRACKER_DATA_DIR": str(tmp_path / "data")}
    env.pop("TRACKER_SECRET_KEY", None)
    env |= {f"TRACKER_{key}": str(value) for key, value in CHEAP_HASHING.items()}
    log_path = tmp_path / "run.log"
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen([sys.executable, "-m", "tracker", "run", "--port", str(port), "--threads", "2"],
                                   env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while "Serving on" not in log_path.read_text(encoding="utf-8"):
            assert process.poll() is None and time.monotonic() < deadline, log_path.read_text(encoding="utf-8")
            time.sleep(0.2)
        printed = re.search(r"(http://\S+/setup\?token=\S+)", log_path.read_text(encoding="utf-8"))
        assert printed, log_path.read_text(encoding="utf-8")
        link = printed.group(1)
        assert link.startswith(f"http://localhost:{port}/setup?token=")
        browser = requests.Session()
        without = browser.get(f"http://127.0.0.1:{port}/setup", timeout=10)
        assert without.status_code == 200 and 'name="password"' not in without.text
        page = browser.get(link.replace("localhost", "127.0.0.1"), timeout=10)
        assert page.status_code == 200 and 'name="password"' in page.text
        made = browser.post(f"http://127.0.0.1:{port}/setup", timeout=30, allow_redirects=False,
                            data={"token": link.split("token=")[1], "username": "root",
                                  "password": "the first admin here", "confirm": "the first admin here"},
                            headers={"X-CSRFToken": csrf_token(page.text)})
        assert made.status_code == 302
        assert browser.get(link.replace("localhost", "127.0.0.1"), timeout=10).status_code == 404
    finally:
        process.terminate()
        process.wait(timeout=30)
