"""Sign up, sign in, sign out, first-run setup and the account page."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user

from tracker.db import get_session
from tracker.http import limits, reauthentication
from tracker.http.auth import (
    client_address,
    current_account,
    mark_users_exist,
    password_policy,
    passwords_closed_message,
    passwords_open_to,
    provider_configured,
    require_account,
    session_policy,
)
from tracker.http.auth import sign_in as sign_in_here
from tracker.http.render import is_htmx
from tracker.http.repeat import local_address
from tracker.http.second_factor import begin_second_step
from tracker.models import Role, SecurityEventKind, TokenScope, utcnow
from tracker.services.errors import Invalid, NotAllowed
from tracker.services.learning import recall
from tracker.services.notifications import chat
from tracker.services.people import (
    accounts,
    administration,
    first_run,
    identities,
    second_factor,
    security_log,
    sessions,
    tokens,
)
from tracker.services.records import deletion as account_deletion
from tracker.services.teams import groups_of_users
from tracker.web import oidc
from tracker.web import second_factor as second_factor_views
from tracker.web.forms import (
    ChangePasswordForm,
    ChatSettingsForm,
    DeleteAccountForm,
    EmailSettingsForm,
    ProviderSignInForm,
    RetentionForm,
    ReviewLimitsForm,
    SetupForm,
    SignInForm,
    SignUpForm,
    TimeZoneForm,
    TokenForm,
)

bp = Blueprint("auth", __name__)


def safe_next(default: str) -> str:
    """The `next` target if it stays on this site, else `default` (no open redirects)."""
    return local_address(request.values.get("next", "")) or default


def _signed_out(target: str):
    """The answer that ends this browser's sign-in: the session emptied, the remember-me cookie deleted (emptying
    the session drops Flask-Login's own note to delete it), and pages and htmx's copies of them leave this
    browser's caches and storage."""
    logout_user()
    session.clear()
    response = redirect(target, code=303)
    config = current_app.config
    response.delete_cookie(config["REMEMBER_COOKIE_NAME"], path=config["REMEMBER_COOKIE_PATH"],
                           domain=config["REMEMBER_COOKIE_DOMAIN"], secure=config["REMEMBER_COOKIE_SECURE"],
                           httponly=config["REMEMBER_COOKIE_HTTPONLY"], samesite=config["REMEMBER_COOKIE_SAMESITE"])
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


def _event(kind: SecurityEventKind, *, user=None, username: str = "", detail: str = "") -> None:
    security_log.record(session=get_session(), kind=kind, user=user, username=username, address=client_address(),
                        detail=detail)


def _tokens_revoked(user, count: int, reason: str) -> None:
    if count:
        _event(SecurityEventKind.tokens_revoked, user=user, detail=tokens.describe_revocation(count, reason))


@bp.route("/setup", methods=["GET", "POST"])
def setup():
    """Create the administrator on a fresh install, with the setup link printed at start; gone once one exists."""
    session = get_session()
    accounts.require_no_administrator(session=session)
    data_dir = current_app.config["DATA_DIR"]
    offered = request.values.get("token", "")
    if not first_run.setup_token_matches(data_dir=data_dir, offered=offered):
        # Whoever reaches the site first must not become its administrator: only who reads the server's output.
        status = 403 if offered or request.method == "POST" else 200
        return render_template("auth/setup_link.html", refused=status == 403), status
    form = SetupForm(token=offered)
    if form.validate_on_submit():
        try:
            user = accounts.create_first_admin(session=session, username=form.username.data,
                                               password=form.password.data, policy=password_policy(),
                                               display_name=form.display_name.data or "",
                                               time_zone=form.time_zone.data)
        except accounts.AccountError as exc:
            form.form_errors.append(str(exc))
        else:
            first_run.discard_setup_token(data_dir=data_dir)
            mark_users_exist()
            _event(SecurityEventKind.setup, user=user)
            sign_in_here(user)
            flash("Welcome! You are the administrator. Follow a path to start tracking your reading.", "success")
            return redirect(url_for("main.index"))
    return render_template("auth/setup.html", form=form), 400 if request.method == "POST" else 200


def _typed_username() -> str:
    return request.form.get("username", "").strip().lower()[:64]


