"""Due-date reminders: learners hear of due dates, mentors of mentees who fall behind, go overdue or finish."""

from datetime import UTC, datetime, timedelta

from tests import factories
from tracker.models import NotificationKind
from tracker.services.mentoring import assignments, reminders
from tracker.services.notifications import in_app as notifications


def test_a_due_date_reminder_is_written_once(session):
    factories.mentor_of(session, "mona", "lena")
    today = datetime.now(UTC).date()
    assignments.assign_path(session=session, mentor=factories.user(session, "mona"), usernames=["lena"],
                            path=factories.path(session, "api-designer"), due_on=today + timedelta(days=2),
                            note="", today=today)
    lena = factories.user(session, "lena")
    assert reminders.remind_due_dates(session=session, user=lena, today=today) == 1
    assert reminders.remind_due_dates(session=session, user=lena, today=today) == 0
    kinds = [n.kind for n in notifications.recent(session=session, user=lena)]
    assert kinds.count(NotificationKind.due_soon) == 1 and NotificationKind.assigned in kinds


def _messages(session, username):
    return [(n.kind, n.message) for n in notifications.recent(session=session, user=factories.user(session, username))]


def test_mentors_hear_when_a_mentee_falls_behind_goes_overdue_or_finishes(session):
    import time_machine

    from tracker.models import ProgressState
    from tracker.services.progress import marks as progress

    factories.mentor_of(session, "mona", "lena", "leo")
    mona, lena = factories.user(session, "mona"), factories.user(session, "lena")
    start = datetime(2026, 3, 1, 12, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        assignments.assign_path(session=session, mentor=mona, usernames=["lena"],
                                path=factories.path(session, "api-designer"), due_on=start.date() + timedelta(days=10),
                                today=start.date())
        assignments.assign_path(session=session, mentor=mona, usernames=["leo"],
                                path=factories.path(session, "api-designer"), today=start.date())
    # lena starts, slowly: at risk of missing the date
    progress.write_mark(session=session, user=lena, article=factories.article(session, "http-protocol"),
                          state=ProgressState.done, at=start + timedelta(days=1))
    assert reminders.remind_everyone(session=session, now=start + timedelta(days=2)) >= 1
    assert any(kind is NotificationKind.mentee_behind and message.startswith("lena is behind on “API Designer”")
               for kind, message in _messages(session, "mona"))
    assert reminders.remind_everyone(session=session, now=start + timedelta(days=2)) == 0  # idempotent
    # the due date passes: lena hears "overdue", and so does her mentor
    reminders.remind_everyone(session=session, now=start + timedelta(days=12))
    assert (NotificationKind.mentee_overdue, "lena's “API Designer” was due Mar 11 and is not finished.") in \
        _messages(session, "mona")
    # leo finishes every required article: his mentor hears it once
    view = progress.path_progress(session=session, user=factories.user(session, "leo"), slug="api-designer")
    for section in view.detail.sections:
        for entry in section.entries:
            if not entry.item.optional:
                progress.write_mark(session=session, user=factories.user(session, "leo"),
                                      article=entry.card.article, state=ProgressState.done,
                                      at=start + timedelta(days=3))
    reminders.remind_everyone(session=session, now=start + timedelta(days=4))
    reminders.remind_everyone(session=session, now=start + timedelta(days=5))
    assert _messages(session, "mona").count((NotificationKind.mentee_finished, "leo finished “API Designer”.")) == 1
