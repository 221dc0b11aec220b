"""The HTTP boundary: each refusal answered the same way for a page, an HTMX fragment and the JSON API."""

from __future__ import annotations

import logging

import pytest
from markupsafe import escape
from sqlmodel import select

from tests import factories
from tests.conftest import PASSWORD, make_app
from tracker.http.errors import loggable
from tracker.models import LearningPath, Note, PathVersion
from tracker.services.errors import Conflict, Invalid, NotAllowed, NotFound
from tracker.services.learning import notes

HX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/catalog?q=http"}
JSON = {"Accept": "application/json"}


@pytest.mark.parametrize(("error", "status"), [(NotFound, 404), (NotAllowed, 403), (Invalid, 400), (Conflict, 409)])
def test_each_domain_error_has_one_status_for_pages_fragments_and_json(app, client, error, status):
    app.add_url_rule("/refuse", "refuse", lambda: (_ for _ in ()).throw(error("The reason, in words.")))
    page = client.get("/refuse")
    assert page.status_code == status
    assert "The reason, in words." in page.get_data(as_text=True) and "<html" in page.get_data(as_text=True)

    fragment = client.get("/refuse", headers=HX)
    assert fragment.status_code == status
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and 'role="alert"' in body and "The reason, in words." in body
    assert fragment.headers["HX-Retarget"] == "#alerts"  # shown where the person looks, not lost in a target
    assert "HX-Request" in fragment.headers["Vary"] and "HX-Request" in page.headers["Vary"]

    answer = client.get("/refuse", headers=JSON)
    assert answer.status_code == status
    assert answer.get_json() == {"error": {"status": status, "message": "The reason, in words."}}


def test_a_real_refusal_reads_the_same_in_every_client(client):
    """An unknown path: the page, the HTMX fragment and the API all say the same sentence."""
    message = "There is no path called 'nope'."
    assert escape(message) in client.get("/paths/nope").get_data(as_text=True)
    fragment = client.get("/paths/nope", headers=HX)
    assert fragment.status_code == 404 and escape(message) in fragment.get_data(as_text=True)
    api = client.get("/api/v1/paths/nope")
    assert api.status_code == 404 and api.get_json()["error"]["message"] == message


def test_a_stale_path_save_answers_409_with_the_changes_in_json(make_client, session):
    ada = make_client("ada")
    current = ada.get("/api/v1/paths/api-designer").get_json()
    body = current | {"version": current["version"], "title": "API Designer, revised"}
    assert ada.put("/api/v1/paths/api-designer", json=body).status_code == 200
    stale = ada.put("/api/v1/paths/api-designer", json=body | {"title": "Mine"})
    assert stale.status_code == 409
    error = stale.get_json()["error"]
    assert error["current_version"] == current["version"] + 1
    assert any("API Designer, revised" in line for line in error["changes"])


def test_a_mentor_replying_to_an_unknown_note_gets_404(make_client):
    mona = make_client("mona")
    assert mona.post("/mentor/notes/999999/replies", data={"body": "Nice"}).status_code == 404
    assert mona.post("/mentor/notes/999999/replies", data={"body": "Nice"}, headers=HX).status_code == 404


def test_a_mentor_cannot_reply_to_a_note_of_someone_else_s_mentee(make_client, session):
    lena = factories.user(session, "lena")
    note = notes.save_note(session=session, user=lena, article=factories.article(session, "http-protocol"),
                           body="Shared thoughts", shared=True)
    mona = make_client("mona")
    assert mona.post(f"/mentor/notes/{note.id}/replies", data={"body": "Hi"}).status_code == 404
    factories.mentor_of(session, "mona", "lena")
    assert mona.post(f"/mentor/notes/{note.id}/replies", data={"body": "Hi"}).status_code == 303
    assert session.exec(select(Note).where(Note.id == note.id)).one().body == "Shared thoughts"


# ---------------------------------------------------------------- bounded input

@pytest.mark.parametrize("url", [
    "/api/v1/assignments/9223372036854775808", "/notifications/9223372036854775808/read",
    "/account/tokens/18446744073709551616/revoke", "/admin/paths/api-designer/restore/9223372036854775808",
    "/mentor/notes/0/replies", "/notifications/-1/read", "/mentor/assignments/2147483648/withdraw",
])
def test_ids_outside_the_database_range_are_not_found(make_client, url):
    ada = make_client("ada")
    method = "PATCH" if url.startswith("/api/") else "POST"
    response = ada.open(url, method=method, json={"due_on": None} if method == "PATCH" else None)
    assert response.status_code == 404


