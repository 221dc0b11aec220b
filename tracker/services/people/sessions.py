"""Signed-in devices: a record per browser, found from its cookie's token, ended on sign-out and friends.

The cookie (Flask's session, and the remember-me cookie) carries only a random token; the database
keeps its SHA-256. A record is refused once it is ended, idle for longer than the policy allows (unless
remembered), or past its absolute end. Ending records is how every "sign out" in the app works; taking the
account back (`end_all_access`) also revokes its API tokens.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, update
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from tracker.models import DeviceSession, User, as_utc, utcnow
from tracker.services.errors import NotFound
from tracker.services.people.tokens import revoke_all_tokens

LAST_SEEN_PRECISION = timedelta(minutes=1)  # at most one write a minute per device, not one per request


@dataclass(frozen=True)
class SessionPolicy:
    """How long a sign-in lasts: idle (without remember-me), absolute, and with remember-me."""

    idle: timedelta = timedelta(minutes=120)
    max_age: timedelta = timedelta(days=7)
    remember: timedelta = timedelta(days=30)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(*, session: Session, user: User, remember: bool, policy: SessionPolicy, address: str = "",
                  user_agent: str = "", id_token: str | None = None,
                  now: datetime | None = None) -> tuple[str, DeviceSession]:
    """A new signed-in device; returns the token for its cookie (shown nowhere else). `id_token`: signed in
    through the identity provider, whose ID token is kept for signing out there too. Commits."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    record = DeviceSession(user_id=user.id, token_hash=_digest(token), remember=remember, created_at=now,
                           last_seen_at=now, expires_at=now + (policy.remember if remember else policy.max_age),
                           address=address[:64], user_agent=user_agent[:200], id_token=id_token)
    session.add(record)
    session.commit()
    return token, record


def is_live(record: DeviceSession, *, policy: SessionPolicy, now: datetime) -> bool:
    """Not ended, not past its absolute end, and (unless remembered) not idle for too long."""
    if record.ended_at is not None or now >= as_utc(record.expires_at):
        return False
    return record.remember or now - as_utc(record.last_seen_at) < policy.idle


@functools.cache  # built once: building a statement costs more than running it (one per request)
def _device_and_user() -> Select[DeviceSession, User]:
    return (select(DeviceSession, User).join(User, col(User.id) == DeviceSession.user_id)
            .where(DeviceSession.token_hash == bindparam("token_hash")))


def resume_session(*, session: Session, token: str, policy: SessionPolicy,
                   now: datetime | None = None) -> tuple[User, DeviceSession] | None:
    """The active user and live record behind a cookie's token, or None. Records the activity."""
    if not token or len(token) > 200:
        return None
    now = now or utcnow()
    row = session.exec(_device_and_user(), params={"token_hash": _digest(token)}).one_or_none()
    if row is None:
        return None
    record, user = row
    if not user.is_active or not is_live(record, policy=policy, now=now):
        return None
    if now - as_utc(record.last_seen_at) > LAST_SEEN_PRECISION:
        record.last_seen_at = now
        session.commit()
    return user, record


def end_session(*, session: Session, user: User, session_id: int) -> DeviceSession:
    """Sign one of the user's devices out; NotFound for anyone else's or an ended one. Commits."""
    record = session.get(DeviceSession, session_id)
    if record is None or record.user_id != user.id or record.ended_at is not None:
        raise NotFound("No such signed-in device.")
    record.ended_at = utcnow()
    session.commit()
    return record


def end_all_sessions(*, session: Session, user: User, keep: DeviceSession | None = None) -> int:
    """Sign the user out everywhere (but `keep`); returns how many devices. The caller commits."""
    statement = update(DeviceSession).where(col(DeviceSession.user_id) == user.id,
                                            col(DeviceSession.ended_at).is_(None))
    if keep is not None:
        statement = statement.where(col(DeviceSession.id) != keep.id)
    return session.exec(statement.values(ended_at=utcnow())).rowcount


@dataclass(frozen=True)
class Ended:
    """What taking an account back ended: signed-in devices and API tokens."""

    devices: int
    tokens: int


def end_all_access(*, session: Session, user: User, keep: DeviceSession | None = None) -> Ended:
    """Sign the user out everywhere (but `keep`) and revoke every API token: what a password change, signing
    out everywhere, a temporary password and deactivation do, so nothing a thief made outlives them. The
    caller commits."""
    devices = end_all_sessions(session=session, user=user, keep=keep)
    return Ended(devices=devices, tokens=revoke_all_tokens(session=session, user=user))


def live_sessions(*, session: Session, user: User, policy: SessionPolicy) -> list[DeviceSession]:
    """The user's signed-in devices, most recently seen first."""
    now = utcnow()
    rows = session.exec(select(DeviceSession).where(DeviceSession.user_id == user.id,
                                                    col(DeviceSession.ended_at).is_(None))
                        .order_by(col(DeviceSession.last_seen_at).desc()))
    return [record for record in rows if is_live(record, policy=policy, now=now)]
