"""The catalog data file as the import writes it: slugs, order, and the topic rules."""

import itertools
import json
from functools import cache
from pathlib import Path

import pytest
from pydantic import PrivateAttr

from tests.conftest import PATHS_DIR, seed_file, seed_text
from tracker.services.catalog.datafile import (
    TOPIC_RULES_FILENAME,
    ArticleEntry,
    CatalogDocument,
    CatalogError,
    SourceEntry,
    TopicRules,
    article_slug,
    merge_listing,
    merge_listings,
    read_catalog_file,
    read_topic_rules,
    write_catalog_file,
)
from tracker.services.catalog.layouts import parse_listing
from tracker.services.catalog.listings import ParsedArticle, ParsedListing, topic_slug

PREFIXES = ("000", "001", "002", "003", "004")

# Slugs the committed catalog keeps from before the current slug rules (a slug, once written, is kept);
# imported into an empty catalog, these articles would be given the slug on the right.
LEGACY_SLUGS = {
    "kafka-for-beginners-what-it-is-when-to-use-it-and-producer-consumer-examples-in":
        "kafka-for-beginners-what-it-is-when-to-use-it-and-producer-consumer-examples",
    "concurrency-go-vs-c": "concurrency-go-vs-c-sharp",
}


@cache
def listing(prefix: str) -> ParsedListing:
    return parse_listing(seed_text(prefix), provenance=seed_file(prefix).name)


@cache
def rules() -> TopicRules:
    return read_topic_rules(PATHS_DIR / TOPIC_RULES_FILENAME)


def committed() -> CatalogDocument:
    return read_catalog_file(PATHS_DIR / "catalog.yaml")


def file_text(document: CatalogDocument, folder: Path) -> str:
    path = folder / "catalog.yaml"
    write_catalog_file(path, document)
    return path.read_text(encoding="utf-8")


def titled(document: CatalogDocument, title: str) -> list[ArticleEntry]:
    return [a for a in document.articles if a.title == title]


# ---------------------------------------------------------------- slugs and order

def file_data(document: CatalogDocument) -> str:
    """What `write_catalog_file` dumps to YAML, keys in their order: the same text here, the same file there."""
    return json.dumps(document.model_dump(mode="json", exclude_defaults=True))


class AnsweredOnce(TopicRules):
    """The bundled rules, each article's topics worked out once: `topics_for` is a function of its arguments
    alone, and the matching is most of an import's time. Over 120 imports of the same articles, the merge
    is what is under test."""

    _answers: dict[tuple[str, str, tuple[str, ...]], list[str]] = PrivateAttr(default_factory=dict)

    def topics_for(self, *, title: str, summary: str, topics: list[str]) -> list[str]:
        key = (title, summary, tuple(topics))
        if key not in self._answers:
            self._answers[key] = super().topics_for(title=title, summary=summary, topics=topics)
        return list(self._answers[key])


def test_the_seed_listings_give_the_same_file_in_every_order(tmp_path):
    orders = list(itertools.permutations(PREFIXES))
    assert len(orders) == 120
    answered_once = AnsweredOnce.model_validate(rules().model_dump())
    documents = {order: merge_listings(CatalogDocument(), [listing(p) for p in order], topic_rules=answered_once)
                 for order in orders}
    assert file_data(documents[orders[0]]) == file_data(
        merge_listings(CatalogDocument(), [listing(p) for p in PREFIXES], topic_rules=rules()))
    expected = file_data(documents[orders[0]])
    assert all(file_data(document) == expected for document in documents.values())
    # Writing is a function of that data; a few orders written to be sure, byte for byte.
    files = {file_text(documents[order], tmp_path) for order in (orders[0], orders[-1], orders[57])}
    assert len(files) == 1


def test_reimporting_every_seed_into_the_committed_catalog_changes_nothing(tmp_path):
    before = (PATHS_DIR / "catalog.yaml").read_text(encoding="utf-8")
    again = merge_listings(committed(), [listing(p) for p in reversed(PREFIXES)], topic_rules=rules())
    assert file_text(again, tmp_path) == before


def test_an_empty_catalog_gets_the_committed_slugs_but_for_the_legacy_ones():
    fresh = merge_listings(CatalogDocument(), [listing(p) for p in PREFIXES], topic_rules=rules())
    kept = committed()
    assert [LEGACY_SLUGS.get(a.slug, a.slug) for a in kept.articles] == [a.slug for a in fresh.articles]
    assert [a.model_dump(exclude={"slug"}) for a in kept.articles] == \
        [a.model_dump(exclude={"slug"}) for a in fresh.articles]


