"""Admin: the completion credentials issued, revoking one with a reason verifiers are shown, and giving a revoked
one back (re-granting it) with a reason the security log keeps."""

from __future__ import annotations

from flask import current_app, flash, request, url_for
from wtforms import StringField
from wtforms.validators import Length

from tracker.db import get_session
from tracker.http.auth import client_address, require_account, role_required
from tracker.http.render import is_htmx, page_or_fragment, see_other
from tracker.models import Role, utcnow
from tracker.services.errors import Conflict, Invalid
from tracker.services.records import credentials
from tracker.web.admin.blueprint import bp
from tracker.web.forms import TEXT_GUARD, Form


class ReasonForm(Form):
    # The service gives the reason's limit in its message; the form only stops absurd input.
    reason = StringField("Reason", validators=[Length(max=TEXT_GUARD)])


def _list(username: str = "", notice: str = ""):
    """The list, or for HTMX its table (with `notice` said in it)."""
    rows = credentials.all_credentials(session=get_session(), username=username)
    return page_or_fragment("admin/credentials.html", block="credential_table", target="credential-table",
                            rows=rows, username=username, notice=notice)


@bp.get("/credentials")
@role_required(Role.admin)
def credential_list():
    return _list(request.args.get("username", "")[:64])


def _answer(change, success: str):
    """Run a revoke or a re-grant. A page goes back to the list with what happened (a refusal too, so the
    admin can try again there); HTMX gets the table again, or its refusal in the page's alert area."""
    try:
        credential = change()
    except (Invalid, Conflict) as exc:
        if is_htmx():
            raise
        flash(str(exc), "error")
        return see_other(url_for("admin.credential_list"))
    message = success.format(title=credential.path_title)
    if is_htmx():
        return _list(notice=message)
    flash(message, "success")
    return see_other(url_for("admin.credential_list"))


@bp.post("/credentials/<id:credential_id>/revoke")
@role_required(Role.admin)
def revoke_credential(credential_id: int):
    form = ReasonForm().checked()
    return _answer(lambda: credentials.revoke(
        session=get_session(), admin=require_account(), credential_id=credential_id, reason=form.reason.data or "",
        now=utcnow(), site=current_app.config["PUBLIC_URL"]),
        "The credential for “{title}” is revoked; verifying it now says why, and its xAPI statement is voided.")


@bp.post("/credentials/<id:credential_id>/regrant")
@role_required(Role.admin)
def regrant_credential(credential_id: int):
    form = ReasonForm().checked()
    return _answer(lambda: credentials.regrant(
        session=get_session(), admin=require_account(), credential_id=credential_id, reason=form.reason.data or "",
        now=utcnow(), site=current_app.config["PUBLIC_URL"], address=client_address()),
        "The credential for “{title}” is re-granted: it verifies again, and the security log records why.")
