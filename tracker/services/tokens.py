"""Personal API tokens: shown once, stored as a SHA-256 hash, revocable."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlmodel import Session, select

from tracker.models import ApiToken, User, utcnow
from tracker.services.errors import Invalid, NotFound

TOKEN_PREFIX = "trk_"
LAST_USED_PRECISION = timedelta(minutes=1)


class TokenError(Invalid):
    """A token request was refused; the message is fit to show."""


def _digest(raw: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def create_token(*, session: Session, user: User, name: str) -> tuple[str, ApiToken]:
    """A new token for `user`; returns the secret (shown once) and the stored record. Commits."""
    name = name.strip()
    if not name or len(name) > 80:
        raise TokenError("Give the token a name of 1–80 characters, such as the script that will use it.")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=_digest(raw), hint=raw[:8])
    session.add(token)
    session.commit()
    return raw, token


def user_for_token(*, session: Session, raw: str) -> User | None:
    """The active owner of a valid, unrevoked token, or None. Records when it was last used."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    row = session.exec(
        select(ApiToken, User).join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == _digest(raw), ApiToken.revoked_at.is_(None))
    ).one_or_none()
    if row is None or not row[1].is_active:
        return None
    token, user = row
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        token.last_used_at = now  # at most one write a minute per token, not one per request
        session.commit()
    return user


def list_tokens(*, session: Session, user: User) -> list[ApiToken]:
    return list(session.exec(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                             .order_by(ApiToken.created_at.desc())))


def revoke_token(*, session: Session, user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens; NotFound for anyone else's or an unknown one. Commits."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        raise NotFound("No such token.")
    token.revoked_at = utcnow()
    session.commit()
    return token
