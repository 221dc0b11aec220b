"""When the database is locked, too slow or gone, the app answers 503 with Retry-After (page, fragment and
JSON), logs the outage once, and recovers by itself; one stuck lock does not stall unrelated requests."""

from __future__ import annotations

import logging
import sqlite3

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session

from tests import factories
from tests.conftest import CSRFClient, make_app
from tracker.models import ProgressState
from tracker.services import progress

HX = {"HX-Request": "true"}


@pytest.fixture
def backend() -> str:
    return "sqlite"


def signed_in(app, username: str) -> CSRFClient:
    app.test_client_class = CSRFClient
    return app.test_client().sign_in(username)


def test_a_write_blocked_by_a_sqlite_lock_answers_503_and_recovers(database_url, tmp_path, caplog):
    app = make_app(database_url, tmp_path, DB_BUSY_TIMEOUT_MS=200)
    lena = signed_in(app, "lena")
    blocker = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the write lock
    with caplog.at_level(logging.WARNING):
        page = lena.post("/articles/http-protocol/progress", data={"state": "done"})
        fragment = lena.post("/articles/http-protocol/progress", data={"state": "done"}, headers=HX)
        api = lena.put("/api/v1/me/progress/http-protocol", json={"state": "done"})
        blocker.execute("ROLLBACK")
        recovered = lena.post("/articles/http-protocol/progress", data={"state": "done"})
    blocker.close()
    assert page.status_code == 503 and page.headers["Retry-After"] == "5"
    assert "busy or unavailable" in page.get_data(as_text=True) and "<html" in page.get_data(as_text=True)
    assert fragment.status_code == 503 and fragment.headers["HX-Retarget"] == "#alerts"
    assert api.status_code == 503 and api.get_json()["error"]["status"] == 503
    assert recovered.status_code == 303
    outage = [r for r in caplog.records if "not answering" in r.getMessage()]
    assert len(outage) == 1 and outage[0].exc_info is None  # once per outage, no traceback
    assert any("answers again" in r.getMessage() for r in caplog.records)
    app.extensions["tracker.engine"].dispose()


@pytest.mark.postgresql
def test_a_held_row_lock_times_out_the_write_but_not_unrelated_reads(postgres, template_databases, tmp_path):
    name = postgres.create("locks", template=template_databases("postgresql"))
    url = postgres.url(name)
    app = make_app(url, tmp_path, DB_LOCK_TIMEOUT_MS=300)
    lena = signed_in(app, "lena")
    with Session(app.extensions["tracker.engine"]) as session:
        progress.mark_article(session=session, user=factories.user(session, "lena"),
                              article=factories.article(session, "http-protocol"), state=ProgressState.in_progress)
    holder = create_engine(url).connect()
    holder.execute(text("SELECT * FROM progress FOR UPDATE"))  # a stuck transaction holds every progress row
    try:
        blocked = lena.post("/articles/http-protocol/progress", data={"state": "done"})
        unrelated = lena.get("/catalog?q=http")
    finally:
        holder.rollback()
        holder.close()
    assert blocked.status_code == 503
    assert unrelated.status_code == 200
    assert lena.post("/articles/http-protocol/progress", data={"state": "done"}).status_code == 303
    app.extensions["tracker.engine"].dispose()
