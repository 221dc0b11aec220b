"""Weekly plans: checked before they are kept, described in words, a finish date forecast from them, and a
reminder on each plan day in the learner's own zone."""

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from tests import factories
from tracker.models import Notification, NotificationKind
from tracker.services.errors import Invalid
from tracker.services.learning import plans
from tracker.services.people import accounts

TUESDAY = date(2026, 3, 3)


def make_plan(session, days=(1, 3), minutes=30, cue="after standup", username="lena", path="api-designer"):
    return plans.set_plan(session=session, user=factories.user(session, username), path=factories.path(session, path),
                          days=list(days), minutes=minutes, cue=cue)


def test_a_plan_is_described_in_words_and_replaced_in_place(session):
    plan = make_plan(session, cue="  after   standup ")
    assert plans.describe(plan) == "Tue and Thu after standup, 30 min"
    assert plans.weekly_minutes(plan) == 60
    again = make_plan(session, days=range(7), minutes=20, cue="")
    assert again.id == plan.id and plans.describe(again) == "Every day, 20 min"
    assert plans.describe(make_plan(session, days=[0, 2, 4], minutes=45, cue="")) == "Mon, Wed and Fri, 45 min"


@pytest.mark.parametrize(("days", "minutes", "cue", "message"), [
    ([], 30, "", "Days: choose at least one day"),
    ([7], 30, "", "each day is 0 \\(Monday\\) to 6"),
    ([1], 4, "", "Minutes: a number from 5 to 480"),
    ([1], None, "", "Minutes: a number from 5 to 480"),
    ([1], 30, "x" * 61, "When: 61 characters; at most 60"),
])
def test_a_bad_plan_is_refused_by_field_and_nothing_changes(session, days, minutes, cue, message):
    plan = make_plan(session)
    with pytest.raises(Invalid, match=message):
        make_plan(session, days=days, minutes=minutes, cue=cue)
    session.refresh(plan)
    assert plans.describe(plan) == "Tue and Thu after standup, 30 min"


def test_the_plan_forecast_counts_planned_days_from_today():
    plan = plans.StudyPlan(user_id=1, path_id=1, weekdays=plans.weekday_mask([1, 3]), minutes=30)
    # 30 min on Tue and Thu: 90 minutes take three sessions, Tue 3, Thu 5 and Tue 10 March
    assert plans.plan_forecast(plan=plan, minutes_left=90, today=TUESDAY) == date(2026, 3, 10)
    assert plans.plan_forecast(plan=plan, minutes_left=91, today=TUESDAY) == date(2026, 3, 12)
    # from a Wednesday, the first session is Thursday
    assert plans.plan_forecast(plan=plan, minutes_left=30, today=date(2026, 3, 4)) == date(2026, 3, 5)
    # ten weeks of sessions
    assert plans.plan_forecast(plan=plan, minutes_left=600, today=TUESDAY) == date(2026, 5, 7)
    assert plans.plan_forecast(plan=plan, minutes_left=0, today=TUESDAY) == TUESDAY


def test_both_forecasts_side_by_side():
    plan = plans.StudyPlan(user_id=1, path_id=1, weekdays=plans.weekday_mask([0]), minutes=60)
    both = plans.forecasts(plan=plan, minutes_left=120, pace=30.0, today=date(2026, 3, 2))
    assert both.by_plan == date(2026, 3, 9)
    assert both.by_pace is not None and both.by_pace > both.by_plan  # 30 min a week: four weeks
    no_plan = plans.forecasts(plan=None, minutes_left=120, pace=0.0, today=date(2026, 3, 2))
    assert (no_plan.by_plan, no_plan.by_pace) == (None, None)


def test_a_reminder_comes_on_each_plan_day_once_in_the_learners_zone(session):
    lena = factories.user(session, "lena")
    accounts.set_time_zone(session=session, user=lena, time_zone="America/Los_Angeles")
    make_plan(session, days=[1])  # Tuesdays
    # Tue Mar 3, 06:00 UTC is still Monday in Los Angeles: no reminder yet
    assert plans.remind_plan_days(session=session, now=datetime(2026, 3, 3, 6, tzinfo=UTC)) == 0
    tuesday_la = datetime(2026, 3, 3, 16, tzinfo=UTC)
    assert plans.remind_plan_days(session=session, now=tuesday_la) == 1
    assert plans.remind_plan_days(session=session, now=tuesday_la) == 0  # once a day
    [reminder] = session.exec(select(Notification).where(Notification.kind == NotificationKind.plan_day)).all()
    assert reminder.user_id == lena.id and reminder.link == "/paths/api-designer"
    assert "Today is a reading day for “API Designer”: 30 min after standup." == reminder.message
    assert plans.remind_plan_days(session=session, now=datetime(2026, 3, 4, 16, tzinfo=UTC)) == 0  # Wednesday
    assert plans.remind_plan_days(session=session, now=datetime(2026, 3, 10, 16, tzinfo=UTC)) == 1


def test_removing_a_plan(session):
    make_plan(session)
    lena, path = factories.user(session, "lena"), factories.path(session, "api-designer")
    assert plans.clear_plan(session=session, user=lena, path=path) is True
    assert plans.plan_for(session=session, user=lena, path=path) is None
    assert plans.clear_plan(session=session, user=lena, path=path) is False
