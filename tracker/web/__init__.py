"""The HTML side: blueprints, error pages and template helpers."""

from __future__ import annotations

from flask import Flask

from tracker.models import ProgressState
from tracker.services.catalog import DEFAULT_READING_MINUTES
from tracker.services.paths import weeks_label


def init_app(app: Flask) -> None:
    from tracker.web import access, auth, errors, main

    errors.init_app(app)
    access.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(main.bp)
    app.jinja_env.filters["weeks"] = weeks_label
    app.jinja_env.filters["minutes"] = format_minutes
    app.jinja_env.globals["DEFAULT_READING_MINUTES"] = DEFAULT_READING_MINUTES
    app.jinja_env.globals["ProgressState"] = ProgressState


def format_minutes(minutes: int) -> str:
    """'45 min' or '3 h 20 min'."""
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"
