"""Sign up, sign in, sign out, first-run setup and the account page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import login_required, login_user, logout_user

from tracker.db import get_session
from tracker.extensions import limiter
from tracker.http.auth import LoginUser, current_account, mark_users_exist
from tracker.models import Role
from tracker.services import accounts, tokens
from tracker.services.errors import NotAllowed
from tracker.web.forms import ChangePasswordForm, SignInForm, SignUpForm, TokenForm

bp = Blueprint("auth", __name__)


def safe_next(default: str) -> str:
    """The `next` target if it stays on this site, else `default` (no open redirects)."""
    target = request.values.get("next", "")
    # Browsers read a backslash as a slash, so "/" + backslash + "evil.example" would leave the site.
    if any(c == "\\" or ord(c) < 32 for c in target):
        return default
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc and not parts.scheme:
        return target
    return default


@bp.route("/setup", methods=["GET", "POST"])
def setup():
    """Create the administrator on a fresh install; gone once any account exists."""
    session = get_session()
    accounts.require_no_users(session=session)
    form = SignUpForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_user(session=session, username=form.username.data, password=form.password.data,
                                        role=Role.admin, display_name=form.display_name.data or "")
        except accounts.AccountError as exc:
            form.form_errors.append(str(exc))
        else:
            mark_users_exist()
            login_user(LoginUser(user))
            flash("Welcome! You are the administrator. Follow a path to start tracking your reading.", "success")
            return redirect(url_for("main.index"))
    return render_template("auth/setup.html", form=form), 400 if request.method == "POST" else 200


@bp.route("/signup", methods=["GET", "POST"])
def sign_up():
    if not current_app.config["OPEN_SIGNUP"]:
        raise NotAllowed("Sign-up is closed on this tracker. Ask an administrator for an account.")
    form = SignUpForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_user(session=get_session(), username=form.username.data,
                                        password=form.password.data, display_name=form.display_name.data or "")
        except accounts.AccountError as exc:
            form.form_errors.append(str(exc))
        else:
            login_user(LoginUser(user))
            flash(f"Welcome, {user.name}! Pick a path to follow.", "success")
            return redirect(url_for("main.path_list"))
    return render_template("auth/signup.html", form=form), 400 if request.method == "POST" else 200


def _sign_in_key() -> str:
    """Failed sign-ins are counted per address and username, so one attacker cannot lock out everyone."""
    return f"{get_remote_address()}|{request.form.get('username', '').strip().lower()[:64]}"


@bp.route("/signin", methods=["GET", "POST"])
@limiter.limit("10 per 5 minutes", key_func=_sign_in_key, methods=["POST"],
               deduct_when=lambda response: response.status_code == 400,
               error_message="Too many failed sign-ins. Wait a few minutes and try again.")
@limiter.limit("60 per 5 minutes", methods=["POST"], deduct_when=lambda response: response.status_code == 400,
               error_message="Too many failed sign-ins from your address. Wait a few minutes and try again.")
def sign_in():
    form = SignInForm()
    if form.validate_on_submit():
        user = accounts.authenticate(session=get_session(), username=form.username.data, password=form.password.data)
        if user is None:
            form.form_errors.append("Wrong username or password.")
        else:
            login_user(LoginUser(user), remember=form.remember.data)
            return redirect(safe_next(url_for("main.index")))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/signin.html", form=form, open_signup=current_app.config["OPEN_SIGNUP"]), status


@bp.post("/signout")
def sign_out():
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("main.index"))


@bp.get("/account")
@login_required
def account():
    return _account_page()


def _account_page(*, password_form=None, token_form=None, new_token: str | None = None, status: int = 200):
    user = current_account()
    return render_template(
        "auth/account.html", password_form=password_form or ChangePasswordForm(),
        token_form=token_form or TokenForm(), new_token=new_token,
        tokens=tokens.list_tokens(session=get_session(), user=user),
    ), status


@bp.post("/account/password")
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_account()
        try:
            accounts.change_password(session=get_session(), user=user, current=form.current.data, new=form.password.data)
        except accounts.AccountError as exc:
            form.form_errors.append(str(exc))
        else:
            login_user(LoginUser(user))  # the session token changed: renew this session, end the others
            flash("Your password is changed. Other devices are signed out.", "success")
            return redirect(url_for("auth.account"))
    return _account_page(password_form=form, status=400)


@bp.post("/account/tokens")
@login_required
def create_token():
    form = TokenForm()
    if form.validate_on_submit():
        try:
            raw, _ = tokens.create_token(session=get_session(), user=current_account(), name=form.name.data)
        except tokens.TokenError as exc:
            form.form_errors.append(str(exc))
        else:
            return _account_page(new_token=raw)
    return _account_page(token_form=form, status=400)


@bp.post("/account/tokens/<id:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    tokens.revoke_token(session=get_session(), user=current_account(), token_id=token_id)
    flash("The token is revoked; requests using it are now refused.", "success")
    return redirect(url_for("auth.account"), code=303)
