"""Backups: every row of every table, read in one consistent transaction, written as portable JSON.

The same file restores into SQLite or PostgreSQL (so it also moves an installation from one to the
other). A restore goes into an empty database at the same migration as the backup, table by table in
dependency order, in one transaction, and sets PostgreSQL's id sequences after.
"""

from __future__ import annotations

import gzip
import json
import os
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Date, DateTime, Engine, func, select, text
from sqlmodel import SQLModel

from tracker import models  # noqa: F401  (every table on the metadata)
from tracker.services.errors import Invalid

FORMAT = "learning-path-tracker backup"
VERSION = 1


class BackupError(Invalid):
    """A backup cannot be read or restored here; the message says why."""


def _tables():
    return SQLModel.metadata.sorted_tables  # parents before children


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime | date) else value


def dump(*, engine: Engine, revision: str) -> dict[str, Any]:
    """Every row of every table as plain data, read in one transaction (a consistent snapshot)."""
    tables: dict[str, Any] = {}
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
        else:
            connection.exec_driver_sql("BEGIN")  # SQLite: one read snapshot for every table (WAL)
        for table in _tables():
            columns = [column.name for column in table.columns]
            order = list(table.primary_key.columns) or list(table.columns)
            rows = connection.execute(select(*table.columns).order_by(*order)).all()
            tables[table.name] = {"columns": columns, "rows": [[_plain(v) for v in row] for row in rows]}
        connection.rollback()
    return {"format": FORMAT, "version": VERSION, "revision": revision, "tables": tables}


def write_backup(*, engine: Engine, revision: str, path: Path) -> dict[str, int]:
    """Write a gzip-compressed backup to `path` (via a temporary file, so a half-written one never
    replaces a good one); returns the row count per table."""
    document = dump(engine=engine, revision=revision)
    tmp = path.with_name(path.name + ".partial")
    # Readable by the owner only: a backup holds password hashes and everyone's notes.
    with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as raw, \
            gzip.open(raw, "wt", encoding="utf-8") as handle:
        json.dump(document, handle, ensure_ascii=False, separators=(",", ":"))
    tmp.replace(path)
    return {name: len(table["rows"]) for name, table in document["tables"].items()}


def read_backup(path: Path) -> dict[str, Any]:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            document = json.load(handle)
    except FileNotFoundError:
        raise BackupError(f"{path}: no such file") from None
    except (OSError, EOFError, ValueError) as exc:
        raise BackupError(f"{path}: not a readable backup ({type(exc).__name__})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BackupError(f"{path}: not a backup of this app")
    if document.get("version") != VERSION:
        raise BackupError(f"{path}: backup format {document.get('version')} is not supported (expected {VERSION})")
    return document


def _value(column, raw: Any) -> Any:
    if raw is None:
        return None
    column_type = getattr(column.type, "impl", column.type)  # a TypeDecorator (UTC times) stores its impl
    if isinstance(column_type, DateTime):
        return datetime.fromisoformat(raw)
    if isinstance(column_type, Date):
        return date.fromisoformat(raw)
    return raw


def restore(*, engine: Engine, revision: str, document: dict[str, Any]) -> dict[str, int]:
    """Load a backup into an empty database at the same migration; all or nothing."""
    if document["revision"] != revision:
        raise BackupError(f"the backup is at migration {document['revision']} and this database at {revision}; "
                          f"run `tracker db upgrade` or `tracker db downgrade {document['revision']}` first")
    counts: dict[str, int] = {}
    with engine.begin() as connection:
        for table in _tables():
            if connection.execute(select(func.count()).select_from(table)).scalar_one():
                raise BackupError(f"the database is not empty (table '{table.name}' has rows); restore needs an "
                                  "empty, migrated database")
        for table in _tables():
            data = document["tables"].get(table.name, {"columns": [], "rows": []})
            columns = [table.columns[name] for name in data["columns"]]
            rows = [{column.name: _value(column, raw) for column, raw in zip(columns, row, strict=True)}
                    for row in data["rows"]]
            if rows:
                connection.execute(table.insert(), rows)
            counts[table.name] = len(rows)
        if connection.dialect.name == "postgresql":
            for table in _tables():
                if "id" in table.columns and table.columns["id"].autoincrement in (True, "auto"):
                    connection.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                        f"COALESCE((SELECT max(id) FROM \"{table.name}\"), 0) + 1, false)"))
    return counts
