"""The `tracker` command: a Flask CLI group with the app's own commands, one module per area."""

from __future__ import annotations

from tracker.cli import audit, content, data, people, rules, scim, serve, teams  # noqa: F401  (the commands register themselves on `cli`)
from tracker.cli.group import cli

__all__ = ["cli"]
