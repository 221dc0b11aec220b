"""Personal API tokens: shown once, stored as a SHA-256 hash, revocable.

A token is as strong as the account behind it: whatever takes the account back (a password change, signing
out everywhere, an administrator's temporary password, deactivation) revokes every token with
`revoke_all_tokens`, for good.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, or_, update
from sqlmodel import Session, col, select

from tracker.models import ApiToken, Role, TokenScope, User, as_utc, utcnow
from tracker.services.errors import Invalid, NotFound

TOKEN_PREFIX = "trk_"
LAST_USED_PRECISION = timedelta(minutes=1)


class TokenError(Invalid):
    """A token request was refused; the message is fit to show."""


def _digest(raw: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


TOKEN_LIFETIMES = (30, 90, 365)  # days offered when creating a token; None means until revoked


def create_token(*, session: Session, user: User, name: str, scope: TokenScope = TokenScope.write,
                 expires_in_days: int | None = None) -> tuple[str, ApiToken]:
    """A new token for `user`; returns the secret (shown once) and the stored record. Commits."""
    name = name.strip()
    if not name or len(name) > 80:
        raise TokenError("Give the token a name of 1–80 characters, such as the script that will use it.")
    if expires_in_days is not None and not 1 <= expires_in_days <= 3650:
        raise TokenError("A token lasts 1 to 3650 days, or until it is revoked.")
    if TokenScope(scope) is TokenScope.admin and not user.has_role(Role.admin):
        raise TokenError("Only an administrator can make a token with the admin scope.")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    token = ApiToken(user_id=user.id, name=name, token_hash=_digest(raw), hint=raw[:8], scope=TokenScope(scope),
                     created_at=now, expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None)
    session.add(token)
    session.commit()
    return raw, token


def token_owner(*, session: Session, raw: str) -> tuple[ApiToken, User] | None:
    """A valid token (unrevoked, unexpired, its owner active) with its owner, or None. Records its use."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    row = session.exec(
        select(ApiToken, User).join(User, col(User.id) == ApiToken.user_id)
        .where(ApiToken.token_hash == _digest(raw), col(ApiToken.revoked_at).is_(None))
    ).one_or_none()
    now = utcnow()
    if row is None or not row[1].is_active or _expired(row[0], now):
        return None
    token, user = row
    if token.last_used_at is None or now - as_utc(token.last_used_at) > LAST_USED_PRECISION:
        token.last_used_at = now  # at most one write a minute per token, not one per request
        session.commit()
    return token, user


def user_for_token(*, session: Session, raw: str) -> User | None:
    """The owner of a valid token, or None."""
    found = token_owner(session=session, raw=raw)
    return found[1] if found else None


def _expired(token: ApiToken, now: datetime) -> bool:
    return token.expires_at is not None and now >= as_utc(token.expires_at)


def list_tokens(*, session: Session, user: User) -> list[ApiToken]:
    """The user's tokens that still work, newest first."""
    now = utcnow()
    rows = session.exec(select(ApiToken).where(ApiToken.user_id == user.id, col(ApiToken.revoked_at).is_(None))
                        .order_by(col(ApiToken.created_at).desc()))
    return [token for token in rows if not _expired(token, now)]


def _working(now: datetime) -> ColumnElement[bool]:
    """The condition for tokens that still work: not revoked, not expired."""
    return col(ApiToken.revoked_at).is_(None) & or_(col(ApiToken.expires_at).is_(None), col(ApiToken.expires_at) > now)


def live_tokens(*, session: Session, user: User | None = None) -> list[tuple[ApiToken, User]]:
    """Tokens that still work with their owners (everyone's, or `user`'s), by username then newest first."""
    query = (select(ApiToken, User).join(User, col(User.id) == ApiToken.user_id).where(_working(utcnow()))
             .order_by(col(User.username), col(ApiToken.created_at).desc(), col(ApiToken.id).desc()))
    if user is not None:
        query = query.where(ApiToken.user_id == user.id)
    return [(token, owner) for token, owner in session.exec(query)]


def live_token_counts(*, session: Session, user_ids: list[int]) -> dict[int, int]:
    """How many working tokens each of these users has (users without any are left out)."""
    if not user_ids:
        return {}
    rows = session.exec(select(ApiToken.user_id, func.count(col(ApiToken.id)))
                        .where(col(ApiToken.user_id).in_(user_ids), _working(utcnow()))
                        .group_by(col(ApiToken.user_id)))
    return dict(rows.all())


def revoke_all_tokens(*, session: Session, user: User) -> int:
    """Revoke every token of the user that still works; returns how many. The caller commits."""
    now = utcnow()
    statement = update(ApiToken).where(col(ApiToken.user_id) == user.id, _working(now)).values(revoked_at=now)
    return session.exec(statement).rowcount


def revoke_token(*, session: Session, user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens; NotFound for anyone else's or an unknown one. Commits."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        raise NotFound("No such token.")
    token.revoked_at = utcnow()
    session.commit()
    return token


def describe_revocation(count: int, reason: str) -> str:
    """The security log's note of a revocation of every token: how many, and why."""
    return f"{count} token{'' if count == 1 else 's'}: {reason}"
