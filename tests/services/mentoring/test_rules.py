"""The rules behind an assignment's staleness and pace (statuses are covered in test_assignments)."""

from datetime import UTC, datetime, timedelta

from tracker.services.mentoring.rules import PACE_WINDOW, STALE_AFTER, is_stale, weekly_pace
from tracker.services.progress.marks import Tally

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
OPEN = Tally(total=4, done=1, skipped=0, in_progress=0, minutes_left=30)
DONE = Tally(total=4, done=4, skipped=0, in_progress=0, minutes_left=0)


def test_quiet_for_longer_than_the_limit_is_stale_unless_finished():
    quiet_since = NOW - STALE_AFTER - timedelta(hours=1)
    assert is_stale(t=OPEN, last_activity_at=quiet_since, assigned_at=quiet_since, now=NOW)
    assert not is_stale(t=DONE, last_activity_at=quiet_since, assigned_at=quiet_since, now=NOW)


def test_a_fresh_assignment_restarts_the_clock():
    long_ago = NOW - timedelta(days=90)
    assert not is_stale(t=OPEN, last_activity_at=long_ago, assigned_at=NOW - timedelta(days=1), now=NOW)
    assert not is_stale(t=OPEN, last_activity_at=None, assigned_at=NOW - timedelta(days=1), now=NOW)


def test_pace_is_minutes_per_week_over_the_window():
    weeks = PACE_WINDOW.days / 7
    assert weekly_pace(int(120 * weeks)) == 120
    assert weekly_pace(0) == 0
