"""The app's Huey queue, its tasks, and what it keeps about them (failures, what runs, what waits).

Huey keeps the tasks; next to them, in the same storage's key-value store, the queue keeps one record per task
that failed for good (its name, the error, when, after how many tries), and when each queued task was queued
and each running one started: the admin page and the metrics read them, from any process.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from huey import RedisHuey, SqliteHuey
from huey import signals as S
from huey.api import Huey, Task, TaskWrapper
from huey.constants import EmptyData

from tracker.services.errors import NotFound

RETRIES = 4  # after the first try: the cap
BACKOFF = 2  # each retry waits twice as long as the one before
FAILED, QUEUED, RUNNING = "tracker:failed:", "tracker:queued:", "tracker:running:"
ERROR_LENGTH = 500


class DutyStopped(Exception):
    """A duty ran but could not finish (the mail server or the LRS refused): the task is retried."""


class JobGone(NotFound):
    """No failed job with that id (retried or discarded already), or its task no longer exists."""

    def __init__(self, job_id: str) -> None:
        super().__init__("That job is no longer failed: it was retried or discarded already.")
        self.job_id = job_id


@dataclass(frozen=True)
class FailedJob:
    id: str
    name: str
    error: str
    failed_at: datetime
    tries: int


@dataclass(frozen=True)
class JobCounts:
    queued: int  # ready to run now
    waiting: int  # retries waiting for their time
    running: int
    failed: int
    oldest_queued_seconds: float  # 0 when nothing is queued


@dataclass
class Jobs:
    """One app's queue: the Huey instance, its tasks by name, and how often the periodic ones run."""

    app: Flask
    huey: Huey
    period_seconds: int
    retry_seconds: float
    tasks: dict[str, TaskWrapper] = field(default_factory=dict)

    def define(self, name: str, work: Callable[[], object]) -> TaskWrapper:
        """Make `work` a task called `name`, run in an app context, retried with backoff when it raises."""
        app = self.app

        def run() -> None:
            with app.app_context():
                work()

        run.__name__ = name.replace("-", "_")
        task = self.huey.task(name=name, retries=RETRIES, retry_delay=self.retry_seconds,
                              retry_backoff=BACKOFF)(run)
        self.tasks[name] = task
        return task


    def define_tries(self, name: str, work: Callable[..., object]) -> TaskWrapper:
        """Make `work(*args, attempt=n)` a task called `name`: retried with backoff when it raises, each try told
        its number (1 for the first)."""
        app = self.app

        def run(*args: object, task: Task) -> None:
            with app.app_context():
                work(*args, attempt=RETRIES - task.retries + 1)

        run.__name__ = name.replace("-", "_")
        task = self.huey.task(name=name, retries=RETRIES, retry_delay=self.retry_seconds, retry_backoff=BACKOFF,
                              context=True)(run)
        self.tasks[name] = task
        return task


def make_huey(config: dict[str, Any]) -> Huey:
    """Redis when TRACKER_REDIS_URL is set (several machines), else a SQLite file in the data dir."""
    if config.get("REDIS_URL"):
        return RedisHuey("tracker", url=config["REDIS_URL"], results=False)
    return SqliteHuey("tracker", filename=str(config["DATA_DIR"] / "jobs.db"), results=False)


def keep_records(huey: Huey) -> None:
    """Keep, next to the tasks, when each was queued and started and each failure for good."""
    storage = huey.storage

    @huey.signal(S.SIGNAL_ENQUEUED)
    def queued(signal: str, task: Task, *args: object) -> None:
        storage.put_data(QUEUED + task.id, str(time.time()).encode())

    @huey.signal(S.SIGNAL_EXECUTING)
    def running(signal: str, task: Task, *args: object) -> None:
        storage.pop_data(QUEUED + task.id)
        storage.put_data(RUNNING + task.id, str(time.time()).encode())

    @huey.signal(S.SIGNAL_ERROR)
    def failed(signal: str, task: Task, exc: BaseException | None = None, *args: object) -> None:
        storage.pop_data(RUNNING + task.id)
        if task.retries:
            return  # retried later
        record = {"name": task.name, "error": f"{type(exc).__name__}: {exc}"[:ERROR_LENGTH],
                  "failed_at": time.time(), "tries": RETRIES + 1}
        storage.put_data(FAILED + task.id, json.dumps(record).encode())

    @huey.signal(S.SIGNAL_COMPLETE, S.SIGNAL_RETRYING, S.SIGNAL_CANCELED, S.SIGNAL_EXPIRED, S.SIGNAL_INTERRUPTED,
                 S.SIGNAL_REVOKED, S.SIGNAL_LOCKED, S.SIGNAL_TIMEOUT)
    def finished(signal: str, task: Task, *args: object) -> None:
        storage.pop_data(RUNNING + task.id)
        storage.pop_data(QUEUED + task.id)


def _records(jobs: Jobs, prefix: str) -> dict[str, bytes]:
    return {key[len(prefix):]: value for key, value in jobs.huey.storage.result_items().items()
            if isinstance(key, str) and key.startswith(prefix)}


def failed_jobs(jobs: Jobs) -> list[FailedJob]:
    """The jobs that failed for good, the latest first."""
    found = []
    for job_id, value in _records(jobs, FAILED).items():
        record = json.loads(value)
        found.append(FailedJob(id=job_id, name=record["name"], error=record["error"], tries=record["tries"],
                               failed_at=datetime.fromtimestamp(record["failed_at"], UTC)))
    return sorted(found, key=lambda job: (job.failed_at, job.id), reverse=True)


def retry_failed(jobs: Jobs, job_id: str) -> str:
    """Queue a failed job's task again and forget the failure; the new job's id. Taking the record is atomic, so
    two clicks queue it once (JobGone for the second)."""
    value = jobs.huey.storage.pop_data(FAILED + job_id)
    if value is EmptyData:
        raise JobGone(job_id)
    task = jobs.tasks.get(json.loads(value)["name"])
    if task is None:
        raise JobGone(job_id)
    job = task.s()
    try:
        jobs.huey.enqueue(job)
    except Exception:
        jobs.huey.storage.put_data(FAILED + job_id, value)  # not queued: the failure stays listed
        raise
    return job.id


def discard_failed(jobs: Jobs, job_id: str) -> None:
    """Forget a failed job (JobGone when it was retried or discarded already)."""
    if jobs.huey.storage.pop_data(FAILED + job_id) is EmptyData:
        raise JobGone(job_id)


def job_counts(jobs: Jobs, *, now: float | None = None) -> JobCounts:
    """What the queue holds now: the admin page's figures and the metrics."""
    huey = jobs.huey
    records = huey.storage.result_items()
    pending = [huey.serializer.deserialize(data).id for data in huey.storage.enqueued_items()]
    queued_at = [float(records[QUEUED + job_id]) for job_id in pending if QUEUED + job_id in records]
    now = time.time() if now is None else now
    return JobCounts(queued=len(pending), waiting=huey.scheduled_count(),
                     running=sum(1 for key in records if isinstance(key, str) and key.startswith(RUNNING)),
                     failed=sum(1 for key in records if isinstance(key, str) and key.startswith(FAILED)),
                     oldest_queued_seconds=max(0.0, now - min(queued_at)) if queued_at else 0.0)
