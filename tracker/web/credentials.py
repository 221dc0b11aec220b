"""Completion credentials on the web: the certificate page, its downloads and sharing, the verify page, and what
anyone verifies a credential with: the public keys (JWKS, and each key at its own URL), the revocation status
list, and each path's badge image."""

from __future__ import annotations

import json

from flask import Blueprint, flash, render_template, url_for
from flask_login import login_required
from flask_wtf.file import FileField
from wtforms import BooleanField, TextAreaField
from wtforms.validators import Length

from tracker.db import get_session
from tracker.http.auth import current_account, require_account
from tracker.http.issuer import current_issuer
from tracker.http.render import see_other
from tracker.models import utcnow
from tracker.services import access
from tracker.services.errors import Invalid
from tracker.services.records import badges, credentials, status_list
from tracker.services.records import verification as credential_verification
from tracker.web.forms import Form

bp = Blueprint("credentials", __name__)
# A shared certificate can be made private again: no cache on the way may keep serving it.
NOT_KEPT = {"Cache-Control": "no-store"}


class SharingForm(Form):
    shared = BooleanField("Anyone with the link may see this certificate")


class VerifyForm(Form):
    # Longer text is let through so that the verification can say how long it was.
    jwt = TextAreaField("Credential (JWT)", validators=[Length(max=4 * credentials.TOKEN_MAX)],
                        render_kw={"spellcheck": "false", "autocomplete": "off", "rows": 8})
    file = FileField("Or upload a .jwt file")

    def token(self) -> str:
        """The pasted text, or else the uploaded file's; Invalid when there is neither or the file is no text."""
        pasted = self.jwt.data or ""
        if pasted.strip():
            return pasted
        upload = self.file.data
        if upload is None or not getattr(upload, "filename", ""):
            raise Invalid("Paste a credential JWT or choose a file holding one.")
        raw = upload.read(4 * credentials.TOKEN_MAX + 1)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise Invalid("The file is not text: a credential JWT is plain text (eyJ...).") from None


PUBLIC = {"Cache-Control": "public, max-age=3600", "Access-Control-Allow-Origin": "*"}


@bp.get("/.well-known/jwks.json")
def jwks():
    """The public keys credentials are signed with: public, and cacheable by anyone."""
    return current_issuer().jwks(), 200, PUBLIC


@bp.get("/.well-known/jwks/<thumbprint>")
def jwk(thumbprint: str):
    """One public key, at the URL a credential's `kid` names: exactly that JWK."""
    issuer = current_issuer()
    key = issuer.ring.find(thumbprint[:100])
    if key is None:
        return {"error": "There is no such key."}, 404, {"Access-Control-Allow-Origin": "*"}
    return issuer.public_jwk(key), 200, PUBLIC | {"Content-Type": "application/jwk+json"}


@bp.get("/credentials/status/revocation")
def revocation_list():
    """The revocation status list, signed: computed per request, so a revocation shows at once."""
    token = status_list.signed_status_list(session=get_session(), issuer=current_issuer(), now=utcnow())
    return token, 200, {"Content-Type": credentials.MEDIA_TYPE, "Cache-Control": "no-cache",
                        "Access-Control-Allow-Origin": "*"}


@bp.get("/paths/<slug>/badge.svg")
def badge(slug: str):
    """The image of a path's achievement, named in its credentials: drawn from the path's title."""
    return badges.path_badge(session=get_session(), slug=slug), 200, PUBLIC | {
        "Content-Type": badges.MEDIA_TYPE, "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox"}


def _visible(public_id: str) -> credentials.CredentialView:
    return credentials.visible_credential(session=get_session(), viewer=current_account(), public_id=public_id)


@bp.get("/credentials/<public_id>")
def certificate(public_id: str):
    view = _visible(public_id)
    owner = access.can_share_credential(current_account(), view.credential)
    form = SharingForm(data={"shared": view.credential.shared})
    issuer = current_issuer()
    return render_template("credentials/certificate.html", view=view, owner=owner, form=form, issuer=issuer,
                           expired=credentials.is_expired(view.credential, utcnow()),
                           newer_version=credentials.newer_path_version(session=get_session(),
                                                                        credential=view.credential)
                           if owner else None,
                           url=issuer.credential_url(view.credential.public_id)), 200, NOT_KEPT


@bp.get("/credentials/<public_id>/credential.jwt")
def download_jwt(public_id: str):
    credential = _visible(public_id).credential
    return credential.jwt, 200, NOT_KEPT | {
        "Content-Type": credentials.MEDIA_TYPE,
        "Content-Disposition": f'attachment; filename="{credential.path_slug}-credential.jwt"'}


@bp.get("/credentials/<public_id>/credential.json")
def download_json(public_id: str):
    credential = _visible(public_id).credential
    body = json.dumps(credentials.enveloped(credential), ensure_ascii=False, indent=2)
    return body, 200, NOT_KEPT | {"Content-Type": "application/json; charset=utf-8",
                       "Content-Disposition": f'inline; filename="{credential.path_slug}-credential.json"'}


@bp.post("/credentials/<public_id>/sharing")
@login_required
def sharing(public_id: str):
    form = SharingForm().checked()
    credential = credentials.set_sharing(session=get_session(), viewer=require_account(), public_id=public_id,
                                         shared=form.shared.data)
    flash("Your certificate is shared: anyone with its link can see it." if credential.shared
          else "Your certificate is private again: only you can see it.", "success")
    return see_other(url_for("credentials.certificate", public_id=public_id))


@bp.route("/credentials/verify", methods=["GET", "POST"])
def verify():
    """Anyone pastes or uploads a credential JWT and learns whether it is valid, and why not."""
    form = VerifyForm()
    result = error = None
    status = 200
    if form.is_submitted():
        try:
            token = form.checked().token()
        except Invalid as exc:
            error, status = str(exc), 400
        else:
            result = credential_verification.verify(session=get_session(), token=token, issuer=current_issuer(),
                                                    now=utcnow())
    return render_template("credentials/verify.html", form=form, result=result, error=error), status


@bp.app_template_global()
def my_credentials():
    """The signed-in learner's credentials, for the dashboard."""
    return credentials.my_credentials(session=get_session(), user=current_account())


@bp.app_template_global()
def credential_expired(credential) -> bool:
    """Whether a credential's validUntil has passed (its recurring assignment's period ended)."""
    return credentials.is_expired(credential, utcnow())


@bp.app_template_global()
def credential_for_path(path):
    """The signed-in learner's credential for a path (a standing one first), for the path page."""
    return credentials.credential_for_path(session=get_session(), user=current_account(), path=path)
