"""Recurring assignments: each period starts the path over on schedule, once, with history, due date, notice,
audit entry and a credential per period that expires when the next period begins. Fixed clocks, no sleeping."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlmodel import Session, col, select

from tests import factories
from tests.conftest import SECRET
from tracker.models import (
    Assignment,
    AuditEvent,
    Credential,
    Notification,
    Progress,
    ProgressEvent,
    ProgressState,
    User,
)
from tracker.services.mentoring import assignments, recurrence
from tracker.services.mentoring.mentorships import MentoringError
from tracker.services.mentoring.rules import add_months, current_period_start, next_due_on
from tracker.services.operations.scheduled import scheduled_round
from tracker.services.progress import marks as progress
from tracker.services.records import credentials
from tracker.services.records import signing_keys as credential_keys
from tracker.services.records import verification as credential_verification

ASSIGNED = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
DUE = date(2026, 2, 9)  # 30 days into the first period
PERIOD_ENDS = datetime(2027, 1, 10, 0, 0, tzinfo=UTC)  # lena lives in UTC unless a test moves her

pytestmark = pytest.mark.filterwarnings("ignore:EdDSA is deprecated")


@pytest.fixture
def issuer(session, tmp_path) -> credential_keys.Issuer:
    store = credential_keys.KeyStore(engine=session.get_bind(), sealing_key=credential_keys.sealing_key(SECRET),
                                     data_dir=tmp_path)
    return credential_keys.Issuer(url="https://tracker.example.com", store=store)


def assign(session, *, months: int | None = 12, due_on: date | None = DUE, at: datetime = ASSIGNED,
           slug: str = "api-designer") -> Assignment:
    factories.mentor_of(session, "mona", "lena")
    with time_machine.travel(at, tick=False):
        [outcome] = assignments.assign_path(session=session, mentor=factories.user(session, "mona"),
                                            usernames=["lena"], path=factories.path(session, slug), due_on=due_on,
                                            note="", recur_months=months, today=at.date())
    return outcome.assignment


def required(session, slug="api-designer"):
    view = progress.path_progress(session=session, user=None, slug=slug)
    return [e.card.article for section in view.detail.sections for e in section.entries if not e.item.optional]


def finish(session, user: User, at: datetime, slug="api-designer") -> None:
    for article in required(session, slug):
        progress.write_mark(session=session, user=user, article=article, state=ProgressState.done, at=at)


def states(session, user: User, slug="api-designer") -> set[ProgressState]:
    session.expire_all()
    found = progress.states_for(session=session, user=user, article_ids=[a.id for a in required(session, slug)])
    return {found.get(a.id, ProgressState.not_started) for a in required(session, slug)}


def restarted_entries(session) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).where(AuditEvent.kind == "period_restarted")).all())


def refresh_notices(session, user: User) -> list[str]:
    return [n.message for n in session.exec(select(Notification).where(
        Notification.user_id == user.id, col(Notification.key).startswith("period:"))).all()]


# ---------------------------------------------------------------- the calendar (pure)

@pytest.mark.parametrize(("start", "months", "end"), [
    (date(2026, 1, 10), 12, date(2027, 1, 10)),
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2024, 1, 31), 1, date(2024, 2, 29)),
    (date(2026, 11, 30), 3, date(2027, 2, 28)),
    (date(2026, 12, 1), 60, date(2031, 12, 1)),
])
def test_a_period_ends_the_same_day_months_later_or_the_months_last_day(start, months, end):
    assert add_months(start, months) == end


def test_the_current_period_is_counted_in_whole_periods_from_the_start():
    start = date(2026, 1, 10)
    assert current_period_start(started_on=start, months=12, today=date(2027, 1, 9)) == start
    assert current_period_start(started_on=start, months=12, today=date(2027, 1, 10)) == date(2027, 1, 10)
    assert current_period_start(started_on=start, months=1, today=date(2026, 4, 15)) == date(2026, 4, 10)
    assert current_period_start(started_on=date(2026, 1, 31), months=1, today=date(2026, 3, 30)) == date(2026, 2, 28)
    assert next_due_on(due_on=DUE, started_on=start, new_start=date(2027, 1, 10)) == date(2027, 2, 9)
    assert next_due_on(due_on=None, started_on=start, new_start=date(2027, 1, 10)) is None


# ---------------------------------------------------------------- assigning

def test_a_recurring_assignment_starts_its_first_period_on_the_day_it_is_assigned(session):
    assignment = assign(session)
    assert (assignment.recur_months, assignment.period_started_on, assignment.due_on) == (12, ASSIGNED.date(), DUE)
    lena = factories.user(session, "lena")
    assert recurrence.describe_period(assignment, lena) == "Repeats every 12 months · this period ends Jan 10, 2027"
    assert "repeating every 12 months" in session.exec(select(Notification.message).where(
        Notification.user_id == lena.id)).one()


@pytest.mark.parametrize("months", [0, 61, -1, "x", 12.5, True])
def test_a_period_length_outside_one_to_sixty_months_is_refused_and_nothing_is_written(session, months):
    with pytest.raises(MentoringError, match="Repeat every: a whole number of months from 1 to 60"):
        assign(session, months=months)
    assert session.exec(select(Assignment)).all() == []


def test_a_due_date_after_the_first_period_is_refused(session):
    with pytest.raises(MentoringError, match="within the first period, which ends Feb 10, 2026"):
        assign(session, months=1, due_on=date(2026, 2, 10))
    assert session.exec(select(Assignment)).all() == []


# ---------------------------------------------------------------- a period ends

def test_a_completed_twelve_month_assignment_starts_over_when_its_period_ends(session, issuer):
    """The whole story: finished in period 1 (its credential expires at the period's end), restarted once at the
    end with history, due date, notice and audit entry, then finished again for a second credential."""
    assignment = assign(session)
    lena = factories.user(session, "lena")
    finish(session, lena, at=ASSIGNED + timedelta(days=5))
    [first] = credentials.issue_due(session=session, user=lena, now=ASSIGNED + timedelta(days=5), issuer=issuer)
    assert first.period_started_on == ASSIGNED.date()
    assert first.valid_until is not None and first.valid_until.replace(tzinfo=UTC) == PERIOD_ENDS
    events_before = len(session.exec(select(ProgressEvent).where(ProgressEvent.user_id == lena.id)).all())

    # The day before the period ends, nothing happens.
    assert recurrence.start_due_periods(session=session, now=PERIOD_ENDS - timedelta(minutes=1)) == []
    assert states(session, lena) == {ProgressState.done}

    later = PERIOD_ENDS + timedelta(hours=2)
    [restart] = recurrence.start_due_periods(session=session, now=later)
    assert (restart.learner, restart.path, restart.started_on) == ("lena", "api-designer", date(2027, 1, 10))
    assert restart.reset == len(required(session))
    session.expire_all()
    again = session.get_one(Assignment, assignment.id)
    assert again.period_started_on == date(2027, 1, 10)
    assert again.due_on == date(2027, 2, 9)  # 30 days into the period, as before
    assert states(session, lena) == {ProgressState.not_started}
    # History kept: every earlier event is still there, and each article has its "not started" event.
    events = session.exec(select(ProgressEvent).where(ProgressEvent.user_id == lena.id)
                          .order_by(col(ProgressEvent.id))).all()
    assert len(events) == events_before + len(required(session))
    assert {e.state for e in events[:events_before]} == {ProgressState.done}
    assert all(e.state is ProgressState.not_started for e in events[events_before:])
    assert refresh_notices(session, lena) == [
        "Time to refresh “API Designer”: due Feb 9, 2027. Your earlier completion is kept in your history."]
    [entry] = restarted_entries(session)
    assert (entry.actor_label, entry.subject_id, entry.path_id) == ("schedule", lena.id, assignment.path_id)
    assert "2026-01-10 → 2027-01-10" in entry.detail
    assert recurrence.refreshed_on(again) == date(2027, 1, 10)

    # Running the duty again changes nothing.
    assert recurrence.start_due_periods(session=session, now=later + timedelta(hours=1)) == []
    assert len(restarted_entries(session)) == 1 and len(refresh_notices(session, lena)) == 1

    # Period 1's credential is expired now: the verify page and the API say so, with the date.
    found = credential_verification.verify(session=session, token=first.jwt, issuer=issuer, now=later)
    assert not found.valid and found.reason == "expired on January 10, 2027"
    before = credential_verification.verify(session=session, token=first.jwt, issuer=issuer,
                                            now=PERIOD_ENDS - timedelta(days=1))
    assert before.valid and before.described()["Valid until"] == "2027-01-10T00:00:00Z"
    assert credentials.is_expired(first, later) and not credentials.is_expired(first, PERIOD_ENDS - timedelta(1))

    # Finishing period 2 issues the period's own credential; the first stays as the record of period 1.
    finish(session, lena, at=later + timedelta(days=3))
    [second] = credentials.issue_due(session=session, user=lena, now=later + timedelta(days=3), issuer=issuer)
    assert second.period_started_on == date(2027, 1, 10)
    assert second.valid_until is not None and second.valid_until.replace(tzinfo=UTC) == datetime(2028, 1, 10,
                                                                                                 tzinfo=UTC)
    assert credentials.issue_due(session=session, user=lena, now=later + timedelta(days=4), issuer=issuer) == []
    kept = session.exec(select(Credential).where(Credential.user_id == lena.id).order_by(col(Credential.id))).all()
    assert [c.period_started_on for c in kept] == [date(2026, 1, 10), date(2027, 1, 10)]
    assert credential_verification.verify(session=session, token=second.jwt, issuer=issuer,
                                          now=later + timedelta(days=4)).valid


def test_the_period_ends_at_midnight_in_the_learners_time_zone(session, issuer):
    lena = factories.user(session, "lena")
    lena.time_zone = "Pacific/Auckland"  # 13 hours ahead of UTC in January
    session.add(lena)
    session.commit()
    assign(session, due_on=None)
    finish(session, lena, at=ASSIGNED)
    [credential] = credentials.issue_due(session=session, user=lena, now=ASSIGNED, issuer=issuer)
    midnight_there = datetime(2027, 1, 9, 11, 0, tzinfo=UTC)
    assert credential.valid_until is not None and credential.valid_until.replace(tzinfo=UTC) == midnight_there
    assert recurrence.start_due_periods(session=session, now=midnight_there - timedelta(minutes=1)) == []
    [restart] = recurrence.start_due_periods(session=session, now=midnight_there)
    assert restart.due_on is None
    assert refresh_notices(session, lena) == ["Time to refresh “API Designer”: this period ends Jan 10, 2028. "
                                              "Your earlier completion is kept in your history."]


def test_a_duty_that_missed_three_periods_restarts_once_to_the_current_period(session):
    assignment = assign(session, months=1, due_on=date(2026, 1, 20))  # due 10 days into each period
    lena = factories.user(session, "lena")
    finish(session, lena, at=ASSIGNED)
    # Periods began Feb 10, Mar 10 and Apr 10 while no worker ran; it is now Apr 15.
    [restart] = recurrence.start_due_periods(session=session, now=datetime(2026, 4, 15, 8, tzinfo=UTC))
    assert (restart.started_on, restart.due_on) == (date(2026, 4, 10), date(2026, 4, 20))
    session.expire_all()
    assert session.get_one(Assignment, assignment.id).period_started_on == date(2026, 4, 10)
    assert len(restarted_entries(session)) == 1 and len(refresh_notices(session, lena)) == 1
    resets = session.exec(select(ProgressEvent).where(ProgressEvent.user_id == lena.id,
                                                      ProgressEvent.state == ProgressState.not_started)).all()
    assert len(resets) == len(required(session))  # once per article, not three times


def test_one_off_assignments_and_withdrawn_recurring_ones_are_left_alone(session):
    once = assign(session, months=None)
    lena = factories.user(session, "lena")
    finish(session, lena, at=ASSIGNED)
    other = assign(session, slug="real-time-streaming", due_on=None)
    assignments.withdraw(session=session, mentor=factories.user(session, "mona"), assignment_id=other.id)
    assert recurrence.start_due_periods(session=session, now=datetime(2031, 6, 1, tzinfo=UTC)) == []
    session.expire_all()
    assert session.get_one(Assignment, once.id).due_on == DUE
    assert session.get_one(Assignment, once.id).period_started_on is None
    assert session.get_one(Assignment, other.id).period_started_on == ASSIGNED.date()
    assert states(session, lena) == {ProgressState.done}
    assert restarted_entries(session) == [] and refresh_notices(session, lena) == []


def test_the_scheduled_round_starts_due_periods(session, app):
    assign(session)
    result = scheduled_round(session=session, now=PERIOD_ENDS + timedelta(hours=1), config=app.config)
    assert result.periods == 1
    assert scheduled_round(session=session, now=PERIOD_ENDS + timedelta(hours=2), config=app.config).periods == 0


def test_two_workers_running_the_duty_at_once_restart_the_period_exactly_once(app, session, monkeypatch):
    """Both workers read the assignment as due and try at the same moment: the conditional UPDATE lets one."""
    assignment = assign(session)
    lena = factories.user(session, "lena")
    finish(session, lena, at=ASSIGNED)
    both_read = threading.Barrier(2)
    begin = recurrence.begin_period

    def begin_together(**kwargs):
        both_read.wait(timeout=10)  # each worker has found the period ended and not yet restarted
        return begin(**kwargs)

    monkeypatch.setattr(recurrence, "begin_period", begin_together)
    done: list[recurrence.PeriodRestart] = []
    failures: list[BaseException] = []

    def run_duty():
        try:
            with Session(app.extensions["tracker.engine"], expire_on_commit=False) as own:
                done.extend(recurrence.start_due_periods(session=own, now=PERIOD_ENDS + timedelta(hours=1)))
        except BaseException as exc:  # shown by the assertion below
            failures.append(exc)

    workers = [threading.Thread(target=run_duty) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert failures == [] and len(done) == 1
    session.expire_all()
    assert session.get_one(Assignment, assignment.id).period_started_on == date(2027, 1, 10)
    assert len(restarted_entries(session)) == 1 and len(refresh_notices(session, lena)) == 1
    resets = session.exec(select(ProgressEvent).where(ProgressEvent.user_id == lena.id,
                                                      ProgressEvent.state == ProgressState.not_started)).all()
    assert len(resets) == len(required(session))


def test_a_mentor_changing_the_due_date_meanwhile_leaves_the_period_for_the_next_run(session):
    """The restart is taken on the assignment as read; changed in between, it is left alone, not half-done."""
    assignment = assign(session)
    lena = factories.user(session, "lena")
    finish(session, lena, at=ASSIGNED)
    assert recurrence.begin_period(session=session, assignment_id=assignment.id, months=12,
                                   started_on=ASSIGNED.date(), due_on=date(2026, 3, 1), new_start=date(2027, 1, 10),
                                   now=PERIOD_ENDS) is None
    assert states(session, lena) == {ProgressState.done} and restarted_entries(session) == []
    assert len(recurrence.start_due_periods(session=session, now=PERIOD_ENDS)) == 1


def test_a_credential_revoked_in_a_period_is_not_issued_again_in_that_period(session, issuer):
    assign(session)
    lena = factories.user(session, "lena")
    finish(session, lena, at=ASSIGNED)
    [first] = credentials.issue_due(session=session, user=lena, now=ASSIGNED, issuer=issuer)
    credentials.revoke(session=session, admin=factories.user(session, "ada"), credential_id=first.id,
                       reason="Copied answers", now=ASSIGNED + timedelta(days=1), site="https://t.example")
    progress.write_mark(session=session, user=lena, article=required(session)[0], state=ProgressState.in_progress)
    finish(session, lena, at=ASSIGNED + timedelta(days=2))
    assert credentials.issue_due(session=session, user=lena, now=ASSIGNED + timedelta(days=2), issuer=issuer) == []


def test_a_credential_of_a_path_that_does_not_recur_has_no_expiry(session, issuer):
    assign(session, months=None)
    lena = factories.user(session, "lena")
    finish(session, lena, at=ASSIGNED)
    [credential] = credentials.issue_due(session=session, user=lena, now=ASSIGNED, issuer=issuer)
    assert credential.valid_until is None and credential.period_started_on is None
    claims = credential_verification.verify(session=session, token=credential.jwt, issuer=issuer,
                                            now=datetime(2040, 1, 1, tzinfo=UTC))
    assert claims.valid and "validUntil" not in (claims.claims or {}) and "exp" not in (claims.claims or {})


def test_the_progress_rows_of_a_restarted_path_are_back_to_not_started(session):
    assign(session)
    lena = factories.user(session, "lena")
    finish(session, lena, at=ASSIGNED)
    recurrence.start_due_periods(session=session, now=PERIOD_ENDS)
    rows = session.exec(select(Progress).where(Progress.user_id == lena.id)).all()
    assert rows and {r.state for r in rows} == {ProgressState.not_started}
