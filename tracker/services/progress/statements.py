"""The progress tables' busiest statements (marking, the learner's states, the progress list, the followed
paths), built once per process with bound parameters: building a SQLAlchemy statement costs more than
running it, and these run on nearly every page and every mark."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import bindparam, insert, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import select

from tracker.models import Article, LearningPath, PathFollow, PathStatus, Progress, ProgressEvent, ProgressState


@dataclass(frozen=True)
class Marking:
    """What marking runs: the upsert, the re-read when nothing changed, the row's time, the event."""

    upsert: object
    current: object
    stamp: object
    log: object


@functools.cache
def marking(dialect: str) -> Marking:
    """Marking's statements for this dialect (its upsert is the dialect's own)."""
    upsert = (pg_insert if dialect == "postgresql" else sqlite_insert)(Progress).values(
        user_id=bindparam("user_id"), article_id=bindparam("article_id"), state=bindparam("state"),
        updated_at=bindparam("updated_at"))
    upsert = upsert.on_conflict_do_update(
        index_elements=["user_id", "article_id"],
        set_={"state": upsert.excluded.state, "updated_at": upsert.excluded.updated_at},
        where=Progress.state != upsert.excluded.state,
    ).returning(Progress.id)
    mine = (Progress.user_id == bindparam("user_id"), Progress.article_id == bindparam("article_id"))
    return Marking(
        upsert=upsert, current=select(Progress).where(*mine),
        stamp=update(Progress).where(Progress.id == bindparam("progress_id")).values(updated_at=bindparam("updated_at")),
        log=insert(ProgressEvent).values(user_id=bindparam("user_id"), article_id=bindparam("article_id"),
                                         state=bindparam("state"), created_at=bindparam("created_at"),
                                         path_id=bindparam("path_id")))


@functools.cache
def my_progress(*columns, among: bool = True):
    """(article id, *`columns`) of the user's progress rows, of the articles `ids` if `among`."""
    query = select(Progress.article_id, *columns).where(Progress.user_id == bindparam("user_id"))
    return query.where(Progress.article_id.in_(bindparam("ids", expanding=True))) if among else query


@functools.cache
def progress_list():
    """The user's states with their times and the articles' slugs, most recent first."""
    return (select(Progress.state, Progress.updated_at, Article.slug).join(Article, Article.id == Progress.article_id)
            .where(Progress.user_id == bindparam("user_id"), Progress.state != ProgressState.not_started)
            .order_by(Progress.updated_at.desc(), Progress.id.desc()))


@functools.cache
def followed_paths():
    """The paths the user follows (no drafts), in the curriculum's order."""
    return (select(LearningPath).join(PathFollow, PathFollow.path_id == LearningPath.id)
            .where(PathFollow.user_id == bindparam("user_id"), LearningPath.status != PathStatus.draft)
            .order_by(LearningPath.position, LearningPath.slug))
