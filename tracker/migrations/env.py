"""Alembic environment: the engine comes from the app (tracker db upgrade) or from TRACKER_* settings."""

from alembic import context
from sqlmodel import SQLModel

from tracker import models  # noqa: F401  (registers the tables on SQLModel.metadata)

config = context.config
target_metadata = SQLModel.metadata


def _engine():
    engine = config.attributes.get("engine")
    if engine is None:
        from tracker.config import load_settings
        from tracker.db import make_engine

        engine = make_engine(load_settings()["DATABASE_URL"])
    return engine


def run_migrations() -> None:
    engine = _engine()
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    raise SystemExit("Offline migrations are not supported; run `tracker db upgrade`.")
run_migrations()
