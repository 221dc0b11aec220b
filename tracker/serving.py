"""How the app is served: the embedded server for one machine, gunicorn for several processes.

- `tracker run`: waitress, one process with threads; runs the due-date reminders on a timer itself.
- `tracker serve`: gunicorn with several worker processes (each builds its own app, so no database
  connection crosses a fork). Everything a worker knows that another must agree on lives in the
  database (sessions, CSRF secrets in signed cookies, notifications) or in Redis (rate limits), so
  several workers need TRACKER_REDIS_URL. Metrics from every worker are added up through
  prometheus_client's multiprocess directory.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import threading
from pathlib import Path
from typing import Any

from flask import Flask

LOG_FORMAT = "%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s"


def configure_logging() -> None:
    """One format for every line a server writes to stderr: the access log, security events, errors."""
    from flask.logging import default_handler

    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT, stream=sys.stderr, force=True)
    logging.getLogger("tracker").removeHandler(default_handler)


def start_reminder_timer(app: Flask) -> threading.Event | None:
    """Every TRACKER_REMINDER_MINUTES in a background thread, the scheduled round: due-date reminders, then
    notification emails (0: leave both to `tracker reminders` from cron). Both are safe to run from several
    processes at once."""
    minutes = app.config["REMINDER_MINUTES"]
    if not minutes:
        return None
    stop = threading.Event()

    def loop() -> None:
        from tracker import db
        from tracker.models import utcnow
        from tracker.services.operations.scheduled import scheduled_round

        while not stop.is_set():
            with app.app_context():
                try:
                    scheduled_round(session=db.get_session(), now=utcnow(), config=app.config)
                except Exception:
                    app.logger.exception("The scheduled round failed; trying again in %s minutes", minutes)
            stop.wait(minutes * 60)

    threading.Thread(target=loop, name="reminders", daemon=True).start()
    return stop


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
    """Answer requests on `server` until stopped, with the reminders' timer running."""
    start_reminder_timer(app)
    server.run()


def metrics_directory(data_dir: Path) -> Path:
    """A fresh folder for the workers' metric files (old workers' counts must not be added in)."""
    folder = data_dir / "metrics"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(mode=0o700)
    return folder


def default_workers() -> int:
    """Two per core, at most 8: the app waits on the database as much as it computes."""
    return max(2, min(8, 2 * (os.cpu_count() or 1)))


def _post_worker_init(worker) -> None:
    start_reminder_timer(worker.wsgi)


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
        "post_worker_init": _post_worker_init,
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
