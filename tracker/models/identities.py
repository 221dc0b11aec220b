"""Accounts linked to an OpenID Connect provider: who the provider says a person is (its issuer and subject)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from tracker.models.base import utcnow


class ExternalIdentity(SQLModel, table=True):
    """A provider's account (`issuer` + `subject`, the ID token's `iss` and `sub`) linked to a tracker account.
    One provider account opens exactly one tracker account; an account may be linked to several."""

    __tablename__ = "external_identity"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: int = Field(default=None, primary_key=True)  # None until the row is first flushed
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    issuer: str = Field(max_length=255, description="the provider's issuer identifier (iss)")
    subject: str = Field(max_length=255, description="the provider's stable id for the person (sub)")
    email: str = Field(default="", max_length=254, description="the email the provider gave when it was linked")
    linked_at: datetime = Field(default_factory=utcnow)
    last_sign_in_at: datetime | None = None
