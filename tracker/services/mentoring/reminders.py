"""Due-date reminders: what learners hear about their assignments and what their mentors hear about them
(falling behind, overdue, finished), written by the scheduled round, never by a page."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from tracker.models import Assignment, Notification, NotificationKind, User, WebhookEventType, utcnow
from tracker.services.mentoring.rules import AssignmentStatus
from tracker.services.mentoring.standings import AssignmentView, assignment_views, learner_assignments
from tracker.services.notifications.in_app import notify
from tracker.services.people.time_zones import today_for
from tracker.services.webhooks import events as webhook_events

DUE_SOON = timedelta(days=3)


def remind_due_dates(*, session: Session, user: User, today: date,
                     assignments: Sequence[AssignmentView] | None = None) -> int:
    """Reminders about the learner's assignments, for them and for whoever assigned them; returns how many
    were added. The learner hears "due in 3 days" and "overdue"; the assigning mentor hears when the learner
    falls behind (at risk of missing the date), goes overdue, or finishes.

    Idempotent: each reminder's key names the assignment (and its due date, or when it was assigned), so
    moving the date brings fresh reminders and asking again writes nothing. Pass the learner's assignment
    views when they are already computed. Long on purpose: each kind of reminder is one short block, with
    its key and message side by side.
    """
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
        if due is None or view.status is AssignmentStatus.waiting:  # nothing is due before it can start
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
        col(Notification.user_id).in_({recipient.id for recipient, *_ in wanted}),
        col(Notification.key).in_([key for _, _, key, _, _ in wanted]))).all())
    missing = [row for row in wanted if (row[0].id, row[2]) not in existing]
    for recipient, kind, key, message, link in missing:
        notify(session=session, user=recipient, kind=kind, key=key, message=message, link=link)
        if kind in WEBHOOK_EVENTS:
            _record_event(session, WEBHOOK_EVENTS[kind], user, assignments, key)
    if missing:
        session.commit()
    return len(missing)


WEBHOOK_EVENTS = {NotificationKind.due_soon: WebhookEventType.assignment_due_soon,
                  NotificationKind.overdue: WebhookEventType.assignment_overdue}


def _record_event(session: Session, event_type: WebhookEventType, learner: User,
                  assignments: Sequence[AssignmentView], key: str) -> None:
    """The learner's reminder as a webhook event, in the reminder's transaction (its key names the assignment)."""
    assignment_id = int(key.split(":")[1])
    view = next(view for view in assignments if view.assignment.id == assignment_id)
    webhook_events.record(session=session, event_type=event_type, now=utcnow(), data={
        "learner": webhook_events.learner(learner), "assignment": assignment_id, "path": view.path.slug,
        "path_title": view.path.title, "due_on": view.assignment.due_on.isoformat() if view.assignment.due_on
        else None, "mentor": view.mentor.username if view.mentor is not None else None})


def remind_everyone(*, session: Session, now: datetime) -> int:
    """Reminders for every learner with an active assignment; returns how many were added.

    Idempotent and safe to run from several places at once (each reminder's key is unique per user):
    `tracker reminders` from cron, or the embedded server's own timer. Pages never write reminders.
    """
    learner_ids = set(session.exec(select(Assignment.learner_id).where(col(Assignment.withdrawn_at).is_(None))))
    learners = list(session.exec(select(User).where(col(User.id).in_(learner_ids or {0}),
                                                    col(User.is_active).is_(True))))
    views = assignment_views(session=session, learners=learners, now=now)
    return sum(remind_due_dates(session=session, user=learner, today=today_for(learner, now),
                                assignments=views[learner.id].assignments) for learner in learners)
