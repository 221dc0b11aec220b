"""Database tables. Times are timezone-aware and stored as UTC."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime
from enum import StrEnum

from sqlalchemy import Column, Enum, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def choice_column(enum: type[StrEnum], *, check: str, length: int = 16, default: StrEnum | None = None,
                  server_default: str | None = None) -> Column:
    """A VARCHAR holding one of `enum`'s values: read back as the enum, refused by a CHECK named `check`
    (and by SQLAlchemy before it is sent) when it is anything else."""
    return Column(Enum(enum, native_enum=False, create_constraint=True, length=length, name=check,
                       values_callable=lambda members: [member.value for member in members]),
                  nullable=False, default=default, server_default=server_default)


class Source(SQLModel, table=True):
    """A site whose listing page the catalog was imported from."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True, index=True)
    name: str = Field(max_length=120)
    provenance: str = Field(default="", max_length=200, description="the listing file it was imported from")


class Topic(SQLModel, table=True):
    """A normalised topic: 'distributed-systems' and 'Distributed Systems' are one row."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True, index=True)
    name: str = Field(max_length=80)


class Article(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=120, unique=True, index=True)
    title: str = Field(max_length=300)
    summary: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    summary_truncated: bool = False
    source_id: int = Field(foreign_key="source.id", index=True)
    series: str | None = Field(default=None, max_length=80)
    series_number: int | None = None
    reading_minutes: int | None = None
    published_on: date | None = None
    url: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ArticleTopic(SQLModel, table=True):
    """Topics of an article, in the order the listing gave them."""

    __tablename__ = "article_topic"

    article_id: int = Field(foreign_key="article.id", primary_key=True, ondelete="CASCADE")
    topic_id: int = Field(foreign_key="topic.id", primary_key=True, index=True, ondelete="CASCADE")
    position: int = 0


class PathStatus(StrEnum):
    draft = "draft"            # only admins see it
    published = "published"
    archived = "archived"      # kept and visible to those who follow it or were assigned it; hidden from others

    @property
    def label(self) -> str:
        return self.value.capitalize()


class LearningPath(SQLModel, table=True):
    __tablename__ = "learning_path"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True, index=True)
    status: PathStatus = Field(default=PathStatus.published,
                               sa_column=choice_column(PathStatus, check="ck_learning_path_status",
                                                       default=PathStatus.published,
                                                       server_default=PathStatus.published.value))
    title: str = Field(max_length=200)
    summary: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    outcome: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    weeks_min: int
    weeks_max: int | None = None
    position: int = 0
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class PathSection(SQLModel, table=True):
    __tablename__ = "path_section"
    __table_args__ = (UniqueConstraint("path_id", "position"),)  # also the index for path_id

    id: int | None = Field(default=None, primary_key=True)
    path_id: int = Field(foreign_key="learning_path.id", ondelete="CASCADE")
    position: int
    title: str = Field(max_length=200)


class PathItem(SQLModel, table=True):
    __tablename__ = "path_item"
    __table_args__ = (UniqueConstraint("section_id", "position"),)  # also the index for section_id

    id: int | None = Field(default=None, primary_key=True)
    section_id: int = Field(foreign_key="path_section.id", ondelete="CASCADE")
    article_id: int = Field(foreign_key="article.id", index=True)
    position: int
    optional: bool = False
    added_at: datetime = Field(default_factory=utcnow, description="when the article joined the path",
                               sa_column_kwargs={"server_default": text("CURRENT_TIMESTAMP")})


class Role(StrEnum):
    """What a user may do; each role can do everything the one before it can."""

    learner = "learner"
    mentor = "mentor"
    admin = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=32, unique=True, index=True, description="stored lower-case")
    display_name: str = Field(default="", max_length=80)
    password_hash: str = Field(max_length=255)
    role: Role = Field(default=Role.learner, sa_column=choice_column(Role, check="ck_user_role", default=Role.learner))
    is_active: bool = True
    must_change_password: bool = False
    # Rotated when the password changes or the account is deactivated, ending every other session.
    session_token: str = Field(default_factory=lambda: secrets.token_urlsafe(16), max_length=64)
    created_at: datetime = Field(default_factory=utcnow)

    @property
    def name(self) -> str:
        return self.display_name or self.username

    def has_role(self, role: Role) -> bool:
        return Role(self.role).rank >= role.rank


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


class Progress(SQLModel, table=True):
    """A learner's state on one article; shared by every path the article is in."""

    __table_args__ = (UniqueConstraint("user_id", "article_id"),)  # also the index for user_id

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    article_id: int = Field(foreign_key="article.id", index=True, ondelete="CASCADE")
    state: ProgressState = Field(sa_column=choice_column(ProgressState, check="ck_progress_state"))
    updated_at: datetime = Field(default_factory=utcnow)


