"""The group pages for managers and admins, one blueprint under /groups: the overview of a group's members
and paths (`overview`) and the rules that assign its paths (`rules`). Importing the modules registers their
routes on `bp`. Making groups and choosing their members and managers is in the admin blueprint."""

from __future__ import annotations

from tracker.web.teams import overview, rules  # noqa: F401  (registers the routes)
from tracker.web.teams.blueprint import bp

__all__ = ["bp"]
