"""Probes: /healthz says the process answers; /readyz says whether it can serve."""

from tests.conftest import make_app
from tracker import db


def test_the_process_probe_answers_even_on_a_fresh_install(empty_database_url, tmp_path):
    app = make_app(empty_database_url, tmp_path)
    client = app.test_client()
    assert client.get("/healthz").get_json() == {"status": "ok"}
    not_ready = client.get("/readyz")
    assert not_ready.status_code == 503 and "tracker db upgrade" in not_ready.get_json()["reason"]
    app.extensions["tracker.engine"].dispose()


def test_ready_once_migrated_and_not_ready_after_a_downgrade(app, client):
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["migration"] == db.head_revision()
    db.downgrade(app.extensions["tracker.engine"], "0005")
    behind = client.get("/readyz")
    assert behind.status_code == 503 and behind.headers["Retry-After"] == "30"


def test_not_ready_when_the_database_does_not_answer(tmp_path):
    app = make_app("postgresql+psycopg://postgres@127.0.0.1:1/nowhere", tmp_path)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and response.get_json()["reason"] == "the database does not answer"
    assert app.test_client().get("/healthz").status_code == 200
