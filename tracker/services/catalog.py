"""The article catalog: the committed data file, loading it into the database, and queries."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from slugify import slugify
from sqlalchemy import delete, func, or_
from sqlmodel import Session, select

from tracker.models import Article, ArticleTopic, Source, Topic, utcnow
from tracker.services.listings import READING_MINUTES_MAX, ParsedListing, topic_display_name, topic_slug
from tracker.services.errors import Invalid, NotFound

CATALOG_FILENAME = "catalog.yaml"
# Most listings give no reading time; estimates use this figure for those articles.
DEFAULT_READING_MINUTES = 10
ARTICLE_SLUG_MAX = 80


class CatalogError(Invalid):
    """The catalog file is unreadable or inconsistent."""


# ---------------------------------------------------------------- the data file

class SourceEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    slug: str = Field(min_length=1, max_length=80)
    name: str = Field(min_length=1, max_length=120)
    provenance: str = ""


class TopicEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    slug: str = Field(min_length=1, max_length=80)
    name: str = Field(min_length=1, max_length=80)


class ArticleEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    slug: str = Field(min_length=1, max_length=120)
    title: str = Field(min_length=1, max_length=300)
    summary: str = ""
    summary_truncated: bool = False
    source: str
    topics: list[str] = []
    series: str | None = None
    series_number: int | None = Field(default=None, ge=0, le=999)
    reading_minutes: int | None = Field(default=None, ge=1, le=READING_MINUTES_MAX)
    published_on: date | None = None
    url: str | None = None


class CatalogDocument(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sources: list[SourceEntry] = []
    topics: list[TopicEntry] = []
    articles: list[ArticleEntry] = []


def read_catalog_file(path: Path) -> CatalogDocument:
    """Read and validate the catalog data file (an absent file is an empty catalog)."""
    if not path.exists():
        return CatalogDocument()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        document = CatalogDocument.model_validate(raw)
    except (yaml.YAMLError, ValidationError) as exc:
        raise CatalogError(f"{path.name}: {exc}") from None
    known = {s.slug for s in document.sources}
    for entry in document.articles:
        if entry.source not in known:
            raise CatalogError(f"{path.name}: article {entry.slug!r} names unknown source {entry.source!r}")
    return document


def write_catalog_file(path: Path, document: CatalogDocument) -> None:
    """Write the data file in a stable, reviewable form."""
    data = document.model_dump(mode="json", exclude_defaults=True)
    data.setdefault("sources", [])
    data.setdefault("topics", [])
    data.setdefault("articles", [])
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    tmp = path.with_suffix(".tmp")
    tmp.write_text("# The article catalog. Regenerate with `tracker catalog import FILE...`.\n" + text,
                   encoding="utf-8")
    tmp.replace(path)


def merge_listing(document: CatalogDocument, listing: ParsedListing) -> CatalogDocument:
    """Replace one source's articles with a fresh parse, keeping every known article's slug."""
    previous = {slugify(a.title): a.slug for a in document.articles if a.source == listing.source_slug}
    others = [a for a in document.articles if a.source != listing.source_slug]
    taken = {a.slug for a in others}
    fresh: list[ArticleEntry] = []
    for parsed in listing.articles:
        slug = previous.get(slugify(parsed.title)) or _free_slug(parsed.title, listing.source_slug, taken)
        taken.add(slug)
        fresh.append(ArticleEntry(
            slug=slug, title=parsed.title, summary=parsed.summary,
            summary_truncated=parsed.summary_truncated, source=listing.source_slug,
            topics=parsed.topics, series=parsed.series, series_number=parsed.series_number,
            reading_minutes=parsed.reading_minutes, published_on=parsed.published_on, url=parsed.url,
        ))

    sources = [s for s in document.sources if s.slug != listing.source_slug]
    entry = SourceEntry(slug=listing.source_slug, name=listing.source_name, provenance=listing.provenance)
    order = [s.slug for s in document.sources]
    if listing.source_slug in order:
        sources.insert(order.index(listing.source_slug), entry)
    else:
        sources.append(entry)
    rank = {s.slug: i for i, s in enumerate(sources)}
    articles = sorted(others + fresh, key=lambda a: rank[a.source])  # stable: listing order kept
    return CatalogDocument(sources=sources, topics=_topics_of(articles), articles=articles)


def _free_slug(title: str, source_slug: str, taken: set[str]) -> str:
    base = slugify(title, max_length=ARTICLE_SLUG_MAX, word_boundary=True) or "article"
    if base not in taken:
        return base
    candidate = f"{base}-{source_slug}"
    counter = 2
    while candidate in taken:
        candidate = f"{base}-{source_slug}-{counter}"
        counter += 1
    return candidate


def _topics_of(articles: list[ArticleEntry]) -> list[TopicEntry]:
    spellings: dict[str, list[str]] = defaultdict(list)
    for article in articles:
        for name in article.topics:
            slug = topic_slug(name)
            if name not in spellings[slug]:
                spellings[slug].append(name)
    return sorted((TopicEntry(slug=slug, name=topic_display_name(names)) for slug, names in spellings.items()),
                  key=lambda t: t.name.lower())


# ---------------------------------------------------------------- loading into the database

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

    existing = {a.slug: a for a in session.exec(select(Article))}
    for entry in document.articles:
        fields = {
            "title": entry.title, "summary": entry.summary, "summary_truncated": entry.summary_truncated,
            "source_id": sources[entry.source].id, "series": entry.series,
            "series_number": entry.series_number, "reading_minutes": entry.reading_minutes,
            "published_on": entry.published_on, "url": entry.url,
        }
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
    return report


# ---------------------------------------------------------------- queries

@dataclass
class ArticleCard:
    """An article with what every listing shows beside it."""

    article: Article
    source: Source
    topics: list[Topic]

    @property
    def minutes(self) -> int:
        return self.article.reading_minutes or DEFAULT_READING_MINUTES


@dataclass
class Page:
    items: list[ArticleCard]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


class ArticleQuery(BaseModel):
    """Search parameters, as the catalog page and the API accept them."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    q: str = Field(default="", max_length=200)
    topic: str | None = Field(default=None, max_length=80)
    source: str | None = Field(default=None, max_length=80)
    page: int = Field(default=1, ge=1, le=100_000)
    per_page: int = Field(default=20, ge=1, le=100)

    @classmethod
    def from_args(cls, args) -> ArticleQuery:
        """Parse query-string arguments; raises QueryError with a readable message."""
        values = {key: value for key, value in args.items() if value != ""}
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            error = exc.errors()[0]
            raise QueryError(f"{error['loc'][0]}: {error['msg']}") from None


