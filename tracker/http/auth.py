"""Who is asking: session or API-token sign-in, CSRF policy, role guards and the first-run redirect.

Both `tracker.web` and `tracker.api` guard their views with what is here.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import Flask, current_app, flash, redirect, request, url_for
from flask_login import current_user

from tracker.db import get_session
from tracker.extensions import csrf, login_manager
from tracker.models import Role, User
from tracker.services import accounts, tokens
from tracker.services.errors import NotAllowed
from tracker.http.errors import error_response, wants_json
from tracker.http.render import is_htmx

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# What a user with a temporary password may still reach (the badge only reads a count).
PASSWORD_CHANGE_ENDPOINTS = {"auth.account", "auth.change_password", "auth.sign_out", "notifications.badge", "static"}


class LoginUser:
    """Flask-Login's view of a User. The id carries the session token, so rotating it ends sessions."""

    def __init__(self, user: User):
        self.user = user

    def __getattr__(self, name):
        return getattr(self.user, name)

    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.user.is_active

    def get_id(self) -> str:
        return f"{self.user.id}:{self.user.session_token}"


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _load_user(user_id: str) -> LoginUser | None:
    if bearer_token() is not None:  # a token request is judged by its token alone
        return None
    raw_id, _, session_token = user_id.partition(":")
    if not raw_id.isdigit():
        return None
    user = get_session().get(User, int(raw_id))
    if user is None or not user.is_active or user.session_token != session_token:
        return None
    return LoginUser(user)


def _load_user_from_request(req) -> LoginUser | None:
    raw = bearer_token()
    if raw is None:
        return None
    user = tokens.user_for_token(session=get_session(), raw=raw)
    return LoginUser(user) if user else None


def page_to_return_to() -> str | None:
    """Where to come back to after signing in: the page itself, or for HTMX the page the request came from."""
    if is_htmx():
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        if current.netloc and current.netloc != request.host:
            return None
        return (current.path + (f"?{current.query}" if current.query else "")) or None
    return request.full_path.rstrip("?") if request.method == "GET" else None


def _unauthorized():
    if wants_json():
        return error_response(401, "Sign in, or send a personal API token as 'Authorization: Bearer <token>'.",
                              headers={"WWW-Authenticate": 'Bearer realm="tracker"'})
    target = url_for("auth.sign_in", next=page_to_return_to())
    if is_htmx():
        # A whole-page visit to sign-in: never the sign-in page swapped into a fragment's place.
        return "", 401, {"HX-Redirect": target, "Vary": "HX-Request"}
    return redirect(target)


def role_required(role: Role):
    """Only users with `role` (or a higher one) pass; others get sign-in or 403."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return _unauthorized()
            if not current_user.has_role(role):
                raise NotAllowed(f"This needs the {role.value} role.")
            return view(*args, **kwargs)
        wrapped.required_role = role  # lets tests walk the URL map and check every guarded route
        return wrapped
    return decorator


def current_account() -> User | None:
    """The signed-in User row (not the Flask-Login wrapper), or None."""
    return current_user.user if current_user.is_authenticated else None


def init_app(app: Flask) -> None:
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    login_manager.user_loader(_load_user)
    login_manager.request_loader(_load_user_from_request)
    login_manager.unauthorized_handler(_unauthorized)

    @app.before_request
    def check_csrf():
        # A request carrying a bearer token cannot come from a cross-site form; everything else must
        # prove it came from our pages.
        if request.method in UNSAFE_METHODS and bearer_token() is None:
            csrf.protect()

    @app.before_request
    def require_new_password():
        # A temporary password set by an admin must be replaced before anything else.
        user = current_account()
        if user is None or not user.must_change_password or request.endpoint in PASSWORD_CHANGE_ENDPOINTS:
            return None
        if wants_json():
            raise NotAllowed("Change your temporary password first.")
        flash("Please choose a new password: the one you signed in with was temporary.", "info")
        if is_htmx():  # a whole-page visit, never the account page inside a fragment
            return "", 403, {"HX-Redirect": url_for("auth.account"), "Vary": "HX-Request"}
        return redirect(url_for("auth.account"))

    @app.before_request
    def first_run_setup():
        if app.extensions.get("tracker.has_users") or request.method != "GET":
            return None
        if request.endpoint in {"auth.setup", "static"} or request.path.startswith("/api/"):
            return None
        if accounts.user_count(session=get_session()) == 0:
            return redirect(url_for("auth.setup"))
        app.extensions["tracker.has_users"] = True
        return None


def mark_users_exist() -> None:
    current_app.extensions["tracker.has_users"] = True
