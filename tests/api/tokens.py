"""API tokens for tests: the `Authorization` header of a new token of a user, with a scope."""

from __future__ import annotations

from sqlmodel import Session

from tests import factories
from tracker.models import TokenScope
from tracker.services.people import tokens


def bearer(session: Session, username: str, scope: TokenScope = TokenScope.write) -> dict[str, str]:
    raw, _token = tokens.create_token(session=session, user=factories.user(session, username), name="test",
                                      scope=scope)
    return {"Authorization": f"Bearer {raw}"}


def everything(engine) -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table, but what a refused request may still write: its security event, and when a
    token or a device was last used."""
    from sqlalchemy import MetaData

    metadata = MetaData()
    metadata.reflect(bind=engine)
    skipped = {"last_used_at", "last_seen_at"}
    with engine.connect() as connection:
        return {name: sorted(tuple(str(v) for k, v in row._mapping.items() if k not in skipped)
                             for row in connection.execute(table.select()))
                for name, table in metadata.tables.items() if name not in {"alembic_version", "security_event"}}
