"""Learning-path tracker: curated paths through a catalog of backend-engineering articles."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from tracker.config import load_settings
from tracker.resources import resource_dir


class JSONInOrder(DefaultJSONProvider):
    """JSON answers keep their keys in the order the code gives them (the API's documented order)."""

    sort_keys = False


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app from TRACKER_* settings; `config` overrides them (tests)."""
    app = Flask(__name__, template_folder=str(resource_dir("templates")))
    app.config.from_mapping(load_settings(config))
    app.json = JSONInOrder(app)

    from tracker import db, extensions, http
    from tracker.api import init_app as init_api
    from tracker.services.people import accounts
    from tracker.web import init_app as init_web

    db.init_app(app)
    accounts.configure_hashing(**app.config["PASSWORD_HASHING"])
    extensions.init_app(app)
    http.init_app(app)
    init_web(app)
    init_api(app)
    return app
