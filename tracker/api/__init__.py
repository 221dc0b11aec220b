"""The JSON API, version 1, under /api/v1; and SCIM 2.0 provisioning under /scim/v2 (`tracker.api.scim`), a
blueprint of its own with SCIM's error bodies."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from tracker.api import (  # noqa: F401  (registers the routes)
        account,
        admin,
        assignment_rules,
        audit,
        cards,
        cards_io,
        catalog,
        credentials,
        curation,
        group_overview,
        groups,
        learning,
        me,
        mentoring,
        notes,
        notifications,
        personal,
        reference,
        resources,
        scim,
        xapi,
    )
    from tracker.api.blueprint import bp

    app.register_blueprint(bp)
    scim.init_app(app)
