"""Engine, one session per request, SQLite pragmas, and Alembic migrations."""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from flask import Flask, current_app, g, has_app_context
from sqlalchemy import Engine, bindparam, event, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.engine.interfaces import ReflectedCheckConstraint
from sqlmodel import Session, create_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


@dataclass(frozen=True)
class Timeouts:
    """How long a request waits on the database before it gives up (and answers 503): one stuck lock
    must not stall unrelated requests. Milliseconds; 0 means no limit (migrations, the command line)."""

    busy_ms: int = 5000          # SQLite: waiting for another writer
    statement_ms: int = 0        # PostgreSQL: any one statement
    lock_ms: int = 0             # PostgreSQL: waiting for a row or table lock


def make_engine(database_url: str, timeouts: Timeouts = Timeouts()) -> Engine:
    """Create an engine; SQLite connections get WAL, foreign keys and a busy timeout; PostgreSQL ones
    the statement and lock timeouts.

    Statement parameters (passwords' hashes, notes, tokens' digests) never appear in error messages or logs.
    """
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            # Created readable by the owner only; SQLite gives its -wal and -shm files the same mode.
            Path(url.database).touch(mode=0o600, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": timeouts.busy_ms / 1000},
                               hide_parameters=True)
        event.listen(engine, "connect", partial(_sqlite_pragmas, busy_ms=timeouts.busy_ms))
        return engine
    options = f"-c statement_timeout={timeouts.statement_ms} -c lock_timeout={timeouts.lock_ms}"
    return create_engine(url, pool_pre_ping=True, hide_parameters=True,
                         connect_args={"options": options, "connect_timeout": 5})


def _sqlite_pragmas(dbapi_connection, _record, *, busy_ms: int) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def init_app(app: Flask) -> None:
    """Attach the engine to the app and close the request's session on teardown."""
    from tracker.services.curriculum import kept as content_cache

    engine = make_engine(app.config["DATABASE_URL"], app.config["DB_TIMEOUTS"])
    app.extensions["tracker.engine"] = engine
    app.teardown_appcontext(_close_session)
    event.listen(engine, "commit", _commit_sent)
    content_cache.track_changes()  # every change to the curriculum writes a new stamp


def get_engine() -> Engine:
    return current_app.extensions["tracker.engine"]


def get_session() -> Session:
    """The session for this request (or CLI command), opened on first use."""
    if "db_session" not in g:
        g.db_session = Session(get_engine(), expire_on_commit=False)
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    """End the request's session; never raises: a connection that died under it (its ROLLBACK fails) is
    invalidated, so the pool drops it instead of handing it to the next request."""
    session = g.pop("db_session", None)
    if session is None:
        return
    try:
        session.close()
    except Exception:
        try:
            session.invalidate()
        except Exception:  # nothing left to release: the pool has already let the connection go
            pass


def _commit_sent(_connection) -> None:
    """COMMIT is going to the database: until the session says it succeeded, its outcome is unknown."""
    if has_app_context():
        g.commit_in_flight = True


@event.listens_for(Session, "after_commit")
def _commit_done(_session) -> None:
    if has_app_context():
        g.pop("commit_in_flight", None)


def commit_outcome_unknown() -> bool:
    """Whether this request sent a COMMIT that never came back (the connection died during it): the change
    may or may not be saved."""
    return bool(g.get("commit_in_flight"))


def alembic_config(engine: Engine | None) -> AlembicConfig:
    """An Alembic config built in code, so an installed wheel needs no alembic.ini (no engine: for reading the
    migration scripts only)."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to `revision`."""
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Revert migrations down to `revision`."""
    command.downgrade(alembic_config(engine), revision)


def head_revision() -> str:
    """The latest migration this version of the app ships."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config(None)).get_current_head()
    if head is None:
        raise RuntimeError(f"No migration scripts in {MIGRATIONS_DIR}.")
    return head


def known_revisions(engine: Engine) -> set[str]:
    """Every migration this version of the tracker has."""
    from alembic.script import ScriptDirectory

    return {script.revision for script in ScriptDirectory.from_config(alembic_config(engine)).walk_revisions()}


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at, read from Alembic's table directly (no Alembic log lines: /readyz
    asks on every probe)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


_CHOICES = re.compile(r"^\s*\"?(\w+)\"?\s+IN\s*\((.*)\)\s*$", re.IGNORECASE | re.DOTALL)


def downgrade_losses(engine: Engine, revision: str) -> list[str]:
    """What going down to `revision` would lose, one line each: tables with rows that the older schema has no
    place for, columns with values it drops, and values outside its choices (folded into others). Read by
    building `revision`'s schema in a scratch SQLite database and comparing it with this one."""
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = make_engine(f"sqlite:///{Path(scratch_dir) / 'schema.db'}")
        try:
            if revision != "base":
                upgrade(scratch, revision)
            older = inspect(scratch)
            kept_tables = set(older.get_table_names())
            kept = {name: {c["name"] for c in older.get_columns(name)} for name in kept_tables}
            choices = {name: _choices(older.get_check_constraints(name)) for name in kept_tables}
        finally:
            scratch.dispose()
    from tracker.services.operations.backup import MIGRATION_ROWS

    current = inspect(engine)
    losses: list[str] = []
    with engine.connect() as connection:
        for name in sorted(set(current.get_table_names()) - {"alembic_version"}):
            table = name.replace('"', '""')
            if name not in kept_tables:
                if name in MIGRATION_ROWS:  # its row is made again by the upgrade
                    continue
                if rows := connection.execute(select(func.count()).select_from(text(f'"{table}"'))).scalar_one():
                    losses.append(f"table {name}: {rows} row{'s' if rows != 1 else ''}")
                continue
            for column in sorted({c["name"] for c in current.get_columns(name)} - kept[name]):
                count = connection.execute(text(f'SELECT count(*) FROM "{table}" WHERE "{column}" IS NOT NULL'))
                if values := count.scalar_one():
                    losses.append(f"{name}.{column}: {values} value{'s' if values != 1 else ''}")
            for column, allowed in sorted(choices[name].items()):
                if column not in kept[name]:
                    continue
                outside = connection.execute(
                    text(f'SELECT "{column}", count(*) FROM "{table}" WHERE "{column}" NOT IN :allowed '
                         f'GROUP BY "{column}" ORDER BY "{column}"').bindparams(bindparam("allowed", expanding=True)),
                    {"allowed": sorted(allowed)}).all()
                for value, count in outside:
                    losses.append(f"{name}.{column}: {count} '{value}' value{'s' if count != 1 else ''}, which the "
                                  "older schema does not have (changed to another)")
    return losses


def _choices(checks: list[ReflectedCheckConstraint]) -> dict[str, set[str]]:
    """Per column, the values a `column IN ('a', 'b')` CHECK constraint allows."""
    allowed: dict[str, set[str]] = {}
    for check in checks:
        if match := _CHOICES.match(str(check["sqltext"])):
            allowed[match.group(1)] = set(re.findall(r"'([^']*)'", match.group(2)))
    return allowed
