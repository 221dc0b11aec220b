"""Every refusal and failure, answered once: a page for people, a fragment for HTMX, a JSON body for the API.

Services raise `DomainError`s; Werkzeug raises `HTTPException`s; anything else is a bug, logged
with its traceback (never shown). Each becomes the same answer shape for its kind of client:

- JSON (the API, or `Accept: application/json`): `{"error": {"status", "message", ...details}}`
- HTMX: the `partials/_alert.html` fragment, retargeted into the page's alert area, so the person
  sees it wherever they were looking; views with an error place of their own (the editor's conflict
  panel, a form's error line) render that instead and never reach this module
- a page: `errors/error.html`, with the status in its title

Before any of them is rendered the request's session is rolled back: a failed flush (a constraint, a
value the database refuses) leaves it unusable. Error pages never ask the database anything: the header
shows the signed-in person from what the request already loaded (`header_account`), or a signed-out
header when that is nothing (a 5xx). Should rendering fail all the same, a plain page goes out, through
the same after-request hooks (so with the security headers), never the server's bare 500.

A database outage (`database_unavailable`) is answered 503 and logged once, with its cause (disk full,
connections refused, a lock timeout on a table), at the transition; its recovery is logged once when a
statement next succeeds (`DatabaseOutage`), whatever other answers are given meanwhile.

A state change whose session is gone (signed out, or a stale page's token) is answered by `session_lost`:
the same three shapes, saying which and offering to sign in and repeat what was pressed.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g, got_request_exception, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy import Engine, event, inspect
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed

from tracker import metrics
from tracker.db import commit_outcome_unknown, get_session
from tracker.extensions import login_manager
from tracker.http import repeat
from tracker.http.limits import known_accounts, record_sampled
from tracker.http.render import is_htmx
from tracker.models import Role, SecurityEventKind
from tracker.services.errors import DomainError

TITLES = {400: "Bad request", 401: "Sign-in needed", 403: "Not allowed", 404: "Not found",
          405: "Method not allowed", 409: "Conflict", 413: "Too large", 415: "Unsupported type",
          422: "Cannot process", 429: "Slow down", 500: "Something went wrong", 503: "Unavailable"}
ALERT_TARGET = "#alerts"


def wants_json() -> bool:
    """API paths, and clients that prefer JSON over HTML, get JSON errors."""
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"
    )


@dataclass(frozen=True)
class HeaderAccount:
    """What the page header shows of the signed-in person, copied from the loaded row: an error page renders
    it without the database."""

    name: str
    role: Role

    def has_role(self, role: Role) -> bool:
        return Role(self.role).rank >= role.rank


def header_account(status: int) -> HeaderAccount | None:
    """The signed-in person as this request already loaded them, read without a query; for a 5xx before
    anyone was loaded, nobody (the header is a signed-out one, and the after-request hooks see nobody, rather
    than a query that may fail again)."""
    if "_login_user" not in g:
        if status < 500:
            return None  # a refusal with the database well: the header loads the person as usual
        g._login_user = login_manager.anonymous_user()
    user = getattr(g._login_user, "user", None)
    if user is None:
        return None
    loaded = inspect(user).dict  # the row's loaded values: reading them never queries
    if "role" not in loaded or "username" not in loaded:
        return None
    return HeaderAccount(name=loaded.get("display_name") or loaded["username"], role=loaded["role"])


def error_response(status: int, message: str, *, title: str | None = None, headers: dict | None = None,
                   **details: Any):
    """The answer for a refusal or failure, shaped for whoever asked; the request's unsaved work rolled back."""
    account = header_account(status)
    roll_back()
    headers = dict(headers or {})
    if wants_json():
        return {"error": {"status": status, "message": message, **details}}, status, headers
    title = title or TITLES.get(status, "Error")
    headers["Vary"] = "HX-Request"
    template = "errors/error.html"
    if is_htmx():
        # Into the page's alert area, whatever the request's own target was: the person sees it.
        headers |= {"HX-Retarget": ALERT_TARGET, "HX-Reswap": "innerHTML"}
        template = "partials/_alert.html"
    shown = {"account": account} if account is not None or status >= 500 else {}
    try:
        body = render_template(template, status=status, title=title, message=message, **shown)
    except Exception:
        current_app.logger.exception("The error page for %s %s could not be rendered", request.method,
                                     loggable(request.path))
        body = PLAIN_PAGE.format(title=escape(title), message=escape(message))
    return body, status, headers


