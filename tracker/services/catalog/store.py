"""Changing the stored catalog: loading a catalog document, editing an article, importing a pasted listing,
and giving articles their links in bulk."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from sqlalchemy import delete
from sqlmodel import Session, col, select

from tracker.models import ARTICLE_FIELDS, Article, ArticleTopic, Source, Topic, utcnow
from tracker.services.catalog.articles import PERSONAL_SOURCE, article_cards, estimate_minutes, in_catalog
from tracker.services.catalog.datafile import (
    ArticleEntry,
    CatalogDocument,
    SourceEntry,
    TopicEntry,
    merge_listing,
)
from tracker.services.catalog.listings import ParsedListing, topic_display_name, topic_slug

# `model_dump` takes a set (pydantic's IncEx), not a frozenset.
_ARTICLE_FIELDS = set(ARTICLE_FIELDS)


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
    existing = {a.slug: a for a in session.exec(select(Article).where(in_catalog()))}
    for entry in document.articles:
        fields = entry.model_dump(include=_ARTICLE_FIELDS) | {"source_id": sources[entry.source].id}
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
        session.exec(delete(ArticleTopic).where(col(ArticleTopic.article_id) == row.id))
        session.add_all(ArticleTopic(article_id=row.id, topic_id=tid, position=i) for i, tid in enumerate(topic_ids))
    session.flush()
    refresh_estimates(session=session)
    return report


def refresh_estimates(*, session: Session) -> int:
    """Give every article without a reading time the estimate `catalog.estimate_minutes` makes for its
    source (and clear it where the listing gives one); returns how many changed. The caller commits."""
    given: dict[int, list[int]] = {source_id: [] for source_id in session.exec(select(Source.id))}
    for source_id, minutes in session.exec(select(Article.source_id, Article.reading_minutes)
                                           .where(col(Article.reading_minutes).is_not(None), in_catalog())):
        given[source_id].append(cast(int, minutes))  # never None: the query leaves those out
    estimates = estimate_minutes(given)
    changed = 0
    for article in session.exec(select(Article).where(in_catalog())):  # a learner's resource is theirs to time
        wanted = None if article.reading_minutes else estimates.get(article.source_id)
        if article.estimated_minutes != wanted:
            article.estimated_minutes = wanted
            session.add(article)
            changed += 1
    session.flush()
    return changed


def _sources_and_topics(session: Session, document: CatalogDocument, *,
                        update_existing: bool) -> tuple[dict[str, Source], dict[str, Topic]]:
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
    cards = article_cards(session=session, articles=list(session.exec(
        select(Article).where(in_catalog()).order_by(col(Article.id)))))
    return CatalogDocument(
        sources=[SourceEntry(slug=s.slug, name=s.name, provenance=s.provenance)
                 for s in session.exec(select(Source).where(Source.slug != PERSONAL_SOURCE).order_by(col(Source.id)))],
        topics=[TopicEntry(slug=t.slug, name=t.name) for t in session.exec(select(Topic))],
        articles=[ArticleEntry(slug=c.article.slug, source=c.source.slug, topics=[t.name for t in c.topics],
                               **c.article.model_dump(include=_ARTICLE_FIELDS)) for c in cards],
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


