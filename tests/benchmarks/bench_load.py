"""The tracker under its production server and a load generator, against the bare stack, as data grows.

    python tests/benchmarks/bench_load.py [--databases sqlite,postgresql] [--events 10000,100000,1000000]
        [--duration 10] [--connections 4] [--workers 4] [--threads 4] [--work-dir DIR] [--postgresql URL]

For each database and size it generates the data once with `tracker demo-data --users 10000 --events N`
(kept in --work-dir, or in a database `tracker_bench_N` beside --postgresql, and reused by later runs),
starts `tracker serve` (gunicorn) on 127.0.0.1 and the baseline app (tests/benchmarks/baseline_app.py, Flask
and SQLAlchemy alone) under gunicorn with the same workers and threads, signs in as the learner with the
most events and the mentor with the most mentees, and drives each scenario with `wrk` for a fixed time.
It prints requests per second, p50/p95/p99 latency, the server processes' CPU time per request (user and
system, read from /proc) and, for the API, the ratio to the baseline's throughput; PostgreSQL's own CPU
per request is shown beside it. Results go to JSON and a PNG chart of latency against data size. Needs
`wrk` (Debian's package), Redis on 127.0.0.1:6379 (database 14, emptied afterwards) for the workers'
shared limits, and matplotlib for the chart (`pip install -e '.[bench]'`).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from load_driver import Server, cpu_seconds, run_wrk, sign_in, wait_until_up

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
USERS = 10_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--events", default="10000,100000,1000000", help="sizes of the event log, comma-separated")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per scenario")
    parser.add_argument("--connections", type=int, default=4, help="concurrent clients (wrk -c)")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--work-dir", type=Path, default=Path(tempfile.gettempdir()) / "tracker-bench")
    parser.add_argument("--postgresql", default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
                        help="a PostgreSQL server to make the benchmark databases on")
    parser.add_argument("--results", type=Path, default=ROOT / "docs" / "benchmarks-load.json")
    parser.add_argument("--chart", type=Path, default=ROOT / "docs" / "benchmarks-load.png")
    args = parser.parse_args()
    results = []
    for database in args.databases.split(","):
        for events in [int(n) for n in args.events.split(",")]:
            url, data_dir = prepare(database, events, args)
            results.extend(measure(database, events, url, data_dir, args))
            args.results.write_text(json.dumps(results, indent=1) + "\n")
    from charts import latency_chart

    latency_chart(results, args.chart)
    print(f"\nResults in {args.results}, chart in {args.chart}")


def prepare(database: str, events: int, args) -> tuple[str, Path]:
    """The data set's URL and data dir, generating it the first time."""
    from sqlalchemy import create_engine, text

    data_dir = args.work_dir / f"{database}-{events}"
    data_dir.mkdir(parents=True, exist_ok=True)
    if database == "sqlite":
        url = f"sqlite:///{data_dir / 'tracker.db'}"
    elif database == "postgresql":
        server = create_engine(args.postgresql, isolation_level="AUTOCOMMIT")
        name = f"tracker_bench_{events}"
        with server.connect() as connection:
            if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        server.dispose()
        url = server.url.set(database=name).render_as_string(hide_password=False)
    else:
        raise SystemExit(f"unknown database {database!r} (sqlite or postgresql)")
    marker = data_dir / "generated"
    if not marker.exists():
        print(f"Generating {USERS:,} users and {events:,} events on {database} ...", flush=True)
        subprocess.run([sys.executable, "-m", "tracker", "demo-data", "--users", str(USERS), "--events", str(events)],
                       env=environment(url, data_dir), check=True)
        marker.write_text(url + "\n")
    return url, data_dir


def environment(url: str, data_dir: Path) -> dict[str, str]:
    return os.environ | {"TRACKER_DATA_DIR": str(data_dir), "TRACKER_DATABASE_URL": url,
                         "TRACKER_REDIS_URL": "redis://127.0.0.1:6379/14", "TRACKER_REMINDER_MINUTES": "0",
                         "PYTHONUNBUFFERED": "1"}


def subjects(url: str) -> dict:
    """Who and what the scenarios use: the heaviest learner, the busiest mentor, an article, a path."""
    from sqlalchemy import func
    from sqlmodel import Session, col, create_engine, select

    from tracker.models import Article, Mentorship, MentorshipStatus, Progress, ProgressEvent, User

    engine = create_engine(url)
    with Session(engine) as session:
        learner = session.exec(select(ProgressEvent.user_id).group_by(col(ProgressEvent.user_id))
                               .order_by(func.count().desc()).limit(1)).one()
        mentor, mentees = session.exec(
            select(Mentorship.mentor_id, func.count()).where(Mentorship.status == MentorshipStatus.active)
            .group_by(col(Mentorship.mentor_id)).order_by(func.count().desc()).limit(1)).one()
        article = session.exec(select(Article).where(Article.slug == "routing")).one()
        rows = session.exec(select(Progress.article_id, Progress.state, Progress.updated_at)
                            .where(Progress.user_id == learner)).all()
        found = {"learner": session.get_one(User, learner).username, "learner_id": learner,
                 "mentor": session.get_one(User, mentor).username, "mentees": mentees,
                 "article": article.slug, "article_id": article.id, "progress_rows": len(rows),
                 "events": session.exec(select(func.count()).select_from(ProgressEvent)).one()}
    fill_baseline(engine, learner, rows)
    engine.dispose()
    return found


def fill_baseline(engine, learner: int, rows) -> None:
    """The baseline's table, holding the same rows as the learner's progress."""
    from baseline_app import baseline_progress, metadata

    metadata.drop_all(engine)
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(baseline_progress.insert(), [
            {"user_id": learner, "article_id": a, "state": getattr(s, "value", s), "updated_at": u}
            for a, s, u in rows])


