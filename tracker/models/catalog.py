"""The catalog's tables: sources, topics, articles."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Text
from sqlalchemy import false as sa_false
from sqlmodel import Field, SQLModel

from tracker.models.base import utcnow


class Source(SQLModel, table=True):
    """A site whose listing page the catalog was imported from."""

    id: int = Field(default=None, primary_key=True)  # None until the row is first flushed
    slug: str = Field(max_length=80, unique=True, index=True)
    name: str = Field(max_length=120)
    provenance: str = Field(default="", max_length=200, description="the listing file it was imported from")


class Topic(SQLModel, table=True):
    """A normalised topic: 'distributed-systems' and 'Distributed Systems' are one row."""

    id: int = Field(default=None, primary_key=True)  # None until the row is first flushed
    slug: str = Field(max_length=80, unique=True, index=True)
    name: str = Field(max_length=80)


READING_MINUTES_MAX = 600  # longer than any article; a bigger figure is a typo or garbage


class ArticleBase(SQLModel):
    """An article's own fields, shared by the table, the catalog file's entry (`catalog_file.ArticleEntry`)
    and the API's answer (`api.schemas.ArticlePublic`): a new field is added here once."""

    title: str = Field(min_length=1, max_length=300)
    summary: str = ""
    summary_truncated: bool = False
    series: str | None = Field(default=None, max_length=80)
    series_number: int | None = Field(default=None, ge=0, le=999)
    series_number_inferred: bool = Field(default=False, description="the listing showed no number: it was "
                                                                    "inferred from the gaps in the series")
    reading_minutes: int | None = Field(default=None, ge=1, le=READING_MINUTES_MAX,
                                        description="as the listing gave it; None: the listing gave none")
    published_on: date | None = None
    url: str | None = Field(default=None, max_length=500)
    link_only: bool = Field(default=False, description="a one-line pointer (a title and a few words), not a "
                                                       "full article: never in a required slot of a path")


# Their names, as a set: the type model_dump's `include` takes.
ARTICLE_FIELDS: set[str] = set(ArticleBase.model_fields)


class Article(ArticleBase, table=True):
    id: int = Field(default=None, primary_key=True)  # None until the row is first flushed
    slug: str = Field(max_length=120, unique=True, index=True)
    summary: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    source_id: int = Field(foreign_key="source.id", index=True)
    estimated_minutes: int | None = Field(default=None, ge=1, le=READING_MINUTES_MAX,
                                          description="the estimate used while reading_minutes is None")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    # A personal resource: a learner's own link, in a personal path or beside an article (none: the catalog's).
    owner_id: int | None = Field(default=None, foreign_key="user.id", index=True, ondelete="CASCADE")
    attached_to_id: int | None = Field(default=None, foreign_key="article.id", index=True, ondelete="CASCADE",
                                       description="the catalog article it sits beside")
    shared_with_mentors: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()},
                                      description="a personal resource its owner's mentors may see")


class ArticleTopic(SQLModel, table=True):
    """Topics of an article, in the order the listing gave them."""

    __tablename__ = "article_topic"

    article_id: int = Field(foreign_key="article.id", primary_key=True, ondelete="CASCADE")
    topic_id: int = Field(foreign_key="topic.id", primary_key=True, index=True, ondelete="CASCADE")
    position: int = 0


class ContentStamp(SQLModel, table=True):
    """One row: a new random value every time the curriculum lists show changes (articles, sources, topics, a
    path's sections and items), written in the same transaction. Each process keeps what it read of the
    curriculum under the stamp it read it with (tracker.services.curriculum.kept), so every process sees a change
    at its next request, and a restored backup brings back the stamp that goes with its content."""

    __tablename__ = "content_stamp"

    id: int = Field(default=1, primary_key=True)
    stamp: str = Field(max_length=32)
    changed_at: datetime = Field(default_factory=utcnow)
