"""The weekly streak: weeks kept in the learner's own time zone, one missed week a month repaired."""

from datetime import UTC, date, datetime, timedelta

from tests import factories
from tracker.models import ActivityDay, ProgressState, utcnow
from tracker.services.learning import plans, recall, streaks
from tracker.services.people import accounts
from tracker.services.progress import marks as progress

MONDAY = date(2026, 3, 2)  # a Monday; its week runs to Sunday March 8


def weeks_back(n: int, day: int = 2) -> date:
    """A day (0 = Monday) of the week `n` weeks before MONDAY's."""
    return MONDAY - timedelta(weeks=n) + timedelta(days=day)


def test_weeks_with_a_day_of_reading_count_and_the_week_under_way_never_breaks_it():
    active = {weeks_back(1), weeks_back(2), weeks_back(3)}
    streak = streaks.weekly_streak(active_days=active, today=MONDAY)
    assert (streak.weeks, streak.this_week_days, streak.this_week_kept) == (3, 0, False)
    streak = streaks.weekly_streak(active_days=active | {MONDAY}, today=MONDAY)
    assert (streak.weeks, streak.this_week_days, streak.this_week_kept) == (4, 1, True)


def test_one_missed_week_a_month_is_repaired_and_a_second_ends_the_run():
    # February 2026: the weeks of Feb 9, 16 and 23 are kept, Feb 16 is missed: repaired, not counted
    active = {weeks_back(1), weeks_back(3), weeks_back(4)}
    streak = streaks.weekly_streak(active_days=active, today=MONDAY)
    assert streak.weeks == 3 and streak.repaired == [weeks_back(2, day=0)]
    # a second missed week in February (Feb 2) ends the run there
    active = {weeks_back(1), weeks_back(3), weeks_back(5)}
    streak = streaks.weekly_streak(active_days=active, today=MONDAY)
    assert streak.weeks == 2 and streak.repaired == [weeks_back(2, day=0)]
    # missed weeks in different months are each repaired
    active = {weeks_back(1), weeks_back(3), weeks_back(4), weeks_back(6)}  # misses: Feb 16 and Jan 26
    assert streaks.weekly_streak(active_days=active, today=MONDAY).weeks == 4
    # a repaired week with nothing kept before it adds nothing
    assert streaks.weekly_streak(active_days={weeks_back(1)}, today=MONDAY).repaired == []


def test_a_plan_asks_for_its_number_of_days():
    needed = {weeks_back(1, day=0): 2, MONDAY: 2}
    one_day = streaks.weekly_streak(active_days={weeks_back(1)}, needed_by_week=needed, today=MONDAY + timedelta(1))
    assert (one_day.weeks, one_day.needed) == (0, 2)
    two_days = streaks.weekly_streak(active_days={weeks_back(1, 0), weeks_back(1, 5), MONDAY},
                                     needed_by_week=needed, today=MONDAY + timedelta(1))
    assert (two_days.weeks, two_days.this_week_days, two_days.this_week_kept) == (1, 1, False)


def test_the_week_is_the_learners_own_across_a_time_zone_boundary_and_stays_so_after_a_move(session):
    """Sunday 20:00 in Los Angeles is Monday 04:00 in UTC: the week it counts in is the learner's, then and
    after they move to another zone."""
    lena = factories.user(session, "lena")
    accounts.set_time_zone(session=session, user=lena, time_zone="America/Los_Angeles")
    sunday_evening = datetime(2026, 3, 2, 4, tzinfo=UTC)  # Sun Mar 1, 20:00 PST
    progress.write_mark(session=session, user=lena, article=factories.article(session, "http-protocol"),
                          state=ProgressState.done, at=sunday_evening)
    wednesday = date(2026, 3, 4)
    in_la = streaks.streak_for(session=session, user=lena, today=wednesday)
    assert (in_la.weeks, in_la.this_week_days) == (1, 0)  # last week was kept; nothing yet this week
    accounts.set_time_zone(session=session, user=lena, time_zone="UTC")
    in_utc = streaks.streak_for(session=session, user=lena, today=wednesday)
    assert (in_utc.weeks, in_utc.this_week_days) == (1, 0)  # the Sunday she lived stays a Sunday


def test_cleared_reviews_keep_a_week_and_a_plan_sets_the_days_needed(session):
    lena = factories.user(session, "lena")
    card = recall.create_card(session=session, user=lena, article=factories.article(session, "http-protocol"),
                              prompt="Safe methods?", answer="GET, HEAD, OPTIONS")
    recall.review(session=session, user=lena, card=card, rating=recall.parse_rating("good"),
                  now=datetime(2026, 3, 3, 9, tzinfo=UTC))
    streak = streaks.streak_for(session=session, user=lena, today=date(2026, 3, 4))
    assert (streak.weeks, streak.needed, streak.planned) == (1, 1, False)
    plans.set_plan(session=session, user=lena, path=factories.path(session, "api-designer"), days=[1, 3],
                   minutes=30, now=datetime(2026, 3, 1, tzinfo=UTC))  # made before this week
    streak = streaks.streak_for(session=session, user=lena, today=date(2026, 3, 4))
    assert (streak.weeks, streak.this_week_days, streak.needed, streak.planned) == (0, 1, 2, True)


def test_a_streak_longer_than_a_year_is_counted_whole():
    # 70 weeks in a row with a day of reading each: no cap at 52
    active = {weeks_back(n) for n in range(1, 71)}
    assert streaks.weekly_streak(active_days=active, today=MONDAY).weeks == 70


def test_seventy_weeks_of_reading_show_seventy_on_the_dashboard(session):
    lena = factories.user(session, "lena")
    today = streaks.monday_of(utcnow().date())
    session.add_all([ActivityDay(user_id=lena.id, day=today - timedelta(weeks=n) + timedelta(days=2), changes=1,
                                 reviews=0) for n in range(1, 71)])
    session.commit()
    assert streaks.streak_for(session=session, user=lena, today=today).weeks == 70


def test_a_plan_made_on_a_saturday_starts_the_next_week_and_leaves_the_run_as_it_was(session):
    lena = factories.user(session, "lena")
    today = date(2026, 3, 4)  # a Wednesday
    this_monday = streaks.monday_of(today)
    session.add_all([ActivityDay(user_id=lena.id, day=this_monday - timedelta(weeks=n) + timedelta(days=1),
                                 changes=1, reviews=0) for n in range(1, 7)])  # a Tuesday in each of six weeks
    session.commit()
    assert streaks.streak_for(session=session, user=lena, today=today).weeks == 6
    plans.set_plan(session=session, user=lena, path=factories.path(session, "api-designer"), days=[1, 3],
                   minutes=30, now=datetime(2026, 2, 28, 18, tzinfo=UTC))  # the Saturday of last week, a kept week
    streak = streaks.streak_for(session=session, user=lena, today=today)
    assert (streak.weeks, streak.repaired, streak.needed) == (6, [], 2)  # last week stays kept; this week asks 2
