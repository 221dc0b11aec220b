"""Backups: every row of every table, read in one consistent transaction, streamed as portable JSON lines.

The file is gzip-compressed JSON, one value per line: a header (format, version, migration), then for
each table a line naming it and its columns followed by one line per row, a closing line with the
row counts (a file cut short has none, and is refused), and last the signature: HMAC-SHA256, under a
key derived from the installation's secret key, of every line before it. Reading and writing stream
in batches, so memory stays flat however long the history.

A file is read twice on restore: first checked whole (its structure, every row against the models:
types, NOT NULL, lengths, enum values; the counts it states against the rows it holds; the
signature), before anything is written; then loaded, checked again as it is read, so a file that
changed in between is refused too and the transaction rolled back.

The same file restores into SQLite or PostgreSQL (so it also moves an installation from one to the
other). A restore goes (with COPY on PostgreSQL) into an empty database at the same migration as the
backup, in one transaction (a failure leaves the database as empty as it was), and sets PostgreSQL's id
sequences after.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
import math
import os
import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    Enum,
    Float,
    Integer,
    String,
    Table,
    func,
    insert,
    select,
    text,
)
from sqlmodel import SQLModel

from tracker import models  # noqa: F401  (every table on the metadata)
from tracker.models import ContentStamp, utcnow
from tracker.services import documents
from tracker.services.errors import Invalid

if TYPE_CHECKING:
    import psycopg

FORMAT = "learning-path-tracker backup"
VERSION = 3            # 3: signed; 2 (before signatures) still restores, with --unsigned
READABLE_VERSIONS = {2, 3}
BATCH = 2000  # rows read, written or inserted at a time
LINE_MAX = 16 * 1024 * 1024  # bytes in one line: far more than any row holds
SIGNATURE = "hmac-sha256"

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


def signing_key(secret_key: str) -> bytes:
    """The key backups are signed with, derived from the installation's secret key (never the key itself)."""
    return hmac.new(secret_key.encode("utf-8"), b"learning-path-tracker backup signature", hashlib.sha256).digest()


def write_backup(*, engine: Engine, revision: str, path: Path, key: bytes) -> dict[str, int]:
    """Write a backup to `path`, signed with `key` (via a temporary file, so a half-written one never replaces a
    good one); returns the row count per table."""
    counts: dict[str, int] = {}
    mac = hmac.new(key, digestmod=hashlib.sha256)
    tmp = path.with_name(path.name + ".partial")
    try:
        _write(engine=engine, revision=revision, tmp=tmp, mac=mac, counts=counts)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a failed backup leaves nothing that looks like one
        raise
    tmp.replace(path)
    return counts


