"""The data API: your export and progress CSV, a mentee's export, and deleting your account."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlmodel import select

from tests import factories
from tests.conftest import PASSWORD
from tests.services.records.test_export import lived_in_everywhere, rows_pointing_at
from tracker.models import Article, SecurityEvent, SecurityEventKind, User
from tracker.services.people import accounts, tokens


def bearer(session, username: str) -> dict:
    raw, _ = tokens.create_token(session=session, user=factories.user(session, username), name="t")
    return {"Authorization": f"Bearer {raw}"}


@pytest.mark.parametrize(("method", "url"), [("GET", "/api/v1/me/export"), ("GET", "/api/v1/me/progress.csv"),
                                             ("DELETE", "/api/v1/me"), ("GET", "/api/v1/mentees/lena/export")])
def test_the_data_endpoints_need_authentication(client, method, url):
    response = client.open(url, method=method, json={"password": PASSWORD})
    assert response.status_code == 401 and response.get_json()["error"]["status"] == 401


def test_my_export_is_a_json_download(client, session, make_client):
    lived_in_everywhere(session, make_client)
    response = client.get("/api/v1/me/export", headers=bearer(session, "lena"))
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="tracker-lena-') and disposition.endswith('.json"')
    body = response.get_json()
    assert body["schema_version"] == 1 and body["account"]["username"] == "lena"
    assert body["notes"][0]["replies"][0]["author"] == "mona" and body["credentials"][0]["jwt"]


def test_my_progress_as_csv_neutralises_formulas(client, session):
    article = factories.article(session, "http-protocol")
    article.title = "=HYPERLINK(\"http://evil.example\")"
    session.commit()
    headers = bearer(session, "lena")
    assert client.put("/api/v1/me/progress/http-protocol", json={"state": "done"}, headers=headers).status_code == 200
    response = client.get("/api/v1/me/progress.csv", headers=headers)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="tracker-lena-progress.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["article_slug", "title", "source", "state", "updated_at"]
    [(slug, title, source, state, updated_at)] = rows[1:]
    assert (slug, title, state) == ("http-protocol", "'=HYPERLINK(\"http://evil.example\")", "done")
    assert source and updated_at.endswith("Z")
    assert session.exec(select(Article.title).where(Article.slug == "http-protocol")).one().startswith("=")


def test_a_mentor_exports_a_mentee_and_nobody_else(client, session, make_client):
    lived_in_everywhere(session, make_client)
    mona = bearer(session, "mona")
    response = client.get("/api/v1/mentees/lena/export", headers=mona)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="tracker-lena-')
    body = response.get_json()
    assert body["exported_by"] == "mona" and [n["body"] for n in body["shared_notes"]] == ["Kept"]
    assert client.get("/api/v1/mentees/leo/export", headers=mona).status_code == 404
    assert client.get("/api/v1/mentees/nobody/export", headers=mona).status_code == 404
    assert client.get("/api/v1/mentees/leo/export", headers=bearer(session, "lena")).status_code == 403
    admin = client.get("/api/v1/mentees/leo/export", headers=bearer(session, "ada"))
    assert admin.status_code == 200 and admin.get_json()["learner"]["username"] == "leo"


def test_deleting_my_account_through_the_api(client, session, make_client):
    lived_in_everywhere(session, make_client)
    lena_id = factories.user(session, "lena").id
    token = bearer(session, "lena")
    assert client.delete("/api/v1/me", json={"password": PASSWORD}, headers=token).status_code == 204
    session.expire_all()
    assert rows_pointing_at(session, lena_id) == {} and session.get(User, lena_id) is None
    assert client.get("/api/v1/me", headers=token).status_code == 401
    signin = make_client().post("/signin", data={"username": "lena", "password": PASSWORD})
    assert signin.status_code == 400 and "Wrong username or password." in signin.get_data(as_text=True)


@pytest.mark.parametrize(("body", "status", "message"), [
    ({"password": "not my password"}, 403, "The password is not right; nothing was deleted."),
    ({"password": ""}, 400, "Type your password to confirm."),
    ({}, 400, "password: this field is required"),
    ({"password": PASSWORD, "also": 1}, 400, "also: Extra inputs are not permitted"),
])
def test_a_refused_deletion_deletes_nothing_and_says_why(client, session, body, status, message):
    response = client.delete("/api/v1/me", json=body, headers=bearer(session, "lena"))
    assert response.status_code == status
    assert response.get_json()["error"]["message"] == message
    session.expire_all()
    assert accounts.get_user(session=session, username="lena") is not None


def test_the_last_admin_gets_a_clear_refusal(client, session):
    response = client.delete("/api/v1/me", json={"password": PASSWORD}, headers=bearer(session, "ada"))
    assert response.status_code == 403 and "last administrator" in response.get_json()["error"]["message"]
    assert accounts.get_user(session=session, username="ada") is not None


def test_a_read_only_token_cannot_delete_the_account(client, session):
    raw, _ = tokens.create_token(session=session, user=factories.user(session, "lena"), name="r", scope="read")
    response = client.delete("/api/v1/me", json={"password": PASSWORD}, headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 403 and accounts.get_user(session=session, username="lena") is not None


def test_a_token_cannot_be_used_to_guess_the_password(client, session, make_client):
    """Wrong passwords are counted per account, through the API and the account page together."""
    token = bearer(session, "lena")
    page_client = make_client("lena")
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=1), tick=False):
        for _ in range(5):
            assert client.delete("/api/v1/me", json={"password": "guess"}, headers=token).status_code == 403
        page = page_client.post("/account/delete", data={"password": "guess", "understood": "y"})
        assert page.status_code == 400
        blocked = client.delete("/api/v1/me", json={"password": PASSWORD}, headers=token)
    assert blocked.status_code == 429 and blocked.headers["Retry-After"] == "1"
    assert "Too many wrong passwords" in blocked.get_json()["error"]["message"]
    assert accounts.get_user(session=session, username="lena") is not None
    refused = session.exec(select(SecurityEvent).where(SecurityEvent.kind == SecurityEventKind.access_refused)).all()
    # the 1st, 2nd and 4th of five alike refusals in a minute are kept
    assert len(refused) == 3 and all("DELETE /api/v1/me" in event.detail for event in refused)