def test_the_largest_id_is_accepted_and_simply_not_found(make_client):
    response = make_client("ada").patch(f"/api/v1/assignments/{2**31 - 1}", json={"due_on": None})
    assert response.status_code == 404


def test_json_nested_too_deep_is_refused_with_a_message(make_client):
    ada = make_client("ada")
    deep = "[" * 50_000 + "]" * 50_000
    response = ada.put("/api/v1/me/progress/http-protocol", data=deep, content_type="application/json")
    assert response.status_code == 400 and "nested too deeply" in response.get_json()["error"]["message"]
    moderately = '{"state": ' + "[" * 40 + "]" * 40 + "}"
    response = ada.put("/api/v1/me/progress/http-protocol", data=moderately, content_type="application/json")
    assert response.status_code == 400 and "nested too deeply" in response.get_json()["error"]["message"]


def test_huge_numbers_in_the_path_api_are_refused_naming_the_field(make_client, session):
    ada = make_client("ada")
    current = ada.get("/api/v1/paths/api-designer").get_json()
    for field in ("version", "order", "weeks_min"):
        response = ada.put("/api/v1/paths/api-designer", json=current | {field: 10**30})
        assert response.status_code == 400, field
        assert response.get_json()["error"]["message"].startswith(f"{field}:")
    assert factories.path(session, "api-designer").version == current["version"]


def test_huge_numbers_in_the_editor_are_refused_naming_the_field(make_client, session):
    from tests.web.test_admin import editor_form

    ada = make_client("ada")
    form = editor_form(session)
    before = session.exec(select(PathVersion)).all()
    for field, label in (("order", "Order"), ("weeks_min", "Weeks, at least"), ("base_version", "Version")):
        response = ada.post("/admin/paths/api-designer/edit", data=form | {field: "1" + "0" * 30, "action": "save"})
        assert response.status_code == 400, field
        assert label in response.get_data(as_text=True)
    restore = ada.post("/admin/paths/api-designer/restore/1", data={"base_version": "9" * 30})
    assert restore.status_code == 400
    assert len(session.exec(select(PathVersion)).all()) == len(before)


def test_a_yaml_import_with_a_huge_order_is_refused(make_client, session):
    from io import BytesIO

    from tracker.services.curriculum.format import dump_path_definition
    from tracker.services.curriculum.queries import path_definition

    text = dump_path_definition(path_definition(session=session, path=factories.path(session, "api-designer")))
    text = text.replace("order: ", "order: 1000000000000000000000000000000 #", 1)
    response = make_client("ada").post("/admin/paths/import", data={"file": (BytesIO(text.encode()), "api.yaml")},
                                       content_type="multipart/form-data")
    assert response.status_code == 400 and "order" in response.get_data(as_text=True)


def test_a_listing_with_an_absurd_reading_time_is_refused(make_client):
    listing = "Blog\nEngineering notes\nJan 5, 2025 · 99999999999999999999m\nTitle\nSummary\nTagOne\n"
    response = make_client("ada").post("/admin/articles/import", data={"text": listing, "source_name": "X"})
    assert response.status_code == 400


@pytest.mark.parametrize(("method", "url", "kwargs"), [
    ("GET", "/api/v1/articles?q=a%00b", {}),
    ("GET", "/catalog?q=a%00b", {}),
    ("GET", "/paths/a%00b", {}),
    ("POST", "/signin", {"data": {"username": "le\x00na", "password": PASSWORD}}),
    ("POST", "/signup", {"data": {"username": "new\x00one", "password": PASSWORD, "confirm": PASSWORD}}),
])
def test_nul_bytes_are_refused_before_they_reach_the_database(client, caplog, method, url, kwargs):
    with caplog.at_level(logging.ERROR):
        response = client.open(url, method=method, **kwargs)
    assert response.status_code in (400, 404)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_nul_bytes_in_json_bodies_are_refused(make_client):
    response = make_client("lena").put("/api/v1/me/progress/http-protocol", json={"state": "do\x00ne"})
    assert response.status_code == 400 and "NUL" in response.get_json()["error"]["message"]


# ---------------------------------------------------------------- logging

