"""The audit log for admins: the page with its filters and pages (whole, or its results for HTMX), the CSV and
JSON Lines files with the same filters, one user's latest entries on their admin page, and who may see any of
it."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from tests import factories
from tracker.services.audit import AuditKind, record

HTMX = {"HX-Request": "true", "HX-Target": "audit-results"}


def add_entries(session: Session, count: int, *, start: datetime, kind: AuditKind = AuditKind.followed,
                actor: str = "lena", subject: str = "lena", detail: str = "") -> None:
    """`count` entries a minute apart from `start`, written as the services write them."""
    actor_user = factories.user(session, actor)
    subject_user = factories.user(session, subject)
    for i in range(count):
        event = record(session=session, kind=kind, actor=actor_user, subject=subject_user,
                       detail=detail or f"entry {i}")
        event.at = start + timedelta(minutes=i)
    session.commit()


def test_an_admin_sees_who_did_what_to_whom_with_links(make_client, session):
    factories.mentor_of(session, "mona", "lena")
    mona = make_client("mona")
    assert mona.post("/mentor/assignments", data={"learners": "lena", "path": "api-designer",
                                             "due_on": "2099-01-31"}).status_code in (200, 303)
    page = make_client("ada").get("/admin/audit?kind=enrolled")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'href="/admin/users/mona">mona</a>' in html and 'href="/admin/users/lena">lena</a>' in html
    assert "enrolled" in html and "due Jan 31, 2099" in html
    assert 'href="/paths/api-designer"' in html
    assert 'aria-current="page">Audit log</a>' in html


def test_filters_narrow_the_log_and_an_htmx_request_gets_only_the_results_with_its_address(make_client, session):
    add_entries(session, 3, start=datetime(2026, 1, 5, 12, tzinfo=UTC), detail="a follow")
    add_entries(session, 2, start=datetime(2026, 1, 6, 12, tzinfo=UTC), kind=AuditKind.unfollowed, actor="leo",
                subject="leo", detail="an unfollow")
    ada = make_client("ada")
    html = ada.get("/admin/audit?kind=unfollowed").get_data(as_text=True)
    assert html.count("an unfollow") == 2 and "a follow" not in html
    assert ada.get("/admin/audit?actor=LEO").get_data(as_text=True).count("an unfollow") == 2
    assert "a follow" in ada.get("/admin/audit?subject=lena").get_data(as_text=True)
    dated = ada.get("/admin/audit?since=2026-01-06&until=2026-01-06").get_data(as_text=True)
    assert dated.count("an unfollow") == 2 and "a follow" not in dated
    fragment = ada.get("/admin/audit?kind=unfollowed&actor=", headers=HTMX)
    assert fragment.status_code == 200 and "<html" not in fragment.get_data(as_text=True)
    assert fragment.headers["HX-Push-Url"] == "/admin/audit?kind=unfollowed"
    assert "HX-Request" in fragment.headers["Vary"]


def test_an_empty_result_says_so(make_client):
    html = make_client("ada").get("/admin/audit?kind=oidc_sign_in").get_data(as_text=True)
    assert "No entries match these filters." in html


@pytest.mark.parametrize("query", ["kind=nonsense", "since=yesterday", "since=2026-02-02&until=2026-02-01",
                                   "before=12", "after=abc.def", "actor=" + "x" * 100])
def test_bad_filters_are_refused_with_a_message_and_no_error_page(make_client, query):
    ada = make_client("ada")
    page = ada.get(f"/admin/audit?{query}")
    assert page.status_code == 400
    fragment = ada.get(f"/admin/audit?{query}", headers=HTMX)
    assert fragment.status_code == 400 and 'role="alert"' in fragment.get_data(as_text=True)
    assert ada.get(f"/admin/audit.csv?{query}").status_code in (200, 400)  # cursors are not read by exports


def test_one_hundred_and_twenty_entries_page_without_gaps_or_repeats(make_client, session):
    # Forty moments shared by three entries each: the id breaks the ties.
    lena = factories.user(session, "lena")
    start = datetime(2026, 2, 1, tzinfo=UTC)
    for i in range(120):
        record(session=session, kind=AuditKind.followed, actor=lena, subject=lena,
               detail=f"entry {i:03d}").at = start + timedelta(seconds=i // 3)
    session.commit()
    ada = make_client("ada")
    seen: list[str] = []
    url = "/admin/audit?actor=lena&kind=followed"
    pages = 0
    while url:
        html = ada.get(url).get_data(as_text=True)
        seen += [line.split("entry ")[1][:3] for line in html.splitlines() if 'data-label="Detail"' in line]
        pages += 1
        older = [part for part in html.split('href="') if 'rel="next"' in part.split(">")[0]]
        url = older[0].split('"')[0].replace("&amp;", "&") if older else ""
    assert pages == 3
    assert seen == [f"{i:03d}" for i in range(119, -1, -1)]


def test_the_csv_export_streams_what_the_filters_match_with_formula_cells_neutralised(make_client, session):
    add_entries(session, 2, start=datetime(2026, 1, 5, 12, tzinfo=UTC), detail='=HYPERLINK("http://x","y")')
    add_entries(session, 1, start=datetime(2026, 1, 7, 12, tzinfo=UTC), kind=AuditKind.unfollowed,
                detail="+1 then -1 and @sum")
    answer = make_client("ada").get("/admin/audit.csv?subject=lena&kind=followed")
    assert answer.status_code == 200 and answer.is_streamed
    assert answer.mimetype == "text/csv" and answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["Content-Disposition"].startswith('attachment; filename="audit-')
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert [r["kind"] for r in rows] == ["followed", "followed"]
    assert {r["detail"] for r in rows} == {"'=HYPERLINK(\"http://x\",\"y\")"}
    assert rows[0]["actor"] == "lena" and rows[0]["at"].endswith("+00:00")
    other = make_client("ada").get("/admin/audit.csv?kind=unfollowed").get_data(as_text=True)
    assert "'+1 then -1 and @sum" in other


def test_the_json_lines_export_has_one_entry_per_line_newest_first(make_client, session):
    add_entries(session, 3, start=datetime(2026, 1, 5, 12, tzinfo=UTC), detail="line\nbreak")
    answer = make_client("ada").get("/admin/audit.jsonl?subject=lena&kind=followed")
    assert answer.status_code == 200 and answer.mimetype == "application/jsonl"
    lines = answer.get_data(as_text=True).splitlines()
    entries = [json.loads(line) for line in lines]
    assert len(entries) == 3 and [e["at"] for e in entries] == sorted((e["at"] for e in entries), reverse=True)
    assert entries[0] | {"id": 0, "at": ""} == {"id": 0, "at": "", "kind": "followed", "actor": "lena",
                                                 "subject": "lena", "group": None, "path": None,
                                                 "detail": "line\nbreak"}


def test_a_users_admin_page_shows_the_latest_twenty_entries_about_them(make_client, session):
    add_entries(session, 25, start=datetime(2026, 1, 5, 12, tzinfo=UTC))
    add_entries(session, 2, start=datetime(2026, 1, 9, 12, tzinfo=UTC), actor="leo", subject="leo",
                detail="about leo")
    page = make_client("ada").get("/admin/users/lena")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count('data-label="Detail"') == 20
    assert "entry 24" in html and "entry 4<" not in html and "about leo" not in html
    assert 'href="/admin/audit?subject=lena"' in html
    assert make_client("ada").get("/admin/users/nobody-here").status_code == 404
    assert 'href="/admin/users/lena"' in make_client("ada").get("/admin/users").get_data(as_text=True)


@pytest.mark.parametrize("url", ["/admin/audit", "/admin/audit.csv", "/admin/audit.jsonl", "/admin/users/lena"])
def test_learners_and_mentors_are_refused_and_visitors_sent_to_sign_in(make_client, url):
    assert make_client("lena").get(url).status_code == 403
    assert make_client("mona").get(url).status_code == 403
    visitor = make_client().get(url)
    assert visitor.status_code == 302 and visitor.headers["Location"].startswith("/signin")


def test_an_entry_about_a_deleted_account_keeps_the_name_without_a_link(make_client):
    ada = make_client("ada")
    assert ada.post("/admin/users/leo/delete", data={"confirm": "leo"}).status_code == 303
    html = ada.get("/admin/audit?kind=user_deleted").get_data(as_text=True)
    assert "leo" in html and 'href="/admin/users/leo"' not in html
    assert ada.get("/admin/audit?subject=leo").get_data(as_text=True).count('data-label="Detail"') >= 1


def test_the_page_the_files_and_the_api_cost_the_same_statements_for_five_entries_or_two_hundred(app, make_client,
                                                                                                   session):
    from functools import partial

    from tests.queries import statements
    from tracker.models import TokenScope
    from tracker.services.people import tokens

    ada = make_client("ada")
    raw, _ = tokens.create_token(session=session, user=factories.user(session, "ada"), name="t", scope=TokenScope.admin)
    routes = {"page": partial(ada.get, "/admin/audit?subject=lena"),
              "user": partial(ada.get, "/admin/users/lena"),
              "api": partial(ada.get, "/api/v1/audit?subject=lena", headers={"Authorization": f"Bearer {raw}"})}
    add_entries(session, 5, start=datetime(2026, 1, 5, 12, tzinfo=UTC))
    few = {name: statements(app, call, warm=True) for name, call in routes.items()}
    add_entries(session, 195, start=datetime(2026, 2, 5, 12, tzinfo=UTC))
    many = {name: statements(app, call, warm=True) for name, call in routes.items()}
    assert many == few
    assert few["page"] <= 8, few