class ProgressEvent(SQLModel, table=True):
    """Every change of state, appended in order: history, activity and streaks read it."""

    __tablename__ = "progress_event"
    # Every reader asks for one learner's events in time order (activity, heatmap, pace, last activity).
    __table_args__ = (Index("ix_progress_event_user_id_created_at", "user_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    article_id: int = Field(foreign_key="article.id", index=True, ondelete="CASCADE")
    state: ProgressState = Field(sa_column=choice_column(ProgressState, check="ck_progress_event_state"))
    created_at: datetime = Field(default_factory=utcnow)


class ApiToken(SQLModel, table=True):
    """A personal API token; only a hash of it is stored."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=80)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    hint: str = Field(max_length=16, description="the first characters, to tell tokens apart")
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class MentorshipStatus(StrEnum):
    invited = "invited"
    active = "active"
    declined = "declined"


class Mentorship(SQLModel, table=True):
    """A mentor guiding a learner: linked by an admin, or invited by the mentor and accepted."""

    __table_args__ = (UniqueConstraint("mentor_id", "learner_id"),)  # also the index for mentor_id

    id: int | None = Field(default=None, primary_key=True)
    mentor_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    learner_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    status: MentorshipStatus = Field(default=MentorshipStatus.active,
                                     sa_column=choice_column(MentorshipStatus, check="ck_mentorship_status",
                                                             default=MentorshipStatus.active))
    created_at: datetime = Field(default_factory=utcnow)
    responded_at: datetime | None = None


class Assignment(SQLModel, table=True):
    """A path a mentor asked a learner to follow, with an optional due date and note.

    One row per (learner, path): withdrawing keeps the row, assigning again revives it.
    """

    __table_args__ = (UniqueConstraint("learner_id", "path_id"),)  # also the index for learner_id

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    path_id: int = Field(foreign_key="learning_path.id", index=True, ondelete="CASCADE")
    # Who assigned it; a deleted mentor leaves the learner's assignment (and its history) in place.
    mentor_id: int | None = Field(default=None, foreign_key="user.id", index=True, ondelete="SET NULL")
    due_on: date | None = None
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = Field(default_factory=utcnow)
    withdrawn_at: datetime | None = None


class Note(SQLModel, table=True):
    """A learner's note on an article: private, or shared with their mentors."""

    __table_args__ = (UniqueConstraint("user_id", "article_id"),)  # also the index for user_id

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    article_id: int = Field(foreign_key="article.id", index=True, ondelete="CASCADE")
    body: str = Field(sa_column=Column(Text, nullable=False))
    shared: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class NoteReply(SQLModel, table=True):
    __tablename__ = "note_reply"

    id: int | None = Field(default=None, primary_key=True)
    note_id: int = Field(foreign_key="note.id", index=True, ondelete="CASCADE")
    author_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class NotificationKind(StrEnum):
    invitation = "invitation"    # a mentor invites the user
    assigned = "assigned"        # a mentor assigned a path
    reply = "reply"              # a mentor replied to a note
    due_soon = "due_soon"        # an assignment is due within three days
    overdue = "overdue"          # an assignment's due date has passed


class Notification(SQLModel, table=True):
    """An in-app message. `key` makes reminders idempotent (one 'due soon' per assignment)."""

    __table_args__ = (UniqueConstraint("user_id", "key"),  # also the index for user_id
                      Index("ix_notification_user_id_created_at", "user_id", "created_at"))

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    kind: NotificationKind = Field(sa_column=choice_column(NotificationKind, check="ck_notification_kind", length=32))
    key: str = Field(max_length=120)
    message: str = Field(max_length=500)
    link: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=utcnow)
    read_at: datetime | None = None


class PathVersion(SQLModel, table=True):
    """One saved state of a path: who, when, what changed, and the whole definition to restore."""

    __tablename__ = "path_version"
    __table_args__ = (UniqueConstraint("path_id", "version"),)  # also the index for path_id

    id: int | None = Field(default=None, primary_key=True)
    path_id: int = Field(foreign_key="learning_path.id", ondelete="CASCADE")
    version: int
    author_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    summary: str = Field(sa_column=Column(Text, nullable=False))
    definition: str = Field(sa_column=Column(Text, nullable=False), description="the path as YAML")
    status: PathStatus = Field(default=PathStatus.published,
                               sa_column=choice_column(PathStatus, check="ck_path_version_status",
                                                       default=PathStatus.published))
