"""Redis going away does not keep anyone from signing in: the attempt limits go on in the process's memory
(the same rules), the switch is logged once, and /readyz stays 200 saying "degraded"."""

from __future__ import annotations

import logging
import socket

import pytest

from tests.conftest import PASSWORD, CSRFClient, make_app


@pytest.fixture
def backend() -> str:
    return "sqlite"


def closed_port() -> int:
    """A port where nothing listens (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def app_without_redis(database_url, tmp_path):
    app = make_app(database_url, tmp_path, REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0")
    app.test_client_class = CSRFClient
    yield app
    app.extensions["tracker.engine"].dispose()


def test_people_sign_in_while_redis_is_down_and_the_limits_still_apply(app_without_redis, caplog):
    browser = app_without_redis.test_client()
    with caplog.at_level(logging.INFO, logger="tracker"):
        signed_in = browser.post("/signin", data={"username": "lena", "password": PASSWORD})
        browser.post("/signout")
        wrong = [browser.post("/signin", data={"username": "lena", "password": "not her password"}).status_code
                 for _ in range(7)]
    assert signed_in.status_code == 302
    # five free failures for the (account, address) pair, then waits: counted in this process's memory
    assert wrong[:5] == [400] * 5 and 429 in wrong[5:]
    lines = [r for r in caplog.records if r.name == "tracker.limits"]
    assert len(lines) == 1 and lines[0].levelno == logging.WARNING and "Redis does not answer" in lines[0].getMessage()


def test_readyz_stays_ready_but_says_redis_is_degraded(app_without_redis):
    answer = app_without_redis.test_client().get("/readyz")
    assert answer.status_code == 200
    assert answer.get_json()["status"] == "ready" and answer.get_json()["degraded"] == ["redis"]
