"""People: accounts with their role, the devices they are signed in on, personal API tokens, and the
record of security events."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, Index, Text
from sqlalchemy import false as sa_false
from sqlmodel import Field, SQLModel

from tracker.models.base import choice_column, utcnow


class Role(StrEnum):
    """What a user may do; each role can do everything the one before it can."""

    learner = "learner"
    mentor = "mentor"
    admin = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)


class EmailFrequency(StrEnum):
    """Whether and when a user's notifications are also sent by email."""

    off = "off"
    immediate = "immediate"  # at the next round of the scheduled job, one email per notification
    daily = "daily"          # one digest a day, in the morning of the user's time zone

    @property
    def label(self) -> str:
        return {"off": "No email", "immediate": "Each one as it comes", "daily": "A daily digest"}[self.value]


class User(SQLModel, table=True):
    id: int = Field(default=None, primary_key=True)  # None until the row is first flushed
    username: str = Field(max_length=64, unique=True, index=True,
                          description="stored lower-case; 3–32 characters when chosen here, up to 64 (an email "
                                      "address) when an identity provider provisions it")
    display_name: str = Field(default="", max_length=80)
    password_hash: str = Field(max_length=255)
    role: Role = Field(default=Role.learner, sa_column=choice_column(Role, check="ck_user_role", default=Role.learner))
    is_active: bool = True
    must_change_password: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    time_zone: str = Field(default="UTC", max_length=64, sa_column_kwargs={"server_default": "UTC"},
                           description="an IANA zone name: the user's days, due dates and streak follow it")
    email: str = Field(default="", max_length=254, sa_column_kwargs={"server_default": ""})
    email_notifications: EmailFrequency = Field(
        default=EmailFrequency.off, sa_column=choice_column(EmailFrequency, check="ck_user_email_notifications",
                                                            default=EmailFrequency.off,
                                                            server_default=EmailFrequency.off.value))
    digest_sent_on: date | None = Field(default=None, description="the user's local day of the last digest")
    chat_webhook_url: str = Field(default="", max_length=500, sa_column_kwargs={"server_default": ""},
                                  description="a Slack or Teams incoming webhook their notifications go to")
    desired_retention: float = Field(default=0.9, ge=0.7, le=0.99, sa_column_kwargs={"server_default": "0.9"},
                                     description="the recall probability FSRS schedules reviews for")
    new_cards_per_day: int = Field(default=20, ge=0, sa_column_kwargs={"server_default": "20"},
                                   description="cards never reviewed that the review queue introduces per local day")
    reviews_per_day: int = Field(default=200, ge=0, sa_column_kwargs={"server_default": "200"},
                                 description="reviews of review-state cards the queue serves per local day")
    public_id: str = Field(default_factory=lambda: uuid.uuid4().hex, max_length=32, unique=True,
                           description="an opaque, stable id for records that leave the app (xAPI, credentials)")
    external_id: str | None = Field(default=None, max_length=255, unique=True,
                                    description="the provisioning client's id for the account (SCIM externalId)")
    provisioned: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()},
                              description="made by an identity provider over SCIM: it signs in there")
    email_type: str = Field(default="", max_length=16, sa_column_kwargs={"server_default": ""},
                            description="what the provisioning client calls the address (work, home, other)")
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"},
                         description="renewed by every provisioning change (the SCIM ETag)")
    updated_at: datetime | None = Field(default=None, description="the last provisioning change")
    deprovisioned_at: datetime | None = Field(default=None,
                                              description="deleted over SCIM, kept deactivated with its data")

    @property
    def name(self) -> str:
        return self.display_name or self.username

    def has_role(self, role: Role) -> bool:
        return Role(self.role).rank >= role.rank


class TokenScope(StrEnum):
    read = "read"      # GET and HEAD only
    write = "write"    # everything the owner may do through the API but the admin endpoints
    admin = "admin"    # write, and the admin endpoints while the owner is an admin

    @property
    def writes(self) -> bool:
        return self is not TokenScope.read


