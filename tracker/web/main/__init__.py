"""The learner's pages, one blueprint: the dashboard, paths, articles and recall cards in this package's
modules (importing them registers their routes on `bp`)."""

from __future__ import annotations

from tracker.web.main import (  # noqa: F401  (registers the routes)
    articles,
    cards,
    dashboard,
    paths,
    personal,
    resources,
    resume,
)
from tracker.web.main.blueprint import bp

__all__ = ["bp"]
