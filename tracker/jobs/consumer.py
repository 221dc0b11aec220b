"""Who runs the queue: threads of `tracker run`'s own process, or `tracker worker` processes."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from huey.consumer import Consumer

from tracker.jobs.duties import enqueue_due
from tracker.jobs.queue import Jobs

log = logging.getLogger("tracker.jobs")


class _InProcessConsumer(Consumer):
    """The consumer as threads of a server: the server keeps its own signal handlers (Ctrl+C stops it)."""

    def _set_signal_handlers(self) -> None:
        pass


def _clock(jobs: Jobs, stop: threading.Event) -> None:
    """At the start of each period, queue the periodic duties no other worker has queued for it."""
    period = jobs.period_seconds
    while not stop.is_set():
        try:
            queued = enqueue_due(jobs)
            if queued:
                log.info("Queued %s", ", ".join(queued))
        except Exception:
            log.exception("Could not queue the periodic duties; trying again next period")
        stop.wait(period - time.time() % period + 0.01)


def _start_clock(jobs: Jobs) -> threading.Event:
    stop = threading.Event()
    if jobs.period_seconds:
        threading.Thread(target=_clock, args=(jobs, stop), name="jobs-clock", daemon=True).start()
    return stop


def start_in_process(jobs: Jobs, *, workers: int = 2) -> Callable[[], None]:
    """`tracker run`: the consumer and the clock as threads of this process; returns what stops them."""
    consumer = _InProcessConsumer(jobs.huey, workers=workers, worker_type="thread", periodic=False)
    consumer.start()
    clock = _start_clock(jobs)

    def stop() -> None:
        clock.set()
        consumer.stop(graceful=True)

    return stop


def run_worker(jobs: Jobs, *, workers: int) -> None:
    """`tracker worker`: the consumer with `workers` threads and the clock, until SIGINT or SIGTERM."""
    consumer = jobs.huey.create_consumer(workers=workers, worker_type="thread", periodic=False)
    clock = _start_clock(jobs)
    try:
        consumer.run()
    finally:
        clock.set()
