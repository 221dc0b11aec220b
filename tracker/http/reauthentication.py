"""Confirming who you are through the identity provider instead of typing your password (accounts made by the
provider have none): when this signed-in device last did it.

The moment is kept in the Flask session (signed by the tracker's secret, so the browser cannot make one up) with
the ids of the account and of the device session it was confirmed on: it is worth nothing on any other device
session, even of the same account, and signing in again or out clears the Flask session and it with it. No
column is needed: the confirmation is worth REAUTHENTICATION_LIFETIME seconds only.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from flask import session
from flask_login import current_user

from tracker.models import User

KEY = "reauthenticated"
REAUTHENTICATION_LIFETIME = 300  # seconds a confirmation through the provider stands in for the password


def _device_id() -> int | None:
    device = current_user.device if current_user.is_authenticated else None
    return device.id if device is not None else None


def record_confirmed(user: User, *, at: float) -> None:
    """This device session's account was confirmed at the provider at `at` (a Unix time)."""
    session[KEY] = {"user": user.id, "device": _device_id(), "at": at}


def confirmed_at() -> datetime | None:
    """When this device session's account confirmed through the provider, if that was in the last five minutes
    (and not in the future); None otherwise, or when it was another account or another device session."""
    state = session.get(KEY)
    device = _device_id()
    if not isinstance(state, dict) or device is None or state.get("device") != device \
            or state.get("user") != current_user.id:
        return None
    at = state.get("at")
    now = time.time()
    if not isinstance(at, (int, float)) or not now - REAUTHENTICATION_LIFETIME <= at <= now:
        return None
    return datetime.fromtimestamp(at, UTC)


def password_waived(password: str | None) -> bool:
    """Whether a form may go on without the current password: none was typed and this device confirmed through
    the provider just now. A typed password is always checked."""
    return not password and confirmed_at() is not None
