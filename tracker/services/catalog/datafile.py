"""The catalog data file (`paths/catalog.yaml`): its format, reading, writing, merging parsed listings
into it (slugs that do not depend on import order), and the topic rules the import applies
(`paths/import/topics.yaml`).

Pure: no database. `catalog_store` loads a document into the database.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import asdict
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SerializerFunctionWrapHandler,
    ValidationError,
    model_serializer,
    model_validator,
)
from sqlmodel.main import SQLModelConfig

from tracker.models import ArticleBase
from tracker.resources import resource_dir
from tracker.services.catalog.listings import ParsedListing, topic_display_name, topic_slug, unique_by_slug
from tracker.services.errors import Invalid

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

    model_config = SQLModelConfig(extra="forbid")
    slug: str = Field(min_length=1, max_length=120)
    source: str
    topics: list[str] = Field(default_factory=list)

    @model_serializer(mode="wrap")
    def _file_order(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
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


def merge_listing(document: CatalogDocument, listing: ParsedListing, *,
                  topic_rules: TopicRules | None = None) -> CatalogDocument:
    """Replace one source's articles with a fresh parse (see `merge_listings`): the admin's import."""
    return merge_listings(document, [listing], topic_rules=topic_rules)


def merge_listings(document: CatalogDocument, listings: list[ParsedListing], *,
                   topic_rules: TopicRules | None = None) -> CatalogDocument:
    """Replace each listing's source's articles with its fresh parse; the order of `listings` does not matter.

    Slugs: an article already in the document (same source, same title) keeps its slug, whatever the
    rules below would give it now. New articles are given slugs in a fixed order, sources by provenance
    (their file's name: 000_... before 003_...) then listing order, so where two new articles share a
    title the one from the first source gets the bare slug and the other `-<source-slug>`. Once written,
    a slug is kept: a later import never takes it back. Long on purpose: one ordered procedure, read whole.

    The file lists sources by provenance and articles by source then listing order. The topic rules
    (aliases, dropped names, keyword topics; the bundled `paths/import/topics.yaml` unless others are
    given) are applied to the fresh articles' topics.
    """
    topic_rules = topic_rules if topic_rules is not None else bundled_topic_rules()
    listings = sorted(listings, key=lambda listing: (listing.provenance, listing.source_slug))
    seen: dict[str, str] = {}
    for listing in listings:
        if listing.source_slug in seen:
            raise CatalogError(f"{seen[listing.source_slug]} and {listing.provenance} are both listings of "
                               f"{listing.source_name!r}: import them one at a time")
        seen[listing.source_slug] = listing.provenance
    replaced = set(seen)
    kept = [a for a in document.articles if a.source not in replaced]
    taken = {a.slug for a in kept}

    # Known articles first, so that no new article can take a slug a known one keeps.
    slugs: dict[tuple[int, int], str] = {}
    for i, listing in enumerate(listings):
        previous = {title_key(a.title): a.slug for a in document.articles if a.source == listing.source_slug}
        for j, parsed in enumerate(listing.articles):
            slug = previous.pop(title_key(parsed.title), None)
            if slug is not None and slug not in taken:
                slugs[i, j] = slug
                taken.add(slug)
    fresh: list[ArticleEntry] = []
    for i, listing in enumerate(listings):
        for j, parsed in enumerate(listing.articles):
            slug = slugs.get((i, j)) or free_slug(parsed.title, listing.source_slug, taken)
            taken.add(slug)
            fields = asdict(parsed)
            fields["topics"] = topic_rules.topics_for(title=parsed.title, summary=parsed.summary, topics=parsed.topics)
            fresh.append(ArticleEntry(slug=slug, source=listing.source_slug, **fields))

    entries = {s.slug: s for s in document.sources if s.slug not in replaced}
    entries |= {listing.source_slug: SourceEntry(slug=listing.source_slug, name=listing.source_name,
                                                 provenance=listing.provenance) for listing in listings}
    sources = sorted(entries.values(), key=lambda s: (s.provenance, s.slug))
    rank = {s.slug: i for i, s in enumerate(sources)}
    articles = sorted(kept + fresh, key=lambda a: rank[a.source])  # stable: listing order kept
    return CatalogDocument(sources=sources, topics=_topics_of(articles), articles=articles)


def title_key(title: str) -> str:
    """What makes two titles the same title when matching a re-imported article to its slug."""
    return topic_slug(title)


# Little words a cut slug should not end on: "...-examples-in" reads as cut mid-phrase.
_DANGLING_WORDS = frozenset(
    "a an and as at but by for from in into nor of on or per the to via vs with without".split())


def article_slug(title: str) -> str:
    """The slug a new article's title gives: "C#" spelled as `c-sharp` (as in topic slugs), and a slug
    longer than ARTICLE_SLUG_MAX cut at a word boundary, never ending on a little word like "in" or "and"."""
    words = topic_slug(title).split("-")
    kept: list[str] = []
    for word in words:
        if len("-".join([*kept, word])) > ARTICLE_SLUG_MAX:
            break
        kept.append(word)
    if len(kept) < len(words):
        while len(kept) > 1 and kept[-1] in _DANGLING_WORDS:
            kept.pop()
        if not kept:  # a single word longer than the limit
            return "-".join(words)[:ARTICLE_SLUG_MAX].strip("-")
    return "-".join(kept) or "article"


def free_slug(title: str, source_slug: str, taken: set[str]) -> str:
    """A slug for a new article that no other article has: its title's, else suffixed with its source's slug."""
    base = article_slug(title)
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


# ---------------------------------------------------------------- topic rules

TOPIC_RULES_FILENAME = "import/topics.yaml"  # under the paths folder; not beside the path files, which
                                             # are every *.yaml there


class TopicRules(BaseModel):
    """What the import does to topic names (`paths/import/topics.yaml`): aliases merge spellings and
    near-duplicates into one name, `drop` removes names that are not topics, and `keywords` give an article
    the topics its title or summary plainly names."""

    model_config = ConfigDict(extra="forbid")
    aliases: dict[str, str] = {}
    drop: list[str] = []
    keywords: dict[str, list[str]] = {}
    _by_slug: dict[str, str] = PrivateAttr(default_factory=dict)
    _dropped: set[str] = PrivateAttr(default_factory=set)
    _patterns: list[tuple[str, re.Pattern[str]]] = PrivateAttr(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> TopicRules:
        aliased = {topic_slug(name) for name in self.aliases}
        dropped = {topic_slug(name) for name in self.drop}
        for name, target in self.aliases.items():
            if topic_slug(target) in aliased | dropped:
                raise ValueError(f"alias {name!r} -> {target!r}: {target!r} is itself aliased or dropped")
        for name in self.drop:
            if topic_slug(name) in aliased:
                raise ValueError(f"{name!r} is both aliased and dropped")
        for topic, words in self.keywords.items():
            if topic_slug(topic) in aliased | dropped:
                raise ValueError(f"keywords for {topic!r}: give the name it is aliased to, or none if dropped")
            if not words or not all(word.strip() for word in words):
                raise ValueError(f"keywords for {topic!r}: an empty keyword")
        return self

    def model_post_init(self, context: Any, /) -> None:
        self._by_slug = {topic_slug(name): target for name, target in self.aliases.items()}
        self._dropped = {topic_slug(name) for name in self.drop}
        self._patterns = [(topic, keyword_pattern(words)) for topic, words in self.keywords.items()]

    def topics_for(self, *, title: str, summary: str, topics: list[str]) -> list[str]:
        """An article's topics: the listing's (aliased, dropped ones left out), then those its words name."""
        names = [self._by_slug.get(topic_slug(name), name) for name in topics
                 if topic_slug(name) not in self._dropped]
        names += [topic for topic, pattern in self._patterns if pattern.search(title) or pattern.search(summary)]
        return unique_by_slug(names)


def keyword_pattern(words: list[str]) -> re.Pattern[str]:
    """Any of the words, as whole words; a word in capitals only ("REST", "CAP") matches only in capitals,
    the others in any case; a space also matches a hyphen ("event sourcing", "Event-Sourcing")."""
    exact = [w for w in words if w == w.upper() and w != w.lower()]
    loose = [w for w in words if w not in exact]
    alternatives = [f"(?i:{'|'.join(map(_spaced, loose))})"] if loose else []
    alternatives += map(_spaced, exact)
    return re.compile(rf"(?<!\w)(?:{'|'.join(alternatives)})(?!\w)")


def _spaced(word: str) -> str:
    return r"[\s-]+".join(re.escape(part) for part in word.split())


def bundled_topic_rules() -> TopicRules:
    """The topic rules shipped with the app, in its own paths folder."""
    return read_topic_rules(resource_dir("paths") / TOPIC_RULES_FILENAME)


def read_topic_rules(path: Path) -> TopicRules:
    """Read and validate the topic rules (an absent file: no rules)."""
    if not path.exists():
        return TopicRules()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (UnicodeDecodeError, yaml.YAMLError):
        raise CatalogError(f"{path.name}: not readable YAML") from None
    try:
        return TopicRules.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        raise CatalogError(f"{path.name}: {where + ': ' if where else ''}{error['msg']}") from None
