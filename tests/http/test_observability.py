"""Operators can follow a request: an id on every answer and log line, one access-log line per request,
and Prometheus metrics when they are switched on."""

from __future__ import annotations

import logging

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests import factories
from tests.conftest import CSRFClient, make_app


@pytest.fixture
def metered(database_url, tmp_path):
    app = make_app(database_url, tmp_path, METRICS=True)
    app.test_client_class = CSRFClient
    yield app
    app.extensions["tracker.engine"].dispose()


def samples(client) -> dict[tuple, float]:
    answer = client.get("/metrics")
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/plain")
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(answer.get_data(as_text=True)) for sample in family.samples}


def test_every_answer_carries_a_request_id_and_keeps_a_proxys(client):
    made = client.get("/healthz").headers["X-Request-ID"]
    assert len(made) == 32 and made != client.get("/healthz").headers["X-Request-ID"]
    assert client.get("/healthz", headers={"X-Request-ID": "edge-4f2a9c"}).headers["X-Request-ID"] == "edge-4f2a9c"
    # an id that could forge a log line, or is too long, is replaced
    for bad in ("abc forged=line", "<script>alert(1)</script>", "x" * 200, "short"):
        assert client.get("/catalog", headers={"X-Request-ID": bad}).headers["X-Request-ID"] != bad
    assert client.get("/no-such-page").headers["X-Request-ID"]  # errors too


def test_one_access_log_line_per_request_without_the_query_string(make_client, session, caplog):
    lena = make_client("lena")
    lena.csrf_token()
    with caplog.at_level(logging.INFO, logger="tracker.access"):
        answer = lena.get("/catalog?q=secret+search", headers={"X-Request-ID": "trace-0001"})
        lena.post("/articles/http-protocol/progress", data={"state": "done"})
    lines = [r.getMessage() for r in caplog.records if r.name == "tracker.access"]
    assert len(lines) == 2
    assert answer.status_code == 200
    assert '"GET /catalog" 200' in lines[0] and "id=trace-0001" in lines[0]
    assert "secret" not in lines[0]
    assert '"POST /articles/http-protocol/progress" 303' in lines[1]
    # the account's number, not the session's secret token
    assert all(line.split("user=")[1].split()[0] == str(factories.user(session, "lena").id) for line in lines)


def test_metrics_are_off_unless_switched_on(client):
    assert client.get("/metrics").status_code == 404


def test_metrics_count_requests_by_route_and_sign_in_failures(metered):
    client = metered.test_client()
    before = samples(client)
    client.get("/paths/api-designer")
    client.get("/paths/production-services")
    client.post("/signin", data={"username": "lena", "password": "wrong password"})
    after = samples(client)

    def grew(name, **labels):
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    assert grew("tracker_http_requests_total", method="GET", route="/paths/<slug>", status="200") == 2
    assert grew("tracker_http_request_duration_seconds_count", method="GET", route="/paths/<slug>") == 2
    assert grew("tracker_security_events_total", kind="sign_in_failed") == 1
    assert client.get("/metrics").headers["Cache-Control"] == "no-store"
