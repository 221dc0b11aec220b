"""Assignment rules at scale: a rule applied to a group of 2,000 members, the run after it (nothing to change),
and 2,000 joins one by one (as a provisioning client adding members does), with the statements each join costs.

    python tests/benchmarks/bench_rules.py [--members 2000] [--database-url postgresql+psycopg://...]

On a fresh SQLite database in a temporary folder by default; with --database-url, that database is used (it
must be empty: the benchmark migrates it and leaves its rows). The figures depend on the machine: compare runs
on the same one.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def build_app(folder: Path, database_url: str | None):
    from tracker import create_app, db

    app = create_app({"DATA_DIR": folder, "DATABASE_URL": database_url or f"sqlite:///{folder / 'tracker.db'}",
                      "SECRET_KEY": "b" * 64, "JOB_PERIOD_SECONDS": 0})
    with app.app_context():
        db.upgrade(db.get_engine())
        from tracker.services.curriculum import loading

        loading.load_curriculum(session=db.get_session(), paths_dir=app.config["PATHS_DIR"])
    return app


def learners(session, prefix: str, count: int):
    from tracker.models import Role, User

    users = [User(username=f"{prefix}{i:05d}", password_hash="x", role=Role.learner) for i in range(count)]
    session.add_all(users)
    session.commit()
    return users


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    from sqlalchemy import event
    from sqlmodel import select

    from tracker import db
    from tracker.models import LearningPath, utcnow
    from tracker.services import teams
    from tracker.services.teams import assignment_rules as rules

    with tempfile.TemporaryDirectory() as folder:
        app = build_app(Path(folder), args.database_url)
        with app.app_context():
            session = db.get_session()
            engine = db.get_engine()
            statements: list[str] = []
            event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
            path = session.exec(select(LearningPath).where(LearningPath.slug == "api-designer")).one()
            other = session.exec(select(LearningPath).where(LearningPath.slug == "real-time-streaming")).one()

            # A group that exists before its rule: the first run assigns everyone, the next finds nothing to do.
            group = teams.create_group(session=session, name="Cohort")
            members = learners(session, "a", args.members)
            began = time.perf_counter()
            for user in members:
                teams.add_member(session=session, group=group, user=user)
            session.commit()
            joins_without_rule = time.perf_counter() - began
            rule = rules.create_rule(session=session, group=group, path=path, due_days_after_joining=30,
                                     actor=None, today=utcnow().date())
            session.commit()
            statements.clear()
            began = time.perf_counter()
            (first,) = rules.run(session=session, rule=rule, actor=None, now=utcnow())
            first_seconds, first_statements = time.perf_counter() - began, len(statements)
            statements.clear()
            began = time.perf_counter()
            (second,) = rules.run(session=session, rule=rule, actor=None, now=utcnow())
            second_seconds, second_statements = time.perf_counter() - began, len(statements)

            # A group whose rule exists first: each of the joins assigns at once, in its transaction.
            joined = teams.create_group(session=session, name="Joiners")
            rules.create_rule(session=session, group=joined, path=other, due_days_after_joining=14, actor=None,
                              today=utcnow().date())
            session.commit()
            newcomers = learners(session, "b", args.members)
            statements.clear()
            began = time.perf_counter()
            for user in newcomers:
                teams.add_member(session=session, group=joined, user=user)
            session.commit()
            joins_with_rule = time.perf_counter() - began
            per_join = len(statements) / args.members
            backend = engine.dialect.name
        app.extensions["tracker.engine"].dispose()
    print(f"assignment rules on {backend}, {args.members} members")
    print(f"  first run (assigns all):    {first_seconds:6.2f} s, {first_statements} statements, "
          f"{first.assigned} assigned")
    print(f"  second run (no change):     {second_seconds:6.2f} s, {second_statements} statements, "
          f"{second.unchanged} unchanged")
    print(f"  {args.members} joins, no rule:      {joins_without_rule:6.2f} s")
    print(f"  {args.members} joins, one rule each: {joins_with_rule:6.2f} s, {per_join:.1f} statements a join "
          f"(the membership's own included), {1000 * joins_with_rule / args.members:.2f} ms a join")


if __name__ == "__main__":
    main()
