"""Catalog queries: search, filters, reading times and article cards."""

import pytest

from tests import factories
from tracker.models import Article
from tracker.services.catalog import articles as catalog
from tracker.services.errors import NotFound


def test_reading_time_is_the_listing_s_or_an_estimate_said_to_be_one():
    assert catalog.reading_time(Article(slug="a", title="A", source_id=1, reading_minutes=7)) == \
        catalog.ReadingTime(minutes=7, estimated=False)
    estimate = catalog.reading_time(Article(slug="b", title="B", source_id=1, estimated_minutes=6))
    assert estimate == catalog.ReadingTime(minutes=6, estimated=True)
    unknown = catalog.reading_time(Article(slug="c", title="C", source_id=1))
    assert unknown.estimated and unknown.minutes == catalog.DEFAULT_READING_MINUTES


def test_an_estimate_is_the_source_s_median_or_else_every_listing_s():
    assert catalog.estimate_minutes({1: [4, 5, 6, 30], 2: [12, 14], 3: []}) == {1: 6, 2: 13, 3: 9}
    assert catalog.estimate_minutes({1: [], 2: []}) == {1: catalog.DEFAULT_READING_MINUTES,
                                                        2: catalog.DEFAULT_READING_MINUTES}


def test_the_loaded_catalog_estimates_only_what_its_listings_leave_out(session):
    from sqlmodel import select

    from tracker.models import Source

    articles = list(session.exec(select(Article)))
    assert all(a.estimated_minutes is None for a in articles if a.reading_minutes)
    assert all(a.estimated_minutes for a in articles if not a.reading_minutes)
    given = sorted(a.reading_minutes for a in articles if a.reading_minutes)
    overall = round((given[len(given) // 2] + given[(len(given) - 1) // 2]) / 2)
    series = session.exec(select(Source).where(Source.slug == "backend-devops-series")).one()
    assert {a.estimated_minutes for a in articles if a.source_id == series.id} == {overall}


def test_search_matches_every_word_in_title_summary_or_topic(session):
    page = catalog.search_articles(session=session, query=catalog.ArticleQuery(q="consistent hashing"))
    assert page.total >= 1
    assert all("consistent" in (c.article.title + c.article.summary + " ".join(t.name for t in c.topics)).lower()
               for c in page.items)


def test_filters_by_topic_and_source_and_refuses_unknown_ones(session):
    sources = catalog.list_sources(session=session)
    assert sum(s.article_count for s in sources) == 136
    first = sources[0].source
    page = catalog.search_articles(session=session, query=catalog.ArticleQuery(source=first.slug, per_page=100))
    assert page.total == sources[0].article_count and {c.source.slug for c in page.items} == {first.slug}
    with pytest.raises(catalog.UnknownFilter):
        catalog.search_articles(session=session, query=catalog.ArticleQuery(topic="no-such-topic"))


def test_query_arguments_are_bounded():
    with pytest.raises(catalog.QueryError, match="per_page"):
        catalog.ArticleQuery.from_args({"per_page": "1000"})
    assert catalog.ArticleQuery.from_args({"q": "  http  ", "page": ""}).q == "http"


def test_unknown_articles_are_not_found(session):
    assert catalog.require_article(session=session, slug="http-protocol").title == "HTTP Protocol"
    with pytest.raises(NotFound):
        catalog.require_article(session=session, slug="nope")
    cards = catalog.article_cards(session=session, articles=[factories.article(session, "http-protocol")])
    assert cards[0].source.name and cards[0].minutes >= 1
