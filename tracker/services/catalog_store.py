"""Changing the stored catalog: loading a catalog document, editing an article, importing a pasted listing,
and giving articles their links in bulk."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

import yaml

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import delete
from sqlmodel import Session, select

from tracker.models import ARTICLE_FIELDS, READING_MINUTES_MAX, Article, ArticleTopic, Source, Topic, utcnow
from tracker.services.catalog import ArticleCard, article_cards, estimate_minutes, require_article
from tracker.services.catalog_file import (
    ArticleEntry,
    CatalogDocument,
    CatalogError,
    SourceEntry,
    TopicEntry,
    free_slug,
    merge_listing,
)
from tracker.services.listings import ParsedListing, topic_display_name, topic_slug


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def load_catalog(*, session: Session, document: CatalogDocument, update_existing: bool) -> LoadReport:
    """Insert the document's sources, topics and articles; with update_existing, refresh known ones too.

    Idempotent: rows are matched by slug, so loading twice changes nothing the second time.
    The caller commits.
    """
    report = LoadReport()
    sources, topics = _sources_and_topics(session, document, update_existing=update_existing)
    existing = {a.slug: a for a in session.exec(select(Article))}
    for entry in document.articles:
        fields = entry.model_dump(include=ARTICLE_FIELDS) | {"source_id": sources[entry.source].id}
        row = existing.get(entry.slug)
        if row is None:
            row = Article(slug=entry.slug, **fields)
            session.add(row)
            session.flush()
            report.created += 1
        elif update_existing and any(getattr(row, k) != v for k, v in fields.items()):
            for key, value in fields.items():
                setattr(row, key, value)
            row.updated_at = utcnow()
            report.updated += 1
        else:
            report.unchanged += 1
            if not update_existing:
                continue
        topic_ids = list(dict.fromkeys(topics[topic_slug(n)].id for n in entry.topics))
        session.exec(delete(ArticleTopic).where(ArticleTopic.article_id == row.id))
        session.add_all(ArticleTopic(article_id=row.id, topic_id=tid, position=i) for i, tid in enumerate(topic_ids))
    session.flush()
    refresh_estimates(session=session)
    return report


def refresh_estimates(*, session: Session) -> int:
    """Give every article without a reading time the estimate `catalog.estimate_minutes` makes for its
    source (and clear it where the listing gives one); returns how many changed. The caller commits."""
    given: dict[int, list[int]] = {source_id: [] for source_id in session.exec(select(Source.id))}
    for source_id, minutes in session.exec(select(Article.source_id, Article.reading_minutes)
                                           .where(Article.reading_minutes.is_not(None))):
        given[source_id].append(minutes)
    estimates = estimate_minutes(given)
    changed = 0
    for article in session.exec(select(Article)):
        wanted = None if article.reading_minutes else estimates.get(article.source_id)
        if article.estimated_minutes != wanted:
            article.estimated_minutes = wanted
            session.add(article)
            changed += 1
    session.flush()
    return changed


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
    def from_data(cls, data: dict) -> ArticleForm:
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
    ids = [id_ for id_, stored in session.exec(select(Article.id, Article.title))
           if title_key(stored) == key and (excluding is None or id_ != excluding.id)]
    if not ids:
        return []
    return article_cards(session=session, articles=list(session.exec(
        select(Article).where(Article.id.in_(ids)).order_by(Article.title, Article.id))))


class DuplicateTitle(CatalogError):
    """Another article has this title; saved only once the admin confirms theirs is a different article."""

    def __init__(self, title: str, matches: list[ArticleCard]):
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
    if source is None:
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
    ids = []
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
    session.exec(delete(ArticleTopic).where(ArticleTopic.article_id == article.id))
    session.add_all(ArticleTopic(article_id=article.id, topic_id=tid, position=i) for i, tid in enumerate(ids))
    session.flush()
    refresh_estimates(session=session)
    session.commit()
    return article


def _sources_and_topics(session: Session, document: CatalogDocument, *, update_existing: bool):
    """The document's sources and topics as rows, by slug: missing ones added, known ones refreshed if asked."""
    sources = {s.slug: s for s in session.exec(select(Source))}
    for entry in document.sources:
        row = sources.get(entry.slug)
        if row is None:
            row = sources[entry.slug] = Source(slug=entry.slug, name=entry.name, provenance=entry.provenance)
            session.add(row)
        elif update_existing:
            row.name, row.provenance = entry.name, entry.provenance
    topics = {t.slug: t for t in session.exec(select(Topic))}
    names = {t.slug: t.name for t in document.topics}
    for article in document.articles:
        for name in article.topics:
            slug = topic_slug(name)
            if slug not in topics:
                topics[slug] = Topic(slug=slug, name=names.get(slug) or topic_display_name([name]))
                session.add(topics[slug])
            elif update_existing and slug in names:
                topics[slug].name = names[slug]
    session.flush()
    return sources, topics


