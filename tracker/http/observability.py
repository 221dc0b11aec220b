"""What operators see of each request: a request id (kept from a proxy's X-Request-ID, or made here,
and returned in that header), one access-log line, and the request metrics when they are on.

The access log never asks the database (the account's number comes from the loaded row's identity), and
the probes (/healthz, /readyz) write no line: a load balancer asking every few seconds would drown the rest.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, g, request
from sqlalchemy import inspect

from tracker import metrics
from tracker.http.auth import client_address
from tracker.http.errors import loggable
from tracker.jobs import jobs_for, queue

access_log = logging.getLogger("tracker.access")
# What a proxy may hand us as a request id: short, and nothing that could forge or split a log line.
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")
PROBES = frozenset({"/healthz", "/readyz"})


def request_id() -> str:
    """This request's id (also in the X-Request-ID answer header and its access-log line)."""
    if "request_id" not in g:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
    return g.request_id


def _start() -> None:
    g.started = time.perf_counter()
    request_id()


def _finish(response):
    seconds = time.perf_counter() - g.get("started", time.perf_counter())
    route = request.url_rule.rule if request.url_rule is not None else "(no route)"
    response.headers["X-Request-ID"] = request_id()
    metrics.request_answered(method=request.method, route=route, status=response.status_code, seconds=seconds)
    if request.path in PROBES:
        return response
    # The path without its query string: searches and `next=` addresses stay out of the log.
    access_log.info('%s "%s %s" %s %.1fms user=%s id=%s', client_address() or "-", request.method,
                    loggable(request.path, 200), response.status_code, seconds * 1000, account_number(), request_id())
    return response


def account_number() -> int | str:
    """The signed-in account's number for the log line, never get_id() (that carries the session's secret
    token), read from the row's identity: no query, even when a rollback has expired the row."""
    user = getattr(g.get("_login_user"), "user", None)
    if user is None:
        return "-"
    identity = inspect(user).identity
    return identity[0] if identity else "-"


def init_app(app: Flask) -> None:
    if app.config.get("METRICS"):
        metrics.enable()
        metrics.watch_jobs(lambda: queue.job_counts(jobs_for(app)))
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)
