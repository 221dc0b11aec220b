"""The weekly streak: weeks in a row in which the learner kept their plan, counted fairly.

The rule (stated next to the number on the dashboard):
- A week runs Monday to Sunday: the days are those the learner lived, each counted in the time zone they were
  in when it happened (`activity_day`), never moved afterwards.
- It counts when the learner was active (marked an article reading or done, or reviewed recall cards; a skip
  is not activity) on at least as many days as the weekly plans in force that week name (the days of all
  their plans together; one day without a plan). Any days of the week will do: the plan's days are the
  intention, not a trap. A plan change judges the streak from the Monday after it (`plans.versions_in_force`).
- The week under way never breaks the streak: it joins it once it counts.
- One missed week in each calendar month (the month its Thursday falls in) is repaired: it bridges the
  streak without adding to it. A second missed week in the same month ends the run.
- A week is judged once, the first time the streak is read after it ended, and recorded (`streak_week`):
  nothing done later (an edited or cleared plan, a deleted card, a new time zone) changes a judged week.

A broken streak demotivates more than an intact one motivates, so the page leads with this week's progress
and the weeks kept, never with a loss.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import bindparam
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select
from sqlmodel.sql.expression import SelectOfScalar

from tracker.models import StreakWeek, StudyPlanVersion, User, utcnow
from tracker.services.learning.plans import plan_days, plan_versions, versions_in_force
from tracker.services.progress import activity_days


@dataclass
class WeeklyStreak:
    weeks: int                      # weeks kept in the current run (repaired weeks bridge, they do not add)
    repaired: list[date] = field(default_factory=list)  # Mondays of the weeks repaired in the run
    this_week_days: int = 0         # active days so far this week
    needed: int = 1                 # active days this week asks for
    planned: bool = False           # whether `needed` comes from a plan

    @property
    def this_week_kept(self) -> bool:
        return kept(self.this_week_days, self.needed)


@dataclass(frozen=True)
class JudgedWeek:
    """A week's two numbers: the days the learner was active and the days their plans asked."""

    active_days: int
    needed: int


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _month_of(monday: date) -> tuple[int, int]:
    thursday = monday + timedelta(days=3)
    return thursday.year, thursday.month


def kept(active_days: int, needed: int) -> bool:
    """Whether a week with these active days counts, asked for `needed`."""
    return active_days >= needed


def days_active_in(*, active_days: set[date], monday: date, through: date | None = None) -> int:
    """The active days of the week beginning `monday` (up to `through`, when it is the week under way)."""
    last = monday + timedelta(days=6) if through is None else min(through, monday + timedelta(days=6))
    return sum(1 for offset in range(7) if monday + timedelta(days=offset) <= last
               and monday + timedelta(days=offset) in active_days)


def needed_in(*, versions: list[StudyPlanVersion], monday: date) -> int:
    """Days the week beginning `monday` asks for: the days of all plans in force that week, together (at
    least one)."""
    days: set[int] = set()
    for version in versions_in_force(versions=versions, monday=monday):
        days |= set(plan_days(version.weekdays))
    return max(1, len(days))


def judged_streak(*, judged: dict[date, JudgedWeek], this_monday: date, this_week: JudgedWeek,
                  planned: bool = False) -> WeeklyStreak:
    """The streak from the finished weeks (by Monday, without gaps back to the first active one) and the week
    under way, which begins on `this_monday`."""
    weeks, bridges, repaired_months = 0, [], set()
    pending: list[date] = []  # repaired weeks not yet followed (further back) by a kept week
    monday = this_monday - timedelta(weeks=1)
    # No cap: the run goes back as far as the judged weeks do (a week before the first activity is not judged).
    while monday in judged:
        if kept(judged[monday].active_days, judged[monday].needed):
            weeks += 1
            bridges.extend(pending)
            pending = []
        elif _month_of(monday) not in repaired_months:
            repaired_months.add(_month_of(monday))
            pending.append(monday)
        else:
            break
        monday -= timedelta(weeks=1)
    if weeks == 0:
        bridges = []
    if kept(this_week.active_days, this_week.needed):
        weeks += 1
    return WeeklyStreak(weeks=weeks, repaired=sorted(bridges), this_week_days=this_week.active_days,
                        needed=this_week.needed, planned=planned)


