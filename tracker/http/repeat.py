"""A learner's press kept across a sign-in: a mark (or a follow) sent from a page whose session had ended.

When a state change arrives from a browser that is signed out (in another tab, or after the session's time
ran out) or whose page's CSRF token no longer matches its session, nothing is written. The answer says so and
offers a way back: sign in (the sign-in page carries `next`) and land on the repeat page, which shows what was
pressed, in words, with one button that sends it again with a fresh token.

What was pressed travels as a signed, timestamped token (the app's secret, its own salt): the endpoint, its
URL arguments, the few form fields that endpoint reads and the page to come back to. Only a short list of
harmless, repeatable actions is ever kept (marking an article, following a path); a press that a cross-site
page sent (`Sec-Fetch-Site` or `Origin` naming another site) is never offered again, so a forged form cannot
turn into a one-click button on our own page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from tracker.http.render import is_htmx

SALT = "tracker.repeat"
MAX_AGE_SECONDS = 24 * 3600  # a press older than a day is not offered again: the page it came from is stale
# Endpoint -> the form fields it reads (everything else a form sent, the old CSRF token first, is dropped).
REPEATABLE: dict[str, tuple[str, ...]] = {
    "main.mark": ("state", "path", "place"),
    "main.follow": (),
    "main.unfollow": (),
}
FIELD_MAX = 80


@dataclass(frozen=True)
class Press:
    """A kept press: `endpoint` with its URL `args`, the form `fields` to send again, and the `back` page."""

    endpoint: str
    args: dict[str, str]
    fields: dict[str, str]
    back: str


def local_address(target: str) -> str | None:
    """`target` if it is a path on this site (no scheme, no host, no backslash or control character: browsers
    read a backslash as a slash), else None. The one rule against open redirects."""
    if any(c == "\\" or ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc and not parts.scheme:
        return target
    return None


def page_of_press() -> str:
    """The page the press was made on: for HTMX the page's address, else the form's `next`, else the Referer
    (same host only), else the home page."""
    candidates = []
    if is_htmx():
        candidates.append(request.headers.get("HX-Current-URL", ""))
    candidates += [request.form.get("next", ""), request.headers.get("Referer", "")]
    for candidate in candidates:
        parts = urlsplit(candidate)
        if parts.netloc and parts.netloc != request.host:
            continue
        address = local_address(parts.path + (f"?{parts.query}" if parts.query else "")) if candidate else None
        if address:
            return address
    return "/"


def _cross_site() -> bool:
    """Whether the browser says the press came from another site's page."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site not in {"same-origin", "none"}
    origin = request.headers.get("Origin")
    return origin is not None and origin != "null" and urlsplit(origin).netloc != request.host


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt=SALT)


def keep_press() -> str | None:
    """This request as a repeat token, when it is a repeatable press from our own pages; else None."""
    fields = REPEATABLE.get(request.endpoint or "")
    if fields is None or request.method != "POST" or _cross_site():
        return None
    kept = {name: request.form.get(name, "")[:FIELD_MAX] for name in fields if request.form.get(name)}
    args = {name: str(value)[:FIELD_MAX] for name, value in (request.view_args or {}).items()}
    return _serializer().dumps({"e": request.endpoint, "a": args, "f": kept, "b": page_of_press()})


def read_press(token: str) -> Press | None:
    """The press a token holds, or None when it is altered, too old, or names something not repeatable."""
    try:
        data: Any = _serializer().loads(token, max_age=MAX_AGE_SECONDS)
    except BadSignature:  # also SignatureExpired
        return None
    if not isinstance(data, dict) or data.get("e") not in REPEATABLE:
        return None
    allowed = REPEATABLE[data["e"]]
    fields = {name: str(value) for name, value in dict(data.get("f") or {}).items() if name in allowed}
    return Press(endpoint=data["e"], args={k: str(v) for k, v in dict(data.get("a") or {}).items()},
                 fields=fields, back=local_address(str(data.get("b") or "")) or "/")
