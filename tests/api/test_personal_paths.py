"""Personal paths over JSON: copying, editing, the curated path's changes, and nobody else's copy."""

from tests import factories
from tracker.services.curriculum import queries as path_queries
from tracker.services.curriculum import store as path_store


def fork(client, slug="api-designer", **body):
    answer = client.post(f"/api/v1/me/paths/{slug}/fork", json=body or None)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def test_a_copy_made_over_json_lists_its_sections_and_is_among_my_own_paths(make_client):
    lena = make_client("lena")
    copy = fork(lena)
    assert copy["title"] == "API Designer (my copy)" and copy["forked_from"] == "api-designer"
    assert copy["forked_version"] == 1 and copy["sections"][0]["items"][0]["slug"] == "http-protocol"
    assert [p["slug"] for p in lena.get("/api/v1/me/own-paths").get_json()["items"]] == [copy["slug"]]
    assert copy["slug"] not in {p["slug"] for p in lena.get("/api/v1/paths").get_json()["items"]}


def test_edits_over_json_make_versions_and_a_stale_one_is_a_409(make_client):
    lena = make_client("lena")
    slug = fork(lena)["slug"]
    renamed = lena.patch(f"/api/v1/me/own-paths/{slug}", json={"title": "Mine", "version": 1}).get_json()
    assert renamed["title"] == "Mine" and renamed["version"] == 2
    assert lena.patch(f"/api/v1/me/own-paths/{slug}", json={"title": "Late", "version": 1}).status_code == 409
    added = lena.post(f"/api/v1/me/own-paths/{slug}/items",
                      json={"section": 2, "title": "My notes", "url": "https://example.com/n", "minutes": 5})
    assert added.status_code == 201
    assert added.get_json()["sections"][1]["items"][-1]["own_resource"] is True
    moved = lena.post(f"/api/v1/me/own-paths/{slug}/items/routing", json={"action": "up"}).get_json()
    assert [i["slug"] for i in moved["sections"][0]["items"]][:2] == ["routing", "http-protocol"]


def test_a_javascript_link_is_a_400_and_adds_nothing(make_client):
    lena = make_client("lena")
    slug = fork(lena)["slug"]
    answer = lena.post(f"/api/v1/me/own-paths/{slug}/items",
                       json={"section": 1, "title": "x", "url": "javascript:alert(document.cookie)"})
    assert answer.status_code == 400 and "https://" in answer.get_json()["error"]["message"]
    assert lena.get(f"/api/v1/me/own-paths/{slug}").get_json()["version"] == 1


def test_another_learners_copy_is_a_404_for_every_operation(make_client):
    slug = fork(make_client("lena"))["slug"]
    leo = make_client("leo")
    for method, url, body in [
        ("GET", f"/api/v1/me/own-paths/{slug}", None),
        ("PATCH", f"/api/v1/me/own-paths/{slug}", {"title": "Leo's"}),
        ("POST", f"/api/v1/me/own-paths/{slug}/items", {"section": 1, "article": "caching"}),
        ("POST", f"/api/v1/me/own-paths/{slug}/items/routing", {"action": "remove"}),
        ("GET", f"/api/v1/me/paths/{slug}/changes", None),
        ("POST", f"/api/v1/me/paths/{slug}/changes", {"key": "x", "decision": "take"}),
        ("POST", f"/api/v1/me/paths/{slug}/fork", None),
        ("GET", f"/api/v1/paths/{slug}", None),
    ]:
        assert leo.open(url, method=method, json=body).status_code == 404, url


def test_forking_a_personal_path_or_a_draft_is_refused(make_client, session):
    lena = make_client("lena")
    slug = fork(lena)["slug"]
    assert lena.post(f"/api/v1/me/paths/{slug}/fork").status_code == 400
    upstream = factories.path(session, "api-designer")
    path_store.change_status(session=session, path=upstream, status="draft", base_version=upstream.version,
                             author=factories.user(session, "ada"))
    assert lena.post("/api/v1/me/paths/api-designer/fork").status_code == 404


def test_a_mentor_makes_a_copy_for_a_mentee_but_not_for_anyone_else(make_client, session):
    factories.mentor_of(session, "mona", "lena")
    mona = make_client("mona")
    copy = fork(mona, learner="lena")
    assert copy["shared_with_mentors"] is True
    assert mona.get(f"/api/v1/me/own-paths/{copy['slug']}").status_code == 200
    assert mona.patch(f"/api/v1/me/own-paths/{copy['slug']}", json={"title": "x"}).status_code == 404
    assert mona.post("/api/v1/me/paths/api-designer/fork", json={"learner": "leo"}).status_code == 404


def test_the_curated_changes_are_listed_and_taken_once(make_client, session):
    lena = make_client("lena")
    slug = fork(lena)["slug"]
    upstream = factories.path(session, "api-designer")
    data = path_queries.path_definition(session=session, path=upstream).model_dump(mode="python")
    data["sections"][0]["items"] = [i for i in data["sections"][0]["items"] if i["slug"] != "routing"]
    path_store.save_path(session=session, definition=path_store.PathDefinition.model_validate(data),
                         base_version=upstream.version, author=factories.user(session, "ada"))
    listed = lena.get(f"/api/v1/me/paths/{slug}/changes").get_json()
    assert listed["upstream_version"] == 2 and [c["kind"] for c in listed["changes"]] == ["removed"]
    key = listed["changes"][0]["key"]
    for _ in range(2):
        taken = lena.post(f"/api/v1/me/paths/{slug}/changes", json={"key": key, "decision": "take"})
        assert taken.status_code == 200 and taken.get_json()["changes"] == []
    copy = lena.get(f"/api/v1/me/own-paths/{slug}").get_json()
    assert copy["forked_version"] == 2 and "routing" not in {i["slug"] for i in copy["sections"][0]["items"]}
    assert lena.post(f"/api/v1/me/paths/{slug}/changes", json={"key": "nope", "decision": "leave"}).status_code == 404
