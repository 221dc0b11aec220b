"""The attacker's walk: a learner's private resource never reaches anyone else through any catalog surface (pages,
fragments, the API, exports, the editor's search, xAPI), and reaches her mentor only once she shares it."""

from __future__ import annotations

import json

import pytest

from tests import factories
from tracker.services.catalog import store as catalog_store
from tracker.services.personal import resources as personal
from tracker.services.records import xapi

TITLE = "Zyxwvu private reading list"  # nothing in the catalog looks like it
URL = "https://example.org/zyxwvu-secret-notes"
HX = {"HX-Request": "true"}


def _pages(slug: str) -> list[tuple[str, dict]]:
    """Every catalog surface a visitor could open, as (address, headers)."""
    word = TITLE.split()[0]
    return [(address, {}) for address in (
        "/catalog", f"/catalog?q={word}", "/catalog?q=private", "/catalog?source=personal", "/catalog?per_page=100",
        f"/articles/{slug}", "/paths/", "/paths/api-designer", "/",
        "/api/v1/articles?per_page=100", f"/api/v1/articles?q={word}", "/api/v1/articles?source=personal",
        f"/api/v1/articles/{slug}", "/api/v1/sources", "/api/v1/topics", "/api/v1/paths/api-designer",
        "/api/v1/me/resources", "/api/v1/me/progress", "/api/v1/me/export",
        "/admin/articles", f"/admin/articles?q={word}", "/admin/articles/new", f"/admin/articles/{slug}/edit",
        f"/admin/paths/search?q={word}", "/admin/paths/api-designer/edit",
        "/mentor/mentees/lena", "/mentor/mentees/lena/paths/api-designer",
        "/api/v1/mentees/lena/progress", "/api/v1/mentees/lena/notes", "/api/v1/mentees/lena/export",
    )] + [(f"/catalog?q={word}", HX), ("/paths/api-designer", HX)]


def _walk(client, slug: str) -> dict[str, int]:
    """Opens every surface; fails naming the one that shows the title, the link or the slug."""
    statuses = {}
    for address, headers in _pages(slug):
        answer = client.get(address, headers=headers)
        text = answer.get_data(as_text=True)
        assert answer.status_code < 500, address
        for secret in (TITLE, URL, "Your own resources") + (() if slug in address else (slug,)):
            assert secret not in text, f"{address} shows {secret!r}"
        statuses[address] = answer.status_code
    return statuses


def _counts(client) -> tuple[int, int]:
    """How many articles the catalog says it holds, in the API and on the page's source filter."""
    api = client.get("/api/v1/articles?per_page=1").get_json()["total"]
    sources = len(client.get("/api/v1/sources").get_json()["items"])
    return api, sources


@pytest.fixture
def private_resource(session, make_client):
    factories.mentor_of(session, "mona", "lena")
    lena = make_client("lena")
    before = _counts(make_client())
    lena.post("/resources", data={"title": TITLE, "url": URL, "minutes": "12", "beside": "restful-api-design"})
    [resource] = personal.my_resources(session=session, owner=factories.user(session, "lena"))
    lena.post(f"/articles/{resource.slug}/progress", data={"state": "done"})
    lena.post(f"/articles/{resource.slug}/note", data={"body": "mine", "shared": "on"})
    return lena, resource, before


def test_nobody_but_its_owner_ever_sees_a_private_resource_anywhere_in_the_catalog(make_client, session,
                                                                                   private_resource):
    lena, resource, before = private_resource
    visitors = {"anonymous": make_client(), "leo": make_client("leo"), "mona (her mentor, not shared)":
                make_client("mona"), "ada (admin)": make_client("ada")}
    for name, client in visitors.items():
        statuses = _walk(client, resource.slug)
        assert statuses[f"/articles/{resource.slug}"] == 404, name
        assert _counts(client) == before, f"{name}: the catalog's numbers count the resource"
    # the owner sees it on its own page and beside the article; the catalog itself still does not list it
    assert TITLE in lena.get(f"/articles/{resource.slug}").get_data(as_text=True)
    assert TITLE in lena.get("/paths/api-designer").get_data(as_text=True)
    assert TITLE not in lena.get("/catalog?per_page=100").get_data(as_text=True)
    assert lena.get(f"/api/v1/articles/{resource.slug}").status_code == 404
    # exports of the catalog and statements leaving for a Learning Record Store never carry it
    document = catalog_store.document_from_database(session=session)
    assert TITLE not in document.model_dump_json() and "personal" not in {s.slug for s in document.sources}
    rows = xapi.event_rows(session, None, 0, 10_000)
    assert all(article.owner_id is None for _, article, _, _ in rows)


def test_her_mentor_sees_the_resource_only_once_she_shares_it(make_client, session, private_resource):
    lena, resource, _ = private_resource
    mona = make_client("mona")
    assert TITLE not in mona.get("/mentor/mentees/lena/paths/api-designer").get_data(as_text=True)
    assert lena.patch(f"/api/v1/me/resources/{resource.id}", json={"shared_with_mentors": True}).status_code == 200
    assert TITLE in mona.get("/mentor/mentees/lena/paths/api-designer").get_data(as_text=True)
    page = mona.get(f"/articles/{resource.slug}")
    assert page.status_code == 200 and TITLE in page.get_data(as_text=True)
    assert "Mark done" not in page.get_data(as_text=True), "a mentor reads it; only its owner marks it"
    assert resource.slug in json.dumps(mona.get("/api/v1/mentees/lena/progress").get_json())
    # still nobody else's, and still not in the catalog for her mentor either
    for name in ("leo", "ada"):
        assert make_client(name).get(f"/articles/{resource.slug}").status_code == 404
    _walk_catalog_only = [a for a, _ in _pages(resource.slug) if not a.startswith(("/mentor", "/api/v1/mentees",
                                                                                   "/articles/"))]
    for address in _walk_catalog_only:
        assert TITLE not in mona.get(address).get_data(as_text=True), address


def test_another_learners_resource_cannot_be_read_changed_or_deleted_by_its_id_or_slug(make_client, session,
                                                                                       private_resource):
    _, resource, _ = private_resource
    for name in ("leo", "mona", "ada"):
        other = make_client(name)
        for key in (resource.id, resource.slug):
            assert other.patch(f"/api/v1/me/resources/{key}", json={"title": "pwned"}).status_code == 404
            assert other.delete(f"/api/v1/me/resources/{key}").status_code == 404
        assert other.put(f"/api/v1/me/progress/{resource.slug}", json={"state": "done"}).status_code == 404
        assert other.put(f"/api/v1/me/articles/{resource.slug}/note", json={"body": "x"}).status_code == 404
        assert other.post("/api/v1/me/cards", json={"article": resource.slug, "prompt": "q?",
                                                    "answer": "a"}).status_code == 404
        assert other.post(f"/resources/{resource.id}/delete").status_code == 404
        assert other.get("/api/v1/me/resources").get_json()["items"] == []
    session.expire_all()
    assert personal.my_resources(session=session, owner=factories.user(session, "lena"))[0].title == TITLE
