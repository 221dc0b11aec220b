"""An article's fixed parts in a list row (its title link, summary, source, series, reading time, date, link
and topic links), rendered once per process for each version of the article and reused by every row that
shows it: a path page of 45 articles would otherwise build some 300 URLs and escape every summary again on
each view. The key is everything those parts show, so an edited article is rendered afresh."""

from __future__ import annotations

import threading

from flask import current_app, request
from markupsafe import Markup

from tracker.services.catalog import ArticleCard

LIMIT = 4096  # entries kept; more (a much larger catalog) starts the cache again
_parts: dict[tuple, tuple[Markup, Markup]] = {}
_lock = threading.Lock()


def _key(card: ArticleCard) -> tuple:
    article, time = card.article, card.reading_time
    return (request.script_root, article.id, article.slug, article.title, article.summary,
            article.summary_truncated, article.series, article.series_number, article.series_number_inferred,
            time.minutes, time.estimated, article.published_on, article.url, card.source.name,
            tuple((topic.slug, topic.name) for topic in card.topics))


def card_parts(card: ArticleCard) -> tuple[Markup, Markup]:
    """(title link, details) for a list row."""
    key = _key(card)
    found = _parts.get(key)
    if found is None:
        module = current_app.jinja_env.get_template("partials/_card_parts.html").module
        found = (Markup(module.title_link(card)), Markup(module.details(card)))
        with _lock:
            if len(_parts) >= LIMIT:
                _parts.clear()
            _parts[key] = found
    return found