def scenarios(who: dict, learner: dict, mentor: dict, api_path: str) -> list[dict]:
    """Each scenario: a name, its URL path, the client's headers, and the method and bodies (alternating)."""
    hx = {**learner, "HX-Request": "true", "Content-Type": "application/x-www-form-urlencoded"}
    api = {**learner, "Content-Type": "application/json"}
    put = [json.dumps({"state": s}) for s in ("done", "in_progress")]
    return [
        {"name": "dashboard", "path": "/", "headers": learner},
        {"name": "path page", "path": "/paths/production-services", "headers": learner},
        {"name": "article page", "path": "/articles/http-protocol", "headers": learner},
        {"name": "catalog search", "path": "/catalog?q=kafka", "headers": learner},
        {"name": "mark done (HTMX)", "path": "/articles/http-protocol/progress", "headers": hx, "method": "POST",
         "bodies": ["state=done&path=production-services", "state=in_progress&path=production-services"]},
        {"name": "review queue", "path": "/review", "headers": learner},
        {"name": f"mentor overview ({who['mentees']} mentees)", "path": "/mentor/", "headers": mentor},
        {"name": "API GET", "path": api_path, "headers": learner, "baseline": f"/progress/{who['learner_id']}"},
        {"name": "API PUT", "path": f"/api/v1/me/progress/{who['article']}", "headers": api, "method": "PUT",
         "bodies": put, "baseline": f"/progress/{who['learner_id']}/{who['article_id']}"},
    ]


def measure(database: str, events: int, url: str, data_dir: Path, args) -> list[dict]:
    who = subjects(url)
    env = environment(url, data_dir)
    settings = ["--workers", str(args.workers), "--threads", str(args.threads)]
    log = open(data_dir / "server.log", "ab")
    tracker = Server([sys.executable, "-m", "tracker", "serve", "--port", "{port}", *settings], env=env, log=log)
    baseline = Server([sys.executable, "-m", "gunicorn", "-k", "gthread", "--keep-alive", "5", *settings,
                       "--bind", "127.0.0.1:{port}", "--chdir", str(HERE), "baseline_app:app"],
                      env=env | {"BASELINE_DATABASE_URL": url}, log=log)
    rows = []
    try:
        wait_until_up(tracker.base + "/healthz", tracker)
        wait_until_up(baseline.base + f"/progress/{who['learner_id']}", baseline)
        learner, mentor = sign_in(tracker.base, who["learner"]), sign_in(tracker.base, who["mentor"])
        print(f"\n{database}, {who['events']:,} events, {args.workers} workers × {args.threads} threads, "
              f"wrk -t2 -c{args.connections} -d{args.duration}s; learner {who['learner']} "
              f"({who['progress_rows']} progress rows), mentor {who['mentor']} ({who['mentees']} mentees)")
        print(f"{'scenario':<30}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'CPU ms':>8}{'db ms':>7}"
              f"{'baseline req/s':>16}{'ratio':>7}")
        for scenario in scenarios(who, learner, mentor, "/api/v1/me/progress"):
            row = {"database": database, "events": events, "scenario": scenario["name"],
                   **load(tracker, scenario["path"], scenario, args)}
            if "baseline" in scenario:
                base = load(baseline, scenario["baseline"], {**scenario, "headers": {
                    "Content-Type": "application/json"}}, args)
                row |= {"baseline_rps": base["rps"], "baseline_p95_ms": base["p95_ms"],
                        "baseline_cpu_ms": base["cpu_ms"], "ratio": round(row["rps"] / base["rps"], 2)}
            rows.append(row)
            print(f"{row['scenario']:<30}{row['rps']:>8.0f}{row['p50_ms']:>8.1f}{row['p95_ms']:>8.1f}"
                  f"{row['p99_ms']:>8.1f}{row['cpu_ms']:>8.1f}{row['db_cpu_ms'] if database == 'postgresql' else '':>7}"
                  + (f"{row['baseline_rps']:>16.0f}{row['ratio']:>7.2f}" if "ratio" in row else "")
                  + (f"  ({row['failed']} failed)" if row["failed"] else ""), flush=True)
    finally:
        tracker.stop()
        baseline.stop()
        log.close()
        import redis

        redis.Redis.from_url("redis://127.0.0.1:6379/14").flushdb()
    return rows


def load(server: Server, path: str, scenario: dict, args) -> dict:
    """A short warm-up, then `args.duration` seconds of load; the figures of the second run."""
    request = dict(url=server.base + path, method=scenario.get("method", "GET"), headers=scenario["headers"],
                   bodies=scenario.get("bodies", []), connections=args.connections)
    run_wrk(**request, seconds=2)
    before, db_before, began = cpu_seconds(server.pids()), cpu_seconds(postgres_pids()), time.monotonic()
    figures = run_wrk(**request, seconds=args.duration)
    cpu, db_cpu = cpu_seconds(server.pids()) - before, cpu_seconds(postgres_pids()) - db_before
    requests = figures["requests"]
    return {"rps": requests / (figures["duration_us"] / 1e6), "p50_ms": figures["p50"] / 1000,
            "p95_ms": figures["p95"] / 1000, "p99_ms": figures["p99"] / 1000,
            "cpu_ms": 1000 * cpu / max(requests, 1), "db_cpu_ms": round(1000 * db_cpu / max(requests, 1), 1),
            "failed": figures["errors"] + figures["status_errors"], "requests": requests,
            "wall_s": round(time.monotonic() - began, 1)}


def postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


if __name__ == "__main__":
    main()
