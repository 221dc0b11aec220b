"""The catalog data file (`paths/catalog.yaml`): its format, reading, writing, and merging a parsed listing.

Pure: no database. `catalog_store` loads a document into the database.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_serializer
from slugify import slugify

from tracker.services.errors import Invalid
from tracker.models import ArticleBase
from tracker.services.listings import ParsedListing, topic_display_name, topic_slug


CATALOG_FILENAME = "catalog.yaml"


ARTICLE_SLUG_MAX = 80


class CatalogError(Invalid):
    """The catalog file is unreadable or inconsistent."""


class SourceEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    slug: str = Field(min_length=1, max_length=80)
    name: str = Field(min_length=1, max_length=120)
    provenance: str = ""


class TopicEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    slug: str = Field(min_length=1, max_length=80)
    name: str = Field(min_length=1, max_length=80)


class ArticleEntry(ArticleBase):
    """An article in the catalog file: its own fields, plus its slug, its source's slug and its topics."""

    model_config = ConfigDict(extra="forbid")
    slug: str = Field(min_length=1, max_length=120)
    source: str
    topics: list[str] = []

    @model_serializer(mode="wrap")
    def _file_order(self, handler):
        # The file reads slug, title, summary, then where it comes from, then the rest (new fields last).
        data = handler(self)
        own = list(ArticleBase.model_fields)
        order = ["slug", *own[:3], "source", "topics", *own[3:]]
        return {key: data[key] for key in order if key in data}


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
    except UnicodeDecodeError as exc:
        raise CatalogError(f"{path.name}: not UTF-8 text (byte {exc.start})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise CatalogError(f"{path.name}: not valid YAML{where} (is the file cut short?)") from None
    try:
        document = CatalogDocument.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "the file"
        raise CatalogError(f"{path.name}: {where}: {error['msg']}") from None
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
        slug = previous.get(slugify(parsed.title)) or free_slug(parsed.title, listing.source_slug, taken)
        taken.add(slug)
        fresh.append(ArticleEntry(slug=slug, source=listing.source_slug, **asdict(parsed)))

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


def free_slug(title: str, source_slug: str, taken: set[str]) -> str:
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
