"""Page or fragment: one template serves both, chosen by the HX-Request header, always with `Vary: HX-Request`."""

from __future__ import annotations

from flask import make_response, redirect, render_template, request
from jinja2_fragments.flask import render_block
from werkzeug.wrappers import Response


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def htmx_target() -> str | None:
    return request.headers.get("HX-Target") if is_htmx() else None


def page_or_fragment(template: str, *, block: str | None = None, target: str | None = None, status: int = 200,
                     push_url: str | None = None, **context):
    """The whole page, or (for an HTMX request aimed at `target`, any HTMX request when `target` is None)
    just its `block`. `push_url` keeps the address bar on the canonical URL of what a fragment shows."""
    headers = {"Vary": "HX-Request"}
    if block is not None and is_htmx() and (target is None or htmx_target() == target):
        if push_url is not None:
            headers["HX-Push-Url"] = push_url
        return render_block(template, block, **context), status, headers
    return render_template(template, **context), status, headers


def fragment(template: str, *, status: int = 200, **context):
    """A partial template answering an HTMX request (a whole page never uses it), with `Vary: HX-Request`."""
    return render_template(template, **context), status, {"Vary": "HX-Request"}


def fragment_or_page(fragment: str, page: str, *, status: int = 200, **context):
    """A partial template for HTMX, a whole page otherwise (when the two are different templates)."""
    return render_template(fragment if is_htmx() else page, **context), status, {"Vary": "HX-Request"}


def see_other(location: str) -> Response:
    """After a change: a 303 to `location`, or for HTMX a full navigation there (a fresh page with its flash)."""
    response: Response
    if is_htmx():
        response = make_response("", 200)
        response.headers["HX-Redirect"] = location
    else:
        response = redirect(location, code=303)
    response.vary.add("HX-Request")
    return response
