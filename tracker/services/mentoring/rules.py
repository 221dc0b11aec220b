"""The rules of an assignment's status, forecast and staleness. Pure functions over tallies and dates."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from enum import StrEnum

from tracker.services.progress.marks import Tally

STALE_AFTER = timedelta(days=14)


PACE_WINDOW = timedelta(days=28)


class AssignmentStatus(StrEnum):
    not_started = "not_started"
    in_progress = "in_progress"
    on_track = "on_track"
    at_risk = "at_risk"
    overdue = "overdue"
    completed = "completed"
    completed_late = "completed_late"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


def weekly_pace(done_minutes: int) -> float:
    """Reading minutes completed per week over the pace window."""
    return done_minutes / (PACE_WINDOW.days / 7)


def forecast_finish(*, minutes_left: int, pace: float, today: date) -> date | None:
    """When the rest would be read at this pace; None when there is no recent pace to go on."""
    if minutes_left <= 0:
        return today
    if pace <= 0:
        return None
    return today + timedelta(days=math.ceil(7 * minutes_left / pace))


def is_stale(*, t: Tally, last_activity_at: datetime | None, assigned_at: datetime, now: datetime) -> bool:
    """Unfinished, and nothing happened for STALE_AFTER: no progress since the later of the last activity and
    the assignment itself."""
    since = max(moment for moment in (last_activity_at, assigned_at) if moment is not None)
    return not t.complete and now - since > STALE_AFTER


def started_since(*, changed_at: list[datetime], assigned_at: datetime) -> bool:
    """Whether the learner did anything on the path's articles since it was assigned."""
    return any(moment >= assigned_at for moment in changed_at)


def assignment_status(*, t: Tally, due_on: date | None, completed_on: date | None,
                      forecast_on: date | None, today: date, started: bool = True) -> AssignmentStatus:
    """The one rule for an assignment's status. A due date never freezes anything. Until the learner's first
    activity on the path after it was assigned there is no evidence of pace: not "at risk", but "in progress"
    when the tally shows any progress (read before the assignment: the words agree with the bar) and "not
    started" only when it shows none. Every date is a day of the learner's time zone: a path due on the 3rd is
    on time all of their 3rd."""
    if t.complete:
        late = due_on is not None and completed_on is not None and completed_on > due_on
        return AssignmentStatus.completed_late if late else AssignmentStatus.completed
    if due_on is not None and due_on < today:
        return AssignmentStatus.overdue
    if not started:
        return AssignmentStatus.in_progress if t.started else AssignmentStatus.not_started
    if due_on is None:
        return AssignmentStatus.on_track
    if forecast_on is None or forecast_on > due_on:
        return AssignmentStatus.at_risk
    return AssignmentStatus.on_track
