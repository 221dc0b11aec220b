"""Completion credentials in the API: your own, and verifying any credential JWT.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_login import login_required
from pydantic import BaseModel, ConfigDict, Field

from tracker.api.blueprint import bp
from tracker.api.schemas import Items, Public, respond
from tracker.db import get_session
from tracker.http.auth import changes_nothing, require_account
from tracker.http.inputs import json_body
from tracker.http.issuer import current_issuer
from tracker.http.openapi import documented
from tracker.models import Credential, utcnow
from tracker.services.records import credentials
from tracker.services.records import signing_keys as credential_keys
from tracker.services.records import verification as credential_verification


class CredentialPublic(Public):
    """One of your completion credentials (an Open Badges 3.0 OpenBadgeCredential, signed as a VC-JWT)."""

    id: str = Field(description="the credential's public id, as in its URL")
    path: str = Field(description="the slug of the path finished")
    title: str = Field(description="the path's title when the credential was issued")
    version: int = Field(description="the version of the path that was finished")
    issued_at: datetime
    url: str = Field(description="the certificate page, also the credential's id")
    jwt: str = Field(description="the credential as issued (media type application/vc+jwt)")
    shared: bool = Field(description="whether anyone with the link may open the certificate page")
    revoked: bool
    revoked_at: datetime | None = None
    revoked_reason: str = ""
    valid_until: datetime | None = Field(default=None, description="when it expires (its validUntil: the next period "
                                                                   "of a recurring assignment); null: never")
    period_started_on: date | None = Field(default=None, description="for a recurring assignment: the first day of "
                                                                     "the period it was earned in")
    recalled: bool = Field(default=False, description="read and recalled: the path asked recall too, and the learner "
                                                      "recalled enough of it on the day of issue")
    articles_recalled: int = Field(default=0, description="required articles recalled on the day of issue (0: a "
                                                          "credential for reading only)")


class VerificationPublic(Public):
    valid: bool
    reason: str = Field(description="why it is (in)valid: malformed, unknown key, bad signature, tampered, "
                                    "revoked on <date>: <reason>, expired, valid ...")
    credential: dict[str, Any] | None = Field(description="the signed payload, when the signature holds")


def credential_public(credential: Credential, issuer: credential_keys.Issuer) -> CredentialPublic:
    return CredentialPublic(id=credential.public_id, path=credential.path_slug, title=credential.path_title,
                            version=credential.path_version,
                            issued_at=credential.issued_at, url=issuer.credential_url(credential.public_id),
                            jwt=credential.jwt, shared=credential.shared, revoked=credential.revoked_at is not None,
                            revoked_at=credential.revoked_at, revoked_reason=credential.revoked_reason,
                            valid_until=credential.valid_until, period_started_on=credential.period_started_on,
                            recalled=credential.recalled, articles_recalled=credential.articles_recalled)


@bp.get("/me/credentials")
@login_required
@documented(summary="Your completion credentials, newest first (revoked ones included)",
            response=Items[CredentialPublic])
def my_credentials():
    issuer = current_issuer()
    mine = credentials.my_credentials(session=get_session(), user=require_account())
    return respond(Items[CredentialPublic](items=[credential_public(c, issuer) for c in mine]))


class SharingBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    shared: bool = Field(description="true: anyone with the link may open the certificate page; false: only you")


@bp.put("/me/credentials/<public_id>/sharing")
@login_required
@documented(summary="Share your certificate page with anyone who has its link, or make it private again",
            body=SharingBody, response=CredentialPublic, errors=(404,))  # 403 is in every signed-in answer
def share_credential(public_id: str):
    """Only the learner who earned it may: anyone else is refused, and nothing changes."""
    body = json_body(SharingBody, hint='send {"shared": true} or {"shared": false}')
    credential = credentials.set_sharing(session=get_session(), viewer=require_account(), public_id=public_id[:64],
                                         shared=body.shared)
    return respond(credential_public(credential, current_issuer()))


class VerifyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    jwt: str = Field(max_length=credentials.TOKEN_MAX, description="a credential as a VC-JWT (compact JWS)")


@bp.post("/credentials/verify")
@changes_nothing
@documented(summary="Verify a credential JWT: signature, this tracker's key, revocation and validity dates",
            body=VerifyBody, response=VerificationPublic, signed_in=False)
def verify_credential():
    """The answer is 200 whether the credential is valid or not; `reason` says why. Anyone can also verify
    without an account: with the keys at /.well-known/jwks.json, or on the /credentials/verify page."""
    body = json_body(VerifyBody, hint='send a JSON object like {"jwt": "eyJ..."}')
    found = credential_verification.verify(session=get_session(), token=body.jwt, issuer=current_issuer(), now=utcnow())
    return respond(VerificationPublic(valid=found.valid, reason=found.reason, credential=found.claims))
