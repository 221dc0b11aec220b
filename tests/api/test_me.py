"""The learner's JSON API: progress and paths, by session (with CSRF header) or bearer token."""

import pytest
from sqlalchemy import func
from sqlmodel import select

from tracker.models import Progress
from tracker.services.people import accounts, tokens


@pytest.fixture
def token(session):
    raw, _ = tokens.create_token(session=session, user=accounts.get_user(session=session, username="lena"), name="t")
    return {"Authorization": f"Bearer {raw}"}


def test_no_authentication_is_a_json_401(client):
    for method, url in [("GET", "/api/v1/me/progress"), ("GET", "/api/v1/me/paths"),
                        ("PUT", "/api/v1/me/progress/http-protocol")]:
        response = client.open(url, method=method, json={"state": "done"})
        assert response.status_code == 401, url
        assert response.get_json()["error"]["status"] == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_bad_token_is_a_401(client):
    response = client.get("/api/v1/me/progress", headers={"Authorization": "Bearer trk_wrong"})
    assert response.status_code == 401


def test_put_progress_with_a_token_stores_and_returns_the_record(client, token):
    response = client.put("/api/v1/me/progress/http-protocol", json={"state": "done"}, headers=token)
    assert response.status_code == 200
    body = response.get_json()
    assert body["article_slug"] == "http-protocol" and body["state"] == "done"
    assert body["updated_at"].endswith("Z")
    items = client.get("/api/v1/me/progress", headers=token).get_json()["items"]
    assert [(i["article_slug"], i["state"]) for i in items] == [("http-protocol", "done")]


def test_session_requests_need_the_csrf_header(make_client, session):
    lena = make_client("lena")
    refused = lena.put("/api/v1/me/progress/http-protocol", json={"state": "done"}, csrf=False)
    assert refused.status_code == 400 and "security token" in refused.get_json()["error"]["message"]
    assert session.exec(select(func.count(Progress.id))).one() == 0
    assert lena.put("/api/v1/me/progress/http-protocol", json={"state": "done"}).status_code == 200


@pytest.mark.parametrize(("slug", "body", "status", "fragment"), [
    ("http-protocol", {"state": "finished"}, 400, "unknown state"),
    ("http-protocol", {"status": "done"}, 400, "state: this field is required"),
    ("http-protocol", ["done"], 400, "send a JSON object"),
    ("nope", {"state": "done"}, 404, "There is no article called 'nope'."),
])
def test_bad_progress_requests_are_refused_with_a_message(client, token, session, slug, body, status, fragment):
    response = client.put(f"/api/v1/me/progress/{slug}", json=body, headers=token)
    assert response.status_code == status
    assert fragment in response.get_json()["error"]["message"]
    assert session.exec(select(func.count(Progress.id))).one() == 0


def test_not_json_at_all_is_a_400(client, token):
    response = client.put("/api/v1/me/progress/http-protocol", data="state=done", headers=token)
    assert response.status_code == 400


def test_my_paths_report_counts_percent_and_next(make_client, token, client):
    lena = make_client("lena")
    lena.post("/paths/api-designer/follow")
    client.put("/api/v1/me/progress/http-protocol", json={"state": "done"}, headers=token)
    client.put("/api/v1/me/progress/restful-api-design", json={"state": "skipped"}, headers=token)
    items = client.get("/api/v1/me/paths", headers=token).get_json()["items"]
    assert len(items) == 1
    path = items[0]
    assert path["slug"] == "api-designer"
    detail = client.get("/api/v1/paths/api-designer").get_json()
    required = sum(not item["optional"] for section in detail["sections"] for item in section["items"])
    assert (path["done"], path["skipped"], path["total"]) == (1, 1, required)
    assert path["percent"] == 100 // required
    assert path["next_article_slug"] == "routing"  # the first required article neither done nor skipped


def test_my_settings_can_be_read_and_changed_all_or_nothing(app, make_client, session):
    from tests import factories

    lena = make_client("lena")
    me = lena.get("/api/v1/me").get_json()
    assert (me["username"], me["time_zone"], me["email_notifications"], me["email_offered"]) == (
        "lena", "UTC", "off", False)
    changed = lena.patch("/api/v1/me", json={"time_zone": "America/Sao_Paulo"})
    assert changed.status_code == 200 and changed.get_json()["time_zone"] == "America/Sao_Paulo"
    refused = lena.patch("/api/v1/me", json={"time_zone": "Europe/Paris", "email": "lena@example.com",
                                             "email_notifications": "daily"})
    assert refused.status_code == 400
    assert refused.get_json()["error"]["message"] == "This tracker does not send email: notifications stay in the app."
    bad_zone = lena.patch("/api/v1/me", json={"time_zone": "Atlantis/Capital"})
    assert bad_zone.status_code == 400 and "not a known time zone" in bad_zone.get_json()["error"]["message"]
    session.expire_all()
    assert factories.user(session, "lena").time_zone == "America/Sao_Paulo"  # nothing of the refused ones
    app.config["SMTP_URL"] = "smtp://127.0.0.1:2525"
    ok = lena.patch("/api/v1/me", json={"email": "lena@example.com", "email_notifications": "immediate"})
    assert ok.get_json()["email_notifications"] == "immediate" and ok.get_json()["email_offered"] is True
    assert lena.patch("/api/v1/me", json={"role": "admin"}).status_code == 400
    assert make_client().patch("/api/v1/me", json={"time_zone": "UTC"}, csrf=False).status_code == 401
