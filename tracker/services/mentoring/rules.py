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
    waiting = "waiting"  # a required prerequisite of the path is not complete yet

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
                      forecast_on: date | None, today: date, started: bool = True,
                      waiting: bool = False) -> AssignmentStatus:
    """The one rule for an assignment's status. A due date never freezes anything. Until the learner's first
    activity on the path after it was assigned there is no evidence of pace: not "at risk", but "in progress"
    when the tally shows any progress (read before the assignment: the words agree with the bar) and "not
    started" only when it shows none. Every date is a day of the learner's time zone: a path due on the 3rd is
    on time all of their 3rd.

    `waiting`: a required prerequisite of the path is not complete (`curriculum.prerequisites.waiting_for`); the
    assignment waits for it, never overdue nor at risk meanwhile. Once it is complete the assignment is judged
    as any other, against the due date it always had."""
    if t.complete:
        late = due_on is not None and completed_on is not None and completed_on > due_on
        return AssignmentStatus.completed_late if late else AssignmentStatus.completed
    if waiting:
        return AssignmentStatus.waiting
    if due_on is not None and due_on < today:
        return AssignmentStatus.overdue
    if not started:
        return AssignmentStatus.in_progress if t.started else AssignmentStatus.not_started
    if due_on is None:
        return AssignmentStatus.on_track
    if forecast_on is None or forecast_on > due_on:
        return AssignmentStatus.at_risk
    return AssignmentStatus.on_track


# ---------------------------------------------------------------- recurring assignments

RECUR_MONTHS_MIN, RECUR_MONTHS_MAX = 1, 60


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the month's last day when it is shorter (Jan 31 + 1 month: Feb 28 or 29)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    following = date(year + (month == 12), month % 12 + 1, 1)
    return date(year, month, min(day.day, (following - timedelta(days=1)).day))


def period_end(*, started_on: date, months: int) -> date:
    """The first day of the period after the one that started on `started_on`: the day this one ends."""
    return add_months(started_on, months)


def current_period_start(*, started_on: date, months: int, today: date) -> date:
    """The start of the period `today` falls in, counting whole periods from `started_on` (never before it).

    Whole periods are counted from `started_on` in one step (a catch-up over several periods lands where
    stepping one by one would not drift to). Each new period is counted from the one before, so a period that
    began on a day a shorter month lacks (the 31st, Feb 29) moves the following ones to that shorter day."""
    if months < RECUR_MONTHS_MIN or today < period_end(started_on=started_on, months=months):
        return started_on
    elapsed = (today.year - started_on.year) * 12 + today.month - started_on.month
    periods = max(elapsed // months, 1)
    while add_months(started_on, periods * months) > today:
        periods -= 1
    return add_months(started_on, periods * months)


def next_due_on(*, due_on: date | None, started_on: date, new_start: date) -> date | None:
    """The due date of the next period: as many days after its start as the current one's was; None for none."""
    return None if due_on is None else new_start + (due_on - started_on)


def describe_recurrence(months: int) -> str:
    """"every month", "every 12 months"."""
    return "every month" if months == 1 else f"every {months} months"
