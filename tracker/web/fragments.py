"""Rendered parts of pages that every reader sees alike, kept per process under keys that cannot drift from what
they show.

A kept part is made by a macro from nothing but its key. An article row's head (its title link, badges, summary,
source, series, reading time, date, link and topics: `row_head` in `partials/_card_parts.html`) is made from the
article's card, which the article's id and the curriculum's content stamp determine (a card read under a stamp
carries it: tracker.services.curriculum.kept), and from the few arguments the row passes, every one of them in
the key. Whatever the macro shows comes from the card or from those arguments, so nothing it shows can be
missing from the key; a change to the curriculum writes a new stamp, and the parts made before it are used no
more. A card made from a request's own objects has no stamp and its parts are rendered, not kept.

Nothing per request or per person is kept: the CSRF token and the page's own address are rendered into each
row's forms on every request (`partials/_state_controls.html`, `partials/_note.html`), and a mentor's overview
rows, a learner's heatmap and a mentor's list of mentees are rendered for each request by tight macros.

The parts live in one store per app (`app.extensions["tracker.fragments"]`, and an app per process), least
recently used first out, bounded by the bytes of their HTML (TRACKER_FRAGMENT_CACHE_MB; 0 keeps nothing), with
its hits, misses, entries and bytes in the metrics (`tracker_cache_*{cache="fragments"}`).
"""

from __future__ import annotations

from collections.abc import Hashable
from functools import lru_cache, partial

from flask import Flask, current_app, get_template_attribute, request, url_for
from markupsafe import Markup

from tracker.db import get_session
from tracker.models import ProgressState
from tracker.services.catalog.articles import ArticleCard
from tracker.services.curriculum.kept import Store, current_stamp

EXTENSION = "tracker.fragments"
CARD_PARTS = "partials/_card_parts.html"


def init_app(app: Flask) -> None:
    """The app's store of fragments, sized by FRAGMENT_CACHE_MB (none at 0), and the template helper."""
    max_bytes = app.config["FRAGMENT_CACHE_MB"] * 1024 * 1024
    kept: Store[Markup] | None = Store("fragments", max_bytes=max_bytes, size_of=html_bytes) if max_bytes else None
    app.extensions[EXTENSION] = kept
    app.jinja_env.globals["article_row_head"] = partial(article_row_head, kept)
    app.jinja_env.globals["article_url"] = article_url
    app.jinja_env.globals["content_stamp"] = content_stamp


def content_stamp() -> str:
    """The curriculum's stamp this request reads: a path's rows send it back with a mark, so that an answer to a
    page whose path has changed since says so instead of swapping parts the page no longer has."""
    return current_stamp(get_session())


def html_bytes(html: str) -> int:
    """What a kept part takes, counted as its HTML encoded (as it is sent)."""
    return len(html.encode())


def article_url(endpoint: str, slug: str) -> str:
    """`url_for(endpoint, slug=slug)` for an article's own pages and forms, built once per mount point: a list
    row asks for two or three of them, on every request."""
    return _article_url(request.script_root, endpoint, slug)


@lru_cache(maxsize=4096)  # endpoints x articles; the URL depends on nothing else
def _article_url(script_root: str, endpoint: str, slug: str) -> str:
    return url_for(endpoint, slug=slug)


def store() -> Store[Markup] | None:
    """This app's store of fragments, or None when they are not kept."""
    kept: Store[Markup] | None = current_app.extensions[EXTENSION]
    return kept


def article_row_head(kept: Store[Markup] | None, card: ArticleCard, state: ProgressState | None, optional: object,
                     is_next: object, oob: object) -> Markup:
    """The start of an article's list row, the same for every reader: `row_head(card, state, optional, is_next,
    oob)`, kept in `kept` by the article's id and stamp and those arguments."""
    return _card_part(kept, "row_head", card, state or None, bool(optional), bool(is_next), bool(oob))


def _card_part(kept: Store[Markup] | None, macro: str, card: ArticleCard, *args: Hashable) -> Markup:
    """`macro(card, *args)` from `partials/_card_parts.html`, kept by (macro, where the app is mounted, article
    id, stamp, *args) when the card has a stamp."""
    def render() -> Markup:
        return Markup(get_template_attribute(CARD_PARTS, macro)(card, *args))

    if kept is None or card.stamp is None:
        return render()
    # The app's mount point is in the key: the part's links are made with url_for.
    return kept.kept((macro, request.script_root, card.article.id, card.stamp, *args), render)
