"""Weekly plans: a learner's if-then plan for a path ("Tue and Thu after standup, 30 min"), the finish date
it forecasts, and the plan-day reminders.

The `study_plan` row is the plan as it stands (what the plan card, the API, the forecasts and the reminders
show); each change also keeps a `study_plan_version` starting the Monday after it, so the streak judges every
week by the plans in force during it (`versions_in_force`).

A plan is the learner's own intention; the pace (tracker.services.mentoring.rules) is what they really did.
Pages show both forecasts side by side once there is activity.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from tracker.models import LearningPath, Notification, NotificationKind, StudyPlan, StudyPlanVersion, User, utcnow
from tracker.services.errors import Invalid
from tracker.services.mentoring.rules import forecast_finish
from tracker.services.notifications import in_app as notifications
from tracker.services.people.time_zones import today_for

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MINUTES_MIN, MINUTES_MAX = 5, 480
CUE_MAX = 60


def weekday_mask(days: list[int] | tuple[int, ...] | set[int]) -> int:
    """Days of the week (0 = Monday ... 6 = Sunday) as the stored bit mask; Invalid without a day."""
    chosen = set(days)
    if not chosen:
        raise Invalid("Days: choose at least one day of the week.")
    if not chosen <= set(range(7)):
        raise Invalid("Days: each day is 0 (Monday) to 6 (Sunday).")
    return sum(1 << day for day in chosen)


def plan_days(mask: int) -> list[int]:
    """The days of a mask, Monday first."""
    return [day for day in range(7) if mask & (1 << day)]


def describe(plan: StudyPlan) -> str:
    """The plan in words: "Tue and Thu after standup, 30 min"."""
    names = [DAY_NAMES[day] for day in plan_days(plan.weekdays)]
    days = "Every day" if len(names) == 7 else (names[0] if len(names) == 1 else
                                                 ", ".join(names[:-1]) + " and " + names[-1])
    cue = f" {plan.cue}" if plan.cue else ""
    return f"{days}{cue}, {plan.minutes} min"


def weekly_minutes(plan: StudyPlan) -> int:
    """Reading minutes a week the plan promises."""
    return plan.minutes * len(plan_days(plan.weekdays))


def plan_forecast(*, plan: StudyPlan, minutes_left: int, today: date) -> date:
    """The day the rest is read if every planned day from today on gets its minutes (today counts when it
    is a plan day: its minutes may still be read)."""
    if minutes_left <= 0:
        return today
    sessions = math.ceil(minutes_left / plan.minutes)
    days = plan_days(plan.weekdays)
    full_weeks, rest = divmod(sessions - 1, len(days))
    day = today + timedelta(weeks=full_weeks)
    remaining = rest + 1
    while True:  # at most a week's walk: the rest-th plan day on or after `day`
        if day.weekday() in days:
            remaining -= 1
            if remaining == 0:
                return day
        day += timedelta(days=1)


def plan_for(*, session: Session, user: User, path: LearningPath) -> StudyPlan | None:
    return session.exec(select(StudyPlan).where(StudyPlan.user_id == user.id,
                                                StudyPlan.path_id == path.id)).one_or_none()


def plans_of(*, session: Session, user: User) -> dict[int, StudyPlan]:
    """The learner's plans by path id (one query)."""
    return {plan.path_id: plan for plan in session.exec(_plans_among(), params={"ids": [user.id]})}


def plans_for_learners(*, session: Session, learner_ids: list[int]) -> dict[tuple[int, int], StudyPlan]:
    """Plans of several learners by (learner id, path id) (one query)."""
    if not learner_ids:
        return {}
    return {(plan.user_id, plan.path_id): plan
            for plan in session.exec(_plans_among(), params={"ids": list(learner_ids)})}


@functools.cache  # built once: building a statement costs more than running it
def _plans_among() -> SelectOfScalar[StudyPlan]:
    return select(StudyPlan).where(col(StudyPlan.user_id).in_(bindparam("ids", expanding=True)))


def set_plan(*, session: Session, user: User, path: LearningPath, days: list[int], minutes: int | None,
             cue: str = "", now: datetime | None = None) -> StudyPlan:
    """Create or replace the learner's plan for a path, shown at once and judging the streak from the Monday
    after `now` (default: now); all checked before anything is written. Commits."""
    mask = weekday_mask(days)
    if minutes is None or not MINUTES_MIN <= minutes <= MINUTES_MAX:
        raise Invalid(f"Minutes: a number from {MINUTES_MIN} to {MINUTES_MAX} for each planned day.")
    cue = " ".join((cue or "").split())
    if len(cue) > CUE_MAX:
        raise Invalid(f"When: {len(cue)} characters; at most {CUE_MAX} (like “after standup”).")
    now = now or utcnow()
    plan = plan_for(session=session, user=user, path=path)
    if plan is None:
        plan = StudyPlan(user_id=user.id, path_id=path.id, weekdays=mask, minutes=minutes, cue=cue, created_at=now,
                         updated_at=now)
    else:
        plan.weekdays, plan.minutes, plan.cue, plan.updated_at = mask, minutes, cue, now
    session.add(plan)
    _keep_version(session, user=user, path=path, weekdays=mask, minutes=minutes, cue=cue, now=now)
    try:
        session.commit()
    except IntegrityError:  # the same plan made twice at once: the later one wins
        session.rollback()
        return set_plan(session=session, user=user, path=path, days=days, minutes=minutes, cue=cue, now=now)
    session.refresh(plan)
    return plan


