"""Administration, one blueprint: paths (editor, history, import), the catalog, users, groups, mentorships, background
jobs, webhooks, the audit log.

Each area is a module of this package; importing them registers their routes on `bp`.
"""

from __future__ import annotations

from tracker.web.admin import (  # noqa: F401  (registers the routes)
    audit,
    catalog,
    credentials,
    groups,
    jobs,
    mentorships,
    paths,
    records,
    security,
    users,
    webhooks,
)
from tracker.web.admin.blueprint import bp

__all__ = ["bp"]
