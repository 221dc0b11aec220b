"""The JSON API, version 1, under /api/v1."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from tracker.api import (  # noqa: F401  (registers the routes)
        assignment_rules,
        cards,
        cards_io,
        catalog,
        credentials,
        learning,
        me,
        mentoring,
        reference,
        xapi,
    )
    from tracker.api.blueprint import bp

    app.register_blueprint(bp)