def test_unexpected_errors_are_logged_with_escaped_paths_and_without_sql_parameters(database_url, tmp_path, caplog):
    app = make_app(database_url, tmp_path)
    secret = "a-value-that-must-not-be-logged"

    def crash():
        from tracker.db import get_session

        session = get_session()
        session.add(LearningPath(slug="api-designer", title=secret, weeks_min=1))  # a duplicate slug
        session.commit()

    app.add_url_rule("/crash/<path:rest>", "crash", lambda rest: crash())
    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/crash/x%1B[2Jforged%09line", headers=JSON)
    app.extensions["tracker.engine"].dispose()
    assert response.status_code == 500
    assert response.get_json()["error"]["message"].startswith("Something went wrong on our side")
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "/crash/x\\x1b[2Jforged\\tline" in logged
    assert secret not in logged and secret not in response.get_data(as_text=True)


@pytest.mark.parametrize("refused", ["null username", "NUL in a name"])
def test_a_write_the_database_refuses_answers_our_500_page_with_its_security_headers(database_url, backend, tmp_path,
                                                                                     refused):
    """A flush the database refuses (NOT NULL; on PostgreSQL also a NUL byte, a DataError) leaves the session
    needing a rollback: the error page (whose header asks for the signed-in person) still renders, as in
    production (exceptions not propagated), with the headers every page carries."""
    if refused == "NUL in a name" and backend != "postgresql":
        pytest.skip("SQLite stores a NUL byte")
    from tests.conftest import csrf_client
    from tracker.db import get_session
    from tracker.http.auth import require_account

    app = make_app(database_url, tmp_path, PROPAGATE_EXCEPTIONS=False)

    def refused_write():
        user = require_account()
        if refused == "null username":
            user.username = None  # the broken write under test
        else:
            user.display_name = "Lena\x00"
        get_session().flush()

    app.add_url_rule("/refused-write", "refused_write", refused_write)
    lena = csrf_client(app).sign_in("lena")
    for headers in ({}, HX):
        response = lena.get("/refused-write", headers=headers)
        body = response.get_data(as_text=True)
        assert response.status_code == 500
        assert "Something went wrong on our side" in body
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "<html" in lena.get("/refused-write").get_data(as_text=True)  # the page, signed in, with its header
    assert lena.get("/account").status_code == 200  # and the next request is served as usual
    app.extensions["tracker.engine"].dispose()


def test_loggable_escapes_control_characters_and_caps_length():
    assert loggable("/a\r\nb\x1b[31m") == "/a\\r\\nb\\x1b[31m"
    assert loggable("x" * 1000).endswith("…") and len(loggable("x" * 1000)) == 301


# ---------------------------------------------------------------- sessions that ended, temporary passwords

def test_an_htmx_request_after_sign_out_is_sent_to_sign_in_with_the_page_to_return_to(make_client):
    lena = make_client("lena")
    lena.sign_out()
    # A press is answered in the alert area (the page stays, the press is kept to repeat after signing in)...
    response = lena.post("/articles/http-protocol/progress", data={"state": "done"}, headers=HX)
    assert response.status_code == 401 and response.headers["HX-Retarget"] == "#alerts"
    assert 'href="/signin?next=/resume?press%3D' in response.get_data(as_text=True)
    # ... a read (the badge) sends the page to sign in, to come back to the page
    badge = lena.get("/notifications/badge", headers=HX)
    assert badge.status_code == 401 and badge.headers["HX-Redirect"].startswith("/signin?next=/catalog")


def test_a_foreign_current_url_is_not_used_as_the_page_to_return_to(make_client):
    lena = make_client("lena")
    lena.sign_out()
    response = lena.get("/notifications/badge", headers={"HX-Request": "true",
                                                         "HX-Current-URL": "https://evil.example/x"})
    assert response.headers["HX-Redirect"] == "/signin"


def test_with_a_temporary_password_the_badge_answers_a_badge_and_other_fragments_redirect(make_client):
    ada = make_client("ada")
    ada.post("/admin/users/leo", data={"action": "password", "password": "temporary pass 123"})
    leo = make_client()
    assert leo.post("/signin", data={"username": "leo", "password": "temporary pass 123"}).status_code == 302
    badge = leo.get("/notifications/badge", headers=HX)
    assert badge.status_code == 200 and badge.get_data(as_text=True).startswith('<span id="notification-badge"')
    assert "<html" not in badge.get_data(as_text=True)
    other = leo.post("/articles/http-protocol/progress", data={"state": "done"}, headers=HX)
    assert other.status_code == 403 and other.headers["HX-Redirect"] == "/account"
    api = leo.get("/api/v1/me/progress")
    assert api.status_code == 403 and "temporary password" in api.get_json()["error"]["message"]
