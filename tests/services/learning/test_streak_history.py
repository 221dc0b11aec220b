"""The streak's history is fair by construction: a week, once judged, stays judged whatever the learner edits,
deletes or moves later. Each test lives the history through the real service functions with explicit clocks
and reads the streak as the dashboard does."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from tests import factories
from tracker.models import Article, ProgressState, User
from tracker.services.learning import notes, plans, recall, streaks
from tracker.services.people import accounts
from tracker.services.progress import activity
from tracker.services.progress import marks as progress

THIS_MONDAY = date(2026, 2, 23)  # the week under way in these tests: its Thursday is in February
WEDNESDAY = THIS_MONDAY + timedelta(days=2)


def week(n: int, day: int = 0) -> date:
    """A day (0 = Monday) of the week `n` weeks before THIS_MONDAY's (negative: after it)."""
    return THIS_MONDAY - timedelta(weeks=n) + timedelta(days=day)


def at(day: date, hour: int = 12, minute: int = 0, zone: str = "UTC") -> datetime:
    """The UTC moment at which the wall clock in `zone` shows `day` at hour:minute."""
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(zone)).astimezone(UTC)


def learner(session, zone: str | None = None) -> User:
    lena = factories.user(session, "lena")
    if zone:
        accounts.set_time_zone(session=session, user=lena, time_zone=zone)
    return lena


def read(session, user: User, today: date) -> streaks.WeeklyStreak:
    return streaks.streak_for(session=session, user=user, today=today)


class Reader:
    """Marks one article in turn as read and done: each mark is a change of state, a day of activity."""

    def __init__(self, session, user: User, slug: str = "http-protocol"):
        self.session, self.user, self.article = session, user, factories.article(session, slug)
        self.done = False

    def read_at(self, moment: datetime) -> None:
        self.done = not self.done
        progress.write_mark(session=self.session, user=self.user, article=self.article,
                            state=ProgressState.done if self.done else ProgressState.in_progress, at=moment)


def set_plan(session, user, days, now):
    return plans.set_plan(session=session, user=user, path=factories.path(session, "api-designer"), days=list(days),
                          minutes=30, now=now)


# ---------------------------------------------------------------- 1. plans have a history

def test_editing_a_plan_leaves_the_weeks_it_judged_as_they_were(session):
    """Tue/Thu for ten weeks, then Mon-Fri: the ten weeks stay kept, and the week under way keeps Tue/Thu."""
    lena = learner(session)
    reader = Reader(session, lena)
    set_plan(session, lena, [1, 3], now=at(week(10), 8))  # made on a Monday morning: that week is its first
    for n in range(1, 11):
        reader.read_at(at(week(n, 1)))
        reader.read_at(at(week(n, 3)))
    assert (read(session, lena, WEDNESDAY).weeks, read(session, lena, WEDNESDAY).needed) == (10, 2)

    set_plan(session, lena, range(5), now=at(WEDNESDAY))
    streak = read(session, lena, WEDNESDAY)
    assert (streak.weeks, streak.needed, streak.repaired) == (10, 2, [])  # this week asks what it asked on Monday
    reader.read_at(at(week(0, 3)))
    reader.read_at(at(week(0, 4)))
    next_wednesday = WEDNESDAY + timedelta(weeks=1)
    streak = read(session, lena, next_wednesday)
    assert (streak.weeks, streak.needed, streak.planned) == (11, 5, True)  # last week kept on Tue/Thu terms

    set_plan(session, lena, [1, 3], now=at(next_wednesday))  # and back: nothing before moves either
    assert (read(session, lena, next_wednesday).weeks, read(session, lena, next_wednesday).needed) == (11, 5)


def test_clearing_a_plan_ends_it_from_next_week_and_the_weeks_before_stay_judged(session):
    lena = learner(session)
    reader = Reader(session, lena)
    set_plan(session, lena, [1, 3], now=at(week(6), 8))
    for n in range(1, 7):
        reader.read_at(at(week(n, 1)))
        if n != 3:  # the week of Feb 2 has one day of two: missed, and February's repair bridges it
            reader.read_at(at(week(n, 3)))
    before = read(session, lena, WEDNESDAY)
    assert (before.weeks, before.repaired, before.needed) == (5, [week(3)], 2)

    assert plans.clear_plan(session=session, user=lena, path=factories.path(session, "api-designer"),
                            now=at(WEDNESDAY))
    after = read(session, lena, WEDNESDAY)
    assert (after.weeks, after.repaired, after.needed, after.planned) == (5, [week(3)], 2, True)
    reader.read_at(at(week(0, 3)))  # one day this week: the plan still asks two of it
    next_week = read(session, lena, WEDNESDAY + timedelta(weeks=1))
    # last week, judged by the plan, was missed: a second miss in February, so the run is the weeks since Feb 2
    assert (next_week.weeks, next_week.repaired, next_week.needed, next_week.planned) == (2, [week(0)], 1, False)

    # the plan page and the API read the current plan only: there is none
    assert plans.plan_for(session=session, user=lena, path=factories.path(session, "api-designer")) is None


def test_a_plan_changed_twice_before_its_week_begins_judges_that_week_by_the_last_change(session):
    lena = learner(session)
    set_plan(session, lena, range(7), now=at(week(1, 2)))
    set_plan(session, lena, [2], now=at(week(1, 4)))
    Reader(session, lena).read_at(at(week(0, 2)))
    streak = read(session, lena, WEDNESDAY)
    assert (streak.needed, streak.this_week_kept) == (1, True)
    assert len(plans.plan_versions(session=session, user=lena)) == 1


# ---------------------------------------------------------------- 2. a change of time zone

