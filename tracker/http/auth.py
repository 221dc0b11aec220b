"""Who is asking: session or API-token sign-in, CSRF policy, role guards and the first-run redirect.

Both `tracker.web` and `tracker.api` guard their views with what is here.
"""

from __future__ import annotations

from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_login import current_user, login_user
from werkzeug.exceptions import Unauthorized
from werkzeug.middleware.proxy_fix import ProxyFix

from tracker.db import get_session
from tracker.extensions import csrf, login_manager
from tracker.http import limits
from tracker.http.errors import error_response, session_lost, wants_json
from tracker.http.limits import client_address
from tracker.http.render import is_htmx
from tracker.models import ApiToken, DeviceSession, Role, TokenScope, User
from tracker.services.errors import NotAllowed
from tracker.services.people import accounts, administration, passwords, sessions, tokens

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# What a user with a temporary password may still reach (the badge only reads a count).
PASSWORD_CHANGE_ENDPOINTS = {"auth.account", "auth.change_password", "auth.sign_out", "notifications.badge", "static"}


class LoginUser:
    """Flask-Login's view of a User signed in on one device (`device`), or by an API token (`api_token`).

    Its id is the device's random session token: what the session and remember-me cookies carry.
    """

    def __init__(self, user: User, *, session_token: str = "", device: DeviceSession | None = None,
                 api_token: ApiToken | None = None):
        self.user, self.session_token, self.device, self.api_token = user, session_token, device, api_token

    def __getattr__(self, name):
        return getattr(self.user, name)

    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.user.is_active

    def get_id(self) -> str:
        return self.session_token


def session_policy() -> sessions.SessionPolicy:
    config = current_app.config
    return sessions.SessionPolicy(idle=config["SESSION_IDLE"], max_age=config["SESSION_MAX_AGE"],
                                  remember=config["REMEMBER_AGE"])


def password_policy(*, ask_range_service: bool = True) -> passwords.PasswordPolicy:
    """The password policy with this site's words (from TRACKER_PUBLIC_URL) and the range service, if set.
    `ask_range_service=False`: the local checks only, for a form's field-by-field messages (the service that
    then sets the password asks the range service, once)."""
    config = current_app.config
    return passwords.policy_for_site(public_url=config["PUBLIC_URL"],
                                     range_url=config.get("PWNED_PASSWORDS_URL") if ask_range_service else None)


def sign_in(user: User, *, remember: bool = False, id_token: str | None = None) -> None:
    """Start a new signed-in device for `user` in this browser: a fresh Flask session (so a new CSRF
    secret, and nothing an attacker planted survives), a session record, and the cookies. `id_token`: the
    identity provider's, when it signed the person in (kept on the server for signing out there)."""
    session.clear()
    token, record = sessions.start_session(session=get_session(), user=user, remember=remember,
                                           policy=session_policy(), address=client_address(),
                                           user_agent=request.headers.get("User-Agent", ""), id_token=id_token)
    login_user(LoginUser(user, session_token=token, device=record), remember=remember,
               duration=current_app.config["REMEMBER_AGE"])


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def is_scim_request() -> bool:
    """SCIM provisioning (/scim/v2): judged by its own bearer tokens in its blueprint, never by a session, a
    CSRF token or the first-run and password-change redirects."""
    return request.path.startswith("/scim/")


def _load_user(token: str) -> LoginUser | None:
    if bearer_token() is not None:  # a token request is judged by its token alone
        return None
    found = sessions.resume_session(session=get_session(), token=token, policy=session_policy())
    if found is None:
        return None
    user, record = found
    return LoginUser(user, session_token=token, device=record)


def _load_user_from_request(req) -> LoginUser | None:
    raw = bearer_token()
    if raw is None or not is_api_request():  # API tokens open the JSON API, never the pages
        return None
    found = tokens.token_owner(session=get_session(), raw=raw)
    if found is None:
        return None
    token, user = found
    return LoginUser(user, api_token=token)


def page_to_return_to() -> str | None:
    """Where to come back to after signing in: the page itself, or for HTMX the page the request came from."""
    if is_htmx():
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        if current.netloc and current.netloc != request.host:
            return None
        return (current.path + (f"?{current.query}" if current.query else "")) or None
    return request.full_path.rstrip("?") if request.method == "GET" else None


def _unauthorized():
    if request.method in UNSAFE_METHODS and not is_api_request():
        return session_lost()  # a press from a signed-out page: say so, and keep it to repeat after signing in
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
            token = current_user.api_token
            if role is Role.admin and token is not None and token.scope is not TokenScope.admin:
                # An admin may give a script a token that cannot manage anyone: only an admin-scope token can.
                raise NotAllowed("This API token cannot use the admin endpoints; create one with the admin scope.")
            return view(*args, **kwargs)
        wrapped.required_role = role  # lets tests walk the URL map and check every guarded route
        return wrapped
    return decorator


