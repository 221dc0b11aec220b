"""Deleting an account and everything personal with it.

Deletion relies on the foreign keys (ON DELETE CASCADE, or SET NULL where other people's records stay:
assignments a mentor made, path versions an admin saved, the security log); a test walks every table after
a deletion to check that nothing still points at the account.
"""

from __future__ import annotations

import json
import logging
import re

from sqlalchemy import delete, func, or_, update
from sqlmodel import Session, col, select

from tracker import metrics
from tracker.models import (
    LearningPath,
    Notification,
    Role,
    SecurityEvent,
    User,
    utcnow,
)
from tracker.services.audit.log import AuditKind, record
from tracker.services.errors import Invalid, NotAllowed
from tracker.services.people import accounts, security_log
from tracker.services.records import credentials

log = logging.getLogger("tracker.security")

# Where usernames appear in the security log's details of *other* accounts' events: admins' actions
# ("mentor, by ada") and the URL of a refused request (/mentor/mentees/lena, /admin/users/lena).
_NAME_IN_DETAIL = r"(?:(?<=\bby )|(?<=/mentees/)|(?<=/users/)){name}(?=[/#?:\s,]|$)"
DELETED_NAME = "[deleted account]"


class WrongPassword(NotAllowed):
    """The password given to confirm a deletion is not the account's."""


class LastAdministrator(NotAllowed):
    """Deleting this account would leave the tracker without an active administrator."""


def delete_own_account(*, session: Session, user: User, password: str, reauthenticated: bool = False) -> None:
    """Delete the user's account and everything personal once the password is confirmed (or, with no password,
    `reauthenticated`: the owner confirmed at the identity provider just now); WrongPassword otherwise,
    LastAdministrator for the only admin. All or nothing. Commits."""
    if reauthenticated and not password:
        pass  # confirmed at the identity provider instead
    elif not password:
        raise Invalid("Type your password to confirm.")
    elif accounts.authenticate(session=session, username=user.username, password=password) is None:
        raise WrongPassword("The password is not right; nothing was deleted.")
    erase_account(session=session, user=user, by="the account's owner", actor=user)


def delete_user(*, session: Session, admin: User, user: User) -> None:
    """An administrator deletes someone else's account and everything personal in it. Commits."""
    if user.id == admin.id:
        raise NotAllowed("Delete your own account from your account page: it asks for your password.")
    erase_account(session=session, user=user, by=f"admin {admin.username}", actor=admin)


def erase_account(*, session: Session, user: User, by: str, actor: User | None = None,
                  actor_label: str = "") -> None:
    """Delete `user` with their progress, history, notes, replies, follows, mentorships, assignments as a
    learner, notifications, sessions, tokens and xAPI outbox rows (ON DELETE CASCADE), and the
    notifications telling mentors about them.
    What stays is other people's: assignments the user made (mentor set to null), path versions they saved
    (author set to null), and the security log, which keeps the kind and time of each event about them but
    no link, name, address or detail; and their credentials as status-only records
    (`credentials.keep_status_only`), so one they shared still verifies (or shows as revoked) without naming
    them. One transaction; LastAdministrator (nothing deleted) when no other
    active admin would remain. `by` says who asked, in the log line (which names no one else). The audit log
    keeps an entry naming the account (its link goes with it) and who deleted it (`actor`, or `actor_label`
    for the command line). Commits."""
    was_admin = user.has_role(Role.admin)
    try:
        if was_admin:  # PostgreSQL: two admins deleting themselves at once take turns (SQLite has one writer)
            session.exec(select(User.id).where(User.role == Role.admin).with_for_update()).all()
        _forget_in_security_log(session, user)
        # Notifications to mentors about this learner point at their mentee page, which goes with the account.
        mentee_page = f"/mentor/mentees/{user.username}"
        link = col(Notification.link)
        session.exec(delete(Notification).where(or_(link == mentee_page,
                                                     link.startswith(mentee_page + "/", autoescape=True),
                                                     link.startswith(mentee_page + "#", autoescape=True))))
        credentials.keep_status_only(session=session, user=user, now=utcnow())
        record(session=session, kind=AuditKind.user_deleted, actor=actor, actor_label=actor_label, subject=user,
               detail=f"was {Role(user.role).value}, by {by}")
        session.flush()  # written before the row goes: the account's link in it is set to null by the delete
        # Their own paths go first, with their sections and items: an item may hold one of their own resources,
        # which the account's delete takes with it.
        session.exec(delete(LearningPath).where(col(LearningPath.owner_id) == user.id))
        session.exec(delete(User).where(col(User.id) == user.id))
        # Counted inside the writing transaction, after the delete: what would really remain.
        if was_admin and not session.exec(select(func.count(col(User.id))).where(
                User.role == Role.admin, col(User.is_active).is_(True))).one():
            raise LastAdministrator("You are the last administrator: make someone else an admin first, so the "
                                    "tracker is not left without one. Nothing was deleted.")
        session.commit()
    except BaseException:
        session.rollback()
        raise
    metrics.security_event("account_deleted")
    log.info(json.dumps({"event": "account_deleted", "by": by}, ensure_ascii=True))


def _forget_in_security_log(session: Session, user: User) -> None:
    """Events about the user keep their kind and time only; other events' details stop naming them."""
    session.exec(update(SecurityEvent).where(security_log.about(user)).values(username="", address="", detail=""))
    pattern = re.compile(_NAME_IN_DETAIL.format(name=re.escape(user.username)))
    for event in session.exec(select(SecurityEvent).where(col(SecurityEvent.detail).contains(user.username,
                                                                                             autoescape=True))):
        cleaned = pattern.sub(DELETED_NAME, event.detail)[:300]
        if cleaned != event.detail:
            event.detail = cleaned
            session.add(event)
    session.flush()
