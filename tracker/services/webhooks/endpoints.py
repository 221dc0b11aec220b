"""The endpoints an admin registers: the URL, the events it gets, its secret (shown once), on or off."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlmodel import Session, col, select

from tracker.models import User, WebhookDelivery, WebhookEndpoint, WebhookEventType
from tracker.services import access
from tracker.services.errors import Invalid, NotAllowed, NotFound
from tracker.services.webhooks import events

SUBSCRIBABLE = [kind for kind in WebhookEventType if kind is not WebhookEventType.webhook_test]
URL_LENGTH = 500
SECRET_BYTES = 24


def check_url(url: str) -> str:
    """The endpoint URL, trimmed; Invalid unless it is an absolute http(s) URL with a host."""
    url = (url or "").strip()
    if not url:
        raise Invalid("Enter the URL events are sent to.")
    if len(url) > URL_LENGTH:
        raise Invalid(f"The URL is longer than {URL_LENGTH} characters.")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  # a port that is not a number raises here
    except ValueError:
        raise Invalid("That is not a URL.") from None
    if parts.scheme not in {"http", "https"}:
        raise Invalid("The URL must start with https:// (or http://).")
    if not parts.hostname or any(c.isspace() for c in url):
        raise Invalid("That is not a URL: it needs a host, as in https://example.com/hooks.")
    if parts.username or parts.password:
        raise Invalid("Leave user names and passwords out of the URL: each delivery is signed instead.")
    return url


def check_events(chosen: Iterable[str]) -> list[WebhookEventType]:
    """The event types chosen, in their usual order; Invalid when none or an unknown one."""
    chosen = set(chosen)
    known = {kind.value for kind in SUBSCRIBABLE}
    if not chosen:
        raise Invalid("Choose at least one event.")
    if chosen - known:
        raise Invalid("Choose among the events listed.")
    return [kind for kind in SUBSCRIBABLE if kind.value in chosen]


def _admin(user: User) -> None:
    if not access.can_manage_webhooks(user):
        raise NotAllowed("Only admins manage webhooks.")


def new_secret() -> str:
    """A fresh signing secret in the Standard Webhooks form: whsec_ and 24 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def add_endpoint(*, session: Session, admin: User, url: str, event_types: Iterable[str],
                 now: datetime) -> WebhookEndpoint:
    """Register an endpoint, enabled, with a new secret (the caller shows it once). Admins only; commits."""
    _admin(admin)
    endpoint = WebhookEndpoint(url=check_url(url), secret=new_secret(), created_at=now,
                               events=",".join(kind.value for kind in check_events(event_types)))
    session.add(endpoint)
    session.commit()
    session.refresh(endpoint)
    return endpoint


def endpoint(*, session: Session, admin: User, endpoint_id: int) -> WebhookEndpoint:
    """One endpoint; NotFound when there is none (deleted meanwhile). Admins only."""
    _admin(admin)
    found = session.get(WebhookEndpoint, endpoint_id)
    if found is None:
        raise NotFound("There is no such webhook endpoint: it may have been deleted.")
    return found


def set_enabled(*, session: Session, admin: User, endpoint_id: int, enabled: bool) -> WebhookEndpoint:
    """Switch an endpoint on or off: off, it is sent nothing, not even tries already queued. Commits."""
    found = endpoint(session=session, admin=admin, endpoint_id=endpoint_id)
    found.enabled = enabled
    session.add(found)
    session.commit()
    session.refresh(found)
    return found


def delete_endpoint(*, session: Session, admin: User, endpoint_id: int) -> None:
    """Delete an endpoint with its delivery log. Commits."""
    session.delete(endpoint(session=session, admin=admin, endpoint_id=endpoint_id))
    session.commit()


def endpoint_list(*, session: Session, admin: User) -> list[WebhookEndpoint]:
    _admin(admin)
    return list(session.exec(select(WebhookEndpoint).order_by(col(WebhookEndpoint.id))))


@dataclass(frozen=True)
class EndpointLog:
    endpoint: WebhookEndpoint
    deliveries: list[WebhookDelivery]


def recent_deliveries(*, session: Session, admin: User, limit: int = 10) -> list[EndpointLog]:
    """Every endpoint with its latest tries, the latest first."""
    logs = []
    for found in endpoint_list(session=session, admin=admin):
        logs.append(EndpointLog(endpoint=found, deliveries=list(session.exec(
            select(WebhookDelivery).where(col(WebhookDelivery.endpoint_id) == found.id)
            .order_by(col(WebhookDelivery.at).desc(), col(WebhookDelivery.id).desc()).limit(limit)))))
    return logs


def send_test_event(*, session: Session, admin: User, endpoint_id: int, now: datetime) -> None:
    """Queue a `webhook.test` event for this endpoint alone (enabled or not: off, it is not sent). Commits."""
    found = endpoint(session=session, admin=admin, endpoint_id=endpoint_id)
    events.record(session=session, event_type=WebhookEventType.webhook_test, now=now, endpoint=found,
                  data={"endpoint": found.id, "message": "A test event from the learning tracker."})
    session.commit()
