"""A group's overview for its managers: members × paths, the group's counts and their trend."""

from __future__ import annotations

from tracker.web.teams.blueprint import bp  # noqa: F401
