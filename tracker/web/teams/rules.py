"""A group's assignment rules: paths assigned to every member, previewed before they run, with their runs."""

from __future__ import annotations

from tracker.web.teams.blueprint import bp  # noqa: F401
