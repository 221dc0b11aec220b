"""Records that leave the app: xAPI statements waiting for the Learning Record Store, and completion
credentials (Open Badges 3.0)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text
from sqlalchemy import false as sa_false
from sqlmodel import Field, SQLModel

from tracker.models.base import choice_column, new_uuid, utcnow


class XapiOutbox(SQLModel, table=True):
    """One xAPI statement to deliver. Its id is fixed when it is written, so a retried delivery is idempotent
    for the LRS; `sent_at` is set only once the LRS accepted it."""

    __tablename__ = "xapi_outbox"
    __table_args__ = (Index("ix_xapi_outbox_pending", "sent_at", "next_attempt_at"),
                      Index("ix_xapi_outbox_refused_at", "refused_at"))

    id: int = Field(default=None, primary_key=True)  # None until the row is first flushed
    statement_id: str = Field(max_length=36, unique=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    event_id: int | None = Field(default=None, unique=True, description="the progress event it reports")
    statement: str = Field(sa_column=Column(Text, nullable=False), description="the statement, as JSON")
    created_at: datetime = Field(default_factory=utcnow)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    last_error: str = Field(default="", max_length=300)
    refused_at: datetime | None = Field(default=None, description="when the LRS last refused it (4xx), until sent")
    discarded_at: datetime | None = Field(default=None, description="set aside for good by an admin: never sent")


class Credential(SQLModel, table=True):
    """A completion credential: the learner finished a path. The signed Open Badges 3.0 credential is kept
    as issued; its certificate page is private until the learner shares it. When the learner deletes their
    account the row stays as a status-only record (no user, no JWT, `holder_deleted_at` set), so a credential
    they shared still verifies and its revocation bit stays published."""

    id: int = Field(default=None, primary_key=True)  # None until the row is first flushed
    public_id: str = Field(max_length=32, unique=True, description="the credential's id in its URL")
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True, ondelete="SET NULL")
    status_index: int | None = Field(default=None, unique=True,
                                     description="its bit in the revocation status list (the row's id, set at issue)")
    holder_deleted_at: datetime | None = Field(default=None, description="when the learner deleted their account")
    path_id: int | None = Field(default=None, foreign_key="learning_path.id", index=True, ondelete="SET NULL")
    path_slug: str = Field(max_length=80)
    path_title: str = Field(max_length=200)
    path_version: int
    articles_read: int
    issued_at: datetime = Field(default_factory=utcnow)
    jwt: str = Field(sa_column=Column(Text, nullable=False), description="the VC-JWT as issued")
    shared: bool = False
    revoked_at: datetime | None = None
    revoked_reason: str = Field(default="", max_length=300)
    statement_id: str | None = Field(default_factory=new_uuid, max_length=36, sa_column_kwargs={"default": new_uuid},
                                     description="its xAPI `completed` statement's id (a new one at each re-grant); "
                                                 "None for credentials issued before it was stored")
    period_started_on: date | None = Field(default=None, description="for a recurring assignment: the first day of "
                                                                      "the period it was earned in (none: once)")
    valid_until: datetime | None = Field(default=None, description="when it expires: the next period's start, for "
                                                                   "a recurring assignment (none: never)")
    recalled: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()},
                           description="read and recalled: the path asked recall too, and it held on the day of issue")
    articles_recalled: int = Field(default=0, sa_column_kwargs={"server_default": "0"},
                                   description="required articles recalled on the day of issue (0: reading only)")


class KeyAlgorithm(StrEnum):
    """What a signing key signs with: ES256 (P-256) now, EdDSA (Ed25519) for the credentials before."""

    es256 = "ES256"
    eddsa = "EdDSA"


class CredentialSigningKey(SQLModel, table=True):
    """One key credentials are (or were) signed with, shared by every machine on this database. `serial` orders
    them: the Ed25519 key of the first credentials is 0, ES256 keys count from 1 and the highest signs. A
    unique serial makes two processes creating the first set (or rotating at once) end with one set. The
    private key is stored encrypted (AES-GCM under a key derived from the tracker's secret key)."""

    __tablename__ = "credential_signing_key"

    id: int = Field(default=None, primary_key=True)  # None until the row is first flushed
    serial: int = Field(unique=True, description="0: the Ed25519 key of earlier credentials; the highest signs")
    kid: str = Field(max_length=100, unique=True, description="the key's JWK thumbprint")
    algorithm: KeyAlgorithm = Field(sa_column=choice_column(KeyAlgorithm, check="ck_credential_signing_key_algorithm",
                                                            length=8))
    private_sealed: str = Field(sa_column=Column(Text, nullable=False),
                                description="the private JWK, encrypted and base64url-encoded")
    created_at: datetime = Field(default_factory=utcnow)
