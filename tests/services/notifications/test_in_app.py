"""In-app notifications: unread counts, marking read, and who hears of notes, moved dates and withdrawals."""

from datetime import UTC, datetime, timedelta

import pytest

from tests import factories
from tracker.models import NotificationKind
from tracker.services.errors import NotFound
from tracker.services.mentoring import assignments
from tracker.services.notifications import in_app as notifications


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


def _messages(session, username):
    return [(n.kind, n.message) for n in notifications.recent(session=session, user=factories.user(session, username))]


def test_mentors_hear_of_shared_notes_but_not_of_private_ones(session):
    from tracker.services.learning import notes

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
