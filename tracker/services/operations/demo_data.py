"""A synthetic installation for measuring: many learners reading the real paths over months, mentors with
many mentees, assignments with due dates, notes and recall cards, written in bulk.

Every learner follows one to three paths and reads them in order, as people do: an article goes to
"reading", then (mostly) to "done", sometimes "skipped"; a learner who has read everything reads again from
the start. How many events each learner has is skewed (a few read a lot, most a little), and the totals
add up to the number asked for. `progress` is each article's last state in the event log, so the two
agree as if every mark had been made through the app. Deterministic for a given seed.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, inspect
from sqlmodel import Session, SQLModel, col, select

from tracker.models import (
    Assignment,
    LearningPath,
    Mentorship,
    MentorshipStatus,
    Note,
    PathFollow,
    Progress,
    ProgressEvent,
    ProgressState,
    RecallCard,
    Role,
    User,
)
from tracker.services.curriculum.queries import path_entries
from tracker.services.errors import Invalid
from tracker.services.people import accounts
from tracker.services.progress import activity_days

CHUNK = 5_000
MENTOR_SHARE = 0.01          # 1% of the users mentor
MENTEES = (50, 200)          # mentees per mentor
HISTORY = timedelta(days=182)
DEMO_PASSWORD = "demo data password"  # every generated account's; they are for load, not for people
Row = dict[str, Any]  # one row of a bulk insert, by column name
Report = Callable[[str, int, int], None]  # (step, rows done, rows in all)
ZONES = ("UTC", "Europe/Paris", "America/New_York", "Asia/Tokyo", "America/Los_Angeles", "Asia/Kolkata")


@dataclass
class Generated:
    users: int
    mentors: int
    mentorships: int
    assignments: int
    follows: int
    events: int
    progress: int
    notes: int
    cards: int


def prefix_for(seed: int) -> str:
    return f"load{seed}-"


def generate(*, session: Session, users: int, events: int, seed: int, now: datetime,
             report: Report = lambda step, done, total: None) -> Generated:
    """Write the data set; Invalid when its users exist already (one data set per seed). Commits in chunks.
    `report(step, done, total)` is called as the bulk writes go."""
    if users < 2 or events < 0:
        raise Invalid("--users: at least 2; --events: zero or more.")
    prefix = prefix_for(seed)
    if session.exec(select(User.id).where(col(User.username).startswith(prefix)).limit(1)).first() is not None:
        raise Invalid(f"Users named {prefix}… exist already: this seed was generated here before. "
                      "Use another --seed, or a fresh database.")
    rng = random.Random(seed)
    paths = list(session.exec(select(LearningPath).where(col(LearningPath.owner_id).is_(None))
                              .order_by(col(LearningPath.position))))
    if not paths:
        raise Invalid("No paths to read: load the curriculum first (`tracker paths load`).")
    entries = path_entries(session=session, path_ids=[path.id for path in paths])
    order = {path.id: [entry.article_id for entry in entries[path.id]] for path in paths}

    user_ids = _users(session, rng, prefix, users, now, report)
    mentor_count = max(1, round(users * MENTOR_SHARE))
    mentors, learners = user_ids[:mentor_count], user_ids[mentor_count:]
    followed = {learner: rng.sample(paths, k=rng.choice((1, 1, 2, 2, 3))) for learner in learners}
    follows = [{"user_id": learner, "path_id": path.id, "created_at": now - HISTORY}
               for learner, chosen in followed.items() for path in chosen]
    _bulk(session, PathFollow, follows, "follows", report)
    mentorships, assignments = _mentoring(rng, mentors, learners, followed, now)
    _bulk(session, Mentorship, mentorships, "mentorships", report)
    _bulk(session, Assignment, assignments, "assignments", report)
    event_rows, progress_rows = _reading(rng, learners, followed, order, events, now)
    _bulk(session, ProgressEvent, event_rows, "events", report)
    _bulk(session, Progress, progress_rows, "progress", report)
    done = [row for row in progress_rows if row["state"] == ProgressState.done.value]
    notes = [{"user_id": row["user_id"], "article_id": row["article_id"], "body": "Worth rereading before the review.",
              "takeaway": None, "shared": rng.random() < 0.5, "created_at": row["updated_at"],
              "updated_at": row["updated_at"]} for row in rng.sample(done, k=len(done) // 20)]
    _bulk(session, Note, notes, "notes", report)
    cards = [{"user_id": row["user_id"], "article_id": row["article_id"], "prompt": "What is the one idea to keep?",
              "answer": "The one the article ends on.", "due": now + timedelta(days=rng.randint(-3, 20)),
              "created_at": row["updated_at"], "state": 1, "step": 0, "stability": None, "difficulty": None,
              "last_review": None} for row in rng.sample(done, k=len(done) // 25)]
    _bulk(session, RecallCard, cards, "cards", report)
    days = activity_days.rebuild(session=session, users=session.exec(
        select(User).where(col(User.username).startswith(prefix), User.role == Role.learner)))
    session.commit()
    report("activity", days, days)
    return Generated(users=len(user_ids), mentors=len(mentors), mentorships=len(mentorships),
                     assignments=len(assignments), follows=len(follows), events=len(event_rows),
                     progress=len(progress_rows), notes=len(notes), cards=len(cards))


def _users(session: Session, rng: random.Random, prefix: str, count: int, now: datetime,
           report: Report) -> list[int]:
    """The accounts (one password hash for all: hashing each would take hours), mentors first."""
    password_hash = accounts.hash_password(DEMO_PASSWORD)
    mentor_count = max(1, round(count * MENTOR_SHARE))
    rows = [{"username": f"{prefix}{'m' if i < mentor_count else 'u'}{i:06d}", "display_name": f"Load user {i}",
             "password_hash": password_hash, "role": (Role.mentor if i < mentor_count else Role.learner).value,
             "is_active": True, "must_change_password": False, "created_at": now - HISTORY - timedelta(days=1),
             "time_zone": rng.choice(ZONES), "email": "", "email_notifications": "off", "desired_retention": 0.9,
             "public_id": uuid.UUID(int=rng.getrandbits(128)).hex} for i in range(count)]
    _bulk(session, User, rows, "users", report)
    return list(session.exec(select(User.id).where(col(User.username).startswith(prefix)).order_by(col(User.username))))


def _mentoring(rng: random.Random, mentors: Sequence[int], learners: Sequence[int],
               followed: Mapping[int, list[LearningPath]], now: datetime) -> tuple[list[Row], list[Row]]:
    """Each mentor takes 50-200 mentees and assigns each one of the paths they follow, with a due date."""
    mentorships: list[Row] = []
    assignments: list[Row] = []
    assigned: set[tuple[int, int]] = set()
    for mentor in mentors:
        for learner in rng.sample(learners, k=min(len(learners), rng.randint(*MENTEES))):
            mentorships.append({"mentor_id": mentor, "learner_id": learner, "status": MentorshipStatus.active.value,
                                "created_at": now - HISTORY, "responded_at": now - HISTORY})
            path = rng.choice(followed[learner])
            if (learner, path.id) not in assigned:
                assigned.add((learner, path.id))
                assignments.append({"learner_id": learner, "path_id": path.id, "mentor_id": mentor,
                                    "due_on": (now + timedelta(days=rng.randint(-30, 90))).date(), "note": "",
                                    "created_at": now - HISTORY + timedelta(days=rng.randint(0, 60)),
                                    "withdrawn_at": None})
    return mentorships, assignments


def _budgets(rng: random.Random, count: int, total: int) -> list[int]:
    """Events per learner: log-normal (a few heavy readers), scaled to add up to `total` exactly."""
    weights = [rng.lognormvariate(0, 1.2) for _ in range(count)]
    scale = total / sum(weights)
    budgets = [math.floor(weight * scale) for weight in weights]
    for index in rng.sample(range(count), k=total - sum(budgets)):
        budgets[index] += 1
    return budgets


def _reading(rng: random.Random, learners: Sequence[int], followed: Mapping[int, list[LearningPath]],
             order: Mapping[int, list[int]], total: int, now: datetime) -> tuple[list[Row], list[Row]]:
    """The event log and each article's last state, learner by learner, in path order over the months."""
    events: list[Row] = []
    progress: list[Row] = []
    start = now - HISTORY
    for learner, budget in zip(learners, _budgets(rng, len(learners), total), strict=True):
        sequence = [(path.id, article) for path in followed[learner] for article in order[path.id]]
        if not sequence or budget == 0:
            continue
        states: dict[int, tuple[str, datetime]] = {}
        step = HISTORY / (budget + 1)
        moment, position = start, 0
        while budget > 0:
            path_id, article = sequence[position % len(sequence)]
            position += 1
            current = states.get(article, ("not_started",))[0]
            if current in ("done", "skipped"):
                marks = ["in_progress", "done"]  # reading it again
            else:
                marks = ["in_progress", "skipped" if rng.random() < 0.05 else "done"]
            for state in marks[:budget]:
                moment += step * rng.uniform(0.5, 1.5)
                moment = min(moment, now - timedelta(minutes=1))
                events.append({"user_id": learner, "article_id": article, "state": state, "created_at": moment,
                               "path_id": path_id})
                states[article] = (state, moment)
                budget -= 1
        progress.extend({"user_id": learner, "article_id": article, "state": state, "updated_at": at}
                        for article, (state, at) in states.items())
    return events, progress


def _bulk(session: Session, model: type[SQLModel], rows: list[Row], step: str, report: Report) -> None:
    table = inspect(model).local_table
    for begin in range(0, len(rows), CHUNK):
        session.execute(insert(table), rows[begin:begin + CHUNK])
        session.commit()
        report(step, min(begin + CHUNK, len(rows)), len(rows))
    if not rows:
        report(step, 0, 0)
