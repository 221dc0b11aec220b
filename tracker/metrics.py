"""Prometheus metrics (with TRACKER_METRICS=1): request latency per route, database errors, security events,
each process's caches (the curriculum and the rendered fragments): hits, misses, entries and bytes, and the
background jobs' queue (queued, waiting to retry, running, failed, the oldest queued job's age).

The counters are made the first time metrics are switched on, so nothing is imported or counted
otherwise. Under `tracker serve` several worker processes count into files in
PROMETHEUS_MULTIPROC_DIR (prometheus_client's multiprocess mode) and `/metrics` adds them up.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class _Metrics:
    requests: Any
    latency: Any
    database_errors: Any
    security_events: Any
    cache_hits: Any
    cache_misses: Any
    cache_entries: Any
    cache_bytes: Any


_metrics: _Metrics | None = None
_jobs: Any = None  # the background jobs' collector, read at each scrape


def enable() -> None:
    """Create the metrics once per process."""
    global _metrics
    if _metrics is not None:
        return
    from prometheus_client import Counter, Gauge, Histogram

    _metrics = _Metrics(
        requests=Counter("tracker_http_requests_total", "Requests answered, by route and status",
                         ["method", "route", "status"]),
        latency=Histogram("tracker_http_request_duration_seconds", "Time to answer a request, by route",
                          ["method", "route"],
                          buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)),
        database_errors=Counter("tracker_database_errors_total",
                                "Requests answered 503 because the database failed, by error", ["error"]),
        security_events=Counter("tracker_security_events_total",
                                "Security events (sign-in failures, throttling, refusals...), by kind", ["kind"]),
        cache_hits=Counter("tracker_cache_hits_total", "Lookups a process's cache answered, by cache", ["cache"]),
        cache_misses=Counter("tracker_cache_misses_total",
                             "Lookups a process's cache did not answer (the value was made), by cache", ["cache"]),
        # Each live worker's own cache: summed over the live workers in multiprocess mode.
        cache_entries=Gauge("tracker_cache_entries", "Values a process's cache holds, by cache", ["cache"],
                            multiprocess_mode="livesum"),
        cache_bytes=Gauge("tracker_cache_bytes", "Bytes a process's cache holds (its own estimate), by cache",
                          ["cache"], multiprocess_mode="livesum"),
    )


def request_answered(*, method: str, route: str, status: int, seconds: float) -> None:
    if _metrics is not None:
        _metrics.requests.labels(method, route, str(status)).inc()
        _metrics.latency.labels(method, route).observe(seconds)


def database_error(error: str) -> None:
    if _metrics is not None:
        _metrics.database_errors.labels(error).inc()


def security_event(kind: str) -> None:
    if _metrics is not None:
        _metrics.security_events.labels(kind).inc()


def cache_lookup(cache: str, *, hit: bool) -> None:
    if _metrics is not None:
        (_metrics.cache_hits if hit else _metrics.cache_misses).labels(cache).inc()


def cache_size(cache: str, *, entries: int, size: int) -> None:
    if _metrics is not None:
        _metrics.cache_entries.labels(cache).set(entries)
        _metrics.cache_bytes.labels(cache).set(size)


class _JobsCollector:
    """The queue's figures as gauges, read from the queue's storage at each scrape (so every process that serves
    /metrics reports the same, whichever workers run the jobs)."""

    def __init__(self, read: Callable[[], Any]) -> None:
        self.read = read

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        try:
            counts = self.read()
        except Exception:  # the queue's storage is unreachable: say so, and keep the other metrics
            logging.getLogger("tracker.jobs").exception("Could not read the job queue for the metrics")
            yield GaugeMetricFamily("tracker_jobs_storage_up", "1 when the job queue's storage answered", value=0)
            return
        yield GaugeMetricFamily("tracker_jobs_storage_up", "1 when the job queue's storage answered", value=1)
        yield GaugeMetricFamily("tracker_jobs_queued", "Background jobs queued, ready to run", value=counts.queued)
        yield GaugeMetricFamily("tracker_jobs_waiting", "Background jobs waiting for the time of their retry",
                                value=counts.waiting)
        yield GaugeMetricFamily("tracker_jobs_running", "Background jobs running now", value=counts.running)
        yield GaugeMetricFamily("tracker_jobs_failed", "Background jobs that failed every try (see /admin/jobs)",
                                value=counts.failed)
        yield GaugeMetricFamily("tracker_jobs_oldest_queued_seconds", "Seconds the oldest queued job has waited",
                                value=counts.oldest_queued_seconds)


def watch_jobs(read: Callable[[], Any]) -> None:
    """Report the background jobs' queue (`read` returns its counts) with the other metrics: the collector is
    registered once per process and reads the latest app's queue."""
    global _jobs
    if _jobs is not None:
        _jobs.read = read
        return
    _jobs = _JobsCollector(read)
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import REGISTRY

        REGISTRY.register(_jobs)


def exposition() -> tuple[bytes, str]:
    """The metrics in Prometheus' text format: this process's, or every worker's in multiprocess mode."""
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        if _jobs is not None:
            registry.register(_jobs)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def worker_exited(pid: int) -> None:
    """Multiprocess mode: drop a dead worker's live gauges (its counters stay in the totals)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)
