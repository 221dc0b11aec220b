"""In-app notifications: assignment received, due soon, overdue, mentor replied, invitations."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from tracker.models import Notification, NotificationKind, User, utcnow
from tracker.services.errors import NotFound

DUE_SOON = timedelta(days=3)


def notify(*, session: Session, user: User, kind: NotificationKind, key: str, message: str, link: str = "") -> None:
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
    """Mark one (or every) unread notification of the user as read; NotFound for an unknown one. Commits."""
    statement = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_id is not None:
        statement = statement.where(Notification.id == notification_id)
    count = session.exec(statement.values(read_at=utcnow())).rowcount
    session.commit()
    if notification_id is not None and not count:
        raise NotFound("No such unread notification.")
    return count


def remind_due_dates(*, session: Session, user: User, today: date, assignments=None) -> int:
    """Add 'due in 3 days' and 'overdue' reminders for the user's unfinished assignments; returns how many.

    Idempotent: each reminder's key names the assignment and its due date, so moving the date
    brings a fresh reminder and asking again writes nothing (existing keys are read first).
    Pass the learner's assignment views when they are already computed.
    """
    from tracker.services.assignment_rules import AssignmentStatus
    from tracker.services.assignments import learner_assignments

    if assignments is None:
        assignments = learner_assignments(session=session, learner=user, now=utcnow())
    wanted: dict[str, tuple[NotificationKind, str, str]] = {}
    for view in assignments:
        due = view.assignment.due_on
        if due is None or view.tally.complete:
            continue
        when = due.strftime("%b %-d")
        link = f"/paths/{view.path.slug}"
        if view.status is AssignmentStatus.overdue:
            wanted[f"overdue:{view.assignment.id}:{due}"] = (NotificationKind.overdue, f"“{view.path.title}” was due {when}.", link)
        elif due - today <= DUE_SOON:
            wanted[f"due_soon:{view.assignment.id}:{due}"] = (NotificationKind.due_soon, f"“{view.path.title}” is due {when}.", link)
    if not wanted:
        return 0
    existing = set(session.exec(select(Notification.key).where(Notification.user_id == user.id,
                                                               Notification.key.in_(list(wanted)))))
    missing = [key for key in wanted if key not in existing]
    for key in missing:
        kind, message, link = wanted[key]
        notify(session=session, user=user, kind=kind, key=key, message=message, link=link)
    if missing:
        session.commit()
    return len(missing)


def remind_everyone(*, session: Session, now) -> int:
    """Due-date reminders for every learner with a dated, unfinished assignment; returns how many were added.

    Idempotent and safe to run from several places at once (each reminder's key is unique per user):
    `tracker reminders` from cron, or the embedded server's own timer. Pages never write reminders.
    """
    from tracker.models import Assignment
    from tracker.services.assignments import assignment_views

    learner_ids = set(session.exec(select(Assignment.learner_id).where(Assignment.withdrawn_at.is_(None),
                                                                       Assignment.due_on.is_not(None))))
    learners = list(session.exec(select(User).where(User.id.in_(learner_ids or {0}), User.is_active.is_(True))))
    views = assignment_views(session=session, learners=learners, now=now)
    return sum(remind_due_dates(session=session, user=learner, today=now.date(),
                                assignments=views[learner.id].assignments) for learner in learners)
