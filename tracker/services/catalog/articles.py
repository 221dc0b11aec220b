"""Catalog queries: article cards, search, topics and sources, and an article's reading time."""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from statistics import median
from urllib.parse import urlencode

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import ColumnElement, case, func
from sqlmodel import Session, col, select

from tracker.models import Article, ArticleTopic, Source, Topic, User
from tracker.services.errors import Invalid, NotFound

PERSONAL_SOURCE = "personal"  # personal resources' source (tracker.services.personal.resources): never listed
# Used only when no listing in the catalog gives a reading time at all (see `estimate_minutes`).
DEFAULT_READING_MINUTES = 10


@dataclass(frozen=True)
class ReadingTime:
    """An article's reading time: from its listing, or estimated when the listing gave none."""

    minutes: int
    estimated: bool


def reading_time(article: Article) -> ReadingTime:
    """The one rule for an article's reading time, used by every total, forecast and row."""
    if article.reading_minutes:
        return ReadingTime(minutes=article.reading_minutes, estimated=False)
    return ReadingTime(minutes=article.estimated_minutes or DEFAULT_READING_MINUTES, estimated=True)


def in_catalog() -> ColumnElement[bool]:
    """The catalog's own articles: not a learner's personal resource (tracker.services.personal.resources). Every
    query that lists, counts, searches or exports the catalog keeps to these."""
    return col(Article.owner_id).is_(None)


def reading_minutes_sql() -> ColumnElement[int]:
    """`reading_time(article).minutes` as an SQL expression, for totals computed in the database."""
    return func.coalesce(Article.reading_minutes, Article.estimated_minutes, DEFAULT_READING_MINUTES)


def estimated_minutes_sql() -> ColumnElement[int]:
    """The estimated part of `reading_minutes_sql()`: the minutes of articles whose listing gave none."""
    return case((col(Article.reading_minutes).is_(None), reading_minutes_sql()), else_=0)


@dataclass(frozen=True)
class ReadingTotal:
    """A sum of reading times, and how much of it is estimated rather than given by the listings."""

    minutes: int = 0
    estimated_minutes: int = 0

    @classmethod
    def of(cls, times: Iterable[ReadingTime]) -> ReadingTotal:
        times = list(times)
        return cls(minutes=sum(t.minutes for t in times),
                   estimated_minutes=sum(t.minutes for t in times if t.estimated))

    @property
    def estimated_share(self) -> float:
        """The estimated fraction of the total, 0 to 1 (two decimals)."""
        return round(self.estimated_minutes / self.minutes, 2) if self.minutes else 0.0

    @property
    def estimated_percent(self) -> int:
        return round(100 * self.estimated_minutes / self.minutes) if self.minutes else 0


def estimate_minutes(given_by_source: dict[int, list[int]]) -> dict[int, int]:
    """The estimate for each source's articles without a reading time: the median of the times the same
    source's listing gives; for a source that gives none, the median over every listing that gives some;
    with none anywhere, DEFAULT_READING_MINUTES. Medians, rounded to whole minutes (a few long reads do
    not pull the estimate up)."""
    everything = sorted(m for minutes in given_by_source.values() for m in minutes)
    overall = round(median(everything)) if everything else DEFAULT_READING_MINUTES
    return {source_id: round(median(minutes)) if minutes else overall
            for source_id, minutes in given_by_source.items()}


@dataclass
class ArticleCard:
    """An article with what every listing shows beside it."""

    article: Article
    source: Source
    topics: list[Topic]
    # The state of the curriculum the card was read at, when it is kept (tracker.services.curriculum.kept): every
    # card of an article under one stamp is the same, so what is made of it can be kept by (article id, stamp).
    # None for a card made from a request's own objects, which may hold changes no stamp covers yet.
    stamp: str | None = None

    @property
    def reading_time(self) -> ReadingTime:
        return reading_time(self.article)

    @property
    def minutes(self) -> int:
        return self.reading_time.minutes

    @property
    def web_search_url(self) -> str:
        """Until an article has its own link: a web search for its exact title at its source."""
        return _web_search_url(self.article.title, self.source.name)



@functools.lru_cache(maxsize=4096)
def _web_search_url(title: str, source: str) -> str:
    # Encoding is most of a long list's cost when done for every row of every page: kept per title.
    return "https://duckduckgo.com/?" + urlencode({"q": f'"{title}" {source}'})


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
    def from_args(cls, args: Mapping[str, str]) -> ArticleQuery:
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
        select(Source).where(col(Source.id).in_({a.source_id for a in articles})))}
    by_article: dict[int, list[Topic]] = defaultdict(list)
    rows = session.exec(
        select(ArticleTopic.article_id, Topic)
        .join(Topic, col(Topic.id) == ArticleTopic.topic_id)
        .where(col(ArticleTopic.article_id).in_(ids))
        .order_by(col(ArticleTopic.article_id), col(ArticleTopic.position))
    )
    for article_id, topic in rows:
        by_article[article_id].append(topic)
    from tracker.services.curriculum import kept as content_cache

    stamp = content_cache.reading_stamp(session)
    return [ArticleCard(article=a, source=sources[a.source_id], topics=by_article[a.id], stamp=stamp)
            for a in articles]


