"""An admin's edits to the catalog: one article (checked, with a warning for a title already taken), and
links in bulk (slug,url CSV or YAML)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import delete
from sqlmodel import Session, col, select

from tracker.models import READING_MINUTES_MAX, Article, ArticleTopic, Source, Topic, utcnow
from tracker.services import documents
from tracker.services.catalog.articles import (
    PERSONAL_SOURCE,
    ArticleCard,
    article_cards,
    in_catalog,
    require_article,
)
from tracker.services.catalog.datafile import (
    CatalogError,
    free_slug,
)
from tracker.services.catalog.listings import topic_slug
from tracker.services.catalog.store import refresh_estimates


class ArticleForm(BaseModel):
    """An article as an admin edits it."""

    model_config = ConfigDict(str_strip_whitespace=True)
    title: str = Field(min_length=1, max_length=300)
    url: str | None = Field(default=None, max_length=500, pattern=r"^https?://[^\s]+$")  # as URL_PATTERN
    summary: str = Field(default="", max_length=5000)
    topics: list[str] = Field(default=[], max_length=12)
    source: str = Field(min_length=1, max_length=80)
    reading_minutes: int | None = Field(default=None, ge=1, le=READING_MINUTES_MAX)

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> ArticleForm:
        """Check an article's fields as plain data; CatalogError naming the field otherwise."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            error = exc.errors()[0]
            field = str(error["loc"][0]) if error["loc"] else "article"
            message = error["msg"]
            if field == "url":
                message = "must start with http:// or https:// and hold no spaces" if "pattern" in message else message
            raise CatalogError(f"{field.replace('_', ' ').capitalize()}: {message}.") from None


def title_key(title: str) -> str:
    """A title as duplicates are matched: case and spacing do not count."""
    return " ".join(title.split()).casefold()


def articles_titled(*, session: Session, title: str, excluding: Article | None = None) -> list[ArticleCard]:
    """The articles whose title is `title` (ignoring case and spacing), with their sources, but `excluding`."""
    # Compared in Python: SQLite's lower() folds ASCII only, and the titles are a small column to read.
    key = title_key(title)
    ids = [id_ for id_, stored in session.exec(select(Article.id, Article.title).where(in_catalog()))
           if title_key(stored) == key and (excluding is None or id_ != excluding.id)]
    if not ids:
        return []
    return article_cards(session=session, articles=list(session.exec(
        select(Article).where(col(Article.id).in_(ids)).order_by(col(Article.title), col(Article.id)))))


class DuplicateTitle(CatalogError):
    """Another article has this title; saved only once the admin confirms theirs is a different article."""

    def __init__(self, title: str, matches: list[ArticleCard]) -> None:
        named = "; ".join(f"“{c.article.title}” from {c.source.name} ({c.article.slug})" for c in matches)
        super().__init__(f"Title: “{title}” is already the title of {named}. Nothing was saved: if yours is a "
                         "different article, confirm it and save again.", existing=[c.article.slug for c in matches])
        self.title = title
        self.matches = matches


