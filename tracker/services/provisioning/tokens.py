"""The provisioning clients' bearer tokens: made by the operator (`tracker scim token`), shown once, stored as
a SHA-256 hash, revoked by name. A token belongs to no account and opens /scim/v2 alone."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlmodel import Session, col, select

from tracker.models import ScimToken, as_utc, utcnow
from tracker.services.errors import Invalid, NotFound

TOKEN_PREFIX = "scim_"
LAST_USED_PRECISION = timedelta(minutes=1)


def _digest(raw: str) -> str:
    # 256 random bits: a fast hash is enough, there is nothing to brute-force.
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def create_token(*, session: Session, name: str) -> tuple[str, ScimToken]:
    """A new token called `name` (unique among tokens that still work); returns the secret, shown once, and the
    stored record. Commits."""
    name = " ".join(name.split())
    if not name or len(name) > 80:
        raise Invalid("Give the token a name of 1–80 characters, such as the identity provider that will use it.")
    if session.exec(select(ScimToken.id).where(ScimToken.name == name)).first() is not None:
        raise Invalid(f"A SCIM token was called “{name}” before; choose another name.")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ScimToken(name=name, token_hash=_digest(raw), hint=raw[:9], created_at=utcnow())
    session.add(token)
    session.commit()
    return raw, token


def check_token(*, session: Session, raw: str) -> ScimToken | None:
    """The unrevoked token `raw` is, or None. Records its use (at most one write a minute). Commits when it
    records."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = session.exec(select(ScimToken).where(ScimToken.token_hash == _digest(raw),
                                                 col(ScimToken.revoked_at).is_(None))).one_or_none()
    if token is None:
        return None
    now = utcnow()
    if token.last_used_at is None or now - as_utc(token.last_used_at) > LAST_USED_PRECISION:
        token.last_used_at = now
        session.commit()
    return token


def list_tokens(*, session: Session) -> list[ScimToken]:
    """Every token, revoked ones too, newest first."""
    return list(session.exec(select(ScimToken).order_by(col(ScimToken.created_at).desc(), col(ScimToken.id).desc())))


def revoke_token(*, session: Session, name: str) -> ScimToken:
    """Revoke the working token called `name`; NotFound when there is none. Commits."""
    token = session.exec(select(ScimToken).where(ScimToken.name == " ".join(name.split()),
                                                 col(ScimToken.revoked_at).is_(None))).one_or_none()
    if token is None:
        raise NotFound(f"No working SCIM token is called “{name}”.")
    token.revoked_at = utcnow()
    session.commit()
    return token