PLAIN_PAGE = ('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>'
              '<body><main><h1>{title}</h1><p role="alert">{message}</p></main></body></html>')


def roll_back() -> None:
    """Undo the request's unsaved work, so a failed flush cannot break the error page that follows."""
    try:
        get_session().rollback()
    except Exception:  # the database itself is gone: the page is rendered without it
        pass


def domain_error(error: DomainError):
    if error.status == 403:
        _record_refusal(error.message)
    # A wait (429, 503) is said twice: in the Retry-After header for programs, in the message for people.
    headers = {"Retry-After": str(error.details["retry_after"])} if "retry_after" in error.details else None
    return error_response(error.status, error.message or TITLES.get(error.status, "Error"), headers=headers,
                          **error.details)


def _record_refusal(reason: str) -> None:
    """A refused action (a role or token scope that does not allow it) goes to the security log: sampled per
    address and view, since anyone can ask again and again."""
    user = current_user.user if current_user.is_authenticated else None
    get_session().rollback()
    record_sampled(SecurityEventKind.access_refused, key=f"{request.method} {request.endpoint}", user=user,
                   detail=f"{request.method} {loggable(request.path, 120)}: {reason}"[:280])


def csrf_error(error: CSRFError):
    """A state change without its page's security token. From a browser that was signed in here before (its
    known-device cookie says so) and is not now, the session is what was lost: `session_lost` says so and
    offers to sign in and repeat. Anyone else (a visitor who never signed in, a script, a forged page) gets a
    plain 400."""
    if current_user.is_authenticated or known_accounts():
        return session_lost()
    return error_response(400, "The request was refused because its security token was missing or expired, "
                               "so nothing was saved. Reload the page and try again.")


def session_lost():
    """A state change from a page whose session is gone: signed out (in another tab, or after a while away; 401)
    or a page whose security token no longer matches its session (400). Nothing was written. People are told
    which, with a way to sign in that comes back to the page, and the press kept to repeat
    (tracker.http.repeat); JSON clients get the error alone."""
    signed_in = current_user.is_authenticated
    if signed_in:
        status, title = 400, "Page out of date"
        message = ("The request was refused because its security token was missing or expired, so nothing was "
                   "saved.")
    else:
        status, title = 401, "You were signed out"
        message = "You were signed out (in another tab, or after a while away), so nothing was saved."
    headers = {} if signed_in else {"WWW-Authenticate": 'Bearer realm="tracker"'}
    if wants_json():
        hint = " Reload the page and try again." if signed_in else \
            " Sign in again, or send a personal API token as 'Authorization: Bearer <token>'."
        return error_response(status, message + hint, headers=headers)
    press = repeat.keep_press()
    back = repeat.page_of_press()
    resume = url_for("main.resume", press=press) if press else None
    context = {"status": status, "title": title, "message": message, "signed_in": signed_in, "back": back,
               "resume": resume, "sign_in": None if signed_in else url_for("auth.sign_in", next=resume or back)}
    headers["Vary"] = "HX-Request"
    if is_htmx():
        headers |= {"HX-Retarget": ALERT_TARGET, "HX-Reswap": "innerHTML"}
        return render_template("partials/_session_alert.html", **context), status, headers
    return render_template("errors/session.html", **context), status, headers


def http_error(error: HTTPException):
    if error.code is None or error.code >= 500:
        return unexpected_error(error)
    allowed = error.valid_methods if isinstance(error, MethodNotAllowed) else None
    headers = {"Allow": ", ".join(allowed)} if error.code == 405 and allowed else None
    if error.code == 413:  # an upload or a body past MAX_CONTENT_LENGTH: say the limit
        limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
        return error_response(413, f"What was sent is larger than the {limit / 1_048_576:g} MB this server "
                                   "accepts at a time. Nothing was saved.")
    return error_response(error.code, error.description or TITLES.get(error.code, "Error"), headers=headers)


