"""Following a path: follow, unfollow, and the paths a learner follows."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from tracker.models import (
    LearningPath,
    PathFollow,
    User,
    utcnow,
)
from tracker.services import access
from tracker.services.audit.log import AuditKind, record
from tracker.services.curriculum.prerequisites import refuse_unmet
from tracker.services.progress.marks import ProgressError


def follow_path(*, session: Session, user: User, path: LearningPath) -> None:
    """Follow a published path (following twice is the same as once, with one audit entry). Commits.

    Refused, writing nothing, while a required prerequisite is not complete (`PrerequisitesUnmet`, 409, naming
    each); a path already followed stays followed."""
    if session.get(PathFollow, (user.id, path.id)) is None:
        if not (access.can_follow_path(path) or access.can_edit_personal_path(user, path)):
            raise ProgressError(f"“{path.title}” is {path.status} and cannot be followed.")
        refuse_unmet(session=session, learner=user, path=path)
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        result = session.exec(insert(PathFollow).values(user_id=user.id, path_id=path.id, created_at=utcnow())
                              .on_conflict_do_nothing(index_elements=["user_id", "path_id"]))  # a double click
        if result.rowcount:  # is one follow, and one entry
            record(session=session, kind=AuditKind.followed, actor=user, subject=user, path=path)
        session.commit()


def unfollow_path(*, session: Session, user: User, path: LearningPath) -> None:
    """Stop following a path; progress on its articles is kept. Commits."""
    follow = session.get(PathFollow, (user.id, path.id))
    if follow is not None:
        session.delete(follow)
        record(session=session, kind=AuditKind.unfollowed, actor=user, subject=user, path=path)
        session.commit()


def followed_path_ids(*, session: Session, user: User | None) -> set[int]:
    if user is None:
        return set()
    return set(session.exec(select(PathFollow.path_id).where(PathFollow.user_id == user.id)))