def clear_plan(*, session: Session, user: User, path: LearningPath, now: datetime | None = None) -> bool:
    """Remove the learner's plan for a path: gone from the page at once, and from the streak from the Monday
    after `now` (the weeks before stay judged by it); whether there was one. Commits."""
    plan = plan_for(session=session, user=user, path=path)
    if plan is None:
        return False
    session.delete(plan)
    _keep_version(session, user=user, path=path, weekdays=0, minutes=0, cue="", now=now or utcnow())
    try:
        session.commit()
    except IntegrityError:  # cleared twice at once: once is enough
        session.rollback()
        return clear_plan(session=session, user=user, path=path, now=now)
    return True


def first_week_judged(*, user: User, now: datetime) -> date:
    """The Monday from which a plan changed at `now` judges the streak: today's when today is a Monday (in the
    learner's zone), the next one otherwise: a week is never judged by a promise made once it was under way."""
    today = today_for(user, now)
    return today + timedelta(days=-today.weekday() % 7)


def _keep_version(session: Session, *, user: User, path: LearningPath, weekdays: int, minutes: int, cue: str,
                  now: datetime) -> None:
    """Add (or, before its week begins, replace) the version starting the Monday after `now`; nothing when it
    would say what the version in force then already says. The caller commits."""
    starts = first_week_judged(user=user, now=now)
    earlier = session.exec(select(StudyPlanVersion).where(
        StudyPlanVersion.user_id == user.id, StudyPlanVersion.path_id == path.id, StudyPlanVersion.starts <= starts)
        .order_by(col(StudyPlanVersion.starts).desc()).limit(2)).all()
    pending = earlier[0] if earlier and earlier[0].starts == starts else None
    before = next((version for version in earlier if version is not pending), None)
    same_as_before = ((before.weekdays, before.minutes, before.cue) == (weekdays, minutes, cue) if before is not None
                      else weekdays == 0)
    if same_as_before:  # the change undoes a pending one, or changes nothing the streak sees
        if pending is not None:
            session.delete(pending)
        return
    if pending is None:
        session.add(StudyPlanVersion(user_id=user.id, path_id=path.id, starts=starts, weekdays=weekdays,
                                     minutes=minutes, cue=cue, made_at=now))
    else:
        pending.weekdays, pending.minutes, pending.cue, pending.made_at = weekdays, minutes, cue, now
        session.add(pending)


def plan_versions(*, session: Session, user: User) -> list[StudyPlanVersion]:
    """Every version of the learner's plans, by path then first week (one query)."""
    return list(session.exec(_versions_of(), params={"user_id": user.id}))


@functools.cache  # built once: building a statement costs more than running it
def _versions_of() -> SelectOfScalar[StudyPlanVersion]:
    return (select(StudyPlanVersion).where(StudyPlanVersion.user_id == bindparam("user_id"))
            .order_by(col(StudyPlanVersion.path_id), col(StudyPlanVersion.starts)))


def versions_in_force(*, versions: list[StudyPlanVersion], monday: date) -> list[StudyPlanVersion]:
    """The plans (one a path, cleared ones left out) in force in the week beginning `monday`."""
    latest: dict[int, StudyPlanVersion] = {}
    for version in versions:
        if version.starts <= monday and (version.path_id not in latest
                                         or version.starts > latest[version.path_id].starts):
            latest[version.path_id] = version
    return [version for version in latest.values() if version.weekdays]


@dataclass
class Forecasts:
    """A path's two finish forecasts: from the learner's plan, and from their real pace."""

    plan: StudyPlan | None
    by_plan: date | None  # None without a plan
    by_pace: date | None  # None without recent activity to go on
    pace: float           # reading minutes a week over the pace window


def forecasts(*, plan: StudyPlan | None, minutes_left: int, pace: float, today: date) -> Forecasts:
    """Both forecasts for what is left of a path."""
    return Forecasts(plan=plan, pace=pace,
                     by_plan=plan_forecast(plan=plan, minutes_left=minutes_left, today=today) if plan else None,
                     by_pace=forecast_finish(minutes_left=minutes_left, pace=pace, today=today))


def remind_plan_days(*, session: Session, now: datetime) -> int:
    """A reminder for each active learner whose plan has today (in their own zone) as a plan day, once a day
    per plan; returns how many were added. Idempotent (the key names the plan and the day). Commits."""
    wanted = []
    for plan, user, path in session.exec(select(StudyPlan, User, LearningPath)
                                         .join(User, col(User.id) == StudyPlan.user_id)
                                         .join(LearningPath, col(LearningPath.id) == StudyPlan.path_id)
                                         .where(col(User.is_active).is_(True))):
        today = today_for(user, now)
        if today.weekday() in plan_days(plan.weekdays):
            wanted.append((user, f"plan_day:{plan.id}:{today.isoformat()}", plan, path))
    if not wanted:
        return 0
    existing = set(session.exec(select(Notification.user_id, Notification.key).where(
        col(Notification.key).in_([key for _user, key, _plan, _path in wanted]))).all())
    missing = [row for row in wanted if (row[0].id, row[1]) not in existing]
    for user, key, plan, path in missing:
        cue = f" {plan.cue}" if plan.cue else ""
        notifications.notify(session=session, user=user, kind=NotificationKind.plan_day, key=key,
                             message=f"Today is a reading day for “{path.title}”: {plan.minutes} min{cue}.",
                             link=f"/paths/{path.slug}")
    if missing:
        session.commit()
    return len(missing)
