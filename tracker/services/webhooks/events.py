"""The outbox: an event is written in the transaction of what it reports, then its deliveries are queued."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session as AnySession
from sqlmodel import Session, col, select

from tracker.models import User, WebhookEndpoint, WebhookEvent, WebhookEventType

RECORDED = "tracker.webhooks.recorded"  # in session.info: an event waits to be dispatched after the commit
DISPATCH_BATCH = 200


def subscribes(endpoint: WebhookEndpoint, event_type: WebhookEventType) -> bool:
    """Whether the endpoint asked for this type of event (a test event goes to the endpoint it names)."""
    return event_type.value in endpoint.events.split(",")


def _subscribers(session: Session, event_type: WebhookEventType) -> list[WebhookEndpoint]:
    endpoints = session.exec(select(WebhookEndpoint).where(col(WebhookEndpoint.enabled).is_(True),
                                                           col(WebhookEndpoint.events).contains(event_type.value)))
    return [endpoint for endpoint in endpoints if subscribes(endpoint, event_type)]


def learner(user: User) -> dict[str, str]:
    """How an event names a learner: their lasting public id and their user name."""
    return {"id": user.public_id, "username": user.username}


def body(*, message_id: str, event_type: WebhookEventType, data: dict[str, Any], now: datetime) -> str:
    """The JSON every delivery of the event carries (Standard Webhooks' type / timestamp / data)."""
    return json.dumps({"id": message_id, "type": event_type.value, "timestamp": now.isoformat(), "data": data},
                      separators=(",", ":"), sort_keys=True)


def record(*, session: Session, event_type: WebhookEventType, data: dict[str, Any], now: datetime,
           endpoint: WebhookEndpoint | None = None) -> WebhookEvent | None:
    """Add the event to the outbox when an enabled endpoint subscribes to it (or for `endpoint` alone); None
    when nobody listens. The caller commits: the event is written with what it reports, or not at all."""
    if endpoint is None and not _subscribers(session, event_type):
        return None
    message_id = f"msg_{uuid.uuid4().hex}"
    event = WebhookEvent(message_id=message_id, type=event_type, created_at=now,
                         endpoint_id=endpoint.id if endpoint is not None else None,
                         payload=body(message_id=message_id, event_type=event_type, data=data, now=now))
    session.add(event)
    session.info[RECORDED] = True
    return event


def recorded_in(session: AnySession) -> bool:
    """Whether the session's transaction wrote an event (and forget it): after its commit, dispatch."""
    return bool(session.info.pop(RECORDED, False))


def dispatch_pending(*, session: Session, now: datetime) -> list[tuple[int, int]]:
    """Claim the events not yet dispatched and answer each (endpoint id, event id) to deliver: every enabled
    endpoint subscribed to it (or the one a test event names). Does not commit: the caller queues the
    deliveries, then commits, so a crash in between dispatches them again (a receiver told twice dedupes by
    `webhook-id`), never loses them. Two rounds at once: the conditional claim gives each event to one."""
    pending = list(session.exec(select(WebhookEvent).where(col(WebhookEvent.dispatched_at).is_(None))
                                .order_by(col(WebhookEvent.id)).limit(DISPATCH_BATCH)))
    if not pending:
        return []
    claimed = set(session.exec(update(WebhookEvent).where(
        col(WebhookEvent.id).in_([event.id for event in pending]), col(WebhookEvent.dispatched_at).is_(None))
        .values(dispatched_at=now).returning(col(WebhookEvent.id))).scalars())
    endpoints = list(session.exec(select(WebhookEndpoint).where(col(WebhookEndpoint.enabled).is_(True))))
    targets = []
    for event in pending:
        if event.id not in claimed:
            continue
        for endpoint in endpoints:
            if endpoint.id == event.endpoint_id or (event.endpoint_id is None and subscribes(endpoint, event.type)):
                targets.append((endpoint.id, event.id))
    return targets

