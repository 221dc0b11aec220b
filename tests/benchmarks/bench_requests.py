"""Server time and SQL statements per request for the busiest pages, in-process, on a generated data set.

    tracker demo-data --users 10000 --events 1000000      # with TRACKER_DATA_DIR (or TRACKER_DATABASE_URL) set
    python tests/benchmarks/bench_requests.py [--repeat 7]  # the same environment

Signs in as the learner with the most events and the mentor with the most mentees, calls each route
through Flask's test client (no network, no server: the app's own time), and prints the median time,
its CPU time, the statements it made, the Python function calls it took (counted by cProfile over one
more call: the same on every run, where times move with whatever else the machine does) and the answer's
size, after one uncounted call. Times depend on the machine; compare runs on one.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import statistics
import time

from sqlalchemy import event, func
from sqlmodel import col, select

from tracker import create_app, db
from tracker.models import Mentorship, ProgressEvent, User
from tracker.services.operations.demo_data import DEMO_PASSWORD

TOKEN = re.compile(r'"X-CSRFToken": "([^"]+)"')


def signed_in(app, username: str):
    client = app.test_client()
    page = client.get("/signin").get_data(as_text=True)
    form_token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if not form_token:
        raise SystemExit("the sign-in page has no form with a CSRF token")
    answer = client.post("/signin", data={"username": username, "password": DEMO_PASSWORD,
                                          "csrf_token": form_token.group(1)})
    if answer.status_code != 302:
        raise SystemExit(f"could not sign in as {username} (made by `tracker demo-data`?)")
    token = TOKEN.search(client.get("/").get_data(as_text=True))
    if not token:
        raise SystemExit(f"{username}'s home page carries no CSRF token for htmx")
    return client, token.group(1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    app = create_app()
    with app.app_context():
        session = db.get_session()
        heavy = session.exec(select(ProgressEvent.user_id).group_by(col(ProgressEvent.user_id))
                             .order_by(func.count().desc()).limit(1)).one()
        mentor = session.exec(select(Mentorship.mentor_id).group_by(col(Mentorship.mentor_id))
                              .order_by(func.count().desc()).limit(1)).one()
        learner_name, mentor_name = session.get_one(User, heavy).username, session.get_one(User, mentor).username
        events = session.exec(select(func.count()).select_from(ProgressEvent)).one()
    counted = []
    event.listen(app.extensions["tracker.engine"], "before_cursor_execute", lambda *a: counted.append(1))
    learner, token = signed_in(app, learner_name)
    mentor_client, _ = signed_in(app, mentor_name)
    hx = {"HX-Request": "true", "X-CSRFToken": token}
    routes = [
        ("dashboard (heaviest learner)", lambda: learner.get("/")),
        ("path page (45 articles)", lambda: learner.get("/paths/production-services")),
        ("article page", lambda: learner.get("/articles/http-protocol")),
        ("catalog search", lambda: learner.get("/catalog?q=kafka")),
        ("mark done (HTMX, CSRF)", lambda: learner.post("/articles/http-protocol/progress", headers=hx,
                                                        data={"state": "done", "path": "production-services"})),
        ("review queue", lambda: learner.get("/review")),
        ("mentor overview", lambda: mentor_client.get("/mentor/")),
        ("API GET /me/paths", lambda: learner.get("/api/v1/me/paths")),
        ("API PUT /me/progress", lambda: learner.put("/api/v1/me/progress/routing", json={"state": "done"},
                                                     headers={"X-CSRFToken": token})),
    ]
    print(f"{events:,} events; learner {learner_name}, mentor {mentor_name}; median of {args.repeat}")
    print(f"{'route':<30}{'status':>7}{'ms':>9}{'CPU ms':>9}{'statements':>12}{'calls':>8}{'KB':>7}")
    for name, call in routes:
        call()  # what the process keeps (the curriculum, rendered article parts) is kept before measuring
        times, cpu = [], []
        for _ in range(args.repeat):
            counted.clear()
            began, began_cpu = time.perf_counter(), time.process_time()
            answer = call()
            times.append((time.perf_counter() - began) * 1000)
            cpu.append((time.process_time() - began_cpu) * 1000)
        statements = len(counted)
        profile = cProfile.Profile()
        profile.runcall(call)
        calls = pstats.Stats(profile).total_calls  # type: ignore[attr-defined]  # set by Stats, missing from typeshed
        print(f"{name:<30}{answer.status_code:>7}{statistics.median(times):>9.1f}{statistics.median(cpu):>9.1f}"
              f"{statements:>12}{calls:>8}{len(answer.data) // 1024:>7}")


if __name__ == "__main__":
    main()
