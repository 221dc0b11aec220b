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
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite alters a table by copying it and dropping the original. With foreign keys on, that
            # drop would cascade into every table pointing at it (sections, items, follows ...): turn
            # them off for the migration (it must happen outside a transaction) and check them after.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            if not sqlite:  # a migration may rewrite big tables: no request timeouts apply to it
                connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
                connection.exec_driver_sql("SET LOCAL lock_timeout = 0")
            context.run_migrations()
        connection.commit()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()
            if broken:
                raise RuntimeError(f"the migration left {len(broken)} rows pointing at missing rows: {broken[:5]}")


if context.is_offline_mode():
    raise SystemExit("Offline migrations are not supported; run `tracker db upgrade`.")
run_migrations()
