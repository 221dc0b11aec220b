"""The domain's refusals. Services raise these; the HTTP boundary maps each to one status for every client.

Each error's message is fit to show to the person who asked. Subclasses in the service modules
(`NoteError`, `VersionConflict`, ...) keep their names for callers that handle one case in place;
everything else reaches `tracker.http.errors`, which answers a page, a fragment or JSON.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A request the domain refuses. `status` is the HTTP status it maps to; `details` go into JSON answers."""

    status = 400

    def __init__(self, message: str = "", **details: Any):
        super().__init__(message)
        self.message = message
        self.details = details

    def __str__(self) -> str:
        return self.message


class Invalid(DomainError, ValueError):
    """The input breaks a rule: a field out of range, a name that is taken, a malformed value."""

    status = 400


class NotFound(DomainError, LookupError):
    """There is no such thing, or the asker may not know it exists (both answer the same)."""

    status = 404


class NotAllowed(DomainError):
    """The asker is known and the thing exists, but this role may not do this."""

    status = 403


class Conflict(DomainError):
    """The thing changed since the asker last saw it; nothing was written."""

    status = 409
