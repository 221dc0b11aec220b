"""A second factor for signing in: an authenticator app (TOTP) with its recovery codes, and passkeys
(WebAuthn credentials), with the one-use challenges that passkey ceremonies sign."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from tracker.models.base import utcnow


class TotpFactor(SQLModel, table=True):
    """A user's authenticator app: at most one per account. Its secret is stored encrypted (AES-GCM under a key
    derived from the tracker's secret key) and never shown after enrolment; it counts only once confirmed."""

    __tablename__ = "totp_factor"

    id: int = Field(default=None, primary_key=True)  # None until the row is first flushed
    user_id: int = Field(foreign_key="user.id", unique=True, ondelete="CASCADE")
    secret_sealed: str = Field(max_length=200, description="the base32 secret, encrypted and base64url-encoded")
    created_at: datetime = Field(default_factory=utcnow)
    confirmed_at: datetime | None = Field(default=None, description="none: enrolment not finished, not in use")
    last_step: int = Field(default=0, description="the last 30-second step whose code was accepted (no replay)")


class RecoveryCode(SQLModel, table=True):
    """A single-use code that stands in for the second factor; only its SHA-256 is stored."""

    __tablename__ = "recovery_code"

    id: int = Field(default=None, primary_key=True)  # None until the row is first flushed
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    code_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    used_at: datetime | None = None


class Passkey(SQLModel, table=True):
    """A WebAuthn credential registered by its owner: its id, public key and signature counter."""

    id: int = Field(default=None, primary_key=True)  # None until the row is first flushed
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=80)
    credential_id: str = Field(max_length=1400, unique=True, description="base64url, as the browser sends it")
    public_key: str = Field(max_length=2000, description="the COSE public key, base64url")
    sign_count: int = 0
    transports: str = Field(default="", max_length=200, description="comma-separated, as the browser reported")
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None


class PasskeyChallenge(SQLModel, table=True):
    """A challenge handed to the browser for one passkey ceremony: deleted when it is answered (so it is
    used once), refused after it expires. `purpose` and `user_id` bind it to what was asked."""

    __tablename__ = "passkey_challenge"

    id: int = Field(default=None, primary_key=True)  # None until the row is first flushed
    challenge_hash: str = Field(max_length=64, unique=True)
    purpose: str = Field(max_length=16, description="register, second-step or sign-in")
    user_id: int | None = Field(default=None, foreign_key="user.id", ondelete="CASCADE")
    expires_at: datetime = Field(index=True)