@bp.route("/signup", methods=["GET", "POST"])
def sign_up():
    if not current_app.config["OPEN_SIGNUP"]:
        raise NotAllowed("Sign-up is closed on this tracker. Ask an administrator for an account.")
    if not current_app.config["LOCAL_PASSWORDS"]:
        raise NotAllowed(f"Sign-up is closed on this tracker: sign in with {oidc.provider_name()}, and your account "
                         "is made the first time.")
    if not accounts.has_administrator(session=get_session()):
        raise NotAllowed("Sign-up opens once the administrator has set up this tracker.")
    form = SignUpForm()
    if form.validate_on_submit():
        # Counted per address: accounts made and "taken" answers; other refusals are given back.
        with limits.sign_up_attempt() as attempt:
            try:
                user = accounts.create_user(session=get_session(), username=form.username.data,
                                            password=form.password.data, policy=password_policy(),
                                            display_name=form.display_name.data or "",
                                            time_zone=form.time_zone.data, signed_up=True)
            except accounts.UsernameTaken as exc:
                form.form_errors.append(str(exc))
            except accounts.AccountError as exc:
                attempt.did_not_count()
                form.form_errors.append(str(exc))
            else:
                _event(SecurityEventKind.signed_up, user=user)
                sign_in_here(user)
                flash(f"Welcome, {user.name}! Pick a path to follow.", "success")
                return redirect(url_for("main.path_list"))
    return render_template("auth/signup.html", form=form), 400 if request.method == "POST" else 200


@bp.route("/signin", methods=["GET", "POST"])
def sign_in():
    """Failed sign-ins are counted per (account, address), per address, and per account from browsers that
    never signed in to it; past each allowance the wait doubles (a 429 saying how long). Counted before the
    password is checked, in one atomic step; a success is given back."""
    form = SignInForm()
    if form.validate_on_submit() and not passwords_open_to(_typed_username()):
        form.form_errors.append(passwords_closed_message())  # refused before any password is checked
    elif form.is_submitted() and form.validate():
        username, user = _typed_username(), None
        with limits.sign_in_attempt(username) as attempt:
            try:
                user = accounts.authenticate(session=get_session(), username=form.username.data,
                                             password=form.password.data)
            except accounts.AccountDeactivated as exc:
                _event(SecurityEventKind.sign_in_refused_inactive, username=username)
                form.form_errors.append(str(exc))
            else:
                if user is None:
                    _event(SecurityEventKind.sign_in_failed, username=username)
                    form.form_errors.append("Wrong username or password.")
                elif not current_app.config["LOCAL_PASSWORDS"] and user.role is not Role.admin:
                    # a break-glass name that is no longer an administrator's
                    attempt.did_not_count()
                    form.form_errors.append(passwords_closed_message())
                    user = None
                else:
                    attempt.did_not_count()
        if user is not None and second_factor.has_second_factor(session=get_session(), user=user):
            # Not signed in yet: the second step (web/second_factor.py) signs this browser in.
            begin_second_step(user, remember=form.remember.data, next_page=safe_next(url_for("main.index")))
            return redirect(url_for("second_factor.second_step"))
        if user is not None:
            _event(SecurityEventKind.sign_in, user=user, detail="remembered" if form.remember.data else "")
            sign_in_here(user, remember=form.remember.data)
            return limits.remember_device(redirect(safe_next(url_for("main.index"))), user.username)
    status = 400 if request.method == "POST" else 200
    return render_template("auth/signin.html", form=form, **_sign_in_choices()), status


def _sign_in_choices() -> dict:
    """What the sign-in page offers besides the password: the provider's button, sign-up."""
    config = current_app.config
    provider = provider_configured()
    return {"open_signup": config["OPEN_SIGNUP"] and config["LOCAL_PASSWORDS"],
            "provider": oidc.provider_name() if provider else None, "local_passwords": config["LOCAL_PASSWORDS"],
            "provider_form": ProviderSignInForm(formdata=None, next=safe_next("")) if provider else None}


@bp.post("/signout")
def sign_out():
    """End this browser's sign-in; one the identity provider made is then sent to the provider's end-session
    endpoint (RP-initiated logout), which sends it back to the sign-in page."""
    device = current_user.device if current_user.is_authenticated else None
    provider_exit = None
    if device is not None:
        provider_exit = oidc.end_session_address(device.id_token)
        sessions.end_session(session=get_session(), user=current_account(), session_id=device.id)
        _event(SecurityEventKind.sign_out, user=current_account(),
               detail=f"and at {oidc.provider_name()}" if provider_exit else "")
    response = _signed_out(provider_exit or url_for("main.index"))
    if provider_exit is not None and is_htmx():  # a whole-page visit to the provider
        response.status_code, response.headers["HX-Redirect"] = 200, provider_exit
    flash("You are signed out." if provider_exit is None
          else f"You are signed out here and at {oidc.provider_name()}.", "info")
    return response


@bp.get("/account")
@login_required
def account():
    return _account_page()


