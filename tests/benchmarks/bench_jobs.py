"""Background job throughput: jobs per second through the queue, for a job that does nothing and for the xAPI
outbox job.

    python tests/benchmarks/bench_jobs.py [--jobs 2000] [--redis redis://127.0.0.1:6379/10]

A no-op task through the embedded SQLite queue (and Redis with --redis: that database is emptied), consumed by
two threads as `tracker run` does; then the xapi-statements job over the demo accounts' history (`tracker run
--demo`'s), sending to a local LRS that accepts every batch: the first job sends them all, the next ones find
nothing new. The figures depend on the machine: compare runs on the same one.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def accepting_lrs() -> str:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            batch = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            body = json.dumps([statement["id"] for statement in batch]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/xAPI"


def build_app(folder: Path, **config):
    from tracker import create_app, db

    app = create_app({"DATA_DIR": folder, "DATABASE_URL": f"sqlite:///{folder / 'tracker.db'}",
                      "SECRET_KEY": "b" * 64, "JOB_PERIOD_SECONDS": 0, **config})
    with app.app_context():
        db.upgrade(db.get_engine())
    return app


def drain(jobs, name: str, count: int) -> float:
    """Queue `count` runs of the task, then consume them with two threads; jobs per second."""
    from tracker.jobs import consumer
    from tracker.jobs.queue import job_counts

    for _ in range(count):
        jobs.tasks[name]()
    began = time.perf_counter()
    stop = consumer.start_in_process(jobs)
    while (counts := job_counts(jobs)).queued or counts.running:
        time.sleep(0.01)
    seconds = time.perf_counter() - began
    stop()
    return count / seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--redis")
    options = parser.parse_args()
    from tracker.jobs import jobs_for

    folder = Path(tempfile.mkdtemp(prefix="bench-jobs-"))
    queues: list[tuple[str, dict[str, str]]] = [("SQLite (embedded)", {})]
    if options.redis:
        queues.append(("Redis", {"TRACKER_REDIS_URL": options.redis}))
    for label, extra in queues:
        app = build_app(folder / label.split()[0].lower(), **{k.removeprefix("TRACKER_"): v for k, v in extra.items()})
        jobs = jobs_for(app)
        if extra:
            jobs.huey.storage.conn.flushdb()
        jobs.define("no-op", lambda: None)
        print(f"{label}: a no-op job, {drain(jobs, 'no-op', options.jobs):.0f} jobs/s ({options.jobs} jobs)")

    from tracker import db
    from tracker.models import XapiOutbox, utcnow
    from tracker.services.operations.demo import create_demo
    from tracker.services.people.passwords import PasswordPolicy

    app = build_app(folder / "outbox", XAPI_ENDPOINT=accepting_lrs(), PUBLIC_URL="http://tracker.test")
    with app.app_context():
        from tracker.services.curriculum import loading

        loading.load_curriculum(session=db.get_session(), paths_dir=app.config["PATHS_DIR"])
        create_demo(session=db.get_session(), now=utcnow(), policy=PasswordPolicy())
    jobs = jobs_for(app)
    began = time.perf_counter()
    drain(jobs, "xapi-statements", 1)
    first = time.perf_counter() - began
    with app.app_context():
        from sqlmodel import col, func, select

        sent = db.get_session().exec(select(func.count(col(XapiOutbox.id)))).one()
    print(f"xapi-statements: the first job sent {sent} statements in {first:.2f} s ({sent / first:.0f} statements/s)")
    rounds = max(50, options.jobs // 10)
    print(f"xapi-statements with nothing new: {drain(jobs, 'xapi-statements', rounds):.0f} jobs/s ({rounds} jobs)")


if __name__ == "__main__":
    main()
