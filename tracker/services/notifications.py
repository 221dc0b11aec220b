"""In-app notifications: assignment received, due soon, overdue, mentor replied, invitations."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from tracker.models import Notification, User, utcnow

DUE_SOON = timedelta(days=3)


def notify(*, session: Session, user: User, kind: str, key: str, message: str, link: str = "") -> None:
    """Add a notification unless one with the same key exists. The caller commits."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.exec(insert(Notification).values(
        user_id=user.id, kind=kind, key=key[:120], message=message[:500], link=link, created_at=utcnow(),
    ).on_conflict_do_nothing(index_elements=["user_id", "key"]))


def unread_count(*, session: Session, user: User) -> int:
    return session.exec(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))).one()


def recent(*, session: Session, user: User, limit: int = 50) -> list[Notification]:
    return list(session.exec(select(Notification).where(Notification.user_id == user.id)
                             .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)))


def mark_read(*, session: Session, user: User, notification_id: int | None = None) -> int:
    """Mark one (or every) unread notification of the user as read. Commits."""
    statement = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_id is not None:
        statement = statement.where(Notification.id == notification_id)
    count = session.exec(statement.values(read_at=utcnow())).rowcount
    session.commit()
    return count


def remind_due_dates(*, session: Session, user: User, today: date) -> None:
    """Add 'due in 3 days' and 'overdue' reminders for the user's unfinished assignments. Commits.

    Idempotent: each reminder's key names the assignment and its due date, so moving the date
    brings a fresh reminder and asking again adds nothing.
    """
    from tracker.services.mentoring import Status, learner_assignments

    now = utcnow()
    for view in learner_assignments(session=session, learner=user, now=now):
        due = view.assignment.due_on
        if due is None or view.t.complete:
            continue
        when = due.strftime("%b %-d")
        if view.status is Status.overdue:
            notify(session=session, user=user, kind="overdue", key=f"overdue:{view.assignment.id}:{due}",
                   message=f"“{view.path.title}” was due {when}.", link=f"/paths/{view.path.slug}")
        elif due - today <= DUE_SOON:
            notify(session=session, user=user, kind="due_soon", key=f"due_soon:{view.assignment.id}:{due}",
                   message=f"“{view.path.title}” is due {when}.", link=f"/paths/{view.path.slug}")
    session.commit()
