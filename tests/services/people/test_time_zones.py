"""Each user's own day: the heatmap, the streak, due dates and lateness counted in their time zone."""

from datetime import UTC, date, datetime

import pytest

from tests import factories
from tracker.models import ProgressState
from tracker.services.errors import Invalid
from tracker.services.mentoring import assignments
from tracker.services.mentoring import standings as assignment_views
from tracker.services.mentoring.rules import AssignmentStatus
from tracker.services.people import accounts, time_zones
from tracker.services.progress import activity
from tracker.services.progress import marks as progress


def test_known_zones_are_accepted_and_anything_else_is_refused_by_name():
    assert time_zones.check_zone("Europe/Paris") == "Europe/Paris"
    assert time_zones.check_zone("Asia/Calcutta") == "Asia/Calcutta"  # what some browsers still report
    with pytest.raises(Invalid, match="'Mars/Olympus' is not a known time zone"):
        time_zones.check_zone("Mars/Olympus")
    assert time_zones.detected_zone("Not a zone") == "UTC"
    assert time_zones.detected_zone(None) == "UTC"
    assert "US/Pacific" not in time_zones.zone_names() and "America/Los_Angeles" in time_zones.zone_names()


def test_a_late_evening_mark_counts_on_the_learners_own_day(session):
    """At 20:00 in Los Angeles it is already tomorrow in UTC; the square and the streak follow Los Angeles."""
    lena = factories.user(session, "lena")
    accounts.set_time_zone(session=session, user=lena, time_zone="America/Los_Angeles")
    article = factories.article(session, "http-protocol")
    # Mar 10 20:00 and Mar 11 20:00 in Los Angeles (PDT, UTC-7): two evenings in a row
    for at, state in ((datetime(2026, 3, 11, 3, tzinfo=UTC), ProgressState.in_progress),
                      (datetime(2026, 3, 12, 3, tzinfo=UTC), ProgressState.done)):
        progress.write_mark(session=session, user=lena, article=article, state=state, at=at)
    counts = activity.daily_counts(session=session, user=lena, since=date(2026, 3, 1))
    assert counts == {date(2026, 3, 10): 1, date(2026, 3, 11): 1}
    # Mar 12 06:00 UTC is still Mar 11 in Los Angeles: the heatmap's squares are both evenings
    now = datetime(2026, 3, 12, 6, tzinfo=UTC)
    heatmap = activity.activity_heatmap(session=session, user=lena, today=time_zones.today_for(lena, now))
    assert heatmap.active_days == 2 and heatmap.zone == "America/Los_Angeles"

    # moving to UTC leaves both evenings the days she lived (a judged week of her streak cannot move)
    accounts.set_time_zone(session=session, user=lena, time_zone="UTC")
    assert activity.daily_counts(session=session, user=lena, since=date(2026, 3, 1)) == {
        date(2026, 3, 10): 1, date(2026, 3, 11): 1}


def test_a_due_date_passes_at_the_end_of_the_learners_day(session):
    factories.mentor_of(session, "mona", "lena")
    lena = factories.user(session, "lena")
    accounts.set_time_zone(session=session, user=lena, time_zone="America/Los_Angeles")
    assignments.assign_path(session=session, mentor=factories.user(session, "mona"), usernames=["lena"],
                            path=factories.path(session, "api-designer"), due_on=date(2026, 3, 10), note="",
                            today=date(2026, 3, 1))
    evening = datetime(2026, 3, 11, 5, tzinfo=UTC)  # Mar 10, 22:00 in Los Angeles
    (row,) = assignment_views.learner_assignments(session=session, learner=lena, now=evening)
    assert row.days_left == 0 and row.status is not AssignmentStatus.overdue
    accounts.set_time_zone(session=session, user=lena, time_zone="Europe/Berlin")  # there it is Mar 11
    (row,) = assignment_views.learner_assignments(session=session, learner=lena, now=evening)
    assert row.days_left == -1 and row.status is AssignmentStatus.overdue


def test_days_are_counted_in_the_database_on_either_side_of_a_clock_change(session):
    lena = factories.user(session, "lena")
    accounts.set_time_zone(session=session, user=lena, time_zone="America/Los_Angeles")
    article = factories.article(session, "http-protocol")
    # 23:30 local on Saturday March 7 (PST, UTC-8) and 23:30 local on Sunday March 8 (PDT, UTC-7)
    for at, state in ((datetime(2026, 3, 8, 7, 30, tzinfo=UTC), ProgressState.in_progress),
                      (datetime(2026, 3, 9, 6, 30, tzinfo=UTC), ProgressState.done)):
        progress.write_mark(session=session, user=lena, article=article, state=state, at=at)
    assert activity.daily_counts(session=session, user=lena, since=date(2026, 3, 1)) == {
        date(2026, 3, 7): 1, date(2026, 3, 8): 1}