database_log = logging.getLogger("tracker.database")
TABLE = re.compile(r'\b(?:UPDATE|INTO|FROM|TABLE)\s+"?(\w+)', re.IGNORECASE)


class DatabaseOutage:
    """Whether the database is failing right now (one per app), so an outage is logged once at its start and
    once at its end, by transition under a lock, however many threads see it. The end is a statement that
    succeeds (for a lock timeout: one on the locked table), never merely an answer that needed no database."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.since: float | None = None
        self.table: str | None = None  # a lock timeout's table: only a statement on it ends that outage

    def began(self, cause: str, table: str | None, where: str) -> None:
        with self._lock:
            if self.since is not None:
                return
            self.since, self.table = time.monotonic(), table
        database_log.error("The database is not answering (%s, first seen on %s); answering 503 until it is back",
                           cause, where)

    def answered(self, statement: str) -> None:
        """A statement succeeded: the end of the outage, if there is one it concerns."""
        if self.since is None:
            return  # the common case: no lock taken
        if self.table is not None and self.table not in {m.lower() for m in TABLE.findall(statement)}:
            return
        with self._lock:
            if self.since is None:
                return
            seconds, self.since, self.table = time.monotonic() - self.since, None, None
        database_log.warning("The database answers again after %.1f s", seconds)


def outage_cause(error: Exception) -> tuple[str, str | None]:
    """What an operator should look at, in words, and the table a lock timeout was on."""
    original = getattr(error, "orig", error)
    code = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None) or ""
    said = str(original).lower()
    statement = getattr(error, "statement", None) or ""
    tables = TABLE.findall(statement)
    if code == "53100" or getattr(original, "sqlite_errorname", "") == "SQLITE_FULL" or "disk is full" in said:
        return "disk is full", None
    if code == "55P03" or "lock timeout" in said or "database is locked" in said:
        table = tables[0].lower() if tables else None
        return f"lock timeout on {table or 'the database'}", table
    if code == "57014":
        return "a statement ran past its timeout", None
    if (isinstance(error, InterfaceError) or (isinstance(error, DBAPIError) and error.connection_invalidated)
            or code.startswith(("08", "57P")) or "connect" in said or "closed" in said):
        return "database refuses connections", None
    return type(original).__name__, None


def database_unavailable(error: Exception):
    """The database is down, locked past the timeout, out of space or too slow: 503, and try again soon. A
    COMMIT that never came back may have saved the change: the answer says so rather than "nothing changed"."""
    unknown = commit_outcome_unknown()
    metrics.database_error(type(getattr(error, "orig", error)).__name__)
    cause, table = outage_cause(error)
    outage: DatabaseOutage = current_app.extensions["tracker.outage"]
    outage.began(cause, table, f"{request.method} {loggable(request.path)}")
    message = ("The database stopped answering while saving. Your change may have been saved; reload to check "
               "before trying again." if unknown else
               "The database is busy or unavailable. Nothing was changed; please try again in a moment.")
    return error_response(503, message, headers={"Retry-After": "5"})


def _watch_for_recovery(app: Flask) -> None:
    outage = DatabaseOutage()
    app.extensions["tracker.outage"] = outage
    engine: Engine = app.extensions["tracker.engine"]

    def answered(_conn, _cursor, statement, _parameters, _context, _executemany) -> None:
        outage.answered(statement)

    event.listen(engine, "after_cursor_execute", answered)


def unexpected_error(error: Exception):
    if not isinstance(error, InternalServerError):
        current_app.logger.exception("Unhandled error on %s %s", request.method, loggable(request.path))
        app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is a proxy typed as Flask
        got_request_exception.send(app, exception=error)
    return error_response(500, "Something went wrong on our side. The error was logged; please try again.")


def loggable(text: str, limit: int = 300) -> str:
    """Text safe for one log line: control characters escaped (no forged lines), length capped."""
    escaped = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text[:limit])
    return escaped + ("…" if len(text) > limit else "")


def init_app(app: Flask) -> None:
    app.register_error_handler(DomainError, domain_error)
    app.register_error_handler(OperationalError, database_unavailable)
    app.register_error_handler(InterfaceError, database_unavailable)
    _watch_for_recovery(app)
    app.register_error_handler(CSRFError, csrf_error)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected_error)
