"""The importer reads each listing layout the way a reader of that page would."""

from datetime import date

import pytest

from tests.conftest import seed_file, seed_text
from tracker.services.catalog.datafile import CatalogDocument, merge_listing
from tracker.services.catalog.hub import parse_hub_paths
from tracker.services.catalog.layouts import parse_listing
from tracker.services.catalog.listings import (
    ListingError,
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
    request_context = by_title(listing, "Request Context")
    assert (request_context.series, request_context.series_number) == ("Backend", 8)
    assert not request_context.series_number_inferred
    assert by_title(listing, "Middleware").series_number != 8
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
    assert article.topics == ["PostgreSQL", "Database", "Performance", "Backend"]
    assert article.summary.startswith("How Postgres actually stores rows")


def test_every_post_of_a_tag_archive_carries_the_page_s_tag_once():
    listing = parse("001")
    assert all([t for t in a.topics if t == "Backend"] == ["Backend"] for a in listing.articles)
    kafka = by_title(listing, "Kafka for Beginners: What It Is, When to Use It, and Producer/Consumer Examples "
                              "in Java, Python, Node.js, and Go")
    assert kafka.topics == ["Kafka", "Event Streaming", "Beginner", "Backend"]
    rust = by_title(listing, "Why Rust Changed How I Think About Backend Performance")
    assert rust.topics == ["Rust", "Performance", "Backend"]  # its tag line has it already: not repeated


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


def test_hub_getting_started_entries_are_link_only_and_nothing_else_is():
    assert all(a.link_only for a in parse("003").articles)
    assert not any(a.link_only for prefix in ("000", "001", "002", "004") for a in parse(prefix).articles)


def test_the_first_article_of_a_group_is_numbered_only_where_its_series_leaves_one_number():
    inferred = {(a.title, a.series, a.series_number) for a in parse("000").articles if a.series_number_inferred}
    assert inferred == {
        ("What is a Backend?", "Backend", 1),  # before Backend 02: 01 is the only number left
        ("Middleware", "Backend", 7),  # before Backend 08; 06 is Validation & Transformation
        ("Kubernetes Fundamentals", "DevOps", 13),
        ("Cloud Computing Models", "DevOps", 16),
        ("Docker — Containers from First Principles", "DevOps", 10),
        ("Terraform — Infrastructure as Code", "DevOps", 20),
        ("Monitoring with Prometheus & Grafana", "DevOps", 23),
        ("GitOps with ArgoCD & Flux", "DevOps", 34),
    }
    listing = parse("000")
    # Before DevOps 07 both 05 and 06 are missing; before Backend 17 and 18 the number right before is taken.
    for title in ("Continuous Integration", "Serialization & Deserialization", "Error Handling", "Caching",
                  "Webhooks & OpenAPI", "Authentication & Authorization", "Logging, Monitoring & Observability"):
        article = by_title(listing, title)
        assert (article.series, article.series_number, article.series_number_inferred) == (None, None, False)


def _series_page(*groups: list[str]) -> str:
    lines = ["All Topics", "Browse 9 articles by topic — 2 tags across one series."]
    for number, titles in enumerate(groups):
        lines.append(f"Group{number} {len(titles)} articles")
        for title in titles:
            lines += [title, f"What {title} is about."]
    return "\n".join(lines)


def test_series_numbers_are_not_inferred_across_a_wide_gap_nor_claimed_twice():
    wide = parse_listing(_series_page(["First", "Ops · 02Second"], ["Third", "Ops · 05Fifth"]), provenance="x.txt")
    assert [(a.series, a.series_number) for a in wide.articles] == [
        ("Ops", 1), ("Ops", 2), (None, None), ("Ops", 5)]  # 03 and 04 both missing: no guess
    twice = parse_listing(_series_page(["A", "Ops · 03B"], ["C", "Ops · 03D"], ["E", "Ops · 01F"]),
                          provenance="x.txt")
    assert [a.series_number for a in twice.articles] == [None, 3, None, 3, None, 1]  # A and C both claim 02


def test_a_listing_s_own_counts_are_checked_and_each_mismatch_is_a_warning():
    assert parse("000").warnings == [
        "the page says 75 articles, 69 were found",
        "the page says 19 tags, 18 were found",
        "the page says 'Advanced' has 2 articles, 0 were found",
        "the page says 'Async' has 2 articles, 0 were found",
        "the page says 'Quality' has 1 article, 0 were found",
    ]
    assert [parse(prefix).warnings for prefix in ("001", "002", "003", "004")] == [[], [], [], []]
    posts = parse_listing(seed_text("001").replace("— 30 posts", "— 31 posts"), provenance="x.txt")
    assert posts.warnings == ["the page says 31 articles, 30 were found"]
    cards = parse_listing(seed_text("002").replace("21 Articles Published", "22 Articles Published"),
                          provenance="x.txt")
    assert cards.warnings == ["the page says 22 articles, 21 were found"]
    assert len(cards.articles) == 21  # the import goes on


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
