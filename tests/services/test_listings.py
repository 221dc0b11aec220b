"""The importer reads each listing layout the way a reader of that page would."""

from datetime import date

import pytest

from tests.conftest import PATHS_DIR, seed_file, seed_text
from tracker.services.catalog_file import CatalogDocument, merge_listing, read_catalog_file
from tracker.services.listing_layouts import parse_hub_paths
from tracker.services.listings import (
    ListingError,
    parse_listing,
    split_glued_tags,
    topic_display_name,
    topic_slug,
)


def parse(prefix: str):
    return parse_listing(seed_text(prefix), provenance=seed_file(prefix).name)


def by_title(listing, title):
    return next(a for a in listing.articles if a.title == title)


def test_each_listing_yields_its_expected_number_of_articles():
    counts = {prefix: len(parse(prefix).articles) for prefix in ("000", "001", "002", "003", "004")}
    assert counts == {"000": 69, "001": 30, "002": 21, "003": 4, "004": 12}


def test_series_label_belongs_to_the_next_title_not_the_previous_one():
    listing = parse("000")
    assert by_title(listing, "Middleware").series is None
    request_context = by_title(listing, "Request Context")
    assert (request_context.series, request_context.series_number) == ("Backend", 8)
    assert by_title(listing, "Continuous Integration").series is None
    assert by_title(listing, "Continuous Delivery & Deployment").series == "DevOps"


def test_series_number_is_two_digits_even_when_the_title_starts_with_digits():
    article = by_title(parse("000"), "12-Factor App & Config Management")
    assert (article.series, article.series_number) == ("Backend", 22)


def test_topic_groups_become_topics_and_empty_groups_produce_none():
    topics = {t for a in parse("000").articles for t in a.topics}
    assert {"Architecture", "Foundation", "Security", "CI/CD"} <= topics
    assert not topics & {"Advanced", "Async", "Quality"}


@pytest.mark.parametrize(("glued", "tags"), [
    ("PostgreSQLDatabasePerformance", ["PostgreSQL", "Database", "Performance"]),
    ("KafkaEvent StreamingBeginner", ["Kafka", "Event Streaming", "Beginner"]),
    ("ArchitectureBackendgRPC", ["Architecture", "Backend", "gRPC"]),
    ("TypeScriptArchitectureFrontend", ["TypeScript", "Architecture", "Frontend"]),
    ("Machine LearningPythonFastAPI", ["Machine Learning", "Python", "FastAPI"]),
    ("ArchitectureCQRSEvent Sourcing", ["Architecture", "CQRS", "Event Sourcing"]),
    ("API DesignRESTBackend", ["API Design", "REST", "Backend"]),
    ("PerformanceBackendNode.js", ["Performance", "Backend", "Node.js"]),
    ("ObservabilityOpenTelemetryBackend", ["Observability", "OpenTelemetry", "Backend"]),
    ("DevOpsMonitoringInfrastructure", ["DevOps", "Monitoring", "Infrastructure"]),
])
def test_glued_tags_split_into_real_tags(glued, tags):
    assert split_glued_tags(glued) == tags


def test_tag_archive_reads_dates_minutes_and_tags():
    article = by_title(parse("001"), "PostgreSQL Internals: MVCC, VACUUM, and HOT Updates")
    assert article.published_on == date(2026, 1, 14)
    assert article.reading_minutes == 14
    assert article.topics == ["PostgreSQL", "Database", "Performance"]
    assert article.summary.startswith("How Postgres actually stores rows")


def test_card_grid_reads_category_and_minutes():
    article = by_title(parse("002"), "Saga Pattern: Distributed Transactions Without 2PC")
    assert article.topics == ["system design"]
    assert article.reading_minutes == 6
    assert article.summary.startswith("Learn how the saga pattern")


def test_category_feed_keeps_cut_summaries_marked_as_truncated():
    listing = parse("004")
    assert all(a.summary_truncated for a in listing.articles)
    article = by_title(listing, "Concurrency in Go")
    assert article.summary.endswith("Go's concurrency model is b")
    assert not article.summary.endswith("...")
    assert article.topics == ["go", "concurrency", "threading"]  # the category "go" is not repeated
    assert article.published_on == date(2025, 5, 23)


def test_hub_getting_started_articles_have_their_dashes_repaired():
    listing = parse("003")
    assert [a.title for a in listing.articles] == [
        "Programming Fundamentals", "RESTful API Design", "Database Connection Pooling",
        "Observability vs Monitoring: Complete Guide 2025"]
    assert listing.articles[0].summary == "Core programming concepts useful across backend stacks"


def test_hub_defines_four_paths_with_weeks_bullets_and_outcomes():
    hub = parse_hub_paths(seed_text("003"))
    assert [(p.title, p.weeks_min, p.weeks_max) for p in hub] == [
        ("Backend Developer — Production Services", 8, 12), ("API Designer", 6, 10),
        ("Real-Time & Streaming Engineer", 6, 12), ("Systems & Performance", 12, None)]
    assert [len(p.bullets) for p in hub] == [5, 4, 4, 4]
    assert hub[1].outcome == "Design robust APIs suitable for public or internal use."


def test_topics_are_one_whatever_the_spelling():
    assert topic_slug("Distributed Systems") == topic_slug("distributed-systems") == "distributed-systems"
    assert topic_slug("system design") == topic_slug("System Design")
    assert topic_display_name(["distributed-systems", "Distributed Systems"]) == "Distributed Systems"
    assert topic_display_name(["cap-theorem"]) == "CAP Theorem"
    assert topic_display_name(["Best-Practices"]) == "Best Practices"
    assert topic_slug("c#") != topic_slug("c")


def test_an_unknown_layout_is_refused_with_a_reason():
    with pytest.raises(ListingError, match="not a listing layout"):
        parse_listing("just some text\nwith lines", provenance="x.txt")


def test_reimporting_keeps_every_slug_and_adds_no_duplicates():
    document = CatalogDocument()
    for prefix in ("000", "001", "002", "003", "004"):
        document = merge_listing(document, parse(prefix))
    again = document
    for prefix in ("004", "000", "003"):
        again = merge_listing(again, parse(prefix))
    assert [a.slug for a in again.articles] == [a.slug for a in document.articles]
    assert len({a.slug for a in document.articles}) == 136


def test_same_title_from_two_sources_gets_two_slugs():
    document = CatalogDocument()
    for prefix in ("000", "003"):
        document = merge_listing(document, parse(prefix))
    slugs = [a.slug for a in document.articles if a.title == "RESTful API Design"]
    assert slugs == ["restful-api-design", "restful-api-design-backend-development-hub"]


def test_committed_catalog_file_is_what_the_importer_produces_from_the_seeds():
    committed = read_catalog_file(PATHS_DIR / "catalog.yaml")
    document = CatalogDocument()
    for prefix in ("000", "001", "002", "003", "004"):
        document = merge_listing(document, parse(prefix))
    assert committed == document
