"""The JSON API, version 1, under /api/v1."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def init_app(app: Flask) -> None:
    from tracker.api import cards, catalog, credentials, learning, me, mentoring, reference, xapi  # noqa: F401  (registers the routes)

    app.register_blueprint(bp)