def test_a_shared_title_gives_the_bare_slug_to_the_first_source_by_file_name_in_either_order():
    for order in (["000", "003"], ["003", "000"]):
        document = merge_listings(CatalogDocument(), [listing(p) for p in order])
        assert [(a.source, a.slug) for a in titled(document, "RESTful API Design")] == [
            ("backend-devops-series", "restful-api-design"),
            ("backend-development-hub", "restful-api-design-backend-development-hub")]
        assert [s.provenance for s in document.sources] == sorted(s.provenance for s in document.sources)


def test_a_known_article_keeps_its_slug_whatever_the_rules_would_give_now():
    document = merge_listing(CatalogDocument(), listing("003"))
    renamed = [a.model_copy(update={"slug": "hub-rest"}) if a.title == "RESTful API Design" else a
               for a in document.articles]
    document = document.model_copy(update={"articles": renamed})
    document = merge_listings(document, [listing("000"), listing("003")])
    assert [a.slug for a in titled(document, "RESTful API Design")] == ["restful-api-design", "hub-rest"]


def test_an_article_imported_on_its_own_keeps_its_slug_when_a_namesake_arrives_later():
    document = merge_listing(CatalogDocument(), listing("003"))
    document = merge_listing(document, listing("000"))
    hub = next(a for a in titled(document, "RESTful API Design") if a.source == "backend-development-hub")
    assert hub.slug == "restful-api-design"  # written once, kept: links and progress point at it
    assert [s.slug for s in document.sources] == ["backend-devops-series", "backend-development-hub"]


def test_sources_are_in_file_name_order_and_articles_in_listing_order():
    document = merge_listings(CatalogDocument(), [listing(p) for p in ("004", "002", "000")])
    assert [s.provenance[:3] for s in document.sources] == ["000", "002", "004"]
    assert [a.title for a in document.articles if a.source == "system-design-blog"] == \
        [a.title for a in listing("002").articles]
    ranks = [[s.slug for s in document.sources].index(a.source) for a in document.articles]
    assert ranks == sorted(ranks)


def test_two_listings_of_one_source_in_one_import_are_refused():
    copy = ParsedListing(source_slug="architecture-notes", source_name="Architecture Notes",
                         provenance="005_later.txt", articles=listing("004").articles[:2])
    with pytest.raises(CatalogError, match="both listings of 'Architecture Notes'"):
        merge_listings(CatalogDocument(), [listing("004"), copy])


@pytest.mark.parametrize(("title", "slug"), [
    ("Kafka for Beginners: What It Is, When to Use It, and Producer/Consumer Examples in Java, Python, "
     "Node.js, and Go", "kafka-for-beginners-what-it-is-when-to-use-it-and-producer-consumer-examples"),
    ("Redis for Beginners: What It Is, When to Use It, and Client Examples in Java, Python, Node.js, and Go",
     "redis-for-beginners-what-it-is-when-to-use-it-and-client-examples-in-java-python"),
    ("A Very Long Title About Building Reliable Event Driven Systems That Survive the Failures of the World",
     "a-very-long-title-about-building-reliable-event-driven-systems-that-survive"),
    ("Concurrency Go vs C#", "concurrency-go-vs-c-sharp"),
    ("Short and to the Point", "short-and-to-the-point"),  # not cut: its little words stay
])
def test_new_slugs_are_cut_at_a_word_never_on_a_little_word_and_spell_c_sharp(title, slug):
    assert article_slug(title) == slug
    assert len(slug) <= 80


def test_the_committed_catalog_keeps_its_c_sharp_article_s_old_slug():
    assert [a.slug for a in titled(committed(), "Concurrency Go vs C#")] == ["concurrency-go-vs-c"]


# ---------------------------------------------------------------- topic rules

def test_aliases_match_any_spelling_and_dropped_names_go():
    rules = TopicRules(aliases={"Cache": "Caching", "Getting Started": "Fundamentals"}, drop=["Best Practices"])
    assert rules.topics_for(title="t", summary="", topics=["Best-Practices", "cache", "getting-started",
                                                            "Redis", "Caching"]) == ["Caching", "Fundamentals", "Redis"]


def test_keywords_match_whole_words_and_capitals_only_words_only_in_capitals():
    rules = TopicRules(keywords={"REST": ["REST", "RESTful"], "Kafka": ["Kafka"], "C#": ["C#"],
                                 "Event Sourcing": ["event sourcing"]})
    assert rules.topics_for(title="Beyond REST", summary="", topics=[]) == ["REST"]
    assert rules.topics_for(title="For the rest of us", summary="a restful read", topics=[]) == ["REST"]
    assert rules.topics_for(title="Rest and recovery", summary="", topics=[]) == []
    assert rules.topics_for(title="Kafkaesque", summary="kafka streams", topics=["X"]) == ["X", "Kafka"]
    assert rules.topics_for(title="Go vs C#", summary="", topics=[]) == ["C#"]
    assert rules.topics_for(title="Event-Sourcing done", summary="", topics=[]) == ["Event Sourcing"]


