"""The curriculum's tables: paths, their sections and items, and every saved version."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Text, UniqueConstraint, text
from sqlalchemy import false as sa_false
from sqlmodel import Field, SQLModel

from tracker.models.base import choice_column, utcnow


class PathStatus(StrEnum):
    draft = "draft"            # only admins see it
    published = "published"
    archived = "archived"      # kept and visible to those who follow it or were assigned it; hidden from others

    @property
    def label(self) -> str:
        return self.value.capitalize()


class SectionKind(StrEnum):
    core = "core"          # every required article counts
    elective = "elective"  # any `pick` of its required articles complete it

    @property
    def label(self) -> str:
        return self.value.capitalize()


class LearningPath(SQLModel, table=True):
    __tablename__ = "learning_path"

    id: int = Field(default=None, primary_key=True)  # None until the row is first flushed
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
    # Mastery: a share of the required articles must have a reviewed card recalled at this retrievability.
    mastery_percent: int | None = Field(default=None, ge=1, le=100,
                                        description="share of required articles to recall (none: reading only)")
    mastery_retrievability: int | None = Field(default=None, ge=50, le=99,
                                               description="FSRS retrievability, in percent, a card must hold")
    # A personal path: a learner's own copy (none: a curated path everyone may see).
    owner_id: int | None = Field(default=None, foreign_key="user.id", index=True, ondelete="CASCADE")
    forked_from_id: int | None = Field(default=None, foreign_key="learning_path.id", index=True,
                                       ondelete="SET NULL", description="the curated path it was copied from")
    forked_version: int | None = Field(default=None, description="the curated path's version the copy has "
                                                                 "taken or left every change up to")
    shared_with_mentors: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()},
                                      description="a personal path its owner's mentors may see")


class PathPrerequisite(SQLModel, table=True):
    """A path to finish before another: recommended (shown before following) or required (following and
    assignments wait until it is complete)."""

    __tablename__ = "path_prerequisite"
    __table_args__ = (UniqueConstraint("path_id", "prerequisite_id"),)  # also the index for path_id

    id: int = Field(default=None, primary_key=True)  # None until the row is first flushed
    path_id: int = Field(foreign_key="learning_path.id", ondelete="CASCADE")
    prerequisite_id: int = Field(foreign_key="learning_path.id", index=True, ondelete="CASCADE")
    required: bool = False
    position: int = 0


class PathSection(SQLModel, table=True):
    __tablename__ = "path_section"
    __table_args__ = (UniqueConstraint("path_id", "position"),)  # also the index for path_id

    id: int = Field(default=None, primary_key=True)  # None until the row is first flushed
    path_id: int = Field(foreign_key="learning_path.id", ondelete="CASCADE")
    position: int
    title: str = Field(max_length=200)
    why: str = Field(default="", max_length=300, sa_column_kwargs={"server_default": ""},
                     description="one line: why these articles, in this order")
    kind: SectionKind = Field(default=SectionKind.core,
                              sa_column=choice_column(SectionKind, check="ck_path_section_kind",
                                                      default=SectionKind.core,
                                                      server_default=SectionKind.core.value))
    pick: int | None = Field(default=None, ge=1, description="an elective section: how many of its required "
                                                              "articles complete it")
    sequential: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()},
                             description="each article opens when the one before it is settled")


class PathItem(SQLModel, table=True):
    __tablename__ = "path_item"
    __table_args__ = (UniqueConstraint("section_id", "position"),)  # also the index for section_id

    id: int = Field(default=None, primary_key=True)  # None until the row is first flushed
    section_id: int = Field(foreign_key="path_section.id", ondelete="CASCADE")
    article_id: int = Field(foreign_key="article.id", index=True)
    position: int
    optional: bool = False
    added_at: datetime = Field(default_factory=utcnow, description="when the article joined the path",
                               sa_column_kwargs={"server_default": text("CURRENT_TIMESTAMP")})


class PathVersion(SQLModel, table=True):
    """One saved state of a path: who, when, what changed, and the whole definition to restore."""

    __tablename__ = "path_version"
    __table_args__ = (UniqueConstraint("path_id", "version"),)  # also the index for path_id

    id: int = Field(default=None, primary_key=True)  # None until the row is first flushed
    path_id: int = Field(foreign_key="learning_path.id", ondelete="CASCADE")
    version: int
    author_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    summary: str = Field(sa_column=Column(Text, nullable=False))
    definition: str = Field(sa_column=Column(Text, nullable=False), description="the path as YAML")
    status: PathStatus = Field(default=PathStatus.published,
                               sa_column=choice_column(PathStatus, check="ck_path_version_status",
                                                       default=PathStatus.published))


class ForkChoice(SQLModel, table=True):
    """A personal path's owner decided one change of the curated path it was copied from: taken into the copy or
    left. Once every change up to a curated version is decided, the copy's `forked_version` advances to it."""

    __tablename__ = "fork_choice"
    __table_args__ = (UniqueConstraint("path_id", "upstream_version", "change_key"),)  # also the index for path_id

    id: int = Field(default=None, primary_key=True)  # None until the row is first flushed
    path_id: int = Field(foreign_key="learning_path.id", ondelete="CASCADE")
    upstream_version: int = Field(description="the curated path's version the change belongs to")
    change_key: str = Field(max_length=200, description="which change: its kind and what it touches")
    taken: bool
    decided_at: datetime = Field(default_factory=utcnow)
