"""The record of security events: a table admins can search, and one JSON log line per event."""

from __future__ import annotations

import json
import logging
from datetime import datetime

from sqlalchemy import ColumnElement, or_
from sqlmodel import Session, col, select

from tracker import metrics
from tracker.models import SecurityEvent, SecurityEventKind, User, utcnow
from tracker.services.people.limits import worth_recording

log = logging.getLogger("tracker.security")
SIGN_IN_KINDS = (SecurityEventKind.sign_in, SecurityEventKind.sign_in_failed,
                 SecurityEventKind.sign_in_refused_inactive, SecurityEventKind.throttled,
                 SecurityEventKind.second_factor_failed, SecurityEventKind.recovery_code_used)


def about(user: User) -> ColumnElement[bool]:
    """The condition for events about the user: linked to the account, or naming it (failed sign-ins on the
    username)."""
    return or_(col(SecurityEvent.user_id) == user.id, col(SecurityEvent.username) == user.username)


def record(*, session: Session, kind: SecurityEventKind, user: User | None = None, username: str = "",
           address: str = "", detail: str = "", at: datetime | None = None) -> SecurityEvent:
    """Store an event and write it as one JSON line (json escapes control characters; no secrets are
    passed in). Commits, so a refusal that rolls back its own work still leaves its record."""
    event = SecurityEvent(kind=kind, user_id=user.id if user else None,
                          username=(user.username if user else username)[:64], address=address[:64],
                          detail=detail[:300], created_at=at or utcnow())
    session.add(event)
    session.commit()
    metrics.security_event(kind.value)
    log.info(json.dumps({"event": kind.value, "user": event.username, "address": event.address,
                         "detail": event.detail}, ensure_ascii=True))
    return event


def record_repeated(*, session: Session, kind: SecurityEventKind, repeat: int, user: User | None = None,
                    username: str = "", address: str = "", detail: str = "") -> SecurityEvent | None:
    """An event a client can repeat at will, being the `repeat`-th alike one in its minute: stored when
    `worth_recording` says so (the 1st, 2nd, 4th …, its detail saying which), else only counted in the
    metrics. Commits when it stores."""
    if not worth_recording(repeat):
        metrics.security_event(kind.value)
        return None
    if repeat > 1:
        detail = f"{detail[:260]} (#{repeat} alike this minute)"
    return record(session=session, kind=kind, user=user, username=username, address=address, detail=detail)


def search(*, session: Session, kind: SecurityEventKind | None = None, username: str = "",
           limit: int = 200) -> list[SecurityEvent]:
    """The latest events, newest first, optionally of one kind or about one username."""
    query = select(SecurityEvent)
    if kind is not None:
        query = query.where(SecurityEvent.kind == kind)
    if username.strip():
        query = query.where(SecurityEvent.username == username.strip().lower())
    return list(session.exec(query.order_by(col(SecurityEvent.created_at).desc(), col(SecurityEvent.id).desc())
                             .limit(limit)))


def sign_in_history(*, session: Session, user: User, limit: int = 20) -> list[SecurityEvent]:
    """The user's recent sign-ins and failed attempts on their account, newest first."""
    return list(session.exec(
        select(SecurityEvent).where(SecurityEvent.username == user.username, col(SecurityEvent.kind).in_(SIGN_IN_KINDS))
        .order_by(col(SecurityEvent.created_at).desc(), col(SecurityEvent.id).desc()).limit(limit)))
