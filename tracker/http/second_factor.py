"""The step between the password and being signed in, and the instance's second-factor policy.

After the right password, an account with a second factor is not signed in: this browser's session holds
a pending sign-in (whose account, when the password was checked, remember-me and where to go next) for
PENDING_LIFETIME. Only the second step turns it into a signed-in session, in this same browser.
"""

from __future__ import annotations

import time

from flask import current_app, flash, redirect, request, session, url_for
from flask_login import current_user

from tracker.db import get_session
from tracker.http.auth import client_address, current_account
from tracker.http.auth import sign_in as start_signed_in_session
from tracker.http.errors import wants_json
from tracker.http.render import is_htmx
from tracker.models import SecurityEventKind, User
from tracker.services.errors import NotAllowed
from tracker.services.people import accounts, second_factor, security_log

PENDING_KEY = "second_step"
# What an account the policy covers may reach before it has a second factor.
ENROLMENT_ENDPOINTS = {"auth.sign_out", "second_factor.page", "second_factor.begin_app", "second_factor.confirm_app",
                       "second_factor.cancel_app", "second_factor.passkey_options", "second_factor.add_passkey",
                       "auth.change_password", "notifications.badge", "static"}


def sealing_key() -> bytes:
    return second_factor.sealing_key(current_app.config["SECRET_KEY"])


def policy_required() -> bool:
    """Whether this tracker makes mentors and admins have a second factor (TRACKER_REQUIRE_SECOND_FACTOR)."""
    return bool(current_app.config.get("REQUIRE_SECOND_FACTOR"))


def record(kind: SecurityEventKind, *, user: User | None = None, username: str = "", detail: str = "") -> None:
    security_log.record(session=get_session(), kind=kind, user=user, username=username, address=client_address(),
                        detail=detail)


def begin_second_step(user: User, *, remember: bool, next_page: str, carry: dict | None = None) -> None:
    """The password was right and the account has a second factor: this browser waits for it, not signed in.
    `carry`: session values the signed-in session starts with (a provider account waiting to be linked)."""
    session.clear()
    session[PENDING_KEY] = {"user": user.id, "at": time.time(), "remember": bool(remember), "next": next_page,
                            "carry": dict(carry or {})}


def pending_sign_in() -> tuple[User, dict] | None:
    """The account waiting for its second step in this browser, with the pending state; None when there is
    none, it is older than the pending lifetime, or the account was deactivated since."""
    state = session.get(PENDING_KEY)
    if not isinstance(state, dict) or not isinstance(state.get("at"), int | float):
        return None
    if time.time() - state["at"] > second_factor.PENDING_LIFETIME.total_seconds():
        session.pop(PENDING_KEY, None)
        return None
    user = accounts.get_user_by_id(session=get_session(), user_id=int(state.get("user", 0)))
    if user is None or not user.is_active:
        return None
    return user, state


def finish_second_step(user: User, state: dict, *, how: str) -> str:
    """The second factor was given: sign the browser in (a fresh session) and return where to go next."""
    detail = f"second factor: {how}" + (", remembered" if state.get("remember") else "")
    record(SecurityEventKind.sign_in, user=user, detail=detail)
    start_signed_in_session(user, remember=bool(state.get("remember")))
    carried = state.get("carry")
    if isinstance(carried, dict):
        session.update(carried)
    return str(state.get("next") or url_for("main.index"))


def require_second_factor():
    """With the policy on, a mentor or admin without a second factor sets one up before anything else (API
    tokens are the API's own credential and stay unaffected, and so does a browser the identity provider signed
    in: the provider's sign-in is the strong one, see docs/security.md)."""
    user = current_account()
    if (user is None or not policy_required() or current_user.api_token is not None
            or (current_user.device is not None and current_user.device.id_token)
            or request.endpoint in ENROLMENT_ENDPOINTS
            or not second_factor.policy_covers(user, required=True)
            or second_factor.has_second_factor(session=get_session(), user=user)):
        return None
    if wants_json():
        raise NotAllowed("Set up a second factor (an authenticator app or a passkey) first: this tracker "
                         "requires one for your role.")
    flash("This tracker requires a second factor for your role: set up an authenticator app or a passkey to "
          "continue.", "info")
    if is_htmx():
        return "", 403, {"HX-Redirect": url_for("second_factor.page"), "Vary": "HX-Request"}
    return redirect(url_for("second_factor.page"))
