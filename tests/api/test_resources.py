"""Your own resources over the API: list, add, change and delete; bad links refused with a clear message; another
learner's resource answers 404 whatever its id or slug."""

from __future__ import annotations


def test_a_learner_adds_lists_changes_and_deletes_a_resource(make_client):
    lena = make_client("lena")
    made = lena.post("/api/v1/me/resources", json={"title": " Designing Web APIs, ch. 2 ",
                                                   "url": "https://example.org/dwa-2", "minutes": 35,
                                                   "beside": "restful-api-design"})
    assert made.status_code == 201
    body = made.get_json()
    assert (body["title"], body["url"], body["minutes"], body["beside"], body["shared_with_mentors"]) == (
        "Designing Web APIs, ch. 2", "https://example.org/dwa-2", 35, "restful-api-design", False)
    assert body["slug"].startswith("personal-")
    assert [r["id"] for r in lena.get("/api/v1/me/resources").get_json()["items"]] == [body["id"]]
    changed = lena.patch(f"/api/v1/me/resources/{body['slug']}", json={"minutes": None, "shared_with_mentors": True})
    assert changed.status_code == 200
    assert (changed.get_json()["minutes"], changed.get_json()["shared_with_mentors"],
            changed.get_json()["title"]) == (None, True, "Designing Web APIs, ch. 2")
    assert lena.put(f"/api/v1/me/progress/{body['slug']}", json={"state": "done"}).status_code == 200
    assert lena.delete(f"/api/v1/me/resources/{body['id']}").status_code == 204
    assert lena.get("/api/v1/me/resources").get_json()["items"] == []
    assert lena.delete(f"/api/v1/me/resources/{body['id']}").status_code == 404


def test_links_that_are_not_web_addresses_are_refused_naming_the_field(make_client):
    lena = make_client("lena")
    for url in ("javascript:alert(1)", "data:text/html;base64,PHNjcmlwdD4=", "ftp://example.org/x", "//example.org",
                "https://", "https://exa mple.org"):
        answer = lena.post("/api/v1/me/resources", json={"title": "T", "url": url})
        assert answer.status_code == 400, url
        assert "url" in str(answer.get_json()), url
    assert lena.post("/api/v1/me/resources", json={"title": "", "url": "https://example.org"}).status_code == 400
    assert lena.post("/api/v1/me/resources", json={"title": "T", "url": "https://example.org",
                                                   "minutes": 601}).status_code == 400
    assert lena.post("/api/v1/me/resources", json={"title": "T", "url": "https://example.org",
                                                   "beside": "no-such-article"}).status_code == 404
    made = lena.post("/api/v1/me/resources", json={"title": "T", "url": "https://example.org"}).get_json()
    assert lena.patch(f"/api/v1/me/resources/{made['id']}", json={"url": "javascript:alert(1)"}).status_code == 400
    assert lena.get("/api/v1/me/resources").get_json()["items"][0]["url"] == "https://example.org"
    assert [r["title"] for r in lena.get("/api/v1/me/resources").get_json()["items"]] == ["T"]


def test_a_resource_cannot_sit_beside_another_learners_resource(make_client):
    lena, leo = make_client("lena"), make_client("leo")
    hers = lena.post("/api/v1/me/resources", json={"title": "Hers", "url": "https://example.org/h"}).get_json()
    answer = leo.post("/api/v1/me/resources", json={"title": "Mine", "url": "https://example.org/m",
                                                    "beside": hers["slug"]})
    assert answer.status_code == 404 and "Hers" not in answer.get_data(as_text=True)
