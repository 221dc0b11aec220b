"""What lists reuse: an article's fixed parts (its title link, summary, source, series, reading time, date,
link and topic links), whole rows as a page shows them (the state buttons, the folded note form), the rows
of the mentor overview, and parts that show nothing but their arguments (a mentor's 200 mentees to choose
from, a learner's heatmap).

Each is rendered once per process for each version of what it shows and reused by every row alike: a path
page of 45 articles would otherwise build some 300 URLs, escape every summary and render 90 forms again on
each view. The keys hold everything the parts show, so an edited article is rendered afresh. What differs
per request (the page's own address, sent back as `next`, and the CSRF token) is filled into a kept row
when it is used, escaped; the learner's own notes, a mentor's read-only rows and answers to a change are
never kept.
"""

from __future__ import annotations

import secrets
import threading

from flask import current_app, g, request
from flask_wtf.csrf import generate_csrf
from jinja2 import Undefined
from markupsafe import Markup, escape

from tracker.services.catalog.articles import ArticleCard

LIMIT = 4096  # entries kept; more (a much larger catalog) starts the cache again
_kept: dict[tuple, object] = {}
_lock = threading.Lock()
# Stand-ins for the per-request values while a row is rendered for keeping: letters and digits only, so
# escaping leaves them as they are, and random, so nothing else in a row can look like them.
_TOKEN = "csrf" + secrets.token_hex(12)
_HERE = "here" + secrets.token_hex(12)


def _kept_or(key: tuple, render):
    """What is kept under `key`, or `render()`'s answer, kept from now on."""
    found = _kept.get(key)
    if found is None:
        found = render()
        with _lock:
            if len(_kept) >= LIMIT:
                _kept.clear()
            _kept[key] = found
    return found


def _key(card: ArticleCard) -> tuple:
    article, time = card.article, card.reading_time
    return (request.script_root, article.id, article.slug, article.title, article.summary,
            article.summary_truncated, article.series, article.series_number, article.series_number_inferred,
            time.minutes, time.estimated, article.published_on, article.url, card.source.name,
            tuple((topic.slug, topic.name) for topic in card.topics))


def card_parts(card: ArticleCard) -> tuple[Markup, Markup]:
    """(title link, details) for a list row."""
    def render():
        module = current_app.jinja_env.get_template("partials/_card_parts.html").module
        return Markup(module.title_link(card)), Markup(module.details(card))

    return _kept_or(("parts", *_key(card)), render)


class _KeptPage:
    """The request as a kept row sees it: a page view whose address is filled in when the row is used."""

    method = "GET"
    full_path = _HERE


def article_row(**row) -> Markup:
    """One list row, `partials/_article_row.html` with `row` as its variables (`card`, `state`, `path_slug`,
    `optional`, `is_next`, `notes`, `readonly`, `changed`)."""
    template = current_app.jinja_env.get_template("partials/_article_row.html")
    card, notes = row["card"], row.get("notes")
    has_notes = notes is not None and not isinstance(notes, Undefined)
    if request.method != "GET" or row.get("readonly") or (has_notes and notes.get(card.article.id) is not None):
        return Markup(template.render(**row))
    key = ("row", *_key(card), row.get("state"), row.get("path_slug") or None, bool(row.get("optional")),
           bool(row.get("is_next")), has_notes)
    kept = _kept_or(key, lambda: template.render(**row, request=_KeptPage, csrf_token=lambda: _TOKEN))
    if "kept_row_values" not in g:
        g.kept_row_values = (str(escape(generate_csrf())), str(escape(request.full_path.rstrip("?"))))
    token, here = g.kept_row_values
    return Markup(kept.replace(_TOKEN, token).replace(_HERE, here))


def kept(name: str, macro, *args) -> Markup:
    """`macro(*args)`, rendered once per process for each value of `args` (hashable and immutable; a list is
    taken as a tuple of its items) and kept: for a part that shows nothing but them, the same on every view
    until one changes. `name` tells the parts apart."""
    args = tuple(tuple(arg) if isinstance(arg, list) else arg for arg in args)
    return _kept_or(("kept", request.script_root, name, args), lambda: Markup(macro(*args)))


def overview_row(row) -> Markup:
    """One row of the mentor overview (`partials/_overview_row.html`), kept by everything it shows: the
    mentee, the path, the tally, the last activity in the viewer's zone, the dates and the status."""
    from tracker.http.auth import current_account
    from tracker.services.people.time_zones import zone_of

    t, learner, path = row.tally, row.learner, row.path
    key = ("overview", request.script_root, str(zone_of(current_account())), learner.username, learner.name,
           path.slug, path.title, t.percent, t.skipped, t.skipped_percent, t.complete, row.last_activity_at,
           row.assignment.due_on, row.forecast_on, row.status, row.stale)
    return _kept_or(key, lambda: Markup(current_app.jinja_env.get_template("partials/_overview_row.html")
                                        .render(row=row)))
