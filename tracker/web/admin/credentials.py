"""Admin: the completion credentials issued, and revoking one with a reason verifiers are shown."""

from __future__ import annotations

from flask import flash, render_template, request, url_for
from wtforms import StringField
from wtforms.validators import Length

from tracker.db import get_session
from tracker.http.auth import require_account, role_required
from tracker.http.render import see_other
from tracker.models import Role, utcnow
from tracker.services.errors import Conflict, Invalid
from tracker.services.records import credentials
from tracker.web.admin.blueprint import bp
from tracker.web.forms import TEXT_GUARD, Form


class RevokeForm(Form):
    # The service gives the reason's limit in its message; the form only stops absurd input.
    reason = StringField("Reason", validators=[Length(max=TEXT_GUARD)])


@bp.get("/credentials")
@role_required(Role.admin)
def credential_list():
    username = request.args.get("username", "")[:64]
    rows = credentials.all_credentials(session=get_session(), username=username)
    return render_template("admin/credentials.html", rows=rows, username=username)


@bp.post("/credentials/<id:credential_id>/revoke")
@role_required(Role.admin)
def revoke_credential(credential_id: int):
    form = RevokeForm().checked()
    try:
        credential = credentials.revoke(session=get_session(), admin=require_account(), credential_id=credential_id,
                                        reason=form.reason.data or "", now=utcnow())
    except (Invalid, Conflict) as exc:  # said on the list, where the admin can try again
        flash(str(exc), "error")
    else:
        flash(f"The credential for “{credential.path_title}” is revoked; verifying it now says why.", "success")
    return see_other(url_for("admin.credential_list"))