@dataclass(frozen=True)
class CatalogView:
    """The whole catalog as lists show it: every card by title, topics that have articles, and sources."""

    cards: list[ArticleCard]
    topics: list[TopicCount]
    sources: list[SourceCount]

    @functools.cached_property
    def by_slug(self) -> dict[str, ArticleCard]:
        return {card.article.slug: card for card in self.cards}

    @functools.cached_property
    def searched_text(self) -> list[tuple[ArticleCard, tuple[str, ...]]]:
        """Each card with what a search looks in, lowercased: its title, its summary and its topics' names."""
        return [(card, (card.article.title.lower(), (card.article.summary or "").lower(),
                        *(topic.name.lower() for topic in card.topics))) for card in self.cards]


def kept_catalog(*, session: Session) -> CatalogView:
    """The catalog as this process keeps it for the current state of the curriculum (four queries when read
    again, none while kept; tracker.services.curriculum.kept). Only for reading: its rows belong to no session."""
    from tracker.services.curriculum import kept as content_cache

    return content_cache.whole(session, "catalog", _read_catalog)


def _read_catalog(reader: Session) -> CatalogView:
    articles = list(reader.exec(select(Article).where(in_catalog())
                                .order_by(func.lower(Article.title), col(Article.id))))
    topics = [TopicCount(topic=t, article_count=n) for t, n in reader.exec(
        select(Topic, func.count(col(ArticleTopic.article_id)))
        .join(ArticleTopic, col(ArticleTopic.topic_id) == Topic.id)
        .join(Article, col(Article.id) == ArticleTopic.article_id).where(in_catalog())
        .group_by(col(Topic.id)).order_by(func.lower(Topic.name)))]
    sources = [SourceCount(source=s, article_count=n) for s, n in reader.exec(
        select(Source, func.count(col(Article.id)))
        .outerjoin(Article, (col(Article.source_id) == Source.id) & in_catalog())
        .where(Source.slug != PERSONAL_SOURCE)
        .group_by(col(Source.id)).order_by(col(Source.id)))]
    return CatalogView(cards=article_cards(session=reader, articles=articles), topics=topics, sources=sources)


def search_articles(*, session: Session, query: ArticleQuery) -> Page:
    """Articles matching every word of `q` (in the title, summary or a topic's name, ignoring case), filtered
    by topic and source slugs, by title."""
    view = kept_catalog(session=session)
    words = query.q.lower().split()
    cards = [card for card, text in view.searched_text if all(any(word in part for part in text) for word in words)]
    if query.topic:
        if not any(row.topic.slug == query.topic for row in view.topics):
            raise UnknownFilter(f"unknown topic '{query.topic}'")
        cards = [card for card in cards if any(topic.slug == query.topic for topic in card.topics)]
    if query.source:
        if not any(row.source.slug == query.source for row in view.sources):
            raise UnknownFilter(f"unknown source '{query.source}'")
        cards = [card for card in cards if card.source.slug == query.source]
    start = (query.page - 1) * query.per_page
    return Page(items=cards[start:start + query.per_page], total=len(cards), page=query.page,
                per_page=query.per_page)


def get_article(*, session: Session, slug: str, owner: User | None = None) -> Article | None:
    """The catalog's article with this slug, or `owner`'s own resource (None: catalog articles only)."""
    article = session.exec(select(Article).where(Article.slug == slug)).one_or_none()
    if article is not None and article.owner_id is not None and (owner is None or article.owner_id != owner.id):
        return None  # another learner's resource: as if there were none
    return article


def require_article(*, session: Session, slug: str, owner: User | None = None) -> Article:
    """The catalog's article with this slug, or `owner`'s own resource (for marking it, a note or cards on it),
    or NotFound (a row of this session: for changing it)."""
    article = get_article(session=session, slug=slug, owner=owner)
    if article is None:
        raise NotFound(f"There is no article called '{slug}'.")
    return article


def require_card(*, session: Session, slug: str, owner: User | None = None) -> ArticleCard:
    """The kept card of the catalog's article with this slug (only for reading: see `kept_catalog`), or the card
    of `owner`'s own resource with it, or NotFound."""
    card = kept_catalog(session=session).by_slug.get(slug)
    if card is None and owner is not None and slug.startswith(PERSONAL_SOURCE):
        resource = get_article(session=session, slug=slug, owner=owner)
        card = article_cards(session=session, articles=[resource])[0] if resource is not None else None
    if card is None:
        raise NotFound(f"There is no article called '{slug}'.")
    return card


@dataclass
class TopicCount:
    topic: Topic
    article_count: int


def list_topics(*, session: Session) -> list[TopicCount]:
    """Every topic that has articles, with their number, by name (a topic the alias table merged away in a
    newer catalog stays in an older database, empty, and is not offered)."""
    return kept_catalog(session=session).topics


@dataclass
class SourceCount:
    source: Source
    article_count: int


def list_sources(*, session: Session) -> list[SourceCount]:
    return kept_catalog(session=session).sources
