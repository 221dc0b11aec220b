"""The second factor: the sign-in step after the password, and the account's authenticator app, recovery codes
and passkeys. Each form works as a plain page and as an HTMX fragment of the account page's section."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, session, url_for
from flask_login import current_user, login_required

from tracker.db import get_session
from tracker.http.auth import require_account
from tracker.http.render import is_htmx, page_or_fragment, see_other
from tracker.http.second_factor import (
    PENDING_KEY,
    finish_second_step,
    pending_sign_in,
    policy_required,
    record,
    require_second_factor,
    sealing_key,
)
from tracker.models import SecurityEventKind, User
from tracker.services.people import second_factor
from tracker.web.forms import (
    ConfirmAppForm,
    DeletePasskeyForm,
    Form,
    PasskeyNameForm,
    RemoveAppForm,
    RenewCodesForm,
    SecondStepForm,
)

bp = Blueprint("second_factor", __name__)
bp.before_app_request(require_second_factor)
SECTION = "auth/second_factor.html"


def section_context(user: User, **overrides: Any) -> dict[str, Any]:
    """What the account page's second-factor section shows (its forms fresh unless given)."""
    db = get_session()
    standing = second_factor.standing(session=db, user=user)
    context: dict[str, Any] = {
        "standing": standing,
        "enrolment": second_factor.enrolment(session=db, user=user, key=sealing_key()) if standing.enrolling
        else None,
        "policy_covers": second_factor.policy_covers(user, required=policy_required()),
        "confirm_form": ConfirmAppForm(formdata=None), "remove_form": RemoveAppForm(formdata=None),
        "renew_form": RenewCodesForm(formdata=None), "passkey_form": PasskeyNameForm(formdata=None),
        "delete_passkey_form": DeletePasskeyForm(formdata=None),
        "recovery_codes": None, "message": None, "focus": None,
    }
    context |= overrides
    if context["focus"]:
        _autofocus(context[f"{context['focus']}_form"])
    return context


def _autofocus(form: Form) -> None:
    """Focus (and so scroll to) the form's first field in error, or its first field: on a whole page and after an
    HTMX swap alike (htmx focuses what has `autofocus`)."""
    fields = [f for f in form if f.type not in {"HiddenField", "CSRFTokenField"}]
    target = next((f for f in fields if f.errors), fields[0] if fields else None)
    if target is not None:
        target.render_kw = {**(target.render_kw or {}), "autofocus": True}


def _section(status: int = 200, **overrides: Any):
    """The section as a fragment for HTMX, or its own page (the same section) otherwise."""
    return page_or_fragment(SECTION, block="section", status=status,
                            **section_context(require_account(), **overrides))


@bp.get("/account/second-factor")
@login_required
def page():
    return _section()


@bp.post("/account/second-factor/app")
@login_required
def begin_app():
    """Start adding an authenticator app: its QR code and secret, and a field for the first code."""
    user = require_account()
    Form().checked()
    try:
        second_factor.begin_app(session=get_session(), user=user, key=sealing_key())
    except second_factor.SecondFactorError as exc:
        return _section(400, message=str(exc))
    return _section(focus="confirm")


@bp.post("/account/second-factor/app/confirm")
@login_required
def confirm_app():
    """The first code proves the app holds the secret: the app is on, and ten recovery codes are shown once."""
    user = require_account()
    form = ConfirmAppForm()
    if form.validate():
        try:
            codes = second_factor.confirm_app(session=get_session(), user=user, key=sealing_key(),
                                              code=form.code.data or "")
        except second_factor.SecondFactorError as exc:
            form.code.errors = [str(exc)]
        else:
            record(SecurityEventKind.second_factor_enrolled, user=user, detail="authenticator app")
            return _section(recovery_codes=codes, message="The authenticator app is on: signing in now asks for "
                                                          "a code from it after your password.")
    return _section(400, confirm_form=form, focus="confirm")


