"""The second factor: the sign-in step after the password, and the account's authenticator app, recovery codes
and passkeys. Each form works as a plain page and as an HTMX fragment of the account page's section."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, jsonify, redirect, request, session, url_for
from flask_login import current_user, login_required

from tracker.db import get_session
from tracker.http import limits, reauthentication
from tracker.http.auth import require_account
from tracker.http.auth import sign_in as start_signed_in_session
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
from tracker.services.errors import Invalid
from tracker.services.people import accounts, passkeys, second_factor
from tracker.web.forms import (
    BeginAppForm,
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
        "begin_form": BeginAppForm(formdata=None, prefix="begin"),
        "confirm_form": ConfirmAppForm(formdata=None, prefix="confirm"),
        "remove_form": RemoveAppForm(formdata=None, prefix="remove"),
        "renew_form": RenewCodesForm(formdata=None, prefix="renew"),
        "passkey_form": PasskeyNameForm(formdata=None, prefix="passkey"),
        "delete_passkey_forms": {p.id: _delete_passkey_form(p.id, formdata=None) for p in standing.passkeys},
        "recovery_codes": None, "message": None, "focus": None, "deleting": None,
    }
    refused_deletion = overrides.pop("delete_passkey_form", None)
    context |= overrides
    if refused_deletion is not None and context["deleting"] in context["delete_passkey_forms"]:
        context["delete_passkey_forms"][context["deleting"]] = refused_deletion
        _autofocus(refused_deletion)
    elif context["focus"]:
        _autofocus(context[f"{context['focus']}_form"])
    return context


def _delete_passkey_form(passkey_id: int, **kwargs: Any) -> DeletePasskeyForm:
    return DeletePasskeyForm(prefix=f"passkey{passkey_id}", **kwargs)


def _autofocus(form: Form) -> None:
    """Focus (and so scroll to) the form's first field in error, or its first field: on a whole page and after an
    HTMX swap alike (htmx focuses what has `autofocus`)."""
    fields = [f for f in form if f.type not in {"HiddenField", "CSRFTokenField"}]
    target = next((f for f in fields if f.errors), fields[0] if fields else None)
    if target is not None:
        target.render_kw = {**(target.render_kw or {}), "autofocus": True}


def _password_confirmed(user: User, field: Any) -> bool:
    """Whether the password typed in `field` is the account's; a wrong one is counted with every other check
    of the current password, and put on the field. Left empty just after confirming at the identity provider on
    this device: confirmed."""
    if reauthentication.password_waived(field.data):
        return True
    with limits.password_check(user) as attempt:
        try:
            accounts.confirm_password(user=user, password=field.data or "")
        except accounts.AccountError as exc:
            field.errors = [str(exc)]
            return False
        attempt.did_not_count()
        return True


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
    """Start adding an authenticator app, after the password: its QR code and secret, and a field for the
    first code."""
    user = require_account()
    form = BeginAppForm(prefix="begin")
    if not form.validate() or not _password_confirmed(user, form.password):
        return _section(400, begin_form=form, focus="begin")
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
    form = ConfirmAppForm(prefix="confirm")
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
    form = RemoveAppForm(prefix="remove")
    if form.validate():
        removed = False
        with limits.password_check(user) as attempt:  # wrong passwords count with every other check of it
            try:
                second_factor.check_attempts_left(session=get_session(), user=user)
                second_factor.remove_app(session=get_session(), user=user, key=sealing_key(),
                                         password=form.password.data or "", code=form.code.data or "",
                                         required=policy_required(),
                                         reauthenticated=reauthentication.password_waived(form.password.data))
            except second_factor.WrongPassword as exc:
                form.password.errors = [str(exc)]
            except second_factor.WrongCode as exc:
                attempt.did_not_count()
                record(SecurityEventKind.second_factor_failed, user=user, detail="removing the authenticator app")
                form.code.errors = [str(exc)]
            except (second_factor.SecondFactorError, second_factor.TooManyFailures) as exc:
                attempt.did_not_count()
                form.code.errors = [str(exc)]
            else:
                attempt.did_not_count()
                removed = True
        if removed:
            record(SecurityEventKind.second_factor_removed, user=user, detail="authenticator app")
            return _done("The authenticator app is off, and its recovery codes with it.")
    return _section(400, remove_form=form, focus="remove")


@bp.post("/account/second-factor/recovery-codes")
@login_required
def renew_recovery_codes():
    """Ten new recovery codes, shown once; the earlier ones stop working."""
    user = require_account()
    form = RenewCodesForm(prefix="renew")
    if form.validate():
        codes: list[str] = []
        with limits.password_check(user) as attempt:  # wrong passwords count with every other check of it
            try:
                codes = second_factor.renew_recovery_codes(
                    session=get_session(), user=user, password=form.password.data or "",
                    reauthenticated=reauthentication.password_waived(form.password.data))
            except second_factor.WrongPassword as exc:
                form.password.errors = [str(exc)]
            except second_factor.SecondFactorError as exc:
                attempt.did_not_count()
                form.password.errors = [str(exc)]
            else:
                attempt.did_not_count()
        if codes:
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
        if request.method == "POST":  # a visit alone changes nothing, not even the next page's messages
            flash("Your sign-in waited too long for its second step, or was not started here. Sign in again.",
                  "info")
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
                return limits.remember_device(see_other(next_page), user.username)
    return page_or_fragment("auth/second_step.html", block="step", target="second-step", status=status, form=form,
                            standing=second_factor.standing(session=get_session(), user=user))


# ---------------------------------------------------------------- passkeys (static/passkeys.js drives them)

CHALLENGE_KEY = "passkey_challenge"


def _party() -> passkeys.RelyingParty:
    """The relying party: the public URL's host, and its origin (TRACKER_PUBLIC_URL)."""
    public = urlsplit(current_app.config["PUBLIC_URL"])
    return passkeys.RelyingParty(rp_id=public.hostname or "localhost", origin=f"{public.scheme}://{public.netloc}")


