"""A group's trend: each week's counts from the progress log as it stood then, through the one status rule."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from tests import factories
from tracker.models import Assignment, ProgressState
from tracker.services.mentoring import assignments
from tracker.services.mentoring.rules import AssignmentStatus
from tracker.services.progress import marks as progress
from tracker.services.teams import groups
from tracker.services.teams import overview as group_overviews

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


def test_the_trend_counts_each_week_as_it_stood_then(session):
    lena = factories.user(session, "lena")
    group = groups.create_group(session=session, name="Blue team")
    groups.add_member(session=session, group=group, user=lena)
    session.commit()
    factories.mentor_of(session, "mona", "lena")
    assignments.assign_path(session=session, mentor=factories.user(session, "mona"), usernames=["lena"],
                            path=factories.path(session, "api-designer"), today=date.today())
    assignment = session.exec(select(Assignment)).one()
    assignment.created_at = START
    session.add(assignment)
    session.commit()
    progress.write_mark(session=session, user=lena, article=factories.article(session, "http-protocol"),
                        state=ProgressState.done, at=START + timedelta(days=3))
    progress.write_mark(session=session, user=lena, article=factories.article(session, "http-protocol"),
                        state=ProgressState.not_started, at=START + timedelta(days=10))
    ends = [START - timedelta(days=1), START + timedelta(days=1), START + timedelta(days=5),
            START + timedelta(days=12)]
    trend = group_overviews.trend_counts(session=session, group=group, ends=ends)
    assert [dict(point.counts) for point in trend] == [
        {},                                   # not assigned yet
        {AssignmentStatus.not_started: 1},    # assigned, nothing read
        {AssignmentStatus.on_track: 1},       # read since (no due date: on track)
        {AssignmentStatus.on_track: 1},       # started over: the change after the assignment still counts
    ]
    assert [point.ends for point in trend] == [end.date() for end in ends]


def test_the_kept_counts_equal_fresh_ones_and_follow_a_new_mark(session):
    lena = factories.user(session, "lena")
    group = groups.create_group(session=session, name="Blue team")
    groups.add_member(session=session, group=group, user=lena)
    session.commit()
    factories.mentor_of(session, "mona", "lena")
    assignments.assign_path(session=session, mentor=factories.user(session, "mona"), usernames=["lena"],
                            path=factories.path(session, "api-designer"), today=date.today())
    group_overviews.forget_kept()
    now = datetime.now(UTC)
    kept = group_overviews.group_summary(session=session, group=group, now=now)
    assert dict(kept.counts) == {AssignmentStatus.not_started: 1}
    progress.write_mark(session=session, user=lena, article=factories.article(session, "http-protocol"),
                        state=ProgressState.done)
    later = group_overviews.group_summary(session=session, group=group, now=now + timedelta(seconds=1))
    group_overviews.forget_kept()
    fresh = group_overviews.group_summary(session=session, group=group, now=now + timedelta(seconds=1))
    assert dict(later.counts) == dict(fresh.counts) == {AssignmentStatus.on_track: 1}
    assert later.trend[:-1] == fresh.trend[:-1]
