"""Every refusal and failure, answered once: a page for people, a fragment for HTMX, a JSON body for the API.

Services raise `DomainError`s; Werkzeug raises `HTTPException`s; anything else is a bug, logged
with its traceback (never shown). Each becomes the same answer shape for its kind of client:

- JSON (the API, or `Accept: application/json`): `{"error": {"status", "message", ...details}}`
- HTMX: the `partials/_alert.html` fragment, retargeted into the page's alert area, so the person
  sees it wherever they were looking; views with an error place of their own (the editor's conflict
  panel, a form's error line) render that instead and never reach this module
- a page: `errors/error.html`, with the status in its title

Before any of them is rendered the request's session is rolled back: a failed flush (a constraint, a
value the database refuses) leaves it unusable, and the page's header asks the database for the
signed-in person. Should rendering fail all the same, a plain page goes out, through the same
after-request hooks (so with the security headers), never the server's bare 500.

A state change whose session is gone (signed out, or a stale page's token) is answered by `session_lost`:
the same three shapes, saying which and offering to sign in and repeat what was pressed.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, current_app, g, got_request_exception, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed

from tracker import metrics
from tracker.db import get_session
from tracker.extensions import login_manager
from tracker.http import repeat
from tracker.http.limits import known_accounts, record_sampled
from tracker.http.render import is_htmx
from tracker.models import SecurityEventKind
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


def error_response(status: int, message: str, *, title: str | None = None, headers: dict | None = None,
                   **details: Any):
    """The answer for a refusal or failure, shaped for whoever asked; the request's unsaved work rolled back."""
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
    try:
        body = render_template(template, status=status, title=title, message=message)
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


class DatabaseOutage:
    """Whether the database is failing right now, so an outage is logged once, not once per request."""

    since: float | None = None


def database_unavailable(error: Exception):
    """The database is down, locked past the timeout, out of space or too slow: 503, and try again soon."""
    roll_back()
    if "_login_user" not in g:
        # Loading the signed-in user is what failed: the error page must not ask the database again.
        g._login_user = login_manager.anonymous_user()
    metrics.database_error(type(getattr(error, "orig", error)).__name__)
    if DatabaseOutage.since is None:
        DatabaseOutage.since = time.monotonic()
        current_app.logger.error("The database is not answering (%s on %s %s); answering 503 until it is back",
                                 type(getattr(error, "orig", error)).__name__, request.method,
                                 loggable(request.path))
    return error_response(503, "The database is busy or unavailable. Nothing was changed; please try again in a "
                               "moment.", headers={"Retry-After": "5"})


def database_recovered(response):
    if DatabaseOutage.since is not None and response.status_code < 500:
        current_app.logger.warning("The database answers again after %.1f s", time.monotonic() - DatabaseOutage.since)
        DatabaseOutage.since = None
    return response


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
    app.after_request(database_recovered)
    app.register_error_handler(CSRFError, csrf_error)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected_error)