def _write(*, engine: Engine, revision: str, tmp: Path, mac: hmac.HMAC, counts: dict[str, int]) -> None:
    # Readable by the owner only: a backup holds password hashes and everyone's notes.
    with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as raw, \
            gzip.open(raw, "wb", compresslevel=6) as handle, \
            Snapshot(engine=engine, revision=revision) as snapshot:
        def line(value: Any, *, signed: bool = True) -> None:
            data = (json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
            if signed:
                mac.update(data)
            handle.write(data)

        line({"format": FORMAT, "version": VERSION, "revision": revision})
        for name, columns, rows in snapshot.batches():
            if name not in counts:
                counts[name] = 0
                line({"table": name, "columns": columns})
            for row in rows:
                line(row)
            counts[name] += len(rows)
        line({"end": True, "counts": counts})
        line({"signature": f"{SIGNATURE}:{mac.hexdigest()}"}, signed=False)


class BackupFile:
    """A backup file opened for restoring: the header is checked on opening; `check()` reads it whole, then
    `batches()` reads it again for loading, checking every line the same way as it goes.

    `key` is this installation's signing key; None restores without checking the signature (`--unsigned`)."""

    def __init__(self, path: Path, *, key: bytes | None):
        self.path, self.key = path, key
        self.name = str(path)
        self._handle: gzip.GzipFile | None = None
        self._header_bytes = b""
        header = self._open()
        self.revision: str = str(header.get("revision", ""))
        self.version = header.get("version")

    def _open(self) -> dict[str, Any]:
        """Open the file from its start and read the header."""
        self.close()
        try:
            self._handle = gzip.open(self.path, "rb")
            self._header_bytes = self._line()
            header = self._value(self._header_bytes, 1, what="header")
        except FileNotFoundError:
            raise BackupError(f"{self.path}: no such file") from None
        except (OSError, EOFError) as exc:
            raise BackupError(f"{self.path}: not a readable backup ({type(exc).__name__})") from None
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            self.close()
            raise BackupError(f"{self.path}: not a backup of this app")
        if header.get("version") not in READABLE_VERSIONS:
            self.close()
            raise BackupError(f"{self.path}: backup format {str(header.get('version'))[:20]} is not supported "
                              f"(expected {VERSION})")
        return header

    def _line(self) -> bytes:
        assert self._handle is not None  # opened by _open
        raw = self._handle.readline(LINE_MAX + 1)
        if len(raw) > LINE_MAX:
            raise BackupError(f"{self.path}: a line longer than {LINE_MAX // 1_048_576} MB; nothing was restored")
        return raw

    def _value(self, raw: bytes, number: int, *, what: str = "line") -> Any:
        """One line's JSON, within the bounds of `documents`; BackupError naming the line otherwise."""
        if not raw:
            return None
        try:  # the common case, fast: a row's cells are checked one by one against their columns after
            return json.loads(raw)
        except (ValueError, RecursionError):
            pass  # read again within the bounds, to say what is wrong and where
        try:
            return documents.json_document(raw.decode("utf-8"), name=self.name, line=number, limit=LINE_MAX)
        except UnicodeDecodeError:
            raise BackupError(f"{self.path}: line {number} is not UTF-8 text; nothing was restored") from None
        except documents.DocumentError as exc:
            if what == "header":
                raise BackupError(f"{self.path}: not a readable backup ({str(exc).removeprefix(self.name + ': ')})") \
                    from None
            raise BackupError(f"{str(exc).rstrip('.')}; nothing was restored") from None

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __enter__(self) -> BackupFile:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def check(self) -> dict[str, int]:
        """Read the whole file, checking everything, before anything is written; the row count per table."""
        counts: dict[str, int] = {}
        for name, _columns, rows in self.batches():
            counts[name] = counts.get(name, 0) + len(rows)
        return counts

    def batches(self) -> Iterator[Batch]:
        try:
            yield from self._batches()
        except (OSError, EOFError) as exc:
            raise BackupError(f"{self.path}: the backup is damaged or cut short ({type(exc).__name__}); "
                              "nothing was restored") from None

    def _batches(self) -> Iterator[Batch]:  # Long on purpose: one reading of the file's line grammar
        header = self._open()
        mac = hmac.new(self.key or b"", digestmod=hashlib.sha256)
        mac.update(self._header_bytes)
        tables = {table.name: table for table in _tables()}
        name: str | None = None
        columns: list[str] = []
        checks: list[Callable[[Any], str | None]] = []
        rows: list[list[Any]] = []
        seen: dict[str, int] = {}
        stated: dict[str, Any] | None = None
        number = 1
        while True:
            number += 1
            raw = self._line()
            value = self._value(raw, number)
            if not raw:
                raise BackupError(f"{self.path}: the backup is cut short (no closing line); nothing was restored")
            mac.update(raw)
            if isinstance(value, list):
                if name is None or len(value) != len(columns):
                    raise BackupError(f"{self.path}: line {number} is not a row of its table; nothing was restored")
                for column, check, cell in zip(columns, checks, value, strict=True):
                    if (problem := check(cell)) is not None:
                        raise BackupError(f"{self.path}: line {number}: {name}.{column} {problem}; nothing was "
                                          "restored")
                rows.append(value)
                seen[name] += 1
                if len(rows) >= BATCH:
                    yield name, columns, rows
                    rows = []
                continue
            if name is not None:
                yield name, columns, rows
                rows = []
            if isinstance(value, dict) and "table" in value:
                name, stated_columns = str(value["table"])[:100], value.get("columns")
                target = tables.get(name)
                if target is None or not isinstance(stated_columns, list) or len(stated_columns) != len(
                        target.columns) or set(stated_columns) != set(target.columns.keys()):
                    raise BackupError(f"{self.path}: line {number}: the backup's table '{name}' does not match this "
                                      "database's; nothing was restored")
                if name in seen:
                    raise BackupError(f"{self.path}: line {number}: table '{name}' comes twice; nothing was restored")
                seen[name] = 0
                columns = [str(column) for column in stated_columns]
                checks = [_cell_check(target.columns[column]) for column in columns]
            elif isinstance(value, dict) and value.get("end") is True:
                stated = value.get("counts")
                break
            else:
                raise BackupError(f"{self.path}: line {number} is not part of a backup; nothing was restored")
        if stated != seen:
            raise BackupError(f"{self.path}: the closing line's row counts do not match the rows the backup holds "
                              f"({_first_difference(stated, seen)}); nothing was restored")
        self._check_signature(header, mac, number)

    def _check_signature(self, header: dict[str, Any], mac: hmac.HMAC, number: int) -> None:
        """The last line: the signature of every line before it. Nothing may follow it."""
        raw = self._line()
        value = self._value(raw, number + 1) if raw else None
        if raw and (not isinstance(value, dict) or set(value) != {"signature"}):
            raise BackupError(f"{self.path}: line {number + 1} is not part of a backup; nothing was restored")
        if self._line():
            raise BackupError(f"{self.path}: something follows the signature (line {number + 2}); nothing was "
                              "restored")
        if self.key is None:
            return
        if value is None:
            raise BackupError(f"{self.path}: the backup is not signed (format {header.get('version')}, or its "
                              "signature was removed); restore it with --unsigned if you trust where it came from")
        expected = f"{SIGNATURE}:{mac.hexdigest()}"
        if not hmac.compare_digest(str(value["signature"]).encode("utf-8", "replace"), expected.encode("ascii")):
            raise BackupError(f"{self.path}: the signature does not match this installation's key: the file was "
                              "changed after it was written, or another installation made it (restore it there, "
                              "with its TRACKER_SECRET_KEY, or with --unsigned if you trust it); nothing was restored")


def _first_difference(stated: Any, seen: dict[str, int]) -> str:
    if not isinstance(stated, dict):
        return "it states none"
    for table in sorted(set(stated) | set(seen), key=str):
        if stated.get(table) != seen.get(table):
            return f"table '{str(table)[:60]}': {str(stated.get(table, 'none'))[:20]} stated, {seen.get(table, 0)} held"
    return "they differ"


INT32 = 2**31 - 1
INT64 = 2**63 - 1


def _cell_check(column: Column[Any]) -> Callable[[Any], str | None]:
    """What a column accepts as read from a backup (its JSON form), as a check returning the problem or None."""
    column_type = getattr(column.type, "impl", column.type)  # a TypeDecorator (UTC times) stores its impl
    nullable = bool(column.nullable)

    def check(value: Any) -> str | None:
        if value is None:
            return None if nullable else "is empty (NULL), which the column does not allow"
        if isinstance(value, list | dict):
            return "is not a single value"
        return _type_problem(column_type, value)

    return check


def _type_problem(column_type: Any, value: Any) -> str | None:
    """Why `value` does not fit the column type, or None."""
    if isinstance(column_type, Boolean):
        return None if isinstance(value, bool) else "is not true or false"
    if isinstance(column_type, Integer):
        bound = INT64 if isinstance(column_type, BigInteger) else INT32
        if not isinstance(value, int) or isinstance(value, bool):
            return "is not a whole number"
        return None if -bound - 1 <= value <= bound else "is out of range"
    if isinstance(column_type, Float):
        ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        return None if ok else "is not a number"
    if isinstance(column_type, DateTime | Date):
        reader = datetime.fromisoformat if isinstance(column_type, DateTime) else date.fromisoformat
        if not isinstance(value, str):
            return "is not a date or time"
        try:
            reader(value)
        except ValueError:
            return "is not a date or time"
        return None
    if isinstance(column_type, Enum):
        return None if value in column_type.enums else f"is not one of {', '.join(column_type.enums)}"
    if isinstance(column_type, String):  # String, Text, AutoString
        if not isinstance(value, str):
            return "is not text"
        if column_type.length is not None and len(value) > column_type.length:
            return f"is longer than {column_type.length} characters"
        return "holds a NUL character" if "\x00" in value else None
    return None


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