def save_article(*, session: Session, slug: str | None, form: ArticleForm,
                 confirmed_title: str | None = None) -> Article:
    """Create (slug None) or update an article, with its topics. Commits.

    A title that another article already has (a new article, or an edit that changes the title) is refused
    with DuplicateTitle naming them, unless `confirmed_title` is that same title: the admin said it is a
    different article (two sources may publish the same title).
    """
    source = session.exec(select(Source).where(Source.slug == form.source)).one_or_none()
    if source is None or source.slug == PERSONAL_SOURCE:  # learners' own resources are not the catalog's
        raise CatalogError(f"Source: unknown source '{form.source}'.")
    if any(len(t) > 80 for t in form.topics):
        raise CatalogError("Topics: each topic is at most 80 characters.")
    article = require_article(session=session, slug=slug) if slug is not None else None
    if (article is None or title_key(article.title) != title_key(form.title)) \
            and title_key(confirmed_title or "") != title_key(form.title):
        if matches := articles_titled(session=session, title=form.title, excluding=article):
            raise DuplicateTitle(form.title, matches)
    if article is None:
        taken = set(session.exec(select(Article.slug)))
        article = Article(slug=free_slug(form.title, source.slug, taken), title=form.title, source_id=source.id)
        session.add(article)
    article.title, article.url, article.summary = form.title, form.url, form.summary
    article.source_id, article.reading_minutes = source.id, form.reading_minutes
    article.summary_truncated = False if slug is None else article.summary_truncated
    article.updated_at = utcnow()
    session.flush()
    topics = {t.slug: t for t in session.exec(select(Topic))}
    ids: list[int] = []
    for name in form.topics:
        key = topic_slug(name)
        if not key:
            continue
        if key not in topics:
            topics[key] = Topic(slug=key, name=name)
            session.add(topics[key])
            session.flush()
        if topics[key].id not in ids:
            ids.append(topics[key].id)
    session.exec(delete(ArticleTopic).where(col(ArticleTopic.article_id) == article.id))
    session.add_all(ArticleTopic(article_id=article.id, topic_id=tid, position=i) for i, tid in enumerate(ids))
    session.flush()
    refresh_estimates(session=session)
    session.commit()
    return article


URL_PATTERN = re.compile(r"^https?://[^\s]+$")


LINKS_MAX = 5000  # far more than the catalog holds


def parse_links(text: str, *, name: str = "Links") -> dict[str, str]:
    """Articles' links given in bulk: CSV lines `slug,url` (an optional `slug,url` header), or a YAML
    mapping `slug: url`, read within the upload bounds (`documents`). CatalogError naming the line otherwise."""
    stripped = documents.checked_text(text, name=name).strip()
    if not stripped:
        raise CatalogError(f"{name}: nothing given (one `slug,url` per line, or a YAML mapping slug: url).")
    links: dict[str, str] = {}
    if "," in stripped.splitlines()[0]:
        for number, row in documents.csv_rows(stripped, name=name):
            header = number == 1 and [c.strip().lower() for c in row] == ["slug", "url"]
            if not row or not "".join(row).strip() or header:
                continue
            if len(row) != 2:
                raise CatalogError(f"{name}: line {number} should be `slug,url`.")
            links[row[0].strip()] = row[1].strip()
    else:
        data = documents.yaml_document(stripped, name=name)
        if not isinstance(data, dict) or any(isinstance(value, dict | list) for value in data.values()):
            raise CatalogError(f"{name}: not CSV (`slug,url` per line) nor a YAML mapping (slug: url).")
        links = {str(slug).strip(): str(url).strip() if url is not None else "" for slug, url in data.items()}
    if len(links) > LINKS_MAX:
        raise CatalogError(f"{name}: {len(links)} lines; at most {LINKS_MAX} at once.")
    return links


def set_links(*, session: Session, links: dict[str, str]) -> int:
    """Give articles their links (an empty URL removes one); all or nothing, CatalogError naming every
    unknown slug or bad URL. Returns how many articles changed. Commits."""
    bad = [f"{slug}: {url!r}" for slug, url in links.items() if url and (len(url) > 500 or not URL_PATTERN.match(url))]
    if bad:
        raise CatalogError("Links must start with http:// or https:// and hold no spaces: " + "; ".join(bad[:5])
                           + (f" and {len(bad) - 5} more" if len(bad) > 5 else "") + ".")
    articles = {a.slug: a for a in session.exec(
        select(Article).where(col(Article.slug).in_(list(links)), in_catalog()))}
    unknown = [slug for slug in links if slug not in articles]
    if unknown:
        raise CatalogError("Links name no such article: " + ", ".join(unknown[:10])
                           + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "") + ". Nothing was changed.")
    changed = 0
    for slug, url in links.items():
        article = articles[slug]
        if (article.url or "") != url:
            article.url = url or None
            article.updated_at = utcnow()
            changed += 1
    session.commit()
    return changed
