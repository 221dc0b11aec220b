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
