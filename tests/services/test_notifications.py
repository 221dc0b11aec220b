"""Notifications: unread counts, marking read, and due-date reminders written once."""

from datetime import UTC, datetime, timedelta

import pytest

from tests import factories
from tracker.models import NotificationKind
from tracker.services import assignments, notifications
from tracker.services.errors import NotFound


def test_marking_one_or_all_read_updates_the_unread_count(session):
    lena = factories.user(session, "lena")
    for key in ("a", "b"):
        notifications.notify(session=session, user=lena, kind=NotificationKind.reply, key=key, message=key)
    session.commit()
    assert notifications.unread_count(session=session, user=lena) == 2
    first = notifications.recent(session=session, user=lena)[-1]
    notifications.mark_read(session=session, user=lena, notification_id=first.id)
    assert notifications.unread_count(session=session, user=lena) == 1
    with pytest.raises(NotFound):
        notifications.mark_read(session=session, user=lena, notification_id=first.id)
    notifications.mark_read(session=session, user=lena)
    assert notifications.unread_count(session=session, user=lena) == 0


def test_a_due_date_reminder_is_written_once(session):
    factories.mentor_of(session, "mona", "lena")
    today = datetime.now(UTC).date()
    assignments.assign_path(session=session, mentor=factories.user(session, "mona"), usernames=["lena"],
                            path=factories.path(session, "api-designer"), due_on=today + timedelta(days=2),
                            note="", today=today)
    lena = factories.user(session, "lena")
    assert notifications.remind_due_dates(session=session, user=lena, today=today) == 1
    assert notifications.remind_due_dates(session=session, user=lena, today=today) == 0
    kinds = [n.kind for n in notifications.recent(session=session, user=lena)]
    assert kinds.count(NotificationKind.due_soon) == 1 and NotificationKind.assigned in kinds


def _messages(session, username):
    return [(n.kind, n.message) for n in notifications.recent(session=session, user=factories.user(session, username))]


def test_mentors_hear_of_shared_notes_but_not_of_private_ones(session):
    from tracker.services import notes

    factories.mentor_of(session, "mona", "lena")
    lena, article = factories.user(session, "lena"), factories.article(session, "http-protocol")
    notes.save_note(session=session, user=lena, article=article, body="Only for me", shared=False)
    assert _messages(session, "mona") == []
    notes.save_note(session=session, user=lena, article=article, body="Only for me", shared=True)
    notes.save_note(session=session, user=lena, article=article, body="Only for me", shared=True)  # no change
    assert _messages(session, "mona") == [(NotificationKind.shared_note, "lena shared a note on “HTTP Protocol”.")]
    notes.save_note(session=session, user=lena, article=article, body="Rewritten", shared=True)
    assert len(_messages(session, "mona")) == 2
    assert _messages(session, "leo") == []  # not lena's mentor


def test_learners_hear_when_a_due_date_moves_or_an_assignment_is_withdrawn(session):
    factories.mentor_of(session, "mona", "lena")
    mona, today = factories.user(session, "mona"), datetime.now(UTC).date()
    (outcome,) = assignments.assign_path(session=session, mentor=mona, usernames=["lena"],
                                         path=factories.path(session, "api-designer"),
                                         due_on=today + timedelta(days=20), today=today)
    assignments.change_due_date(session=session, mentor=mona, assignment_id=outcome.assignment.id,
                                due_on=today + timedelta(days=30), today=today)
    assignments.withdraw(session=session, mentor=mona, assignment_id=outcome.assignment.id)
    changed = [message for kind, message in _messages(session, "lena") if kind is NotificationKind.assignment_changed]
    assert changed[0] == "mona withdrew “API Designer”. Your progress on it is kept."
    assert changed[1].startswith("mona changed “API Designer”: due date ") and " → " in changed[1]


def test_mentors_hear_when_a_mentee_falls_behind_goes_overdue_or_finishes(session):
    import time_machine

    from tracker.models import ProgressState
    from tracker.services import progress

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
    progress.mark_article(session=session, user=lena, article=factories.article(session, "http-protocol"),
                          state=ProgressState.done, at=start + timedelta(days=1))
    assert notifications.remind_everyone(session=session, now=start + timedelta(days=2)) >= 1
    assert any(kind is NotificationKind.mentee_behind and message.startswith("lena is behind on “API Designer”")
               for kind, message in _messages(session, "mona"))
    assert notifications.remind_everyone(session=session, now=start + timedelta(days=2)) == 0  # idempotent
    # the due date passes: lena hears "overdue", and so does her mentor
    notifications.remind_everyone(session=session, now=start + timedelta(days=12))
    assert (NotificationKind.mentee_overdue, "lena's “API Designer” was due Mar 11 and is not finished.") in \
        _messages(session, "mona")
    # leo finishes every required article: his mentor hears it once
    view = progress.path_progress(session=session, user=factories.user(session, "leo"), slug="api-designer")
    for section in view.detail.sections:
        for entry in section.entries:
            if not entry.item.optional:
                progress.mark_article(session=session, user=factories.user(session, "leo"),
                                      article=entry.card.article, state=ProgressState.done,
                                      at=start + timedelta(days=3))
    notifications.remind_everyone(session=session, now=start + timedelta(days=4))
    notifications.remind_everyone(session=session, now=start + timedelta(days=5))
    assert _messages(session, "mona").count((NotificationKind.mentee_finished, "leo finished “API Designer”.")) == 1
