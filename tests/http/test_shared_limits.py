"""Rate limits shared through Redis hold across server processes: the 61st failed sign-in from one address
is refused whichever process takes it, and both see the wait after the sixth wrong password for one
account. Uses the machine's Redis on database 13, emptied before and after."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.conftest import CHEAP_HASHING, SECRET

# One Redis database per test worker: each test empties it, which must not wipe a neighbour's counters.
_DATABASES = {"": 13, "gw0": 13, "gw1": 15, "gw2": 7, "gw3": 6}
REDIS_URL = os.environ.get("TRACKER_TEST_REDIS_URL",
                           f"redis://127.0.0.1:6379/{_DATABASES.get(os.environ.get('PYTEST_XDIST_WORKER', ''), 13)}")


def redis_client(url: str = REDIS_URL):
    """The machine's Redis on this database number, or a skip saying it is not there."""
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {url}")
    return client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def backend() -> str:
    return "sqlite"  # two processes share one SQLite file; the limits are what is under test


@pytest.fixture
def two_servers(database_url, tmp_path):
    store = redis_client()
    store.flushdb()
    env = os.environ | {"TRACKER_DATABASE_URL": database_url, "TRACKER_SECRET_KEY": SECRET,
                        "TRACKER_REDIS_URL": REDIS_URL, "TRACKER_DATA_DIR": str(tmp_path / "data")}
    env |= {f"TRACKER_{key}": str(value) for key, value in CHEAP_HASHING.items()}
    ports = [free_port(), free_port()]
    processes = [subprocess.Popen([sys.executable, "-m", "tracker", "run", "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for port in ports]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for base in bases:
            for _ in range(100):
                try:
                    urllib.request.urlopen(base + "/signin", timeout=2)
                    break
                except (urllib.error.URLError, ConnectionError):
                    time.sleep(0.2)
            else:
                pytest.fail(f"{base} did not start")
        yield bases
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)
        store.flushdb()


@pytest.mark.slow
def test_failed_sign_ins_are_counted_together_by_either_process(two_servers):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(two_servers[0] + "/signin").read().decode()
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)  # both processes share the secret key

    def attempt(base: str, username: str, password: str) -> int:
        data = urllib.parse.urlencode({"username": username, "password": password}).encode()
        request = urllib.request.Request(base + "/signin", data=data, headers={"X-CSRFToken": token})
        try:
            return opener.open(request).status
        except urllib.error.HTTPError as error:
            return error.code

    # Per address: 60 failures in 5 minutes (distinct accounts, so no account's own wait gets in the way).
    statuses = [attempt(two_servers[i % 2], f"nobody{i}", "wrong guess") for i in range(60)]
    assert statuses == [400] * 60
    assert attempt(two_servers[0], "nobody60", "wrong again") == 429
    assert attempt(two_servers[1], "nobody61", "wrong again") == 429
    store = redis_client()
    assert int(store.hget("tracker:limits:sign-in:address:127.0.0.1", "n")) == 60
    # Per account and address: five free wrong passwords, the sixth makes both processes wait before a seventh.
    store.delete("tracker:limits:sign-in:address:127.0.0.1")
    assert [attempt(two_servers[i % 2], "lena", f"guess {i}") for i in range(6)] == [400] * 6
    pair = store.hgetall("tracker:limits:sign-in:pair:lena|127.0.0.1")
    assert int(pair[b"n"]) == 6 and 0 < float(pair[b"until"]) - time.time() <= 1  # the next waits a second
