"""In-app notifications: for learners (assignments, due dates, replies, invitations) and for mentors (shared
notes, mentees who finish, fall behind or go overdue)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from tracker.models import Notification, NotificationKind, User, utcnow
from tracker.services.errors import NotFound
from tracker.services import mail, xapi_outbox
from tracker.services.time_zones import today_for

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
    """Reminders about the learner's assignments, for them and for whoever assigned them; returns how many
    were added. The learner hears "due in 3 days" and "overdue"; the assigning mentor hears when the learner
    falls behind (at risk of missing the date), goes overdue, or finishes.

    Idempotent: each reminder's key names the assignment (and its due date, or when it was assigned), so
    moving the date brings fresh reminders and asking again writes nothing. Pass the learner's assignment
    views when they are already computed. Long on purpose: each kind of reminder is one short block, with
    its key and message side by side.
    """
    from tracker.services.assignment_rules import AssignmentStatus
    from tracker.services.assignment_views import learner_assignments

    if assignments is None:
        assignments = learner_assignments(session=session, learner=user, now=utcnow())
    wanted: list[tuple[User, NotificationKind, str, str, str]] = []  # recipient, kind, key, message, link
    for view in assignments:
        assignment, path, due, mentor = view.assignment, view.path, view.assignment.due_on, view.mentor
        link = f"/paths/{path.slug}"
        mentee_link = f"/mentor/mentees/{user.username}/paths/{path.slug}"
        if view.tally.complete:
            if mentor is not None:
                late = " (after its due date)" if view.status is AssignmentStatus.completed_late else ""
                wanted.append((mentor, NotificationKind.mentee_finished,
                               f"finished:{assignment.id}:{assignment.created_at.isoformat()}",
                               f"{user.name} finished “{path.title}”{late}.", mentee_link))
            continue
        if due is None:
            continue
        when = due.strftime("%b %-d")
        if view.status is AssignmentStatus.overdue:
            wanted.append((user, NotificationKind.overdue, f"overdue:{assignment.id}:{due}",
                           f"“{path.title}” was due {when}.", link))
            if mentor is not None:
                wanted.append((mentor, NotificationKind.mentee_overdue, f"mentee_overdue:{assignment.id}:{due}",
                               f"{user.name}'s “{path.title}” was due {when} and is not finished.", mentee_link))
            continue
        if due - today <= DUE_SOON:
            wanted.append((user, NotificationKind.due_soon, f"due_soon:{assignment.id}:{due}",
                           f"“{path.title}” is due {when}.", link))
        if view.status is AssignmentStatus.at_risk and mentor is not None:
            wanted.append((mentor, NotificationKind.mentee_behind, f"behind:{assignment.id}:{due}",
                           f"{user.name} is behind on “{path.title}”: at the recent pace it will not be done by "
                           f"{when}.", mentee_link))
    if not wanted:
        return 0
    existing = set(session.exec(select(Notification.user_id, Notification.key).where(
        Notification.user_id.in_({recipient.id for recipient, *_ in wanted}),
        Notification.key.in_([key for _, _, key, _, _ in wanted]))).all())
    missing = [row for row in wanted if (row[0].id, row[2]) not in existing]
    for recipient, kind, key, message, link in missing:
        notify(session=session, user=recipient, kind=kind, key=key, message=message, link=link)
    if missing:
        session.commit()
    return len(missing)


def remind_everyone(*, session: Session, now) -> int:
    """Reminders for every learner with an active assignment; returns how many were added.

    Idempotent and safe to run from several places at once (each reminder's key is unique per user):
    `tracker reminders` from cron, or the embedded server's own timer. Pages never write reminders.
    """
    from tracker.models import Assignment
    from tracker.services.assignment_views import assignment_views

    learner_ids = set(session.exec(select(Assignment.learner_id).where(Assignment.withdrawn_at.is_(None))))
    learners = list(session.exec(select(User).where(User.id.in_(learner_ids or {0}), User.is_active.is_(True))))
    views = assignment_views(session=session, learners=learners, now=now)
    return sum(remind_due_dates(session=session, user=learner, today=today_for(learner, now),
                                assignments=views[learner.id].assignments) for learner in learners)


@dataclass
class RoundResult:
    reminders: int
    mail: mail.MailRound | None  # None when the tracker sends no email
    xapi: xapi_outbox.PushResult | None = None  # None when no Learning Record Store is configured


def scheduled_round(*, session: Session, now, config) -> RoundResult:
    """What the scheduled job does each time: add due-date and plan-day reminders, email what is due, and send new xAPI
    statements to the Learning Record Store (each when configured)."""
    from tracker.services.plans import remind_plan_days

    reminders = remind_everyone(session=session, now=now) + remind_plan_days(session=session, now=now)
    outbox = mail.outbox_from_config(config)
    sent = None if outbox is None else mail.send_due_mail(session=session, outbox=outbox, now=now)
    store = xapi_outbox.record_store_from_config(config)
    pushed = None
    if store is not None:
        xapi_outbox.enqueue_new(session=session, site=config["PUBLIC_URL"], now=now)
        pushed = xapi_outbox.push(session=session, store=store, now=now)
    return RoundResult(reminders=reminders, mail=sent, xapi=pushed)
