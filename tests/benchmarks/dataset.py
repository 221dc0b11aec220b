"""A lived-in installation at team scale, for benchmarks: by default 10,000 users (1% mentors with 50-200
mentees each), 1,000,000 progress events over six months, and the progress, follows and assignments
those events imply.

    python tests/benchmarks/dataset.py DATABASE_URL [--users 10000] [--events 1000000] [--seed 1]

The database must be empty; it is migrated and the bundled curriculum loaded first. Every account
shares the password "benchmark password 1" (one stored hash: hashing 10,000 would only be slow).
Rows go in with bulk inserts, so 1M events take well under a minute on SQLite.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert, select

PASSWORD = "benchmark password 1"
CHUNK = 20_000


def build(url: str, *, users: int = 10_000, events: int = 1_000_000, seed: int = 1,
          now: datetime | None = None) -> dict[str, int]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tracker import create_app, db
    from tracker.config import resource_dir
    from tracker.models import (Article, Assignment, LearningPath, Mentorship, PathFollow, PathItem, PathSection,
                                Progress, ProgressEvent, ProgressState, Role, User)
    from tracker.services import accounts
    from tracker.services.curriculum import load_curriculum

    rng = random.Random(seed)
    now = now or datetime.now(timezone.utc).replace(microsecond=0)
    start = now - timedelta(days=182)
    app = create_app({"DATABASE_URL": url, "DATA_DIR": Path(tempfile.mkdtemp(prefix="tracker-dataset-")),
                      "SECRET_KEY": "dataset-" + "x" * 32})
    with app.app_context():
        engine = db.get_engine()
        db.upgrade(engine)
        session = db.get_session()
        load_curriculum(session=session, paths_dir=resource_dir("paths"))
        password_hash = accounts.hash_password(PASSWORD)
        mentors = max(1, users // 100)
        rows = [{"username": f"user{i:05d}", "display_name": f"User {i}", "password_hash": password_hash,
                 "role": (Role.admin if i == 0 else Role.mentor if i <= mentors else Role.learner).value,
                 "is_active": True, "must_change_password": False, "created_at": start}
                for i in range(users)]
        with engine.begin() as connection:
            connection.execute(insert(User), rows)
            user_ids = [row.id for row in connection.execute(select(User.id).order_by(User.id))]
            paths = {row.id: [] for row in connection.execute(select(LearningPath.id))}
            for path_id, article_id in connection.execute(
                    select(PathSection.path_id, PathItem.article_id).join(PathItem, PathItem.section_id == PathSection.id)):
                paths[path_id].append(article_id)
            article_ids = [row.id for row in connection.execute(select(Article.id))]

        mentor_ids, learner_ids = user_ids[1:mentors + 1], user_ids[mentors + 1:]
        follows, mentorships, assignments = [], [], []
        followed: dict[int, list[int]] = {}
        for learner in learner_ids:
            chosen = rng.sample(sorted(paths), rng.choice((1, 1, 1, 2, 2, 3, 4)))
            followed[learner] = chosen
            follows += [{"user_id": learner, "path_id": p, "created_at": start} for p in chosen]
        pool = list(learner_ids)
        rng.shuffle(pool)
        for mentor in mentor_ids:
            mentees = [pool.pop() for _ in range(min(len(pool), rng.randint(50, 200)))] if pool else []
            for learner in mentees:
                mentorships.append({"mentor_id": mentor, "learner_id": learner, "status": "active",
                                    "created_at": start})
                assignments.append({"learner_id": learner, "path_id": followed[learner][0], "mentor_id": mentor,
                                    "due_on": (now + timedelta(days=rng.randint(-20, 60))).date(), "note": "",
                                    "created_at": start})
        # Events: a few heavy readers, many light ones (a long tail, as in real teams).
        weights = [rng.paretovariate(1.2) for _ in learner_ids]
        per_user = rng.choices(learner_ids, weights=weights, k=events)
        states = (ProgressState.in_progress.value, ProgressState.done.value, ProgressState.done.value,
                  ProgressState.skipped.value, ProgressState.not_started.value)
        latest: dict[tuple[int, int], tuple[str, datetime]] = {}
        event_rows = []
        span = int((now - start).total_seconds())
        for user in per_user:
            candidates = [a for p in followed[user] for a in paths[p]] or article_ids
            article = rng.choice(candidates) if rng.random() < 0.9 else rng.choice(article_ids)
            at = start + timedelta(seconds=rng.randrange(span))
            state = rng.choice(states)
            event_rows.append({"user_id": user, "article_id": article, "state": state, "created_at": at})
        event_rows.sort(key=lambda row: row["created_at"])
        for row in event_rows:
            latest[(row["user_id"], row["article_id"])] = (row["state"], row["created_at"])
        progress_rows = [{"user_id": u, "article_id": a, "state": s, "updated_at": at}
                         for (u, a), (s, at) in latest.items()]
        with engine.begin() as connection:
            for table, batch in ((PathFollow, follows), (Mentorship, mentorships), (Assignment, assignments),
                                 (Progress, progress_rows), (ProgressEvent, event_rows)):
                for i in range(0, len(batch), CHUNK):
                    connection.execute(insert(table), batch[i:i + CHUNK])
        engine.dispose()
    return {"users": users, "mentors": len(mentor_ids), "mentorships": len(mentorships), "follows": len(follows),
            "progress": len(progress_rows), "events": len(event_rows)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    began = time.perf_counter()
    counts = build(args.database_url, users=args.users, events=args.events, seed=args.seed)
    print(", ".join(f"{n} {name}" for name, n in counts.items()), f"in {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
