"""The weekly streak: weeks in a row in which the learner kept their plan, counted fairly.

The rule (stated next to the number on the dashboard):
- A week runs Monday to Sunday in the learner's time zone.
- It counts when the learner was active (marked an article reading, done or skipped, or reviewed recall cards)
  on at least as many days as their weekly plans name (the days of all their plans together; one day
  without a plan). Any days of the week will do: the plan's days are the intention, not a trap.
- The week under way never breaks the streak: it joins it once it counts.
- One missed week in each calendar month (the month its Thursday falls in) is repaired: it bridges the
  streak without adding to it. A second missed week in the same month ends the run.

A broken streak demotivates more than an intact one motivates, so the page leads with this week's progress
and the weeks kept, never with a loss.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import Session

from tracker.models import StudyPlan, User
from tracker.services.learning.plans import plan_days, plans_of
from tracker.services.people.time_zones import local_day, zone_of
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
        return self.this_week_days >= self.needed


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _month_of(monday: date) -> tuple[int, int]:
    thursday = monday + timedelta(days=3)
    return thursday.year, thursday.month


def weekly_streak(*, active_days: set[date], needed_by_week: dict[date, int] | None = None,
                  today: date, planned: bool = False) -> WeeklyStreak:
    """The streak as of `today` from the days with activity. `needed_by_week` gives the days a week asks for,
    by its Monday (1 where missing)."""
    needed_by_week = needed_by_week or {}

    def needed(monday: date) -> int:
        return needed_by_week.get(monday, 1)

    def kept(monday: date) -> bool:
        return sum(1 for offset in range(7) if monday + timedelta(days=offset) in active_days) >= needed(monday)

    this_monday = monday_of(today)
    this_week_days = sum(1 for offset in range(today.weekday() + 1) if this_monday + timedelta(days=offset)
                         in active_days)
    weeks, bridges, repaired_months = 0, [], set()
    pending: list[date] = []  # repaired weeks not yet followed (further back) by a kept week
    monday = this_monday - timedelta(weeks=1)
    # No cap: the run goes back as far as the learner's activity does (a week before it cannot be kept).
    earliest = monday_of(min(active_days)) if active_days else this_monday
    while monday >= earliest:
        if kept(monday):
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
    if this_week_days >= needed(this_monday):
        weeks += 1
    return WeeklyStreak(weeks=weeks, repaired=sorted(bridges), this_week_days=this_week_days,
                        needed=needed(this_monday), planned=planned)


def active_days(*, session: Session, user: User, since: date) -> set[date]:
    """Days (in the user's zone) with a progress change or a card review, from `since` on (one query over the
    per-day rows)."""
    return {day for day, _changes, _reviews in activity_days.days(session=session, user=user, since=since)}


def needed_days_by_week(*, plans: list[StudyPlan], mondays: list[date], zone) -> dict[date, int]:
    """Days each week asks for: the days of all plans made by that week's Monday, together (at least one). A plan
    made later in a week starts the next one: a week is never judged by a promise made once it was under way."""
    needed = {}
    for monday in mondays:
        days = set()
        for plan in plans:
            if local_day(plan.created_at, zone) <= monday:
                days |= set(plan_days(plan.weekdays))
        needed[monday] = max(1, len(days))
    return needed


def streak_for(*, session: Session, user: User, today: date) -> WeeklyStreak:
    """The learner's weekly streak as of their `today` (two queries)."""
    zone = zone_of(user)
    this_monday = monday_of(today)
    days = active_days(session=session, user=user, since=date.min)  # at most a row a day, however long the log
    plans = list(plans_of(session=session, user=user).values())
    first = monday_of(min(days)) if days else this_monday
    mondays = [this_monday - timedelta(weeks=offset) for offset in range((this_monday - first).days // 7 + 1)]
    return weekly_streak(active_days=days, needed_by_week=needed_days_by_week(plans=plans, mondays=mondays, zone=zone),
                         today=today, planned=bool(plans))