def _account_page(*, password_form=None, token_form=None, zone_form=None, email_form=None, delete_form=None,
                  retention_form=None, limits_form=None, chat_form=None, new_token: str | None = None,
                  status: int = 200):
    user = require_account()
    db = get_session()
    return render_template(
        "auth/account.html", password_form=password_form or ChangePasswordForm(),
        token_form=token_form or TokenForm().offered_to(user), new_token=new_token,
        zone_form=zone_form or TimeZoneForm(time_zone=user.time_zone),
        email_form=email_form or EmailSettingsForm(email=user.email, frequency=user.email_notifications.value),
        delete_form=delete_form or DeleteAccountForm(), is_mentor=user.has_role(Role.mentor),
        retention_form=retention_form or RetentionForm(retention=round(user.desired_retention * 100)),
        retention_preview=recall.retention_preview(user.desired_retention),
        limits_form=limits_form or ReviewLimitsForm(new_cards=user.new_cards_per_day, reviews=user.reviews_per_day),
        email_offered=current_app.config.get("SMTP_URL") is not None,
        chat_form=chat_form or ChatSettingsForm(url=user.chat_webhook_url),
        tokens=tokens.list_tokens(session=db, user=user),
        devices=sessions.live_sessions(session=db, user=user, policy=session_policy()),
        my_groups=groups_of_users(session=db, user_ids=[user.id]).get(user.id, []),
        this_device=current_user.device, history=security_log.sign_in_history(session=db, user=user),
        passwords_open=passwords_open_to(user.username), passwords_closed=passwords_closed_message,
        linked_identities=identities.identities_of(session=db, user=user) if provider_configured() else [],
        provider=oidc.provider_name() if provider_configured() else None,
        **second_factor_views.section_context(user),
    ), status


@bp.post("/account/password")
@login_required
def change_password():
    form = ChangePasswordForm()
    if not passwords_open_to(require_account().username):
        form.form_errors.append(passwords_closed_message())
    elif form.validate_on_submit():
        user, changed = require_account(), False
        with limits.password_check(user) as attempt:
            try:
                ended = accounts.change_password(session=get_session(), user=user, current=form.current.data,
                                                 new=form.password.data, policy=password_policy())
            except accounts.WrongCurrentPassword as exc:
                form.form_errors.append(str(exc))
            except accounts.AccountError as exc:
                attempt.did_not_count()  # the current password was right; the new one is refused
                form.form_errors.append(str(exc))
            else:
                attempt.did_not_count()
                changed = True
        if changed:
            _event(SecurityEventKind.password_changed, user=user)
            _tokens_revoked(user, ended.tokens, "password changed")
            sign_in_here(user)  # every session ended with the old password: this device signs in anew
            flash("Your password is changed. Other devices are signed out.", "success")
            return redirect(url_for("auth.account"))
    return _account_page(password_form=form, status=400)


@bp.post("/account/time-zone")
@login_required
def change_time_zone():
    form = TimeZoneForm()
    if form.validate_on_submit():
        user = accounts.update_settings(session=get_session(), user=require_account(),
                                        time_zone=form.time_zone.data)
        flash(f"Your time zone is {user.time_zone.replace('_', ' ')}.", "success")
        return redirect(url_for("auth.account"), code=303)
    return _account_page(zone_form=form, status=400)


@bp.post("/account/email")
@login_required
def change_email_settings():
    form = EmailSettingsForm()
    if form.validate_on_submit():
        try:
            user = accounts.update_settings(session=get_session(), user=require_account(), email=form.email.data,
                                            frequency=form.frequency.data,
                                            email_offered=current_app.config.get("SMTP_URL") is not None)
        except Invalid as exc:
            form.email.errors = [str(exc)]
        else:
            flash("Notifications stay in the app only." if user.email_notifications.value == "off"
                  else f"Notifications will also go to {user.email}: {user.email_notifications.label.lower()}.",
                  "success")
            return redirect(url_for("auth.account"), code=303)
    return _account_page(email_form=form, status=400)


@bp.post("/account/chat")
@login_required
def change_chat_settings():
    """Where notifications are also posted: a refused URL is shown in its field, as typed, nothing changed."""
    form = ChatSettingsForm()
    if form.validate_on_submit():
        try:
            user = chat.set_chat_url(session=get_session(), user=require_account(), url=form.url.data or "",
                                     hosts=current_app.config["CHAT_HOSTS"], now=utcnow())
        except Invalid as exc:
            form.url.errors = [str(exc)]
        else:
            flash("New notifications will also be posted to your chat." if user.chat_webhook_url
                  else "Notifications are no longer posted to a chat.", "success")
            return redirect(url_for("auth.account"), code=303)
    return _account_page(chat_form=form, status=400)


