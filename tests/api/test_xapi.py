"""The xAPI statement endpoints: one's own, a mentee's, everyone's; pages; and the admin's outbox page."""

import uuid

import pytest

from tests import factories


@pytest.fixture
def history(make_client, session):
    factories.mentor_of(session, "mona", "lena")
    lena = make_client("lena")
    lena.post("/paths/api-designer/follow")
    for slug in ("http-protocol", "routing", "middleware"):
        lena.post(f"/articles/{slug}/progress", data={"state": "done", "path": "api-designer"})
    make_client("leo").post("/articles/http-protocol/progress", data={"state": "in_progress"})
    return lena


def test_my_statements_are_mine_only_and_come_in_pages(history, session):
    body = history.get("/api/v1/me/xapi").get_json()
    lena = factories.user(session, "lena")
    assert len(body["statements"]) == 3 and body["more"] is None
    assert {s["actor"]["account"]["name"] for s in body["statements"]} == {lena.public_id}
    assert all(s["context"]["contextActivities"]["grouping"][0]["id"].endswith("/paths/api-designer")
               for s in body["statements"])
    bad = history.get("/api/v1/me/xapi?after=zz")
    assert bad.status_code == 400 and "cursor" in bad.get_json()["error"]["message"]
    assert history.get("/api/v1/me/xapi?page=2").status_code == 400


def test_statements_follow_the_mentoring_rules(history, make_client, session):
    mona, leo = make_client("mona"), make_client("leo")
    assert len(mona.get("/api/v1/mentees/lena/xapi").get_json()["statements"]) == 3
    assert mona.get("/api/v1/mentees/leo/xapi").status_code == 404  # not her mentee
    assert leo.get("/api/v1/mentees/lena/xapi").status_code == 403
    assert mona.get("/api/v1/xapi").status_code == 403
    assert len(make_client("ada").get("/api/v1/xapi").get_json()["statements"]) == 4
    assert make_client().get("/api/v1/me/xapi").status_code == 401


def test_the_admin_sees_the_outbox_and_can_send_now(app, history, make_client, ralph_lrs):
    ada = make_client("ada")
    assert "No Learning Record Store is set up" in ada.get("/admin/records").get_data(as_text=True)
    assert ada.post("/admin/records/push").status_code == 400
    app.config.update(XAPI_ENDPOINT=ralph_lrs["endpoint"], XAPI_USERNAME=ralph_lrs["username"],
                      XAPI_PASSWORD=ralph_lrs["password"], PUBLIC_URL=f"http://admin-{uuid.uuid4().hex[:8]}.test")
    sent = ada.post("/admin/records/push", follow_redirects=True).get_data(as_text=True)
    assert "4 new statements queued, 4 sent." in sent
    assert '<dd id="outbox-waiting">0</dd>' in sent and '<dd id="outbox-sent">4</dd>' in sent
    assert make_client("mona").get("/admin/records").status_code == 403


def test_a_change_made_through_the_api_can_name_its_path(make_client, session):
    lena = make_client("lena")
    on_path = lena.put("/api/v1/me/progress/routing", json={"state": "done", "path": "api-designer"})
    assert on_path.status_code == 200
    statement = lena.get("/api/v1/me/xapi").get_json()["statements"][-1]
    assert statement["context"]["contextActivities"]["grouping"][0]["id"].endswith("/paths/api-designer")
    elsewhere = "kafka-for-beginners-what-it-is-when-to-use-it-and-producer-consumer-examples-in"
    wrong = lena.put(f"/api/v1/me/progress/{elsewhere}", json={"state": "done", "path": "api-designer"})
    assert wrong.status_code == 400 and "does not hold" in wrong.get_json()["error"]["message"]
    assert lena.put("/api/v1/me/progress/routing", json={"state": "done", "path": "nowhere"}).status_code == 404
    assert len(lena.get("/api/v1/me/xapi").get_json()["statements"]) == 1  # the refused ones wrote nothing
