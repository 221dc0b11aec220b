"""The progress tables' busiest statements (marking, the learner's states, the progress list, the followed
paths), built once per process with bound parameters: building a SQLAlchemy statement costs more than
running it, and these run on nearly every page and every mark."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Insert, Update, bindparam, insert, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.dml import ReturningInsert
from sqlmodel import col, select
from sqlmodel.sql.expression import Select, SelectOfScalar

from tracker.models import Article, LearningPath, PathFollow, PathStatus, Progress, ProgressEvent, ProgressState


@dataclass(frozen=True)
class Marking:
    """What marking runs: the upsert, the re-read when nothing changed, the row's time, the event."""

    upsert: ReturningInsert[int]
    current: SelectOfScalar[Progress]
    stamp: Update
    log: Insert


@functools.cache
def marking(dialect: str) -> Marking:
    """Marking's statements for this dialect (its upsert is the dialect's own)."""
    row = (pg_insert if dialect == "postgresql" else sqlite_insert)(Progress).values(
        user_id=bindparam("user_id"), article_id=bindparam("article_id"), state=bindparam("state"),
        updated_at=bindparam("updated_at"))
    upsert = row.on_conflict_do_update(
        index_elements=["user_id", "article_id"],
        set_={"state": row.excluded.state, "updated_at": row.excluded.updated_at},
        where=col(Progress.state) != row.excluded.state,
    ).returning(col(Progress.id))
    mine = (Progress.user_id == bindparam("user_id"), Progress.article_id == bindparam("article_id"))
    return Marking(
        upsert=upsert, current=select(Progress).where(*mine),
        stamp=update(Progress).where(col(Progress.id) == bindparam("progress_id"))
        .values(updated_at=bindparam("updated_at")),
        log=insert(ProgressEvent).values(
            user_id=bindparam("user_id"), article_id=bindparam("article_id"), state=bindparam("state"),
            created_at=bindparam("created_at"), path_id=bindparam("path_id"),
            # the enrollment's xAPI registration, when the change is made on a path the learner follows
            registration=select(PathFollow.registration).where(PathFollow.user_id == bindparam("user_id"),
                                                               PathFollow.path_id == bindparam("path_id"))
            .scalar_subquery()))


@functools.cache
def my_progress(*columns: Any, among: bool = True) -> Select[*tuple[Any, ...]]:
    """(article id, *`columns`) of the user's progress rows, of the articles `ids` if `among`."""
    query = select(Progress.article_id, *columns).where(Progress.user_id == bindparam("user_id"))
    return query.where(col(Progress.article_id).in_(bindparam("ids", expanding=True))) if among else query


@functools.cache
def progress_list() -> Select[str, datetime, str]:
    """The user's states with their times and the articles' slugs, most recent first."""
    return (select(Progress.state, Progress.updated_at, Article.slug)
            .join(Article, col(Article.id) == Progress.article_id)
            .where(Progress.user_id == bindparam("user_id"), Progress.state != ProgressState.not_started)
            .order_by(col(Progress.updated_at).desc(), col(Progress.id).desc()))


@functools.cache
def progress_list_for_mentors() -> Select[str, datetime, str]:
    """`progress_list` as the user's mentors see it: none on a resource of the user's own they did not share."""
    return progress_list().where(or_(col(Article.owner_id).is_(None), col(Article.shared_with_mentors).is_(True)))


@functools.cache
def followed_paths() -> SelectOfScalar[LearningPath]:
    """The paths the user follows (no drafts), in the curriculum's order."""
    return (select(LearningPath).join(PathFollow, col(PathFollow.path_id) == LearningPath.id)
            .where(PathFollow.user_id == bindparam("user_id"), LearningPath.status != PathStatus.draft)
            .order_by(col(LearningPath.position), col(LearningPath.slug)))