class ApiToken(SQLModel, table=True):
    """A personal API token; only a hash of it is stored."""

    __tablename__ = "api_token"

    id: int = Field(default=None, primary_key=True)  # None until the row is first flushed
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=80)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    hint: str = Field(max_length=16, description="the first characters, to tell tokens apart")
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
    expires_at: datetime | None = Field(default=None, description="none: until revoked")
    scope: TokenScope = Field(default=TokenScope.write,
                              sa_column=choice_column(TokenScope, check="ck_api_token_scope", default=TokenScope.write,
                                                      server_default=TokenScope.write.value))


class DeviceSession(SQLModel, table=True):
    """One signed-in browser. Its cookie carries a random token; only the token's hash is stored, and
    ending the record (sign-out, password change, ...) makes every copy of that cookie anonymous."""

    __tablename__ = "user_session"

    id: int = Field(default=None, primary_key=True)  # None until the row is first flushed
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    remember: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(description="the absolute end, whatever the activity")
    ended_at: datetime | None = None
    address: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=200)
    id_token: str | None = Field(default=None, sa_column=Column(Text, nullable=True),
                                 description="signed in through the identity provider: its ID token, the hint "
                                             "for signing out there too (kept here, never in a cookie)")


class SecurityEventKind(StrEnum):
    signed_up = "signed_up"
    setup = "setup"
    sign_in = "sign_in"
    sign_in_failed = "sign_in_failed"
    sign_in_refused_inactive = "sign_in_refused_inactive"
    throttled = "throttled"
    sign_out = "sign_out"
    session_ended = "session_ended"
    signed_out_everywhere = "signed_out_everywhere"
    password_changed = "password_changed"
    temporary_password_set = "temporary_password_set"
    role_changed = "role_changed"
    deactivated = "deactivated"
    reactivated = "reactivated"
    token_created = "token_created"
    token_revoked = "token_revoked"
    tokens_revoked = "tokens_revoked"  # every token of an account at once, with how many and why
    access_refused = "access_refused"
    credential_regranted = "credential_regranted"
    statement_discarded = "statement_discarded"
    second_factor_enrolled = "second_factor_enrolled"
    second_factor_removed = "second_factor_removed"
    second_factor_failed = "second_factor_failed"
    recovery_code_used = "recovery_code_used"
    recovery_codes_renewed = "recovery_codes_renewed"
    passkey_added = "passkey_added"
    passkey_removed = "passkey_removed"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class ScimToken(SQLModel, table=True):
    """A bearer token of a provisioning client (an identity provider's SCIM connector); only its hash is
    stored. It belongs to no account: it opens /scim/v2 and nothing else."""

    __tablename__ = "scim_token"

    id: int = Field(default=None, primary_key=True)  # None until the row is first flushed
    name: str = Field(max_length=80, unique=True, description="what the operator called it: the client using it")
    token_hash: str = Field(max_length=64, unique=True)
    hint: str = Field(max_length=16, description="the first characters, to tell tokens apart")
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class SecurityEvent(SQLModel, table=True):
    """Something security-relevant that happened: who (if known), from where, and what."""

    __tablename__ = "security_event"
    __table_args__ = (Index("ix_security_event_user_id_created_at", "user_id", "created_at"),)

    id: int = Field(default=None, primary_key=True)  # None until the row is first flushed
    created_at: datetime = Field(default_factory=utcnow, index=True)
    kind: SecurityEventKind = Field(sa_column=choice_column(SecurityEventKind, check="ck_security_event_kind",
                                                            length=32))
    user_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    username: str = Field(default="", max_length=64, description="as given, for failures of unknown names")
    address: str = Field(default="", max_length=64)
    detail: str = Field(default="", max_length=300)


class Installation(SQLModel, table=True):
    """At most one row: written with the first administrator, so two concurrent setups cannot both win."""

    __table_args__ = (CheckConstraint("id = 1", name="ck_installation_single_row"),)

    id: int = Field(default=1, primary_key=True)
    admin_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
