"""For load balancers, orchestrators and monitoring: is the process up, can it serve, and its metrics.

/healthz is answered in front of Flask (`answer_liveness_first`): no hook, no session, no database, so it
answers while every request is stuck on a lock. With `tracker run` it also skips the queue for waitress'
threads (tracker.serving), so it answers while all of them wait.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from flask import Blueprint
from sqlalchemy import text

from tracker import db, metrics
from tracker.http import limits
from tracker.http.observability import REQUEST_ID

bp = Blueprint("health", __name__)
# Registered only when TRACKER_METRICS=1; otherwise /metrics does not exist.
metrics_bp = Blueprint("metrics", __name__)


LIVENESS_PATH = "/healthz"
LIVENESS_BODY = json.dumps({"status": "ok"}).encode() + b"\n"


def answer_liveness_first(wsgi_app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    """Wrap the app so GET/HEAD /healthz is answered before anything in Flask runs."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == LIVENESS_PATH and environ.get("REQUEST_METHOD") in {"GET", "HEAD"}:
            given = environ.get("HTTP_X_REQUEST_ID", "")
            request_id = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
            start_response("200 OK", [("Content-Type", "application/json"), ("Cache-Control", "no-store"),
                                      ("Content-Length", str(len(LIVENESS_BODY))), ("X-Request-ID", request_id),
                                      ("X-Content-Type-Options", "nosniff")])
            return [] if environ["REQUEST_METHOD"] == "HEAD" else [LIVENESS_BODY]
        return wsgi_app(environ, start_response)

    return app


@bp.get("/healthz")
def healthz():
    """The process answers (nothing else is checked). Reached only without `answer_liveness_first`."""
    return {"status": "ok"}, 200, {"Cache-Control": "no-store"}


@bp.get("/readyz")
def readyz():
    """Ready to serve: the database answers and its schema is at the latest migration. Redis not answering
    leaves it ready (200: the limits go on per process) with `"degraded": ["redis"]`, so a load balancer
    keeps sending traffic while monitoring sees the outage. Probes write no log lines."""
    headers = {"Cache-Control": "no-store"}
    try:
        with db.get_engine().connect() as connection:
            connection.execute(text("SELECT 1"))
        revision, head = db.current_revision(db.get_engine()), db.head_revision()
    except Exception:
        return {"status": "unavailable", "reason": "the database does not answer"}, 503, headers | {"Retry-After": "5"}
    if revision != head:
        return ({"status": "unavailable", "reason": f"the database is at migration {revision}, not {head}; "
                 "run `tracker db upgrade`"}, 503, headers | {"Retry-After": "30"})
    answer: dict[str, object] = {"status": "ready", "migration": revision}
    if limits.degraded():
        answer["degraded"] = ["redis"]
    return answer, 200, headers


@metrics_bp.get("/metrics")
def prometheus_metrics():
    """Prometheus' text format. Keep it to the monitoring network (see docs/operations.md)."""
    body, content_type = metrics.exposition()
    return body, 200, {"Content-Type": content_type, "Cache-Control": "no-store"}
