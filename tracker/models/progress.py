"""A learner's own records: followed paths, states per article, the event log, notes and replies."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text, UniqueConstraint, false
from sqlmodel import Field, SQLModel

from tracker.models.base import choice_column, new_uuid, utcnow


class ProgressState(StrEnum):
    not_started = "not_started"
    in_progress = "in_progress"
    done = "done"
    skipped = "skipped"

    @property
    def label(self) -> str:
        return {"not_started": "Not started", "in_progress": "Reading", "done": "Done", "skipped": "Skipped"}[self]


class PathFollow(SQLModel, table=True):
    """A learner following a path."""

    __tablename__ = "path_follow"

    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    path_id: int = Field(foreign_key="learning_path.id", primary_key=True, index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow)
    registration: str = Field(default_factory=new_uuid, max_length=36, sa_column_kwargs={"default": new_uuid},
                              description="the enrollment's xAPI registration: new each time the path is followed")


class SectionFold(SQLModel, table=True):
    """A section of a path that a learner keeps folded on the path page. Keyed by the section's title (the path
    format keeps titles unique within a path), not its row: saving a path writes its section rows anew, and a
    title survives that (and a reorder); a renamed section opens again."""

    __tablename__ = "section_fold"

    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    path_id: int = Field(foreign_key="learning_path.id", primary_key=True, index=True, ondelete="CASCADE")
    section_key: str = Field(primary_key=True, max_length=200, description="the section's title")
    folded_at: datetime = Field(default_factory=utcnow)


class Progress(SQLModel, table=True):
    """A learner's state on one article; shared by every path the article is in."""

    __table_args__ = (UniqueConstraint("user_id", "article_id"),)  # also the index for user_id

    id: int = Field(default=None, primary_key=True)  # None until the row is first flushed
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    article_id: int = Field(foreign_key="article.id", index=True, ondelete="CASCADE")
    state: ProgressState = Field(sa_column=choice_column(ProgressState, check="ck_progress_state"))
    updated_at: datetime = Field(default_factory=utcnow)


class ProgressEvent(SQLModel, table=True):
    """Every change of state, appended in order: history, activity and streaks read it."""

    __tablename__ = "progress_event"
    # Every reader asks for one learner's events in time order (activity, heatmap, pace, last activity).
    __table_args__ = (Index("ix_progress_event_user_id_created_at", "user_id", "created_at"),)

    id: int = Field(default=None, primary_key=True)  # None until the row is first flushed
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    article_id: int = Field(foreign_key="article.id", index=True, ondelete="CASCADE")
    state: ProgressState = Field(sa_column=choice_column(ProgressState, check="ck_progress_event_state"))
    created_at: datetime = Field(default_factory=utcnow)
    path_id: int | None = Field(default=None, foreign_key="learning_path.id", ondelete="SET NULL",
                                description="the path the change was made on, when it was made on a path page")
    statement_id: str = Field(default_factory=new_uuid, max_length=36, unique=True,
                              sa_column_kwargs={"default": new_uuid},
                              description="its xAPI statement's id: drawn when it is written, never used again")
    registration: str | None = Field(default=None, max_length=36,
                                     description="the xAPI registration of the path's enrollment when it was made")


class ActivityDay(SQLModel, table=True):
    """A learner's activity on one day of their time zone: progress changes (a reset to "not started" is not
    activity) and card reviews. The heatmap and the streak read these rows, never the logs: at most one row a
    day, however long the history. Counted on write; made again from the logs when the time zone changes."""

    __tablename__ = "activity_day"

    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    day: date = Field(primary_key=True)
    changes: int = 0
    reviews: int = 0


class Note(SQLModel, table=True):
    """A learner's note on an article: private, or shared with their mentors."""

    __table_args__ = (UniqueConstraint("user_id", "article_id"),)  # also the index for user_id

    id: int = Field(default=None, primary_key=True)  # None until the row is first flushed
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    article_id: int = Field(foreign_key="article.id", index=True, ondelete="CASCADE")
    body: str = Field(sa_column=Column(Text, nullable=False))
    takeaway: str | None = Field(default=None, sa_column=Column(Text, nullable=True),
                                 description="what the learner would tell a colleague, written on marking it done")
    shared: bool = Field(default=False, description="the body is shared with the learner's mentors")
    takeaway_shared: bool = Field(
        default=False, sa_column_kwargs={"server_default": false()},
        description="the takeaway is shared with the learner's mentors (on its own: sharing the body does not)")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class NoteReply(SQLModel, table=True):
    __tablename__ = "note_reply"

    id: int = Field(default=None, primary_key=True)  # None until the row is first flushed
    note_id: int = Field(foreign_key="note.id", index=True, ondelete="CASCADE")
    author_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