@pytest.mark.parametrize("raw", [
    {"aliases": {"Errors": "Error Handling", "Error Handling": "Failures"}},  # a chain
    {"aliases": {"Cache": "Caching"}, "drop": ["cache"]},
    {"aliases": {"Cache": "Caching"}, "keywords": {"Cache": ["cache"]}},
    {"keywords": {"Kafka": []}},
    {"alias": {"Cache": "Caching"}},
])
def test_inconsistent_topic_rules_are_refused(raw, tmp_path):
    import yaml

    path = tmp_path / "topics.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(CatalogError, match=r"topics\.yaml"):
        read_topic_rules(path)


def test_the_committed_topics_have_no_aliased_dropped_or_series_names():
    document = committed()
    names = {topic_slug(t.name) for t in document.topics}
    assert names == {t.slug for t in document.topics}
    assert not names & {topic_slug(n) for n in [*rules().aliases, *rules().drop]}
    series = {topic_slug(a.series) for a in document.articles if a.series}
    assert series == {"backend", "devops"} and not names & series
    for near in (["Errors", "Error Handling"], ["Cache", "Caching"], ["Monitoring", "Observability", "Metrics"],
                 ["Beginner", "Getting Started", "Foundation", "Fundamentals"], ["API", "API Design"]):
        assert len(names & {topic_slug(n) for n in near}) == 1, near


def test_every_backend_tag_page_article_is_about_backend_engineering():
    articles = [a for a in committed().articles if a.source == "backend-blog"]
    assert len(articles) == 30
    assert all("Backend Engineering" in a.topics for a in articles)


def test_articles_get_the_topics_their_title_and_summary_name():
    document = committed()
    topics = {a.title: a.topics for a in document.articles}
    assert "Authentication" in topics["Authentication & Authorization"]
    assert "Kafka" in topics["Message Queues Explained: Kafka vs RabbitMQ"]
    assert {"Distributed Systems", "CAP Theorem"} <= set(topics["Distributed Systems & CAP"])
    assert topics["Middleware"] == ["Architecture"]  # names nothing: keeps its group's topic only
    assert topics["Programming Fundamentals"] == ["Fundamentals"]
    assert "Operations" in topics["Progressive Delivery Explained"]  # the DevOps category, under its alias
    assert not any("Best Practices" in t or "Best-Practices" in t for t in topics.values())


def test_the_committed_catalog_marks_the_hub_s_stubs_link_only_and_the_inferred_series_numbers():
    document = committed()
    assert {a.slug for a in document.articles if a.link_only} == {
        "programming-fundamentals", "restful-api-design-backend-development-hub", "database-connection-pooling",
        "observability-vs-monitoring-complete-guide-2025"}
    middleware = next(a for a in document.articles if a.slug == "middleware")
    assert (middleware.series, middleware.series_number, middleware.series_number_inferred) == ("Backend", 7, True)
    assert sum(a.series_number_inferred for a in document.articles) == 8


def test_the_rules_apply_only_to_the_listings_imported():
    document = CatalogDocument(sources=[SourceEntry(slug="mine", name="Mine", provenance="999.txt")],
                               articles=[ArticleEntry(slug="x", title="X", source="mine", topics=["Cache"])])
    merged = merge_listings(document, [listing("003")], topic_rules=rules())
    assert next(a for a in merged.articles if a.slug == "x").topics == ["Cache"]
    assert {"Cache", "Fundamentals"} <= {t.name for t in merged.topics}


def test_a_parsed_article_is_not_changed_by_the_import():
    article = ParsedArticle(title="Kafka Basics", topics=["Beginner"])
    parsed = ParsedListing(source_slug="s", source_name="S", provenance="s.txt", articles=[article])
    merged = merge_listing(CatalogDocument(), parsed, topic_rules=rules())
    assert merged.articles[0].topics == ["Fundamentals", "Kafka"] and article.topics == ["Beginner"]


def test_without_rules_of_its_own_the_import_uses_the_app_s_and_empty_rules_keep_the_listing_s_topics():
    hub = listing("003")
    assert merge_listing(CatalogDocument(), hub).articles[0].topics == ["Fundamentals"]
    assert merge_listing(CatalogDocument(), hub, topic_rules=TopicRules()).articles[0].topics == ["Getting Started"]
