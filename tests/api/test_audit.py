"""GET /api/v1/audit: the audit log for admins' tokens, filtered, a page at a time by cursor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests import factories
from tracker.models import TokenScope
from tracker.services.audit import AuditKind, record
from tracker.services.people import tokens


def bearer(session, username: str) -> dict[str, str]:
    user = factories.user(session, username)
    raw, _ = tokens.create_token(session=session, user=user, name="audit",  # the admin endpoints need the admin scope
                                 scope=TokenScope.admin if user.role == "admin" else TokenScope.read)
    return {"Authorization": f"Bearer {raw}"}


def test_an_admin_token_reads_every_entry_once_across_pages(client, session):
    lena = factories.user(session, "lena")
    start = datetime(2026, 3, 1, tzinfo=UTC)
    for i in range(120):  # pairs share a moment: the id breaks the tie
        record(session=session, kind=AuditKind.followed, actor=lena, subject=lena,
               detail=f"entry {i:03d}").at = start + timedelta(seconds=i // 2)
    session.commit()
    headers = bearer(session, "ada")
    url: str | None = "/api/v1/audit?kind=followed&actor=lena&limit=50"
    seen, pages = [], 0
    while url:
        answer = client.get(url, headers=headers)
        assert answer.status_code == 200, answer.get_json()
        body = answer.get_json()
        seen += [item["detail"] for item in body["items"]]
        url, pages = body["more"], pages + 1
    assert pages == 3
    assert seen == [f"entry {i:03d}" for i in range(119, -1, -1)]


def test_an_entry_says_who_did_what_to_whom_in_utc(client, session):
    ada, lena = factories.user(session, "ada"), factories.user(session, "lena")
    path = factories.path(session, "api-designer")
    record(session=session, kind=AuditKind.enrolled, actor=ada, subject=lena, path=path, detail="due Mar 3, 2027")
    session.commit()
    body = client.get("/api/v1/audit?kind=enrolled&subject=lena", headers=bearer(session, "ada")).get_json()
    (entry,) = body["items"]
    assert entry | {"id": 0, "at": ""} == {
        "id": 0, "at": "", "kind": "enrolled", "label": "enrolled", "actor": "ada", "actor_exists": True,
        "subject": "lena", "subject_exists": True, "group": None, "path": "api-designer",
        "detail": "due Mar 3, 2027"}
    assert entry["at"].endswith("Z") and body["more"] is None


@pytest.mark.parametrize("query", ["kind=nonsense", "limit=0", "limit=500", "before=x.y", "colour=blue",
                                   "since=2026-02-02&until=2026-02-01"])
def test_bad_parameters_are_refused_with_a_message(client, session, query):
    answer = client.get(f"/api/v1/audit?{query}", headers=bearer(session, "ada"))
    assert answer.status_code == 400
    assert answer.get_json()["error"]["message"]


def test_learners_and_mentors_tokens_are_refused_and_no_token_is_unauthorised(client, session):
    assert client.get("/api/v1/audit", headers=bearer(session, "lena")).status_code == 403
    assert client.get("/api/v1/audit", headers=bearer(session, "mona")).status_code == 403
    assert client.get("/api/v1/audit").status_code == 401


def test_the_document_describes_the_audit_log_and_its_filters(client):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/audit"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"kind", "actor", "subject", "group", "path", "since",
                                                             "until", "limit", "before"}
    assert "AuditPagePublic" in document["components"]["schemas"]
    assert {"401", "403", "400"} <= set(operation["responses"])
