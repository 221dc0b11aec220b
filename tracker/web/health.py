"""For load balancers, orchestrators and monitoring: is the process up, can it serve, and its metrics."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy import text

from tracker import db, metrics
from tracker.http import limits

bp = Blueprint("health", __name__)
# Registered only when TRACKER_METRICS=1; otherwise /metrics does not exist.
metrics_bp = Blueprint("metrics", __name__)


@bp.get("/healthz")
def healthz():
    """The process answers (nothing else is checked)."""
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
