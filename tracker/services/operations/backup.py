"""Backups: every row of every table, read in one consistent transaction, streamed as portable JSON lines.

The file is gzip-compressed JSON, one value per line: a header (format, version, migration), then for
each table a line naming it and its columns followed by one line per row, and a closing line with the
row counts (a file cut short has none, and is refused). Reading and writing stream in batches, so memory
stays flat however long the history.

The same file restores into SQLite or PostgreSQL (so it also moves an installation from one to the
other). A restore goes (with COPY on PostgreSQL) into an empty database at the same migration as the
backup, in one transaction (a failure leaves the database as empty as it was), and sets PostgreSQL's id
sequences after.
"""

from __future__ import annotations

import gzip
import json
import os
import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from sqlalchemy import Column, Connection, Date, DateTime, Engine, Table, func, insert, select, text
from sqlmodel import SQLModel

from tracker import models  # noqa: F401  (every table on the metadata)
from tracker.models import ContentStamp, utcnow
from tracker.services.errors import Invalid

if TYPE_CHECKING:
    import psycopg

FORMAT = "learning-path-tracker backup"
VERSION = 2
BATCH = 2000  # rows read, written or inserted at a time

Batch = tuple[str, list[str], list[list[Any]]]  # table, its columns, some of its rows


class BackupError(Invalid):
    """A backup cannot be read or restored here; the message says why."""


class Source(Protocol):
    """Something to restore from: a backup file, or a live database (`tracker db copy`)."""

    revision: str

    def batches(self) -> Iterator[Batch]:
        """Every table in dependency order, in batches of rows; a table without rows comes as one empty batch."""


# Tables a migration fills itself: a fresh database has their rows, which the backup's replace.
MIGRATION_ROWS = frozenset({"content_stamp"})


def _tables() -> list[Table]:
    return SQLModel.metadata.sorted_tables  # parents before children


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime | date) else value


class Snapshot:
    """Every row of a live database, read in one transaction (a consistent snapshot) while it keeps serving."""

    def __init__(self, *, engine: Engine, revision: str):
        self.engine, self.revision = engine, revision
        self._connection: Connection | None = None

    def __enter__(self) -> Snapshot:
        self._connection = self.engine.connect()
        if self._connection.dialect.name == "postgresql":
            self._connection.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
        else:
            self._connection.exec_driver_sql("BEGIN")  # SQLite: one read snapshot for every table (WAL)
        return self

    def __exit__(self, *_exc: object) -> None:
        connection = self._open()
        connection.rollback()
        connection.close()

    def _open(self) -> Connection:
        if self._connection is None:
            raise RuntimeError("a Snapshot is read inside its `with` block")
        return self._connection

    def batches(self) -> Iterator[Batch]:
        for table in _tables():
            columns = [column.name for column in table.columns]
            order = list(table.primary_key.columns) or list(table.columns)
            result = self._open().execute(select(*table.columns).order_by(*order),
                                              execution_options={"stream_results": True, "yield_per": BATCH})
            empty = True
            for rows in result.partitions():
                empty = False
                yield table.name, columns, [[_plain(value) for value in row] for row in rows]
            if empty:
                yield table.name, columns, []