def _options(answer: tuple[str, str]):
    """Options for the browser; the challenge also stays in this browser's session (one at a time)."""
    options, challenge = answer
    session[CHALLENGE_KEY] = challenge
    return current_app.response_class(options, mimetype="application/json", headers={"Cache-Control": "no-store"})


def _given_challenge() -> str:
    return str(session.pop(CHALLENGE_KEY, ""))


def _went(location: str):
    """Where the script goes next, after a passkey did its part."""
    return jsonify(redirect=location)


@bp.post("/account/passkeys/options")
@login_required
def passkey_options():
    return _options(passkeys.registration_options(session=get_session(), user=require_account(), party=_party()))


@bp.post("/account/passkeys")
@login_required
def add_passkey():
    """Register the passkey the browser just made, under the name typed beside the button."""
    user = require_account()
    form = PasskeyNameForm(prefix="passkey")
    form.checked()
    if not _password_confirmed(user, form.password):
        raise Invalid(form.password.errors[0])
    passkey = passkeys.add_passkey(session=get_session(), user=user, name=form.name.data or "",
                                   credential=request.form.get("credential", ""), challenge=_given_challenge(),
                                   party=_party())
    record(SecurityEventKind.passkey_added, user=user, detail=passkey.name)
    flash(f"The passkey “{passkey.name}” is added: use it to sign in, or as the step after your password.",
          "success")
    return _went(url_for("second_factor.page"))


@bp.post("/account/passkeys/<id:passkey_id>/delete")
@login_required
def delete_passkey(passkey_id: int):
    """Delete a passkey; the password says it is really the owner."""
    user = require_account()
    form = _delete_passkey_form(passkey_id)
    if form.validate():
        passkey = None
        with limits.password_check(user) as attempt:  # wrong passwords count with every other check of it
            try:
                passkey = passkeys.remove_passkey(
                    session=get_session(), user=user, passkey_id=passkey_id, password=form.password.data or "",
                    required=policy_required(), reauthenticated=reauthentication.password_waived(form.password.data))
            except passkeys.WrongPassword as exc:
                form.password.errors = [str(exc)]
            except passkeys.PasskeyError as exc:
                attempt.did_not_count()
                form.password.errors = [str(exc)]
            else:
                attempt.did_not_count()
        if passkey is not None:
            record(SecurityEventKind.passkey_removed, user=user, detail=passkey.name)
            return _done(f"The passkey “{passkey.name}” is deleted.")
    return _section(400, delete_passkey_form=form, deleting=passkey_id)


@bp.post("/signin/passkey/options")
def passkey_sign_in_options():
    return _options(passkeys.authentication_options(session=get_session(), party=_party()))


@bp.post("/signin/passkey")
def passkey_sign_in():
    """Sign in with a passkey alone: a discoverable credential, verified by the authenticator's owner."""
    try:
        user, passkey = passkeys.verify_passkey(session=get_session(), credential=request.form.get("credential", ""),
                                                challenge=_given_challenge(), party=_party())
    except passkeys.PasskeyError:
        record(SecurityEventKind.sign_in_failed, detail="passkey")
        raise
    record(SecurityEventKind.sign_in, user=user, detail=f"passkey: {passkey.name}")
    start_signed_in_session(user)
    return limits.remember_device(_went(url_for("main.index")), user.username)


@bp.post("/signin/second-step/passkey/options")
def second_step_passkey_options():
    user, _state = _pending_or_refuse()
    return _options(passkeys.authentication_options(session=get_session(), party=_party(), user=user))


@bp.post("/signin/second-step/passkey")
def second_step_passkey():
    """The second step answered with one of the account's passkeys."""
    user, state = _pending_or_refuse()
    second_factor.check_attempts_left(session=get_session(), user=user)
    try:
        _owner, passkey = passkeys.verify_passkey(session=get_session(), credential=request.form.get("credential", ""),
                                                  challenge=_given_challenge(), party=_party(), user=user)
    except passkeys.PasskeyError:
        record(SecurityEventKind.second_factor_failed, user=user, detail="signing in, passkey")
        raise
    return limits.remember_device(_went(finish_second_step(user, state, how=f"passkey {passkey.name}")), user.username)


def _pending_or_refuse() -> tuple[User, dict]:
    pending = pending_sign_in()
    if pending is None:
        raise passkeys.PasskeyError("Your sign-in waited too long for its second step. Sign in again.")
    return pending
