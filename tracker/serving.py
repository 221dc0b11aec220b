"""How the app is served: the embedded server for one machine, gunicorn for several processes.

- `tracker run`: waitress, one process with threads; runs the background jobs' consumer in threads of its own.
- `tracker serve`: gunicorn with several worker processes (each builds its own app, so no database
  connection crosses a fork). They do no background work: `tracker worker` processes run the jobs.
  Everything a worker knows that another must agree on lives in the database (sessions, CSRF secrets in
  signed cookies, notifications) or in Redis (rate limits), so several workers need TRACKER_REDIS_URL.
  Metrics from every worker are added up through prometheus_client's multiprocess directory.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask

LOG_FORMAT = "%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s"


def configure_logging() -> None:
    """One format for every line a server writes to stderr: the access log, security events, errors."""
    from flask.logging import default_handler

    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT, stream=sys.stderr, force=True)
    logging.getLogger("tracker").removeHandler(default_handler)


def start_jobs(app: Flask) -> Callable[[], None]:
    """The background jobs (reminders, email, xAPI statements) as threads of this process: the queue's consumer
    and the clock that queues the periodic duties every TRACKER_REMINDER_MINUTES. Returns what stops them."""
    from tracker.jobs import consumer, jobs_for

    return consumer.start_in_process(jobs_for(app))


def probe_first_dispatcher(threads: int):
    """waitress' thread pool, with a thread of its own for /healthz: a liveness probe never queues behind
    requests that all wait on the database (a held lock, an outage), so the process is not restarted for
    being slow. Only /healthz skips the queue; it is answered in front of Flask (tracker.web.health)."""
    from waitress.task import ThreadedTaskDispatcher

    from tracker.web.health import LIVENESS_PATH

    class ProbeFirstDispatcher(ThreadedTaskDispatcher):
        def __init__(self) -> None:
            super().__init__()
            self.probes = ThreadedTaskDispatcher()
            self.probes.set_thread_count(1)

        def add_task(self, task) -> None:
            requests = getattr(task, "requests", None)  # task is the channel; its first request is next
            if requests and requests[0].path == LIVENESS_PATH and requests[0].command in {"GET", "HEAD"}:
                self.probes.add_task(task)
            else:
                super().add_task(task)

        def shutdown(self, cancel_pending: bool = True, timeout: float = 5) -> bool:
            self.probes.shutdown(cancel_pending, timeout)
            return super().shutdown(cancel_pending, timeout)

    dispatcher = ProbeFirstDispatcher()
    dispatcher.set_thread_count(threads)
    return dispatcher


def embedded_server(app: Flask, *, host: str, port: int, threads: int):
    """waitress, listening on host:port already (OSError when it cannot: the port is taken, say)."""
    import waitress

    return waitress.create_server(app, host=host, port=port, threads=threads, ident="tracker",
                                  _dispatcher=probe_first_dispatcher(threads))


def serve_embedded(app: Flask, server) -> None:
    """Answer requests on `server` until stopped, with the background jobs running in this process."""
    stop_jobs = start_jobs(app)
    try:
        server.run()
    finally:
        stop_jobs()


def metrics_directory(data_dir: Path) -> Path:
    """A fresh folder for the workers' metric files (old workers' counts must not be added in)."""
    folder = data_dir / "metrics"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(mode=0o700)
    return folder


def default_workers() -> int:
    """Two per core, at most 8: the app waits on the database as much as it computes."""
    return max(2, min(8, 2 * (os.cpu_count() or 1)))


def _child_exit(_server, worker) -> None:
    from tracker import metrics

    metrics.worker_exited(worker.pid)


def serve_workers(*, host: str, port: int, workers: int, threads: int, data_dir: Path) -> None:
    """Run gunicorn; each worker builds the app from the same TRACKER_* settings."""
    from gunicorn.app.base import BaseApplication

    options: dict[str, Any] = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 60,
        "graceful_timeout": 20,
        "keepalive": 5,
        "accesslog": None,  # the app writes its own access log, with request ids
        "errorlog": "-",
        "child_exit": _child_exit,
        "control_socket": str(data_dir / "gunicorn.ctl"),
        "proc_name": "tracker",
    }

    class Server(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                if key in self.cfg.settings:  # settings an older gunicorn lacks are left out
                    self.cfg.set(key, value)

        def load(self):
            from tracker import create_app

            return create_app()

    Server().run()