def write_backup(*, engine: Engine, revision: str, path: Path) -> dict[str, int]:
    """Write a backup to `path` (via a temporary file, so a half-written one never replaces a good one);
    returns the row count per table."""
    counts: dict[str, int] = {}
    tmp = path.with_name(path.name + ".partial")
    # Readable by the owner only: a backup holds password hashes and everyone's notes.
    with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as raw, \
            gzip.open(raw, "wt", encoding="utf-8", compresslevel=6) as handle, \
            Snapshot(engine=engine, revision=revision) as snapshot:
        def line(value: Any) -> None:
            handle.write(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
            handle.write("\n")

        line({"format": FORMAT, "version": VERSION, "revision": revision})
        for name, columns, rows in snapshot.batches():
            if name not in counts:
                counts[name] = 0
                line({"table": name, "columns": columns})
            for row in rows:
                line(row)
            counts[name] += len(rows)
        line({"end": True, "counts": counts})
    tmp.replace(path)
    return counts


class BackupFile:
    """A backup file opened for restoring: the header is checked on opening, rows are read as they are used."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self._handle = gzip.open(path, "rt", encoding="utf-8")
            header = json.loads(self._handle.readline() or "null")
        except FileNotFoundError:
            raise BackupError(f"{path}: no such file") from None
        except (OSError, EOFError, ValueError) as exc:
            raise BackupError(f"{path}: not a readable backup ({type(exc).__name__})") from None
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            self.close()
            raise BackupError(f"{path}: not a backup of this app")
        if header.get("version") != VERSION:
            self.close()
            raise BackupError(f"{path}: backup format {header.get('version')} is not supported (expected {VERSION})")
        self.revision: str = header.get("revision", "")

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> BackupFile:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def batches(self) -> Iterator[Batch]:
        name: str | None = None
        columns: list[str] = []
        rows: list[list[Any]] = []
        ended = False
        try:
            for number, text_line in enumerate(self._handle, start=2):
                value = json.loads(text_line)
                if isinstance(value, list):
                    if name is None or len(value) != len(columns):
                        raise BackupError(f"{self.path}: line {number} is not a row of its table")
                    rows.append(value)
                    if len(rows) >= BATCH:
                        yield name, columns, rows
                        rows = []
                    continue
                if name is not None:
                    yield name, columns, rows
                    rows = []
                if isinstance(value, dict) and "table" in value:
                    name, columns = str(value["table"]), list(value.get("columns") or [])
                elif isinstance(value, dict) and value.get("end") is True:
                    ended, name = True, None
                    break
                else:
                    raise BackupError(f"{self.path}: line {number} is not part of a backup")
        except (OSError, EOFError, ValueError) as exc:
            raise BackupError(f"{self.path}: the backup is damaged or cut short ({type(exc).__name__}); "
                              "nothing was restored") from None
        if not ended:
            raise BackupError(f"{self.path}: the backup is cut short (no closing line); nothing was restored")


def _reader(column: Column[Any]) -> Callable[[str], Any] | None:
    """How a column's value comes back from its JSON form (times and dates were written as ISO text)."""
    column_type = getattr(column.type, "impl", column.type)  # a TypeDecorator (UTC times) stores its impl
    if isinstance(column_type, DateTime):
        return datetime.fromisoformat
    if isinstance(column_type, Date):
        return date.fromisoformat
    return None


def _insert(connection: Connection, table: Table, columns: list[Column[Any]], rows: list[list[Any]]) -> None:
    """Insert a batch of rows as read from a backup: PostgreSQL's COPY there, a bulk INSERT elsewhere."""
    readers = [(index, reader) for index, column in enumerate(columns) if (reader := _reader(column)) is not None]
    for row in rows:
        for index, reader in readers:
            if row[index] is not None:
                row[index] = reader(row[index])
    if connection.dialect.name == "postgresql":
        from psycopg import sql

        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(column.name) for column in columns))
        # The settings accept no other PostgreSQL driver than psycopg 3.
        driver = cast("psycopg.Connection[Any]", connection.connection.driver_connection)
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
        return
    names = [column.name for column in columns]
    connection.execute(table.insert(), [dict(zip(names, row, strict=True)) for row in rows])


def restore(*, engine: Engine, revision: str, source: Source) -> dict[str, int]:
    """Load a backup (or another database) into an empty database at the same migration; all or nothing."""
    if source.revision != revision:
        raise BackupError(f"the backup is at migration {source.revision} and this database at {revision}; "
                          f"run `tracker db upgrade` or `tracker db downgrade {source.revision}` first")
    tables = {table.name: table for table in _tables()}
    counts: dict[str, int] = {}
    with engine.begin() as connection:
        for table in tables.values():
            if table.name in MIGRATION_ROWS:
                connection.execute(table.delete())  # the backup's own row replaces the migration's
            elif connection.execute(select(func.count()).select_from(table)).scalar_one():
                raise BackupError(f"the database is not empty (table '{table.name}' has rows); restore needs an "
                                  "empty, migrated database")
        for name, column_names, rows in source.batches():
            target = tables.get(name)
            if target is None or any(column not in target.columns for column in column_names):
                raise BackupError(f"the backup's table '{name}' does not match this database's; nothing was restored")
            columns = [target.columns[column] for column in column_names]
            if rows:
                _insert(connection, target, columns, rows)
            counts[name] = counts.get(name, 0) + len(rows)
        if not connection.execute(select(func.count()).select_from(ContentStamp)).scalar_one():
            connection.execute(insert(ContentStamp).values(id=1, stamp=uuid.uuid4().hex, changed_at=utcnow()))
        if connection.dialect.name == "postgresql":
            for table in tables.values():
                if "id" in table.columns and table.columns["id"].autoincrement in (True, "auto"):
                    connection.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                        f"COALESCE((SELECT max(id) FROM \"{table.name}\"), 0) + 1, false)"))
    return counts
