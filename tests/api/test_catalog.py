"""The public read-only API: filters, pagination and error answers."""

import pytest


def test_articles_list_every_article_with_its_fields(client):
    body = client.get("/api/v1/articles?per_page=100").get_json()
    assert body["total"] == 136
    assert (body["page"], body["per_page"], len(body["items"])) == (1, 100, 100)
    item = body["items"][0]
    assert set(item) >= {"slug", "title", "summary", "source", "topics", "series", "series_number",
                         "reading_minutes", "published_on", "url"}
    assert set(item["source"]) == {"slug", "name"}


def test_series_and_dates_reach_the_api(client):
    items = client.get("/api/v1/articles?q=Request Context").get_json()["items"]
    article = next(i for i in items if i["title"] == "Request Context")
    assert (article["series"], article["series_number"]) == ("Backend", 8)
    assert article["published_on"] is None
    kafka = client.get("/api/v1/articles?q=Kafka for Beginners").get_json()["items"][0]
    assert kafka["published_on"] == "2026-04-15" and kafka["reading_minutes"] == 14


def test_topic_filter_gathers_articles_from_every_source(client):
    body = client.get("/api/v1/articles?topic=distributed-systems&per_page=100").get_json()
    sources = {item["source"]["slug"] for item in body["items"]}
    assert {"backend-blog", "architecture-notes"} <= sources
    assert all("Distributed Systems" in item["topics"] for item in body["items"])


def test_search_matches_every_word_in_title_summary_or_topic(client):
    body = client.get("/api/v1/articles?q=kafka rabbitmq").get_json()
    titles = [item["title"] for item in body["items"]]
    assert "Message Queues Explained: Kafka vs RabbitMQ" in titles
    assert all("kafka" in (i["title"] + i["summary"] + " ".join(i["topics"])).lower() for i in body["items"])


def test_source_filter_and_pages(client):
    first = client.get("/api/v1/articles?source=system-design-blog&per_page=10").get_json()
    second = client.get("/api/v1/articles?source=system-design-blog&per_page=10&page=3").get_json()
    assert first["total"] == 21
    assert len(first["items"]) == 10 and len(second["items"]) == 1
    assert {i["source"]["slug"] for i in first["items"]} == {"system-design-blog"}


def test_search_treats_like_wildcards_as_text(client):
    assert client.get("/api/v1/articles?q=%25").get_json()["total"] == 0
    assert client.get("/api/v1/articles?q=_").get_json()["total"] == 0


@pytest.mark.parametrize("query", ["page=0", "page=abc", "per_page=101", "per_page=-1", "topic=no-such-topic",
                                   "source=nowhere", "q=" + "x" * 201])
def test_bad_query_values_answer_400_with_a_message(client, query):
    response = client.get(f"/api/v1/articles?{query}")
    assert response.status_code == 400
    assert response.get_json()["error"]["message"]


def test_paths_list_has_counts_and_estimates(client):
    items = client.get("/api/v1/paths").get_json()["items"]
    assert [i["slug"] for i in items] == ["production-services", "api-designer", "real-time-streaming",
                                           "systems-performance"]
    for item in items:
        assert item["article_count"] > 0 and item["estimated_minutes"] >= item["article_count"]
        assert 0 <= item["estimated_share"] <= 1 and item["optional_minutes"] >= 0
    assert items[3]["weeks_min"] == 12 and items[3]["weeks_max"] is None


def test_path_detail_has_sections_with_articles(client):
    body = client.get("/api/v1/paths/api-designer").get_json()
    assert body["title"] == "API Designer"
    assert len(body["sections"]) == 4
    first = body["sections"][0]["items"][0]
    assert set(first) == {"article", "optional", "locked", "locked_by"} and first["article"]["slug"]
    assert first["locked"] is None  # signed out: nothing is closed for anyone in particular
    assert body["article_count"] == sum(len(s["items"]) for s in body["sections"])


def test_unknown_path_is_a_json_404(client):
    response = client.get("/api/v1/paths/nope")
    assert response.status_code == 404
    assert response.get_json() == {"error": {"status": 404, "message": "There is no path called 'nope'."}}


def test_topics_and_sources_are_listed_with_counts(client):
    topics = client.get("/api/v1/topics").get_json()["items"]
    assert {"slug": "distributed-systems", "name": "Distributed Systems"}.items() <= next(
        t for t in topics if t["slug"] == "distributed-systems").items()
    sources = client.get("/api/v1/sources").get_json()["items"]
    assert sum(s["article_count"] for s in sources) == 136
    assert len(sources) == 5


def test_unknown_api_route_and_wrong_method_answer_json(client):
    assert client.get("/api/v1/nothing").get_json()["error"]["status"] == 404
    response = client.post("/api/v1/topics", headers={"Authorization": "Bearer x"})
    assert response.status_code == 405
