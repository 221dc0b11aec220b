"""Each learner's activity per day (the `activity_day` rows): counted in the same transaction as the progress
change or card review it counts, on the day of the zone the learner is in at that moment, and read by the
heatmap and the streak, so a page reads at most one row a day however long the history grows.

A counted day is a record of what happened: it is never moved or taken back, not when the learner moves to
another time zone (the day stays the one they lived) nor when they delete the card they reviewed. Only data
written in bulk (`rebuild`) is counted again from the logs.

Activity is a mark that the learner read (reading or done) or a card review: a reset to "not started" and a
skip are not (`counts_as_activity`); a day's count is its marks and reviews together (`day_count`)."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, tzinfo

from sqlalchemy import Insert, bindparam, delete, insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from tracker.models import ActivityDay, CardReview, ProgressEvent, ProgressState, User
from tracker.services.people.time_zones import local_day, zone_of

CHUNK = 5_000
USERS_AT_ONCE = 500
ACTIVE_STATES = (ProgressState.in_progress, ProgressState.done)


def counts_as_activity(state: ProgressState) -> bool:
    """Whether a change to `state` is a day's activity: reading or done, not a skip nor a reset."""
    return state in ACTIVE_STATES


def day_count(changes: int, reviews: int) -> int:
    """A day's activity: its marks and its reviews together."""
    return changes + reviews


def count(*, session: Session, user: User, moment: datetime, changes: int = 0, reviews: int = 0) -> None:
    """Add a change or a review at `moment` to its day in the user's zone as it is now. The caller commits."""
    session.connection().execute(_counting(session.get_bind().dialect.name), {
        "user_id": user.id, "day": local_day(moment, zone_of(user)), "changes": changes, "reviews": reviews})


@functools.cache  # built once per dialect: building a statement costs more than running it
def _counting(dialect: str) -> Insert:
    statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(ActivityDay).values(
        user_id=bindparam("user_id"), day=bindparam("day"), changes=bindparam("changes"),
        reviews=bindparam("reviews"))
    return statement.on_conflict_do_update(
        index_elements=["user_id", "day"],
        set_={"changes": ActivityDay.changes + statement.excluded.changes,
              "reviews": ActivityDay.reviews + statement.excluded.reviews})


def days(*, session: Session, user: User, since: date) -> list[tuple[date, int, int]]:
    """(day, changes, reviews) for each of the user's days with any activity from `since` on (one query over at
    most a row a day)."""
    return list(session.exec(_days_since(), params={"user_id": user.id, "since": since}))


def active_days(*, session: Session, user: User, since: date) -> list[date]:
    """The user's days with activity from `since` on, oldest first (one query)."""
    return [day for day, changes, reviews in days(session=session, user=user, since=since)
            if day_count(changes, reviews)]


@functools.cache  # built once: building a statement costs more than running it
def _days_since() -> Select[date, int, int]:
    return (select(col(ActivityDay.day), ActivityDay.changes, ActivityDay.reviews)
            .where(ActivityDay.user_id == bindparam("user_id"), ActivityDay.day >= bindparam("since"))
            .order_by(col(ActivityDay.day)))


def rebuild(*, session: Session, users: Iterable[User]) -> int:
    """Count these users' days again from the event log and the reviews, in their current zones: only for data
    written in bulk (the demo), never for a learner's own history. Returns the rows written; the caller
    commits."""
    zones = {user.id: zone_of(user) for user in users}
    ids = list(zones)
    written = 0
    for start in range(0, len(ids), USERS_AT_ONCE):
        written += _rebuild(session, {user_id: zones[user_id] for user_id in ids[start:start + USERS_AT_ONCE]})
    return written


def _rebuild(session: Session, zones: dict[int, tzinfo]) -> int:
    ids = list(zones)
    session.exec(delete(ActivityDay).where(col(ActivityDay.user_id).in_(ids)))
    changes: Counter[tuple[int, date]] = Counter()
    reviews: Counter[tuple[int, date]] = Counter()
    for user_id, moment in session.exec(select(ProgressEvent.user_id, ProgressEvent.created_at).where(
            col(ProgressEvent.user_id).in_(ids), col(ProgressEvent.state).in_(ACTIVE_STATES))):
        changes[(user_id, local_day(moment, zones[user_id]))] += 1
    for user_id, moment in session.exec(select(CardReview.user_id, CardReview.reviewed_at)
                                        .where(col(CardReview.user_id).in_(ids))):
        reviews[(user_id, local_day(moment, zones[user_id]))] += 1
    rows = [{"user_id": user_id, "day": day, "changes": changes[(user_id, day)], "reviews": reviews[(user_id, day)]}
            for user_id, day in changes.keys() | reviews.keys()]
    for start in range(0, len(rows), CHUNK):
        session.connection().execute(insert(ActivityDay), rows[start:start + CHUNK])  # plain rows, no ORM objects
    return len(rows)