@bp.post("/account/retention")
@login_required
def change_retention():
    form = RetentionForm()
    if form.validate_on_submit():
        try:
            user = accounts.update_settings(session=get_session(), user=require_account(),
                                            desired_retention=form.retention.data / 100)
        except Invalid as exc:
            form.retention.errors = [str(exc)]
        else:
            flash(f"Your cards are now scheduled for {user.desired_retention:.0%} retention, each from its next "
                  "review.", "success")
            return redirect(url_for("auth.account"), code=303)
    form.retention.data = round(require_account().desired_retention * 100)  # the choice that stands, shown
    return _account_page(retention_form=form, status=400)


@bp.post("/account/review-limits")
@login_required
def change_review_limits():
    form = ReviewLimitsForm()
    if form.validate_on_submit():
        try:
            user = accounts.update_settings(session=get_session(), user=require_account(),
                                            new_cards_per_day=form.new_cards.data, reviews_per_day=form.reviews.data)
        except Invalid as exc:
            (form.new_cards if str(exc).startswith("New") else form.reviews).errors = [str(exc)]
        else:
            flash(f"Each day the review queue brings in up to {user.new_cards_per_day} new cards and "
                  f"{user.reviews_per_day} reviews.", "success")
            return redirect(url_for("auth.account"), code=303)
    return _account_page(limits_form=form, status=400)


@bp.post("/account/sessions/<id:session_id>/end")
@login_required
def end_device_session(session_id: int):
    administration.end_own_session(session=get_session(), user=require_account(), session_id=session_id,
                                   address=client_address())
    flash("That device is signed out.", "success")
    return redirect(url_for("auth.account"), code=303)


@bp.post("/account/sessions/end-all")
@login_required
def sign_out_everywhere():
    ended = administration.sign_out_everywhere(session=get_session(), user=require_account(),
                                               address=client_address())
    response = _signed_out(url_for("auth.sign_in"))
    flash(f"Signed out on every device ({ended.devices}); API tokens revoked ({ended.tokens}).", "info")
    return response


@bp.post("/account/tokens")
@login_required
def create_token():
    user = require_account()
    form = TokenForm().offered_to(user)
    if form.validate_on_submit():
        # A stolen session alone cannot make a token that would outlive the owner's password change; the
        # wrong passwords count with every other check of the current password.
        # For five minutes after confirming at the identity provider, this device needs no password here.
        confirmed = reauthentication.password_waived(form.password.data)
        if not confirmed:
            with limits.password_check(user) as attempt:
                try:
                    accounts.confirm_password(user=user, password=form.password.data)
                except accounts.AccountError as exc:
                    form.password.errors = [str(exc)]
                else:
                    attempt.did_not_count()
                    confirmed = True
        if not confirmed:
            _event(SecurityEventKind.access_refused, user=user, detail="token not made: wrong password")
            return _account_page(token_form=form, status=400)
        try:
            raw, token = tokens.create_token(session=get_session(), user=user, name=form.name.data,
                                             scope=TokenScope(form.scope.data),
                                             expires_in_days=int(form.lifetime.data) if form.lifetime.data else None)
        except tokens.TokenError as exc:
            form.form_errors.append(str(exc))
        else:
            _event(SecurityEventKind.token_created, user=user,
                   detail=f"{token.name} ({token.scope.value}, {token.hint}…)")
            return _account_page(new_token=raw)
    return _account_page(token_form=form, status=400)


@bp.post("/account/tokens/<id:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    administration.revoke_own_token(session=get_session(), user=require_account(), token_id=token_id,
                                    address=client_address())
    flash("The token is revoked; requests using it are now refused.", "success")
    return redirect(url_for("auth.account"), code=303)


@bp.post("/account/delete")
@login_required
def delete_account():
    """Delete the account after the password is confirmed; the browser is signed out."""
    form = DeleteAccountForm()
    if form.validate_on_submit():
        deleted = False
        with limits.password_check(require_account()) as attempt:
            try:
                account_deletion.delete_own_account(
                    session=get_session(), user=require_account(), password=form.password.data or "",
                    reauthenticated=reauthentication.password_waived(form.password.data))
            except account_deletion.WrongPassword as exc:
                form.password.errors = [str(exc)]
            except (account_deletion.LastAdministrator, Invalid) as exc:
                attempt.did_not_count()
                form.form_errors.append(str(exc))
            else:
                attempt.did_not_count()
                deleted = True
        if deleted:
            response = _signed_out(url_for("main.index"))
            flash("Your account is deleted, with everything in it.", "info")
            return response
    return _account_page(delete_form=form, status=400)
