"""Assignment statuses, forecasts and completion on dates, with a frozen clock."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from tests import factories
from tracker.models import ProgressState
from tracker.services.catalog import articles as catalog
from tracker.services.mentoring import assignments
from tracker.services.mentoring import rules as assignment_rules
from tracker.services.mentoring import standings as assignment_views
from tracker.services.mentoring.mentorships import MentoringError
from tracker.services.mentoring.rules import AssignmentStatus, assignment_status, forecast_finish
from tracker.services.notifications import in_app as notifications
from tracker.services.progress import marks as progress
from tracker.services.progress.marks import Tally

TODAY = date(2026, 3, 10)


def t(done=0, skipped=0, total=4):
    return Tally(total=total, done=done, skipped=skipped, in_progress=0, minutes_left=10 * (total - done - skipped))


@pytest.mark.parametrize(("tally", "due", "completed", "forecast", "status"), [
    (t(4), date(2026, 3, 12), date(2026, 3, 11), None, AssignmentStatus.completed),
    (t(4), date(2026, 3, 9), date(2026, 3, 10), None, AssignmentStatus.completed_late),
    (t(2, 2), date(2026, 3, 12), date(2026, 3, 11), None, AssignmentStatus.completed),
    (t(1), date(2026, 3, 9), None, date(2026, 3, 11), AssignmentStatus.overdue),
    (t(1), date(2026, 3, 20), None, date(2026, 3, 25), AssignmentStatus.at_risk),
    (t(1), date(2026, 3, 20), None, None, AssignmentStatus.at_risk),
    (t(1), date(2026, 3, 20), None, date(2026, 3, 15), AssignmentStatus.on_track),
    (t(1), None, None, None, AssignmentStatus.on_track),
    (t(1), TODAY, None, TODAY, AssignmentStatus.on_track),
])
def test_status_rules(tally, due, completed, forecast, status):
    assert assignment_status(t=tally, due_on=due, completed_on=completed, forecast_on=forecast, today=TODAY) == status


def test_forecast_projects_minutes_left_at_the_weekly_pace():
    assert forecast_finish(minutes_left=120, pace=60, today=TODAY) == TODAY + timedelta(days=14)
    assert forecast_finish(minutes_left=120, pace=0, today=TODAY) is None
    assert forecast_finish(minutes_left=0, pace=0, today=TODAY) == TODAY


def finish_path(session, learner, slug, at):
    view = progress.path_progress(session=session, user=learner, slug=slug)
    for section in view.detail.sections:
        for entry in section.entries:
            if not entry.item.optional:
                progress.write_mark(session=session, user=learner, article=entry.card.article,
                                      state=ProgressState.done, at=at)


def test_a_path_finished_after_its_due_date_is_completed_late_and_keeps_the_time(session):
    factories.mentor_of(session, "mona", "lena")
    mona, lena = factories.user(session, "mona"), factories.user(session, "lena")
    with time_machine.travel(datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False):
        assignments.assign_path(session=session, mentor=mona, usernames=["lena"],
                                path=factories.path(session, "api-designer"),
                                due_on=date(2026, 3, 5), note="", today=date(2026, 3, 1))
    finished = datetime(2026, 3, 7, 18, 30, tzinfo=UTC)
    finish_path(session, lena, "api-designer", finished)
    with time_machine.travel(datetime(2026, 3, 8, 12, tzinfo=UTC), tick=False):
        (row,) = assignment_views.learner_assignments(session=session, learner=lena, now=datetime.now(UTC))
    assert row.status is AssignmentStatus.completed_late
    assert row.completed_at == finished
    assert row.tally.percent == 100


def test_status_moves_from_on_track_to_overdue_as_days_pass(session):
    factories.mentor_of(session, "mona", "lena")
    mona, lena = factories.user(session, "mona"), factories.user(session, "lena")
    start = datetime(2026, 3, 1, 12, tzinfo=UTC)
    with time_machine.travel(start - timedelta(days=8), tick=False):
        assignments.assign_path(session=session, mentor=mona, usernames=["lena"],
                              path=factories.path(session, "api-designer"), due_on=date(2026, 6, 1), note="",
                              today=start.date())
    # a steady pace since it was assigned: one article a day
    view = progress.path_progress(session=session, user=lena, slug="api-designer")
    entries = [e for s in view.detail.sections for e in s.entries if not e.item.optional]
    for i, entry in enumerate(entries[:6]):
        progress.write_mark(session=session, user=lena, article=entry.card.article, state=ProgressState.done,
                              at=start - timedelta(days=6 - i))
    (row,) = assignment_views.learner_assignments(session=session, learner=lena, now=start)
    assert row.status is AssignmentStatus.on_track and row.forecast_on < date(2026, 6, 1)
    (row,) = assignment_views.learner_assignments(session=session, learner=lena, now=datetime(2026, 6, 2, tzinfo=UTC))
    assert row.status is AssignmentStatus.overdue
    assert row.stale  # nothing for 14 days


def test_a_new_assignment_is_not_started_until_the_learner_does_something_on_it(session):
    factories.mentor_of(session, "mona", "lena")
    mona, lena = factories.user(session, "mona"), factories.user(session, "lena")
    start = datetime(2026, 3, 1, 12, tzinfo=UTC)
    path = factories.path(session, "api-designer")
    with time_machine.travel(start, tick=False):
        assignments.assign_path(session=session, mentor=mona, usernames=["lena"], path=path,
                                due_on=date(2026, 3, 31), today=start.date())
    (row,) = assignment_views.learner_assignments(session=session, learner=lena, now=start + timedelta(days=1))
    assert row.status is AssignmentStatus.not_started  # 30 days left and no pace yet: not "at risk"
    assert row.tally.percent == 0
    progress.write_mark(session=session, user=lena, article=factories.article(session, "restful-api-design"),
                          state=ProgressState.in_progress, at=start + timedelta(days=2))
    (row,) = assignment_views.learner_assignments(session=session, learner=lena, now=start + timedelta(days=2))
    assert row.status is not AssignmentStatus.not_started
    (row,) = assignment_views.learner_assignments(session=session, learner=lena, now=datetime(2026, 4, 2, tzinfo=UTC))
    assert row.status is AssignmentStatus.overdue


def test_a_path_read_before_it_was_assigned_is_in_progress_not_not_started(session):
    factories.mentor_of(session, "mona", "lena")
    mona, lena = factories.user(session, "mona"), factories.user(session, "lena")
    start = datetime(2026, 3, 1, 12, tzinfo=UTC)
    path = factories.path(session, "api-designer")
    http = factories.article(session, "http-protocol")
    progress.write_mark(session=session, user=lena, article=http, state=ProgressState.done,
                        at=start - timedelta(days=3))  # read before it was assigned: no evidence of pace on it
    with time_machine.travel(start, tick=False):
        assignments.assign_path(session=session, mentor=mona, usernames=["lena"], path=path,
                                due_on=date(2026, 3, 31), today=start.date())
    (row,) = assignment_views.learner_assignments(session=session, learner=lena, now=start + timedelta(days=1))
    assert row.tally.percent > 0
    assert row.status is AssignmentStatus.in_progress  # beside "5% done", never "Not started"; nor "at risk"
    assert row.status.label == "In progress"


def test_assigning_again_keeps_what_is_left_out_and_says_what_changed(session):
    factories.mentor_of(session, "mona", "lena", "leo")
    mona, lena = factories.user(session, "mona"), factories.user(session, "lena")
    path = factories.path(session, "api-designer")
    assignments.assign_path(session=session, mentor=mona, usernames=["lena"], path=path, due_on=date(2030, 1, 31),
                            note="Start with REST.", today=TODAY)
    first = assignment_views.learner_assignments(session=session, learner=lena, now=datetime.now(UTC))[0].assignment
    assigned_at = first.created_at
    outcomes = assignments.assign_path(session=session, mentor=mona, usernames=["lena", "leo"], path=path,
                                       today=TODAY)  # no due date, no note: lena keeps hers
    (row,) = assignment_views.learner_assignments(session=session, learner=lena, now=datetime.now(UTC))
    assert (row.assignment.due_on, row.assignment.note) == (date(2030, 1, 31), "Start with REST.")
    assert row.assignment.created_at == assigned_at
    assert assignments.describe_outcomes(path, outcomes) == (
        "Assigned “API Designer” to leo. lena already has it as given; nothing changed.")
    assert [n.message for n in notifications.recent(session=session, user=lena)].count(
        "mona assigned you “API Designer”, due Jan 31, 2030.") == 1  # no second "assigned"
    outcomes = assignments.assign_path(session=session, mentor=mona, usernames=["lena"], path=path,
                                       due_on=date(2030, 2, 14), today=TODAY)
    assert outcomes[0].changes == ["due date Jan 31, 2030 → Feb 14, 2030"]
    messages = [n.message for n in notifications.recent(session=session, user=lena)]
    assert "mona changed “API Designer”: due date Jan 31, 2030 → Feb 14, 2030." in messages
    (row,) = assignment_views.learner_assignments(session=session, learner=lena, now=datetime.now(UTC))
    assert row.assignment.note == "Start with REST."


def test_bulk_assignment_is_all_or_nothing(session):
    factories.mentor_of(session, "mona", "lena")
    mona = factories.user(session, "mona")
    with pytest.raises(MentoringError, match="'leo' is not one of your mentees; nothing was assigned"):
        assignments.assign_path(session=session, mentor=mona, usernames=["lena", "leo"],
                              path=factories.path(session, "api-designer"), due_on=None, note="", today=TODAY)
    assert assignment_views.learner_assignments(session=session, learner=factories.user(session, "lena"),
                                         now=datetime.now(UTC)) == []


def test_a_failure_half_way_rolls_everything_back(session, monkeypatch):
    factories.mentor_of(session, "mona", "lena", "leo")
    mona = factories.user(session, "mona")
    calls = []

    def explode(**kwargs):
        calls.append(kwargs["user"].username)
        if len(calls) == 2:
            raise RuntimeError("disk full")

    monkeypatch.setattr(assignments.notifications, "notify", explode)
    with pytest.raises(RuntimeError):
        assignments.assign_path(session=session, mentor=mona, usernames=["lena", "leo"],
                              path=factories.path(session, "api-designer"), due_on=None, note="", today=TODAY)
    for name in ("lena", "leo"):
        assert assignment_views.learner_assignments(session=session, learner=factories.user(session, name),
                                             now=datetime.now(UTC)) == []


def test_due_dates_in_the_past_and_long_notes_are_refused(session):
    factories.mentor_of(session, "mona", "lena")
    mona = factories.user(session, "mona")
    api = factories.path(session, "api-designer")
    with pytest.raises(MentoringError, match="in the past"):
        assignments.assign_path(session=session, mentor=mona, usernames=["lena"], path=api,
                              due_on=TODAY - timedelta(days=1), note="", today=TODAY)
    with pytest.raises(MentoringError, match="the limit is 1000"):
        assignments.assign_path(session=session, mentor=mona, usernames=["lena"], path=api, due_on=None,
                              note="x" * 1001, today=TODAY)


def test_a_fresh_assignment_is_not_stale_even_if_the_learner_was_quiet(session):
    factories.mentor_of(session, "mona", "lena")
    lena = factories.user(session, "lena")
    progress.write_mark(session=session, user=lena, article=factories.article(session, "routing"),
                          state=ProgressState.done, at=datetime.now(UTC) - timedelta(days=40))
    assignments.assign_path(session=session, mentor=factories.user(session, "mona"), usernames=["lena"],
                          path=factories.path(session, "api-designer"), due_on=None, note="", today=date.today())
    (row,) = assignment_views.learner_assignments(session=session, learner=lena, now=datetime.now(UTC))
    assert not row.stale


def test_toggling_an_article_does_not_inflate_the_pace(session):
    lena = factories.user(session, "lena")
    article = factories.article(session, "routing")  # no reading time listed: counts as its estimate
    for state in (ProgressState.done, ProgressState.not_started, ProgressState.done):
        progress.write_mark(session=session, user=lena, article=article, state=state)
    view = assignment_views.assignment_views(session=session, learners=[lena], now=datetime.now(UTC))[lena.id]
    assert view.pace == assignment_rules.weekly_pace(catalog.reading_time(article).minutes)
