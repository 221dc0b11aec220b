"""Mentorships: who mentors whom. Admins link and unlink; mentors invite, learners accept or decline."""

from __future__ import annotations

import functools
from typing import Any, NamedTuple, TypeVar

import sqlalchemy
from sqlalchemy import bindparam
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select, SelectOfScalar

from tracker.models import Mentorship, MentorshipStatus, NotificationKind, Role, User, utcnow
from tracker.services import access
from tracker.services.audit.log import AuditKind, record
from tracker.services.errors import Invalid, NotFound
from tracker.services.notifications import in_app as notifications
from tracker.services.people import accounts


class MentoringError(Invalid):
    """A mentoring request was refused; the message is fit to show."""


class NotYourMentee(NotFound):
    """The learner is not this mentor's mentee (answered as 'not found': no leaking who exists)."""


def _mentorship(session: Session, mentor: User, learner: User) -> Mentorship | None:
    return session.exec(select(Mentorship).where(Mentorship.mentor_id == mentor.id,
                                                 Mentorship.learner_id == learner.id)).one_or_none()


class UnknownUser(MentoringError):
    """A username that names nobody."""

    status = 404


def resolve_pair(*, session: Session, mentor_name: str, learner_name: str) -> tuple[User, User]:
    """The mentor and learner named by two usernames, or UnknownUser naming the missing one."""
    users = {}
    for name in (mentor_name, learner_name):
        user = accounts.get_user(session=session, username=name)
        if user is None:
            raise UnknownUser(f"There is no user called '{name.strip()}'.")
        users[name] = user
    return users[mentor_name], users[learner_name]


def mentors(*, session: Session, mentor: User, learner: User) -> bool:
    """Whether `mentor` already actively mentors `learner`."""
    found = _mentorship(session, mentor, learner)
    return found is not None and found.status == MentorshipStatus.active


def link(*, session: Session, mentor: User, learner: User, actor: User | None = None,
         actor_label: str = "") -> Mentorship:
    """Make `mentor` a mentor of `learner` at once (what an admin, the `actor`, does); the audit log records a
    new link, not one that was already active. Commits."""
    if mentor.id == learner.id:
        raise MentoringError("A user cannot mentor themselves.")
    if not mentor.has_role(Role.mentor):
        raise MentoringError(f"'{mentor.username}' is not a mentor.")
    existing = _mentorship(session, mentor, learner)
    mentorship = existing or Mentorship(mentor_id=mentor.id, learner_id=learner.id)
    if existing is None or existing.status != MentorshipStatus.active:
        record(session=session, kind=AuditKind.mentor_linked, actor=actor, actor_label=actor_label, subject=learner,
               detail=f"mentor {mentor.username}")
    mentorship.status = MentorshipStatus.active
    mentorship.responded_at = utcnow()
    session.add(mentorship)
    session.commit()
    return mentorship


def unlink(*, session: Session, mentor: User, learner: User, actor: User | None = None,
           actor_label: str = "") -> None:
    """End a mentorship (the `actor` being an admin); assignments stay with the learner. NotFound if there is
    none. Commits."""
    mentorship = _mentorship(session, mentor, learner)
    if mentorship is None:
        raise NotFound(f"'{mentor.username}' does not mentor '{learner.username}'.")
    record(session=session, kind=AuditKind.mentor_unlinked, actor=actor, actor_label=actor_label, subject=learner,
           detail=f"mentor {mentor.username}" + ("" if mentorship.status == MentorshipStatus.active
                                                 else f" ({MentorshipStatus(mentorship.status).value})"))
    session.delete(mentorship)
    session.commit()


def invite(*, session: Session, mentor: User, learner: User | None, username: str) -> Mentorship:
    """Invite a user to be mentored; they accept or decline. Commits."""
    if learner is None or not learner.is_active:
        raise MentoringError(f"There is no user called '{username}'.")
    if learner.id == mentor.id:
        raise MentoringError("You cannot invite yourself.")
    mentorship = _mentorship(session, mentor, learner)
    if mentorship is not None and mentorship.status == MentorshipStatus.active:
        raise MentoringError(f"'{learner.username}' is already your mentee.")
    if mentorship is None:
        mentorship = Mentorship(mentor_id=mentor.id, learner_id=learner.id)
    mentorship.status = MentorshipStatus.invited
    mentorship.created_at = utcnow()
    session.add(mentorship)
    session.flush()
    notifications.notify(session=session, user=learner, kind=NotificationKind.invitation,
                         key=f"invitation:{mentorship.id}:{mentorship.created_at.isoformat()}",
                         message=f"{mentor.name} invites you to be their mentee.", link="/notifications")
    session.commit()
    return mentorship


