"""Recurring assignments: a path assigned to be taken again every so many months (recertification).

An assignment with `recur_months` has periods: the first starts the day it is assigned (`period_started_on`),
each lasts `recur_months` months, and ends when the next begins, at midnight in the learner's time zone. When a
period ends, `start_due_periods` (the scheduled duty) starts the next one: the learner's articles of the path
go back to "not started" exactly as Start over does (history kept), the period start moves on, the due date
keeps its distance from the period's start, the learner is told, and the audit log records it.

Race-safe and idempotent: each restart is one conditional UPDATE (`WHERE period_started_on = <the old start>`),
so of two workers running the duty at once one restarts the period and the other changes nothing. A duty that
did not run for several periods catches up in one restart, straight to the period today falls in: the periods
in between were never started, so there is nothing to restart them for (and the learner hears once).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from tracker.models import Assignment, LearningPath, NotificationKind, User
from tracker.services import audit
from tracker.services.mentoring.rules import current_period_start, describe_recurrence, next_due_on, period_end
from tracker.services.notifications import in_app as notifications
from tracker.services.people.time_zones import day_start, local_day, zone_of
from tracker.services.progress.restart import reset_articles

SHORTEST_PERIOD = timedelta(days=28)  # a month at least: what the duty's first filter may rely on
SCHEDULE = "schedule"  # the audit log's actor for what the schedule does


@dataclass(frozen=True)
class Period:
    """The current period of a recurring assignment, as the learner's calendar has it."""

    months: int
    started_on: date
    ends_on: date           # the first day of the next period
    ends_at: datetime       # the moment it ends (midnight starting `ends_on`, in the learner's zone), UTC


def current_period(assignment: Assignment, learner: User | None) -> Period | None:
    """The assignment's current period; None when it happens once."""
    if assignment.recur_months is None or assignment.period_started_on is None:
        return None
    ends_on = period_end(started_on=assignment.period_started_on, months=assignment.recur_months)
    return Period(months=assignment.recur_months, started_on=assignment.period_started_on, ends_on=ends_on,
                  ends_at=day_start(ends_on, zone_of(learner)))


@dataclass(frozen=True)
class PeriodRestart:
    """What starting a new period did: the assignment as it is now, and how many articles went back."""

    assignment_id: int
    learner: str
    path: str
    started_on: date
    due_on: date | None
    reset: int


def start_due_periods(*, session: Session, now: datetime) -> list[PeriodRestart]:
    """Start the next period of every active recurring assignment whose period has ended by `now` in its
    learner's time zone. Each restart commits on its own; one another worker made first is left alone. Give it
    a session with nothing pending: the read that finds the ended periods is closed before the restarts."""
    # No zone is more than a day ahead of UTC, and no period is shorter than 28 days: a cheap first filter.
    horizon = now.date() + timedelta(days=1) - SHORTEST_PERIOD
    rows = session.exec(select(Assignment, User).join(User, col(User.id) == Assignment.learner_id)
                        .where(col(Assignment.withdrawn_at).is_(None), col(Assignment.recur_months).is_not(None),
                               col(Assignment.period_started_on).is_not(None),
                               col(Assignment.period_started_on) <= horizon)
                        .order_by(col(Assignment.id))).all()
    due = [(a.id, a.period_started_on, a.recur_months, a.due_on, local_day(now, zone_of(learner)))
           for a, learner in rows]
    session.rollback()  # end the read: each restart is a transaction of its own
    done = []
    for assignment_id, started_on, months, due_on, today in due:
        assert started_on is not None and months is not None  # filtered above
        new_start = current_period_start(started_on=started_on, months=months, today=today)
        if new_start == started_on:
            continue
        restarted = begin_period(session=session, assignment_id=assignment_id, months=months, started_on=started_on,
                                 due_on=due_on, new_start=new_start, now=now)
        if restarted is not None:
            done.append(restarted)
    return done


def begin_period(*, session: Session, assignment_id: int, months: int, started_on: date, due_on: date | None,
                 new_start: date, now: datetime) -> PeriodRestart | None:
    """Move the assignment from the period that began `started_on` to the one beginning `new_start`, if it is
    still as read (the same period, length and due date, not withdrawn): restart the path's articles, set the
    next due date, tell the learner and write the audit entry, in one transaction. Commits. None when the
    assignment had changed meanwhile (another worker restarted it, or its mentor changed it): nothing is written.
    """
    new_due = next_due_on(due_on=due_on, started_on=started_on, new_start=new_start)
    moved = session.exec(update(Assignment).where(
        col(Assignment.id) == assignment_id, col(Assignment.period_started_on) == started_on,
        col(Assignment.recur_months) == months, col(Assignment.withdrawn_at).is_(None),
        col(Assignment.due_on).is_(None) if due_on is None else col(Assignment.due_on) == due_on,
    ).values(period_started_on=new_start, due_on=new_due))
    if moved.rowcount != 1:
        session.rollback()
        return None
    try:
        assignment = session.get_one(Assignment, assignment_id)
        learner = session.get_one(User, assignment.learner_id)
        path = session.get_one(LearningPath, assignment.path_id)
        # Recertifying is reading the whole path again: shared articles start over too.
        outcome = reset_articles(session=session, user=learner, path=path, include_shared=True, now=now)
        due = f"due {new_due:%b %-d, %Y}" if new_due is not None else \
            f"this period ends {period_end(started_on=new_start, months=months):%b %-d, %Y}"
        notifications.notify(session=session, user=learner, kind=NotificationKind.assignment_changed,
                             key=f"period:{assignment.id}:{new_start.isoformat()}",
                             message=f"Time to refresh “{path.title}”: {due}. Your earlier completion is kept in "
                                     "your history.", link=f"/paths/{path.slug}")
        audit.record(session=session, kind=audit.AuditKind.period_restarted, actor_label=SCHEDULE, subject=learner,
                     path=path, detail=f"period {started_on.isoformat()} → {new_start.isoformat()} "
                                       f"({describe_recurrence(months)}); {outcome.reset} article"
                                       f"{'' if outcome.reset == 1 else 's'} back to not started; due "
                                       f"{new_due.isoformat() if new_due else 'none'}")
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return PeriodRestart(assignment_id=assignment_id, learner=learner.username, path=path.slug,
                         started_on=new_start, due_on=new_due, reset=outcome.reset)


def refreshed_on(assignment: Assignment) -> date | None:
    """The day the current period began after an earlier one (a restart), else None (still the first)."""
    if assignment.recur_months is None or assignment.period_started_on is None:
        return None
    # The first period starts the day it is assigned (that day in the learner's zone: a day either side of UTC).
    assigned = assignment.created_at.date() + timedelta(days=1)
    return assignment.period_started_on if assignment.period_started_on > assigned else None


def describe_period(assignment: Assignment, learner: User | None) -> str:
    """"Repeats every 12 months · this period ends Jan 9, 2027", as learners and mentors read it ('' once)."""
    period = current_period(assignment, learner)
    if period is None:
        return ""
    return f"Repeats {describe_recurrence(period.months)} · this period ends {period.ends_on:%b %-d, %Y}"
