"""People: accounts with their role, and personal API tokens."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

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


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=32, unique=True, index=True, description="stored lower-case")
    display_name: str = Field(default="", max_length=80)
    password_hash: str = Field(max_length=255)
    role: Role = Field(default=Role.learner, sa_column=choice_column(Role, check="ck_user_role", default=Role.learner))
    is_active: bool = True
    must_change_password: bool = False
    # Rotated when the password changes or the account is deactivated, ending every other session.
    session_token: str = Field(default_factory=lambda: secrets.token_urlsafe(16), max_length=64)
    created_at: datetime = Field(default_factory=utcnow)

    @property
    def name(self) -> str:
        return self.display_name or self.username

    def has_role(self, role: Role) -> bool:
        return Role(self.role).rank >= role.rank


class ApiToken(SQLModel, table=True):
    """A personal API token; only a hash of it is stored."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=80)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    hint: str = Field(max_length=16, description="the first characters, to tell tokens apart")
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
