"""Outgoing webhooks: the endpoints an admin registers, the events waiting to go out, and each delivery try."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from tracker.models.base import choice_column, utcnow


class WebhookEventType(StrEnum):
    progress_marked = "progress.marked"          # a learner changed their state on an article
    credential_issued = "credential.issued"      # a learner finished a path and earned its credential
    credential_revoked = "credential.revoked"    # an admin revoked a credential
    assignment_due_soon = "assignment.due_soon"  # an assignment is due within three days
    assignment_overdue = "assignment.overdue"    # an assignment's due date has passed
    webhook_test = "webhook.test"                # sent by an admin from the webhooks page, to one endpoint


class WebhookEndpoint(SQLModel, table=True):
    """A URL that receives the events it subscribes to, signed with its own secret (Standard Webhooks)."""

    __tablename__ = "webhook_endpoint"

    id: int = Field(default=None, primary_key=True)  # None until the row is first flushed
    url: str = Field(max_length=500)
    secret: str = Field(max_length=64, description="whsec_ and base64: shown once, kept to sign deliveries")
    events: str = Field(max_length=300, description="the event types it subscribes to, comma-separated")
    enabled: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class WebhookEvent(SQLModel, table=True):
    """An event to deliver, written in the transaction of what it reports (the outbox): a crash never loses
    one. `message_id` is its `webhook-id`, the same on every try; `dispatched_at` is set once its deliveries
    are queued."""

    __tablename__ = "webhook_event"
    __table_args__ = (Index("ix_webhook_event_dispatched_at", "dispatched_at"),)

    id: int = Field(default=None, primary_key=True)  # None until the row is first flushed
    message_id: str = Field(max_length=40, unique=True)
    type: WebhookEventType = Field(sa_column=choice_column(WebhookEventType, check="ck_webhook_event_type",
                                                           length=32))
    payload: str = Field(sa_column=Column(Text, nullable=False), description="the body, as JSON")
    endpoint_id: int | None = Field(default=None, foreign_key="webhook_endpoint.id", ondelete="CASCADE",
                                    description="only this endpoint (a test event); None: every subscriber")
    created_at: datetime = Field(default_factory=utcnow)
    dispatched_at: datetime | None = None


class WebhookDelivery(SQLModel, table=True):
    """One try to deliver an event to an endpoint: what the endpoint answered, or why it could not."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (Index("ix_webhook_delivery_endpoint_id_at", "endpoint_id", "at"),)

    id: int = Field(default=None, primary_key=True)  # None until the row is first flushed
    endpoint_id: int = Field(foreign_key="webhook_endpoint.id", ondelete="CASCADE")
    event_id: int = Field(foreign_key="webhook_event.id", index=True, ondelete="CASCADE")
    message_id: str = Field(max_length=40)
    event_type: str = Field(max_length=32)
    attempt: int
    status_code: int | None = None
    error: str = Field(default="", max_length=300)
    delivered: bool = False
    at: datetime = Field(default_factory=utcnow)
