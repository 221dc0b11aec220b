"""What every table module shares: the clock and enum columns with CHECK constraints."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import Column, Enum


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def new_uuid() -> str:
    """A random UUID as text: an id no other row, here or in a Learning Record Store, has had."""
    return str(uuid.uuid4())


def as_utc(moment: datetime) -> datetime:
    """A stored time as an aware UTC time (SQLite hands times back without their zone)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def choice_column(enum: type[StrEnum], *, check: str, length: int = 16, default: StrEnum | None = None,
                  server_default: str | None = None) -> Column:
    """A VARCHAR holding one of `enum`'s values: read back as the enum, refused by a CHECK named `check`
    (and by SQLAlchemy before it is sent) when it is anything else."""
    return Column(Enum(enum, native_enum=False, create_constraint=True, length=length, name=check,
                       values_callable=lambda members: [member.value for member in members]),
                  nullable=False, default=default, server_default=server_default)
