"""Curation through the API: a new path, a saved version read and restored, articles made and edited, their links
in bulk, and a pasted listing imported."""

from __future__ import annotations

import pytest
from sqlmodel import select

from tests import factories
from tracker.models import Article, LearningPath, PathStatus

NEW_PATH = {"slug": "api-basics", "title": "API basics", "summary": "The first steps.",
            "outcome": "You can call an API.", "weeks_min": 1, "weeks_max": 2,
            "sections": [{"title": "Start", "why": "Begin here", "items": [{"article": {"slug": "http-protocol"}}]}]}
ARTICLE = {"title": "Chaos in practice", "url": "https://example.org/chaos", "summary": "Breaking things on purpose.",
           "topics": ["Resilience"], "source": "architecture-notes", "reading_minutes": 9}


def test_an_admin_makes_a_draft_path_that_learners_do_not_see(make_client, session):
    ada = make_client("ada")
    made = ada.post("/api/v1/paths", json=NEW_PATH)
    assert made.status_code == 201 and made.get_json()["status"] == "draft"
    assert [s["title"] for s in made.get_json()["sections"]] == ["Start"]
    assert make_client("lena").get("/api/v1/paths/api-basics").status_code == 404
    again = ada.post("/api/v1/paths", json=NEW_PATH)
    assert again.status_code == 409 and "already a path" in again.get_json()["error"]["message"]


@pytest.mark.parametrize(("change", "message"), [
    ({"slug": "Bad Slug"}, "slug"),
    ({"sections": [{"title": "S", "items": [{"article": {"slug": "no-such-article"}}]}]}, "no-such-article"),
    ({"weeks_min": 0}, "weeks_min"),
    ({"status": "gone"}, "status"),
])
def test_a_bad_new_path_is_refused_naming_the_problem_and_nothing_is_made(make_client, session, change, message):
    response = make_client("ada").post("/api/v1/paths", json=NEW_PATH | change)
    assert response.status_code == 400 and message in response.get_json()["error"]["message"]
    assert session.exec(select(LearningPath).where(LearningPath.slug.in_(["api-basics", "Bad Slug"]))).all() == []


def test_an_admin_reads_a_saved_version_and_restores_it_keeping_the_status(make_client, session):
    ada = make_client("ada")
    ada.post("/api/v1/paths", json=NEW_PATH | {"status": "published"})
    detail = ada.get("/api/v1/paths/api-basics").get_json()
    renamed = {k: v for k, v in NEW_PATH.items() if k not in {"slug"}} | {"title": "API basics, renamed",
                                                                          "version": detail["version"]}
    assert ada.put("/api/v1/paths/api-basics", json=renamed).status_code == 200
    history = ada.get("/api/v1/paths/api-basics/history").get_json()
    assert history["version"] == 2
    first = ada.get("/api/v1/paths/api-basics/history/1").get_json()
    assert (first["definition"]["title"], first["current_version"], first["author"]) == ("API basics", 2, "ada")
    assert ada.get("/api/v1/paths/api-basics/history/9").status_code == 404

    stale = ada.post("/api/v1/paths/api-basics/history/1/restore", json={"base_version": 1})
    assert stale.status_code == 409 and stale.get_json()["error"]["current_version"] == 2
    assert ada.post("/api/v1/paths/api-basics/history/1/restore", json={}).status_code == 400
    restored = ada.post("/api/v1/paths/api-basics/history/1/restore", json={"base_version": 2})
    assert restored.status_code == 200
    assert (restored.get_json()["version"], restored.get_json()["unchanged"]) == (3, False)
    now = make_client("lena").get("/api/v1/paths/api-basics").get_json()
    assert (now["title"], now["status"]) == ("API basics", PathStatus.published.value)


def test_an_admin_adds_and_edits_an_article_and_a_known_title_needs_confirming(make_client, session):
    ada = make_client("ada")
    made = ada.post("/api/v1/articles", json=ARTICLE)
    assert made.status_code == 201
    slug = made.get_json()["slug"]
    assert make_client().get(f"/api/v1/articles/{slug}").get_json()["title"] == "Chaos in practice"
    twin = ada.post("/api/v1/articles", json=ARTICLE | {"url": "https://example.org/other"})
    assert twin.status_code == 400 and "already the title of" in twin.get_json()["error"]["message"]
    count = len(session.exec(select(Article)).all())
    confirmed = ada.post("/api/v1/articles", json=ARTICLE | {"same_title": "Chaos in practice"})
    assert confirmed.status_code == 201 and len(session.exec(select(Article)).all()) == count + 1
    edited = ada.put(f"/api/v1/articles/{slug}", json=ARTICLE | {"reading_minutes": 12})
    assert edited.status_code == 200 and edited.get_json()["reading_minutes"] == 12
    for change, message in [({"url": "javascript:alert(1)"}, "rl"), ({"title": ""}, "itle"),
                            ({"source": "nowhere"}, "source")]:
        refused = ada.put(f"/api/v1/articles/{slug}", json=ARTICLE | change)
        assert refused.status_code == 400 and message in refused.get_json()["error"]["message"], change
    assert make_client().get(f"/api/v1/articles/{slug}").get_json()["reading_minutes"] == 12
    assert ada.put("/api/v1/articles/no-such", json=ARTICLE).status_code == 404
    assert make_client("lena").post("/api/v1/articles", json=ARTICLE).status_code == 403


def test_links_are_set_in_bulk_all_or_nothing(make_client, session):
    ada = make_client("ada")
    bad = ada.put("/api/v1/articles/links", json={"links": {"http-protocol": "https://example.org/h",
                                                            "no-such": "https://example.org/n"}})
    assert bad.status_code == 400 and "no-such" in bad.get_json()["error"]["message"]
    assert factories.article(session, "http-protocol").url != "https://example.org/h"
    done = ada.put("/api/v1/articles/links", json={"links": {"http-protocol": "https://example.org/h"}})
    assert done.get_json() == {"changed": 1, "unchanged": 0}
    session.expire_all()
    assert factories.article(session, "http-protocol").url == "https://example.org/h"


def test_a_pasted_listing_is_previewed_then_saved(make_client):
    ada = make_client("ada")
    text = ("Jul 1, 2025 · DevOps\n\nChaos Engineering in Practice\n\nBreaking things on purpose, safely...\n\n"
            "chaos resilience testing\n")
    preview = ada.post("/api/v1/articles/import", json={"text": text, "source_name": "Ops Notes"}).get_json()
    assert (preview["saved"], len(preview["new"]), preview["source_name"]) == (False, 1, "Ops Notes")
    assert make_client().get("/api/v1/articles?q=Chaos Engineering").get_json()["total"] == 0
    saved = ada.post("/api/v1/articles/import", json={"text": text, "source_name": "Ops Notes", "confirm": True})
    assert saved.get_json()["saved"] is True and saved.get_json()["created"] == 1
    assert make_client().get("/api/v1/articles?q=Chaos Engineering").get_json()["total"] == 1
    bad = ada.post("/api/v1/articles/import", json={"text": "nothing useful"})
    assert bad.status_code == 400 and "not a listing layout" in bad.get_json()["error"]["message"]