class QueryError(Invalid):
    """A search parameter is malformed."""


class UnknownFilter(QueryError):
    """A filter names a topic or source that does not exist."""


def article_cards(*, session: Session, articles: list[Article]) -> list[ArticleCard]:
    """Attach sources and topics to articles in two queries, whatever their number."""
    if not articles:
        return []
    ids = [a.id for a in articles]
    sources = {s.id: s for s in session.exec(
        select(Source).where(Source.id.in_({a.source_id for a in articles})))}
    by_article: dict[int, list[Topic]] = defaultdict(list)
    rows = session.exec(
        select(ArticleTopic.article_id, Topic)
        .join(Topic, Topic.id == ArticleTopic.topic_id)
        .where(ArticleTopic.article_id.in_(ids))
        .order_by(ArticleTopic.article_id, ArticleTopic.position)
    )
    for article_id, topic in rows:
        by_article[article_id].append(topic)
    return [ArticleCard(article=a, source=sources[a.source_id], topics=by_article[a.id]) for a in articles]


def search_articles(*, session: Session, query: ArticleQuery) -> Page:
    """Articles matching every word of `q` (title, summary or topic), filtered by topic and source slugs."""
    q, topic, source, page, per_page = query.q, query.topic, query.source, query.page, query.per_page
    statement = select(Article)
    if topic:
        topic_row = session.exec(select(Topic).where(Topic.slug == topic)).one_or_none()
        if topic_row is None:
            raise UnknownFilter(f"unknown topic '{topic}'")
        statement = statement.where(Article.id.in_(select(ArticleTopic.article_id).where(ArticleTopic.topic_id == topic_row.id)))
    if source:
        source_row = session.exec(select(Source).where(Source.slug == source)).one_or_none()
        if source_row is None:
            raise UnknownFilter(f"unknown source '{source}'")
        statement = statement.where(Article.source_id == source_row.id)
    for word in q.split():
        in_topics = select(ArticleTopic.article_id).join(Topic, Topic.id == ArticleTopic.topic_id).where(
            Topic.name.icontains(word, autoescape=True))
        statement = statement.where(or_(Article.title.icontains(word, autoescape=True),
                                Article.summary.icontains(word, autoescape=True),
                                Article.id.in_(in_topics)))
    total = session.exec(select(func.count()).select_from(statement.subquery())).one()
    rows = session.exec(
        statement.order_by(func.lower(Article.title), Article.id).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return Page(items=article_cards(session=session, articles=list(rows)), total=total, page=page, per_page=per_page)


def get_article(*, session: Session, slug: str) -> Article | None:
    return session.exec(select(Article).where(Article.slug == slug)).one_or_none()


def require_article(*, session: Session, slug: str) -> Article:
    """The article with this slug, or NotFound."""
    article = get_article(session=session, slug=slug)
    if article is None:
        raise NotFound(f"There is no article called '{slug}'.")
    return article


@dataclass
class TopicCount:
    topic: Topic
    article_count: int


def list_topics(*, session: Session) -> list[TopicCount]:
    """Every topic with its number of articles, by name."""
    rows = session.exec(
        select(Topic, func.count(ArticleTopic.article_id))
        .outerjoin(ArticleTopic, ArticleTopic.topic_id == Topic.id)
        .group_by(Topic.id).order_by(func.lower(Topic.name))
    )
    return [TopicCount(topic=t, article_count=n) for t, n in rows]


@dataclass
class SourceCount:
    source: Source
    article_count: int


def list_sources(*, session: Session) -> list[SourceCount]:
    rows = session.exec(
        select(Source, func.count(Article.id)).outerjoin(Article, Article.source_id == Source.id)
        .group_by(Source.id).order_by(Source.id)
    )
    return [SourceCount(source=s, article_count=n) for s, n in rows]


# ---------------------------------------------------------------- editing

class ArticleForm(BaseModel):
    """An article as an admin edits it."""

    model_config = ConfigDict(str_strip_whitespace=True)
    title: str = Field(min_length=1, max_length=300)
    url: str | None = Field(default=None, max_length=500, pattern=r"^https?://[^\s]+$")
    summary: str = Field(default="", max_length=5000)
    topics: list[str] = Field(default=[], max_length=12)
    source: str = Field(min_length=1, max_length=80)
    reading_minutes: int | None = Field(default=None, ge=1, le=READING_MINUTES_MAX)

    @classmethod
    def from_form(cls, form) -> ArticleForm:
        """Parse an HTML form; raises CatalogError naming the field."""
        data = {
            "title": form.get("title", ""), "url": form.get("url") or None, "summary": form.get("summary", ""),
            "topics": [t.strip() for t in form.get("topics", "").split(",") if t.strip()],
            "source": form.get("source", ""), "reading_minutes": form.get("reading_minutes") or None,
        }
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            error = exc.errors()[0]
            field = str(error["loc"][0]) if error["loc"] else "article"
            message = error["msg"]
            if field == "url":
                message = "must start with http:// or https:// and hold no spaces" if "pattern" in message else message
            raise CatalogError(f"{field.replace('_', ' ').capitalize()}: {message}.") from None


def save_article(*, session: Session, slug: str | None, form: ArticleForm) -> Article:
    """Create (slug None) or update an article, with its topics. Commits."""
    source = session.exec(select(Source).where(Source.slug == form.source)).one_or_none()
    if source is None:
        raise CatalogError(f"Source: unknown source '{form.source}'.")
    if any(len(t) > 80 for t in form.topics):
        raise CatalogError("Topics: each topic is at most 80 characters.")
    if slug is None:
        taken = set(session.exec(select(Article.slug)))
        article = Article(slug=_free_slug(form.title, source.slug, taken), title=form.title, source_id=source.id)
        session.add(article)
    else:
        article = require_article(session=session, slug=slug)
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
    session.commit()
    return article


def document_from_database(*, session: Session) -> CatalogDocument:
    """The catalog as stored, in the data-file form (so a pasted listing can be merged into it)."""
    cards = article_cards(session=session, articles=list(session.exec(select(Article).order_by(Article.id))))
    return CatalogDocument(
        sources=[SourceEntry(slug=s.slug, name=s.name, provenance=s.provenance)
                 for s in session.exec(select(Source).order_by(Source.id))],
        topics=[TopicEntry(slug=t.slug, name=t.name) for t in session.exec(select(Topic))],
        articles=[ArticleEntry(slug=c.article.slug, title=c.article.title, summary=c.article.summary,
                               summary_truncated=c.article.summary_truncated, source=c.source.slug,
                               topics=[t.name for t in c.topics], series=c.article.series,
                               series_number=c.article.series_number, reading_minutes=c.article.reading_minutes,
                               published_on=c.article.published_on, url=c.article.url) for c in cards],
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
                         updated_slugs=[a.slug for a in fresh if a.slug in before and before[a.slug] != a])


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
