"""In-app notifications: for learners (assignments, due dates, replies, invitations) and for mentors (shared
notes, mentees who finish, fall behind or go overdue)."""

from __future__ import annotations

from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from tracker.models import Notification, NotificationKind, User, utcnow
from tracker.services.errors import NotFound
from tracker.services.notifications import chat


def notify(*, session: Session, user: User, kind: NotificationKind, key: str, message: str, link: str = "") -> None:
    """Add a notification unless one with the same key exists. The caller commits."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.exec(insert(Notification).values(
        user_id=user.id, kind=kind, key=key[:120], message=message[:500], link=link, created_at=utcnow(),
    ).on_conflict_do_nothing(index_elements=["user_id", "key"]))
    if user.chat_webhook_url:
        session.info[chat.POSTED] = True  # posted in the user's chat once the caller commits


def notify_many(*, session: Session, notices: list[tuple[User, NotificationKind, str, str, str]]) -> None:
    """`notify` for many at once, one statement sent with many rows: (user, kind, key, message, link) each. The
    caller commits."""
    if not notices:
        return
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    now = utcnow()
    statement = insert(Notification).on_conflict_do_nothing(index_elements=["user_id", "key"])
    session.connection().execute(statement, [
        {"user_id": user.id, "kind": kind, "key": key[:120], "message": message[:500], "link": link,
         "created_at": now} for user, kind, key, message, link in notices])
    if any(user.chat_webhook_url for user, *_ in notices):
        session.info[chat.POSTED] = True


def unread_count(*, session: Session, user: User) -> int:
    return session.exec(select(func.count(col(Notification.id))).where(
        Notification.user_id == user.id, col(Notification.read_at).is_(None))).one()


def recent(*, session: Session, user: User, limit: int = 50) -> list[Notification]:
    return list(session.exec(select(Notification).where(Notification.user_id == user.id)
                             .order_by(col(Notification.created_at).desc(), col(Notification.id).desc()).limit(limit)))


def mark_read(*, session: Session, user: User, notification_id: int | None = None) -> int:
    """Mark one (or every) unread notification of the user as read; NotFound for an unknown one. Commits."""
    statement = update(Notification).where(col(Notification.user_id) == user.id,
                                           col(Notification.read_at).is_(None))
    if notification_id is not None:
        statement = statement.where(col(Notification.id) == notification_id)
    count = session.exec(statement.values(read_at=utcnow())).rowcount
    session.commit()
    if notification_id is not None and not count:
        raise NotFound("No such unread notification.")
    return count
