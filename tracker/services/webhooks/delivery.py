"""One try to deliver an event to an endpoint: signed per Standard Webhooks, short timeouts, no redirects.

The job queue calls `deliver` once per try; a try the endpoint did not take (no answer, or anything but 2xx)
raises DeliveryFailed so the queue tries again with backoff, under the same `webhook-id`. Every try is logged
for the endpoint; the last DELIVERIES_KEPT are kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import requests
from sqlalchemy import delete
from sqlmodel import Session, col, select
from standardwebhooks import Webhook

from tracker.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

TIMEOUT = (3.0, 5.0)  # seconds to connect, then to get an answer
DELIVERIES_KEPT = 50  # per endpoint
ERROR_LENGTH = 300


class DeliveryFailed(Exception):
    """The endpoint did not take the event (no answer, or not 2xx): the try is logged and the job retried."""


@dataclass(frozen=True)
class SignedRequest:
    url: str
    body: str
    headers: dict[str, str]


def signed_request(*, endpoint: WebhookEndpoint, event: WebhookEvent, now: datetime) -> SignedRequest:
    """The POST for one try: the event's body, its message id, this try's time, and the signature of all three."""
    signature = Webhook(endpoint.secret).sign(msg_id=event.message_id, timestamp=now, data=event.payload)
    return SignedRequest(url=endpoint.url, body=event.payload, headers={
        "content-type": "application/json", "user-agent": "learning-tracker-webhooks",
        "webhook-id": event.message_id, "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature})


def _log(session: Session, endpoint: WebhookEndpoint, event: WebhookEvent, *, attempt: int, now: datetime,
         status_code: int | None, error: str) -> WebhookDelivery:
    row = WebhookDelivery(endpoint_id=endpoint.id, event_id=event.id, message_id=event.message_id,
                          event_type=event.type.value, attempt=attempt, status_code=status_code,
                          error=error[:ERROR_LENGTH], delivered=not error, at=now)
    session.add(row)
    session.flush()
    kept = select(WebhookDelivery.id).where(col(WebhookDelivery.endpoint_id) == endpoint.id) \
        .order_by(col(WebhookDelivery.at).desc(), col(WebhookDelivery.id).desc()).limit(DELIVERIES_KEPT)
    session.exec(delete(WebhookDelivery).where(col(WebhookDelivery.endpoint_id) == endpoint.id,
                                               col(WebhookDelivery.id).not_in(kept.scalar_subquery())))
    session.commit()
    return row


def deliver(*, session: Session, endpoint_id: int, event_id: int, attempt: int, now: datetime) -> str:
    """Send the event to the endpoint once and log the try; commits. What happened, in a few words. An endpoint
    deleted or disabled since is not sent to ("skipped"); DeliveryFailed when the endpoint did not take it."""
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    event = session.get(WebhookEvent, event_id)
    if endpoint is None or event is None or not endpoint.enabled:
        return "skipped"
    request = signed_request(endpoint=endpoint, event=event, now=now)
    try:
        answer = requests.post(request.url, data=request.body.encode(), headers=request.headers,
                               timeout=TIMEOUT, allow_redirects=False, stream=True)
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {exc}"
        _log(session, endpoint, event, attempt=attempt, now=now, status_code=None, error=error)
        raise DeliveryFailed(error) from None
    answer.close()
    if not 200 <= answer.status_code < 300:
        error = f"answered {answer.status_code}" + (" (redirects are not followed)"
                                                     if answer.is_redirect else "")
        _log(session, endpoint, event, attempt=attempt, now=now, status_code=answer.status_code, error=error)
        raise DeliveryFailed(error)
    _log(session, endpoint, event, attempt=attempt, now=now, status_code=answer.status_code, error="")
    return f"delivered ({answer.status_code})"