def weekly_streak(*, active_days: set[date], needed_by_week: dict[date, int] | None = None,
                  today: date, planned: bool = False) -> WeeklyStreak:
    """The streak as of `today` from the days with activity, every week judged now. `needed_by_week` gives the
    days a week asks for, by its Monday (1 where missing)."""
    needed_by_week = needed_by_week or {}
    this_monday = monday_of(today)
    first = monday_of(min(active_days)) if active_days else this_monday
    judged = {monday: JudgedWeek(active_days=days_active_in(active_days=active_days, monday=monday),
                                 needed=needed_by_week.get(monday, 1))
              for monday in _mondays(first, this_monday)}
    this_week = JudgedWeek(active_days=days_active_in(active_days=active_days, monday=this_monday, through=today),
                           needed=needed_by_week.get(this_monday, 1))
    return judged_streak(judged=judged, this_monday=this_monday, this_week=this_week, planned=planned)


def _mondays(first: date, before: date) -> list[date]:
    """The Mondays from `first` up to the one before `before`."""
    return [first + timedelta(weeks=n) for n in range(max(0, (before - first).days // 7))]


def active_days(*, session: Session, user: User, since: date) -> set[date]:
    """Days with activity (a mark or a review), each a day of the zone the learner was in, from `since` on (one
    query over the per-day rows)."""
    return set(activity_days.active_days(session=session, user=user, since=since))


def streak_for(*, session: Session, user: User, today: date) -> WeeklyStreak:
    """The learner's weekly streak as of their `today`. The weeks that ended since the last read are judged and
    recorded first, once: a judged week is read back, never judged again. Commits when it records a week
    (three queries, and one insert when a week has ended)."""
    judged = {row.monday: JudgedWeek(active_days=row.active_days, needed=row.needed)
              for row in session.exec(_judged_weeks(), params={"user_id": user.id})}
    this_monday = monday_of(today)
    if judged:  # a judged week stays over, even when a zone further west makes it yesterday again
        this_monday = max(this_monday, max(judged) + timedelta(weeks=1))
    days = active_days(session=session, user=user, since=date.min)  # at most a row a day, however long the log
    versions = plan_versions(session=session, user=user)
    first = min([monday_of(min(days))] if days else [], default=this_monday)
    ended = {monday: JudgedWeek(active_days=days_active_in(active_days=days, monday=monday),
                                needed=needed_in(versions=versions, monday=monday))
             for monday in _mondays(first, this_monday) if monday not in judged}
    if ended:
        _record(session, user=user, weeks=ended)
        judged |= ended
    this_week = JudgedWeek(active_days=days_active_in(active_days=days, monday=this_monday, through=today),
                           needed=needed_in(versions=versions, monday=this_monday))
    return judged_streak(judged=judged, this_monday=this_monday, this_week=this_week,
                         planned=bool(versions_in_force(versions=versions, monday=this_monday)))


@functools.cache  # built once: building a statement costs more than running it
def _judged_weeks() -> SelectOfScalar[StreakWeek]:
    return select(StreakWeek).where(StreakWeek.user_id == bindparam("user_id"))


def _record(session: Session, *, user: User, weeks: dict[date, JudgedWeek]) -> None:
    """Record these judged weeks; a week another request recorded first keeps that record. Commits."""
    rows = [{"user_id": user.id, "monday": monday, "active_days": week.active_days, "needed": week.needed,
             "judged_at": utcnow()} for monday, week in sorted(weeks.items())]
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.connection().execute(insert(StreakWeek).on_conflict_do_nothing(index_elements=["user_id", "monday"]),
                                 rows)
    session.commit()
