"""Counting the SQL statements a request makes, for query-budget tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import event
from werkzeug.test import TestResponse


def statements(app: Flask, call: Callable[[], TestResponse], *, warm: bool = False) -> int:
    """How many statements `call()` (a request through a test client) sent to the app's database; the
    request must succeed. `warm`: call it once first, uncounted, as the views before it would have (what a
    process keeps of the curriculum is then kept; only for reads, which a second call does not change)."""
    engine = app.extensions["tracker.engine"]
    if warm:
        call()
    seen: list[str] = []

    def count(*args: Any) -> None:  # (connection, cursor, statement, parameters, context, executemany)
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = call()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code < 400, response.status_code
    return len(seen)