@bp.post("/account/second-factor/app/cancel")
@login_required
def cancel_app():
    Form().checked()
    second_factor.cancel_enrolment(session=get_session(), user=require_account())
    return _done("The authenticator app was not added.")


@bp.post("/account/second-factor/app/remove")
@login_required
def remove_app():
    """Turn the app off: the password and a code (or a recovery code) say it is really the owner."""
    user = require_account()
    form = RemoveAppForm()
    if form.validate():
        try:
            second_factor.check_attempts_left(session=get_session(), user=user)
            second_factor.remove_app(session=get_session(), user=user, key=sealing_key(),
                                     password=form.password.data or "", code=form.code.data or "",
                                     required=policy_required())
        except second_factor.WrongCode as exc:
            record(SecurityEventKind.second_factor_failed, user=user, detail="removing the authenticator app")
            form.code.errors = [str(exc)]
        except (second_factor.SecondFactorError, second_factor.TooManyFailures) as exc:
            (form.password if "password" in str(exc) else form.code).errors = [str(exc)]
        else:
            record(SecurityEventKind.second_factor_removed, user=user, detail="authenticator app")
            return _done("The authenticator app is off, and its recovery codes with it.")
    return _section(400, remove_form=form, focus="remove")


@bp.post("/account/second-factor/recovery-codes")
@login_required
def renew_recovery_codes():
    """Ten new recovery codes, shown once; the earlier ones stop working."""
    user = require_account()
    form = RenewCodesForm()
    if form.validate():
        try:
            codes = second_factor.renew_recovery_codes(session=get_session(), user=user,
                                                       password=form.password.data or "")
        except second_factor.SecondFactorError as exc:
            form.password.errors = [str(exc)]
        else:
            record(SecurityEventKind.recovery_codes_renewed, user=user)
            return _section(recovery_codes=codes, message="New recovery codes: the earlier ones no longer work.")
    return _section(400, renew_form=form, focus="renew")


def _done(message: str):
    """After a change that shows nothing new: the section again (HTMX), or back to it with a flash (page)."""
    if is_htmx():
        return _section(message=message)
    flash(message, "success")
    return redirect(url_for("second_factor.page"), code=303)


# ---------------------------------------------------------------- the step after the password

@bp.route("/signin/second-step", methods=["GET", "POST"])
def second_step():
    """Ask the account waiting in this browser for its second factor, then sign it in."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    pending = pending_sign_in()
    if pending is None:
        flash("Your sign-in waited too long for its second step, or was not started here. Sign in again.", "info")
        return see_other(url_for("auth.sign_in"))
    user, state = pending
    form = SecondStepForm()
    status = 200
    if form.is_submitted():
        status = 400
        if form.validate():
            db = get_session()
            try:
                second_factor.check_attempts_left(session=db, user=user)
                how = second_factor.check_code(session=db, user=user, key=sealing_key(), code=form.code.data or "")
            except second_factor.TooManyFailures as exc:
                session.pop(PENDING_KEY, None)  # the password is asked again once the wait is over
                form.code.errors = [str(exc)]
                status = 429
            except second_factor.WrongCode as exc:
                record(SecurityEventKind.second_factor_failed, user=user, detail="signing in")
                form.code.errors = [str(exc)]
            else:
                next_page = finish_second_step(user, state, how=how)  # a fresh session: flash after it
                if how == "recovery code":
                    left = second_factor.standing(session=db, user=user).recovery_codes_left
                    record(SecurityEventKind.recovery_code_used, user=user, detail=f"{left} left")
                    flash(f"You signed in with a recovery code: {left} left. Make new ones on your account page "
                          "if that is few.", "info" if left > 3 else "warning")
                return see_other(next_page)
    return page_or_fragment("auth/second_step.html", block="step", target="second-step", status=status, form=form,
                            standing=second_factor.standing(session=get_session(), user=user))