def pending_invitations(*, session: Session, learner: User) -> list[tuple[Mentorship, User]]:
    return list(session.exec(_invitations(), params={"learner_id": learner.id}))


@functools.cache  # built once: building a statement costs more than running it
def _invitations() -> Select[Mentorship, User]:
    return (select(Mentorship, User).join(User, col(User.id) == Mentorship.mentor_id)
            .where(Mentorship.learner_id == bindparam("learner_id"), Mentorship.status == MentorshipStatus.invited)
            .order_by(col(Mentorship.created_at)))


def respond(*, session: Session, learner: User, mentorship_id: int, accept: bool) -> Mentorship:
    """Accept or decline an invitation addressed to `learner`. Commits."""
    mentorship = session.get(Mentorship, mentorship_id)
    if mentorship is None or mentorship.learner_id != learner.id or mentorship.status != MentorshipStatus.invited:
        raise NotFound("No such invitation.")
    mentorship.status = MentorshipStatus.active if accept else MentorshipStatus.declined
    mentorship.responded_at = utcnow()
    if accept:
        mentor = session.get_one(User, mentorship.mentor_id)
        record(session=session, kind=AuditKind.mentor_linked, actor=learner, subject=learner,
               detail=f"mentor {mentor.username}, an invitation accepted")
    session.commit()
    return mentorship


# A query of users' columns, narrowed to a mentor's mentees: its rows keep their shape.
UserQuery = TypeVar("UserQuery", bound="sqlalchemy.Select[*tuple[Any, ...]]")


def _mentees_of(mentor: User, query: UserQuery) -> UserQuery:
    """`query` over the mentor's active mentees (the one rule), by username."""
    return (query.join(Mentorship, col(Mentorship.learner_id) == User.id)
            .where(col(Mentorship.mentor_id) == mentor.id, col(Mentorship.status) == MentorshipStatus.active,
                   col(User.is_active).is_(True))
            .order_by(col(User.username)))


def mentee_ids(mentor: User) -> SelectOfScalar[int]:
    """The mentor's active mentees' ids as a subquery, for other queries to filter by (no list of ids sent)."""
    return _mentees_of(mentor, select(User.id)).order_by(None)


def mentees(*, session: Session, mentor: User) -> list[User]:
    """The mentor's active mentees, by username."""
    return list(session.exec(_mentees_of(mentor, select(User))))


class MenteeName(NamedTuple):
    """A mentee as a list names them: what a page of 200 needs, without loading 200 accounts."""

    id: int
    username: str
    display_name: str

    @property
    def name(self) -> str:
        return self.display_name or self.username


def mentee_names(*, session: Session, mentor: User) -> list[MenteeName]:
    """The mentor's active mentees' names, by username."""
    names = _mentees_of(mentor, select(User.id, User.username, User.display_name))
    return [MenteeName(*row) for row in session.exec(names)]


def mentors_of(*, session: Session, learner: User) -> list[User]:
    """The learner's active mentors."""
    return list(session.exec(select(User).join(Mentorship, col(Mentorship.mentor_id) == User.id).where(
        Mentorship.learner_id == learner.id, Mentorship.status == MentorshipStatus.active,
        col(User.is_active).is_(True)).order_by(col(User.username))))


def get_mentee(*, session: Session, viewer: User, username: str) -> User:
    """The learner `viewer` may look after (`access.can_look_after`), or NotYourMentee."""
    learner = accounts.get_user(session=session, username=username)
    if learner is None or not access.can_look_after(session=session, viewer=viewer, learner=learner):
        raise NotYourMentee(f"'{username.strip()}' is not one of your mentees.")
    return learner


def all_mentorships(*, session: Session) -> list[tuple[Mentorship, User, User]]:
    """Every mentorship with its mentor and learner, for administrators."""
    mentor, learner = aliased(User), aliased(User)
    return list(session.exec(
        select(Mentorship, mentor, learner)
        .join(mentor, col(mentor.id) == Mentorship.mentor_id).join(learner, col(learner.id) == Mentorship.learner_id)
        .order_by(col(mentor.username), col(learner.username))
    ))
