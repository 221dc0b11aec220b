"""The bare stack the load benchmark measures the tracker against: Flask and SQLAlchemy, nothing else.

    BASELINE_DATABASE_URL=sqlite:///FILE gunicorn -k gthread -w 2 --threads 4 baseline_app:app

`PUT /progress/<user_id>/<article_id>` (JSON `{"state": ...}`) is one upsert, `GET /progress/<user_id>` one
indexed read of that user's rows, each answered as JSON: the least a progress API can do on this stack. Its
table is its own (`baseline_progress`), filled by the benchmark from the tracker's rows, so both read and
write the same amount of data in the same database.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from flask import Flask, abort, jsonify, request
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, create_engine, event, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

metadata = MetaData()
baseline_progress = Table(
    "baseline_progress", metadata,
    Column("user_id", Integer, primary_key=True),  # the primary key is the index both routes use
    Column("article_id", Integer, primary_key=True),
    Column("state", String(16), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)


def create_engine_for(url: str):
    if url.startswith("sqlite"):  # the same connection settings the tracker uses on SQLite
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 5})

        @event.listens_for(engine, "connect")
        def _pragmas(connection, _record):
            cursor = connection.cursor()
            for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=5000", "synchronous=NORMAL"):
                cursor.execute(f"PRAGMA {pragma}")
            cursor.close()
        return engine
    return create_engine(url, pool_size=5)


engine = create_engine_for(os.environ.get("BASELINE_DATABASE_URL", "sqlite:///baseline.db"))
upsert = postgresql_insert if engine.dialect.name == "postgresql" else sqlite_insert
app = Flask(__name__)


@app.put("/progress/<int:user_id>/<int:article_id>")
def put_progress(user_id: int, article_id: int):
    state = (request.get_json(silent=True) or {}).get("state")
    if state not in {"not_started", "in_progress", "done", "skipped"}:
        abort(400)
    now = datetime.now(UTC)
    statement = upsert(baseline_progress).values(user_id=user_id, article_id=article_id, state=state, updated_at=now)
    statement = statement.on_conflict_do_update(index_elements=["user_id", "article_id"],
                                                set_={"state": state, "updated_at": now})
    with engine.begin() as connection:
        connection.execute(statement)
    return jsonify(article_id=article_id, state=state, updated_at=now.isoformat())


@app.get("/progress/<int:user_id>")
def get_progress(user_id: int):
    with engine.connect() as connection:
        rows = connection.execute(select(baseline_progress.c.article_id, baseline_progress.c.state,
                                         baseline_progress.c.updated_at)
                                  .where(baseline_progress.c.user_id == user_id)).all()
    return jsonify(items=[{"article_id": a, "state": s, "updated_at": u.isoformat()} for a, s, u in rows])
