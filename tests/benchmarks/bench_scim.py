"""Provisioning as an identity provider does it, over HTTP to a real server: 2,000 users, one POST each, then
one group with all 2,000 as members, added by PATCHes in batches (as Okta and Entra ID send them). The group has an
assignment rule (the API Designer path, due 30 days after joining), so each member who joins is assigned the
path, notified and audited within the PATCH that adds them.

    python tests/benchmarks/bench_scim.py [--users 2000] [--batch 100] [--database-url postgresql+psycopg://...]

It starts the tracker (waitress, 4 threads) on 127.0.0.1 on a fresh database of its own (a SQLite file in a
temporary folder unless --database-url names an empty PostgreSQL database), makes a SCIM token, and prints the
time of each phase with its requests per second. Times depend on the machine: compare runs on one.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import func
from sqlmodel import col, select

from tracker import create_app, db
from tracker.models import Assignment, LearningPath, utcnow
from tracker.services import teams
from tracker.services.curriculum.loading import load_curriculum
from tracker.services.provisioning import tokens
from tracker.serving import embedded_server

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def start_server(database_url: str | None, data_dir: Path) -> tuple[str, str, object, object]:
    """The tracker serving on 127.0.0.1 (an ephemeral port) with a migrated database holding the catalog and
    paths; its base URL, a SCIM token, the server (to close) and the app."""
    config = {"DATA_DIR": data_dir, "SECRET_KEY": "bench-secret-key-" + "x" * 32}
    if database_url:
        config["DATABASE_URL"] = database_url
    app = create_app(config)
    engine = app.extensions["tracker.engine"]
    db.upgrade(engine)
    with app.app_context():
        from sqlmodel import Session

        with Session(engine) as session:
            load_curriculum(session=session, paths_dir=app.config["PATHS_DIR"])
            raw, _ = tokens.create_token(session=session, name="benchmark")
    server = embedded_server(app, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    port = server.effective_port
    return f"http://127.0.0.1:{port}/scim/v2", raw, server, app


def add_rule(app, group_id: str) -> None:
    """The provisioned group's rule: API Designer for every member, due 30 days after they join."""
    from sqlmodel import Session

    with app.app_context(), Session(app.extensions["tracker.engine"]) as session:
        group = teams.find_group(session=session, public_id=group_id)
        assert group is not None
        path = session.exec(select(LearningPath).where(LearningPath.slug == "api-designer")).one()
        teams.assignment_rules.create_rule(session=session, group=group, path=path, due_days_after_joining=30,
                                           actor=None, today=utcnow().date())
        session.commit()


def assigned_by_rule(app) -> int:
    from sqlmodel import Session

    with app.app_context(), Session(app.extensions["tracker.engine"]) as session:
        return session.exec(select(func.count()).select_from(Assignment)
                            .where(col(Assignment.rule_id).is_not(None), col(Assignment.withdrawn_at).is_(None))).one()


def timed(label: str, count: int, action) -> list[float]:
    """Run `action(i)` for i in range(count); print the phase's time, rate and median request time."""
    each = []
    began = time.perf_counter()
    for i in range(count):
        start = time.perf_counter()
        action(i)
        each.append(time.perf_counter() - start)
    total = time.perf_counter() - began
    print(f"{label:<44} {count:>6} requests  {total:8.2f} s  {count / total:8.1f}/s  "
          f"median {statistics.median(each) * 1000:7.1f} ms  max {max(each) * 1000:7.1f} ms")
    return each


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=100, help="members per group PATCH")
    parser.add_argument("--database-url", default=None, help="an empty PostgreSQL database (default: SQLite)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        base, token, server, app = start_server(args.database_url, Path(folder))
        http = requests.Session()
        http.headers.update({"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"})
        ids: list[str] = []

        def create_user(i: int) -> None:
            answer = http.post(f"{base}/Users", json={
                "schemas": [USER_SCHEMA], "userName": f"learner{i:05d}@example.com", "externalId": f"idp-{i}",
                "active": True, "displayName": f"Learner {i}", "name": {"givenName": "Learner", "familyName": str(i)},
                "emails": [{"value": f"learner{i:05d}@example.com", "type": "work", "primary": True}]})
            answer.raise_for_status()
            ids.append(answer.json()["id"])

        began = time.perf_counter()
        timed("users created (one POST each)", args.users, create_user)

        group = http.post(f"{base}/Groups", json={"schemas": [GROUP_SCHEMA], "displayName": "Everyone",
                                                  "externalId": "idp-everyone"})
        group.raise_for_status()
        group_id = group.json()["id"]
        add_rule(app, group_id)  # so the timing below includes what the rule does for each member who joins

        batches = [ids[i:i + args.batch] for i in range(0, len(ids), args.batch)]

        def add_batch(i: int) -> None:
            answer = http.patch(f"{base}/Groups/{group_id}", json={
                "schemas": [PATCH_SCHEMA],
                "Operations": [{"op": "add", "path": "members", "value": [{"value": v} for v in batches[i]]}]})
            answer.raise_for_status()

        timed(f"group members added ({args.batch} per PATCH)", len(batches), add_batch)
        total = time.perf_counter() - began
        check = http.get(f"{base}/Groups/{group_id}").json()
        members = len(check.get("members", []))
        print(f"{'all provisioned':<44} {args.users + len(batches) + 1:>6} requests  {total:8.2f} s  "
              f"(the group has {members} members, {assigned_by_rule(app)} assigned the path by its rule)")
        server.close()  # type: ignore[attr-defined]  # waitress' server


if __name__ == "__main__":
    main()