def current_account() -> User | None:
    """The signed-in User row (not the Flask-Login wrapper), or None."""
    return current_user.user if current_user.is_authenticated else None


def require_account() -> User:
    """The signed-in User row, in views behind `login_required` or `role_required` (which send anyone else to
    sign in first); a 401 if it is ever called without one."""
    user = current_account()
    if user is None:
        raise Unauthorized("Sign in first.")
    return user


def init_app(app: Flask) -> None:
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    login_manager.user_loader(_load_user)
    login_manager.request_loader(_load_user_from_request)
    login_manager.unauthorized_handler(_unauthorized)
    limits.init_app(app)
    app.after_request(private_answers)
    if app.config["TRUSTED_PROXIES"]:
        # Behind N proxies, the client's address is the one they report; without this, X-Forwarded-For is ignored.
        hops = app.config["TRUSTED_PROXIES"]
        proxied = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
        app.wsgi_app = proxied  # type: ignore[method-assign]  # Flask's documented way to add WSGI middleware
    app.before_request(check_csrf)
    app.before_request(require_new_password)
    app.before_request(first_run_setup)


def check_csrf():
    """Every state change proves where it came from: a CSRF token from our pages, or a bearer token."""
    if request.method not in UNSAFE_METHODS or request.routing_exception is not None or is_scim_request():
        return None  # reads need no token; an unknown route or method answers 404 or 405 first
    if getattr(current_app.view_functions.get(request.endpoint), "changes_nothing", False):
        return None  # a POST that only computes an answer from its body (verifying a credential)
    if is_api_request():
        if not current_user.is_authenticated:
            return _unauthorized()  # who is asking comes first: 401, whatever the method
        if current_user.api_token is not None:
            # A bearer token cannot come from a cross-site form; a read-only one cannot write.
            if not current_user.api_token.scope.writes:
                raise NotAllowed("This API token is read-only; create a read-write token to make changes.")
            return None
    # Everything else must prove it came from our pages.
    csrf.protect()
    return None


def require_new_password():
    """A temporary password set by an admin must be replaced before anything else."""
    if is_scim_request():
        return None
    user = current_account()
    if user is None or not user.must_change_password or request.endpoint in PASSWORD_CHANGE_ENDPOINTS:
        return None
    if wants_json():
        raise NotAllowed("Change your temporary password first.")
    flash("Please choose a new password: the one you signed in with was temporary.", "info")
    if is_htmx():  # a whole-page visit, never the account page inside a fragment
        return "", 403, {"HX-Redirect": url_for("auth.account"), "Vary": "HX-Request"}
    return redirect(url_for("auth.account"))


def first_run_setup():
    """A fresh install (no administrator yet) sends every page to /setup."""
    if current_app.extensions.get("tracker.has_users") or request.method != "GET":
        return None
    if request.endpoint in {"auth.setup", "static", "health.healthz", "health.readyz",
                            "metrics.prometheus_metrics"} or is_api_request() or is_scim_request():
        return None
    if not accounts.has_administrator(session=get_session()):
        return redirect(url_for("auth.setup"))
    current_app.extensions["tracker.has_users"] = True
    return None


def private_answers(response):
    """Nothing personal is kept by browsers or proxies once it is sent; HTTPS is pinned when configured."""
    if request.endpoint != "static" and (current_user.is_authenticated or bearer_token() is not None):
        response.headers["Cache-Control"] = "no-store"
        response.vary.add("Cookie")
    if current_app.config["SECURE_COOKIES"]:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def provider_configured() -> bool:
    """Whether people may sign in through an OpenID Connect provider (TRACKER_OIDC_ISSUER)."""
    return bool(current_app.config.get("OIDC_ISSUER"))


def passwords_open_to(username: str) -> bool:
    """Whether a password may sign in this username: always, unless TRACKER_LOCAL_PASSWORDS is off, when only
    the break-glass administrators named in TRACKER_BREAK_GLASS_ADMINS may."""
    return administration.passwords_open_to(username=username, **password_settings())


def password_settings() -> dict[str, Any]:
    """TRACKER_LOCAL_PASSWORDS and TRACKER_BREAK_GLASS_ADMINS, as the services' keyword arguments."""
    config = current_app.config
    return {"local_passwords": bool(config.get("LOCAL_PASSWORDS", True)),
            "break_glass": frozenset(config.get("BREAK_GLASS_ADMINS", ()))}


def passwords_closed_message() -> str:
    return (f"Passwords are turned off on this tracker: sign in with {current_app.config['OIDC_PROVIDER_NAME']}. "
            "Passwords are kept for the break-glass administrators only.")


def mark_users_exist() -> None:
    current_app.extensions["tracker.has_users"] = True


def changes_nothing(view):
    """Mark a POST view that writes nothing and reveals nothing private (it computes an answer from what was
    sent): anyone may call it, without a session or a CSRF token."""
    view.changes_nothing = True
    return view
