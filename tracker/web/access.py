"""Who is asking: session or API-token sign-in, CSRF policy, role checks and the first-run redirect."""

from __future__ import annotations

from functools import wraps

from flask import Flask, current_app, flash, jsonify, redirect, request, url_for
from flask_login import current_user
from werkzeug.exceptions import Forbidden

from tracker.db import get_session
from tracker.extensions import csrf, login_manager
from tracker.models import Role, User
from tracker.services import accounts, tokens
from tracker.web.errors import wants_json

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


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


def _unauthorized():
    if wants_json():
        response = jsonify(error={"status": 401, "message": "Sign in, or send a personal API token as "
                                                             "'Authorization: Bearer <token>'."})
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Bearer realm="tracker"'
        return response
    target = url_for("auth.sign_in", next=request.full_path.rstrip("?") if request.method == "GET" else None)
    if request.headers.get("HX-Request"):
        return "", 401, {"HX-Redirect": target}
    return redirect(target)


def role_required(role: Role):
    """Only users with `role` (or a higher one) pass; others get sign-in or 403."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return _unauthorized()
            if not current_user.has_role(role):
                raise Forbidden(f"This needs the {role.value} role.")
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
        if user is None or not user.must_change_password:
            return None
        if request.endpoint in {"auth.account", "auth.change_password", "auth.sign_out", "static"}:
            return None
        if wants_json():
            return jsonify(error={"status": 403, "message": "Change your temporary password first."}), 403
        flash("Please choose a new password: the one you signed in with was temporary.", "info")
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