@pytest.mark.parametrize("read_before_moving", [True, False])
def test_moving_from_paris_to_new_york_leaves_every_judged_week_and_repair_as_it_was(session, read_before_moving):
    """Reading just after midnight on Mondays in Paris is Sunday evening in New York: the weeks stay Paris's."""
    lena = learner(session, "Europe/Paris")
    reader = Reader(session, lena)
    for n in range(1, 5):
        reader.read_at(at(week(n), 0, 30, zone="Europe/Paris"))
    if read_before_moving:
        streak = read(session, lena, WEDNESDAY)
        assert (streak.weeks, streak.repaired) == (4, [])
    heatmap_before = activity.activity_heatmap(session=session, user=lena, today=WEDNESDAY)

    accounts.set_time_zone(session=session, user=lena, time_zone="America/New_York")
    streak = read(session, lena, WEDNESDAY)
    assert (streak.weeks, streak.repaired) == (4, [])  # no week missed, February's repair unused
    assert activity.activity_heatmap(session=session, user=lena, today=WEDNESDAY).weeks == heatmap_before.weeks


def test_a_week_judged_in_paris_stays_judged_after_moving_west_across_its_end(session):
    """Monday 01:00 in Paris judges last week missed; in New York it is still Sunday: a mark then is too late."""
    lena = learner(session, "Europe/Paris")
    reader = Reader(session, lena)
    reader.read_at(at(week(3, 2)))
    reader.read_at(at(week(2, 2)))
    monday_night = at(THIS_MONDAY, 1, zone="Europe/Paris")
    streak = read(session, lena, THIS_MONDAY)
    assert (streak.weeks, streak.repaired) == (2, [week(1)])

    accounts.set_time_zone(session=session, user=lena, time_zone="America/New_York")
    sunday = week(1, 6)  # the same moment, seen from New York
    reader.read_at(monday_night + timedelta(minutes=5))
    streak = read(session, lena, sunday)
    assert (streak.weeks, streak.repaired, streak.this_week_days) == (2, [week(1)], 0)
    reader.read_at(at(THIS_MONDAY, 9, zone="America/New_York"))
    streak = read(session, lena, THIS_MONDAY)
    assert (streak.weeks, streak.repaired, streak.this_week_days) == (3, [week(1)], 1)


# ---------------------------------------------------------------- 3. deleting what was reviewed or written

def test_deleting_a_card_or_a_note_changes_no_judged_week_and_no_square(session):
    lena = learner(session)
    article = factories.article(session, "http-protocol")
    card = recall.create_card(session=session, user=lena, article=article, prompt="Safe methods?",
                              answer="GET, HEAD, OPTIONS")
    for n in range(1, 4):
        recall.review(session=session, user=lena, card=card, rating=recall.parse_rating("good"), now=at(week(n, 2)))
    notes.save_note(session=session, user=lena, article=article, body="Idempotent is not safe.", shared=False)
    assert read(session, lena, WEDNESDAY).weeks == 3
    assert activity.activity_heatmap(session=session, user=lena, today=WEDNESDAY).active_days == 3

    recall.delete_card(session=session, card=card)
    notes.save_note(session=session, user=lena, article=article, body="", shared=False)  # an empty note goes
    assert read(session, lena, WEDNESDAY).weeks == 3
    assert activity.activity_heatmap(session=session, user=lena, today=WEDNESDAY).active_days == 3


# ---------------------------------------------------------------- 4. a skip is not activity

def test_skipping_one_article_a_week_keeps_no_streak_and_lights_no_square(session):
    lena = learner(session)
    articles = session.exec(select(Article).order_by(col(Article.id)).limit(4)).all()
    for n, article in enumerate(articles, start=1):
        progress.write_mark(session=session, user=lena, article=article, state=ProgressState.skipped,
                            at=at(week(n, 2)))
    streak = read(session, lena, WEDNESDAY)
    assert (streak.weeks, streak.repaired) == (0, [])
    assert activity.activity_heatmap(session=session, user=lena, today=WEDNESDAY).active_days == 0


def test_the_heatmap_and_the_streak_count_the_same_days(session):
    """A day of reviews only counts for both; a day of skips only counts for neither."""
    lena = learner(session)
    article = factories.article(session, "http-protocol")
    card = recall.create_card(session=session, user=lena, article=article, prompt="Safe methods?", answer="GET")
    recall.review(session=session, user=lena, card=card, rating=recall.parse_rating("good"), now=at(week(0, 0)))
    progress.write_mark(session=session, user=lena, article=factories.article(session, "restful-api-design"),
                        state=ProgressState.skipped, at=at(week(0, 1)))
    Reader(session, lena).read_at(at(week(0, 2)))
    streak = read(session, lena, WEDNESDAY)
    heatmap = activity.activity_heatmap(session=session, user=lena, today=WEDNESDAY)
    assert streak.this_week_days == heatmap.active_days == 2


# ---------------------------------------------------------------- 5. a plan made late in a week

@pytest.mark.parametrize("days", [[1, 3], range(5)])
def test_a_plan_made_or_raised_on_a_saturday_starts_the_next_week_and_uses_no_repair(session, days):
    lena = learner(session)
    reader = Reader(session, lena)
    for n in range(1, 7):
        reader.read_at(at(week(n, 1)))  # a Tuesday in each of six weeks
    if days != [1, 3]:
        set_plan(session, lena, [1], now=at(week(6, 6)))  # a one-day plan since six weeks: every week kept
    set_plan(session, lena, days, now=at(week(1, 5), 18))  # the Saturday of last week, before any week is judged
    streak = read(session, lena, WEDNESDAY)
    assert (streak.weeks, streak.repaired, streak.needed) == (6, [], len(days))
