"""`tracker worker` processes sharing Redis: however many run, each periodic duty runs once per period. Uses the
machine's Redis on database 10, emptied before and after."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections import Counter

import pytest

from tests.conftest import CHEAP_HASHING
from tests.http.test_shared_limits import redis_client
from tracker.jobs.duties import HOURLY, PERIODIC, WEBHOOK_EVENTS

REDIS_URL = os.environ.get("TRACKER_TEST_WORKERS_REDIS_URL", "redis://127.0.0.1:6379/10")
PERIODS = 10
EXECUTED = re.compile(r"Executing tracker\.jobs\.queue\.([\w-]+): ([0-9a-f-]{36})")


@pytest.fixture
def redis_store():
    store = redis_client(REDIS_URL)
    store.flushdb()
    yield store
    store.flushdb()
    store.close()


def test_two_workers_run_each_periodic_duty_once_per_period(database_url, redis_store, tmp_path):
    env = os.environ | {"TRACKER_DATABASE_URL": database_url, "TRACKER_REDIS_URL": REDIS_URL,
                        "TRACKER_DATA_DIR": str(tmp_path / "data"), "TRACKER_JOB_SECONDS": "1"}
    env |= {f"TRACKER_{key}": str(value) for key, value in CHEAP_HASHING.items()}
    logs = [tmp_path / f"worker{n}.log" for n in (1, 2)]
    workers = []
    for log_path in logs:
        with open(log_path, "w", encoding="utf-8") as log:
            workers.append(subprocess.Popen([sys.executable, "-m", "tracker", "worker"], env=env, stdout=log,
                                            stderr=subprocess.STDOUT))
    try:
        deadline = time.monotonic() + 60
        while not all("consumer started" in log.read_text(encoding="utf-8") for log in logs):
            assert all(worker.poll() is None for worker in workers), [log.read_text() for log in logs]
            assert time.monotonic() < deadline, [log.read_text() for log in logs]
            time.sleep(0.1)
        started = time.time()
        time.sleep(PERIODS)
        ended = time.time()
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
    texts = [log.read_text(encoding="utf-8") for log in logs]
    assert "Traceback" not in "".join(texts), "".join(texts)
    runs = [EXECUTED.findall(text) for text in texts]
    per_duty = Counter(name for found in runs for name, _ in found)
    # Each duty ran once for each period begun while both workers were up (the one running at the start too),
    # never twice in a period: without the claim, two clocks would queue about twice as many.
    periods = int(ended) - int(started) + 1
    # webhooks go out each period too; the assignment rules once in the hour
    assert set(per_duty) == {*PERIODIC, WEBHOOK_EVENTS, *HOURLY}, per_duty
    assert all(per_duty[name] == 1 for name in HOURLY), per_duty
    for name in PERIODIC:
        assert periods - 1 <= per_duty[name] <= periods + 1, (name, per_duty, periods)
    assert all(len({job for _, job in found}) == len(found) for found in runs)
    # The work was shared: both workers ran jobs.
    assert all(runs), [len(found) for found in runs]