def document_from_database(*, session: Session) -> CatalogDocument:
    """The catalog as stored, in the data-file form (so a pasted listing can be merged into it)."""
    cards = article_cards(session=session, articles=list(session.exec(select(Article).order_by(Article.id))))
    return CatalogDocument(
        sources=[SourceEntry(slug=s.slug, name=s.name, provenance=s.provenance)
                 for s in session.exec(select(Source).order_by(Source.id))],
        topics=[TopicEntry(slug=t.slug, name=t.name) for t in session.exec(select(Topic))],
        articles=[ArticleEntry(slug=c.article.slug, source=c.source.slug, topics=[t.name for t in c.topics],
                               **c.article.model_dump(include=ARTICLE_FIELDS)) for c in cards],
    )


@dataclass
class ListingImport:
    listing: ParsedListing
    document: CatalogDocument
    new_slugs: list[str]
    updated_slugs: list[str]


def plan_listing_import(*, session: Session, listing: ParsedListing) -> ListingImport:
    """What importing a parsed listing would add and change, without saving anything."""
    current = document_from_database(session=session)
    merged = merge_listing(current, listing)
    before = {a.slug: a for a in current.articles}
    fresh = [a for a in merged.articles if a.source == listing.source_slug]
    return ListingImport(listing=listing, document=merged,
                         new_slugs=[a.slug for a in fresh if a.slug not in before],
                         updated_slugs=[a.slug for a in fresh if a.slug in before and _differs(before[a.slug], a)])


def _differs(stored: ArticleEntry, parsed: ArticleEntry) -> bool:
    """A real change: topics are one topic whatever their spelling ('system design' is 'System Design')."""
    return (stored.model_dump(exclude={"topics"}) != parsed.model_dump(exclude={"topics"})
            or [topic_slug(t) for t in stored.topics] != [topic_slug(t) for t in parsed.topics])


def import_listing(*, session: Session, plan: ListingImport) -> LoadReport:
    """Save a planned listing import: new articles added, that source's known ones refreshed. Commits."""
    subset = CatalogDocument(
        sources=[s for s in plan.document.sources if s.slug == plan.listing.source_slug],
        topics=plan.document.topics,
        articles=[a for a in plan.document.articles if a.source == plan.listing.source_slug],
    )
    try:
        report = load_catalog(session=session, document=subset, update_existing=True)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return report


URL_PATTERN = re.compile(r"^https?://[^\s]+$")
LINKS_MAX = 5000  # far more than the catalog holds


def parse_links(text: str) -> dict[str, str]:
    """Articles' links given in bulk: CSV lines `slug,url` (an optional `slug,url` header), or a YAML
    mapping `slug: url`. CatalogError naming the line otherwise."""
    stripped = text.strip()
    if not stripped:
        raise CatalogError("Links: nothing given (one `slug,url` per line, or a YAML mapping slug: url).")
    links: dict[str, str] = {}
    if "," in stripped.splitlines()[0]:
        for number, row in enumerate(csv.reader(io.StringIO(stripped)), start=1):
            if not row or not "".join(row).strip() or (number == 1 and [c.strip().lower() for c in row] == ["slug", "url"]):
                continue
            if len(row) != 2:
                raise CatalogError(f"Links: line {number} should be `slug,url`.")
            links[row[0].strip()] = row[1].strip()
    else:
        try:
            data = yaml.safe_load(stripped)
        except yaml.YAMLError:
            raise CatalogError("Links: not CSV (`slug,url` per line) nor a YAML mapping (slug: url).") from None
        if not isinstance(data, dict):
            raise CatalogError("Links: not CSV (`slug,url` per line) nor a YAML mapping (slug: url).")
        links = {str(slug).strip(): str(url).strip() if url is not None else "" for slug, url in data.items()}
    if len(links) > LINKS_MAX:
        raise CatalogError(f"Links: {len(links)} lines; at most {LINKS_MAX} at once.")
    return links


def set_links(*, session: Session, links: dict[str, str]) -> int:
    """Give articles their links (an empty URL removes one); all or nothing, CatalogError naming every
    unknown slug or bad URL. Returns how many articles changed. Commits."""
    bad = [f"{slug}: {url!r}" for slug, url in links.items() if url and (len(url) > 500 or not URL_PATTERN.match(url))]
    if bad:
        raise CatalogError("Links must start with http:// or https:// and hold no spaces: " + "; ".join(bad[:5])
                           + (f" and {len(bad) - 5} more" if len(bad) > 5 else "") + ".")
    articles = {a.slug: a for a in session.exec(select(Article).where(Article.slug.in_(list(links))))}
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
