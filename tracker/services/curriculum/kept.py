"""The curriculum as lists show it (the catalog's article cards, topics and sources; each path's sections, items
and cards), read once per process for each state of the curriculum and shared by every request, instead of
rebuilt from the database on every view.

Every change to the tables it is made of writes a new random `content_stamp` in the same transaction: changes
to objects just before they are flushed, bulk statements through the session just before they run (installed
on every session by `track_changes`), so every writer takes the stamp's row first. A request reads the stamp (one small query per transaction) and uses what this process
built under it, or builds it and keeps it. Another process sees a change at its next request; a restored
backup brings back the stamp that goes with its content. What is kept was read by a session of its own and
belongs to no session, so a request can neither change it by accident nor see it expire: it is only read.
"""

from __future__ import annotations

import functools
import threading
import uuid
from collections.abc import Callable, Iterable
from typing import TypeVar

from sqlalchemy import event, update
from sqlalchemy.orm import ORMExecuteState
from sqlmodel import Session, select

from tracker.models import Article, ArticleTopic, ContentStamp, PathItem, PathSection, Source, Topic, utcnow

TRACKED = frozenset(model.__tablename__ for model in (Article, ArticleTopic, Source, Topic, PathSection, PathItem))
STAMP = "tracker.content_stamp"  # the stamp this transaction read or wrote, in session.info
LIMIT = 256                      # values kept (paths and the catalog); more starts again
Value = TypeVar("Value")

_kept: dict[tuple[str, str, str, object], object] = {}
_lock = threading.Lock()


@functools.cache  # built once: it runs on nearly every request
def _stamp_query():
    return select(ContentStamp.stamp).where(ContentStamp.id == 1)


def current_stamp(session: Session) -> str:
    """The stamp of the curriculum this transaction sees ("" when the database has none: nothing is kept)."""
    stamp = session.info.get(STAMP)
    if stamp is None:
        stamp = session.exec(_stamp_query()).first() or ""
        session.info[STAMP] = stamp
    return stamp


def per_path(session: Session, path_ids: Iterable[int],
             build: Callable[[Session, list[int]], dict[int, Value]]) -> dict[int, Value]:
    """Each path's value as this process keeps it for the current stamp. `build(reader, missing)` makes the
    missing ones in one go through `reader`: a session of its own on this transaction's connection, so that
    what it reads are the rows as they stand, never objects this request already holds (and may hold from
    before the stamp it read), and what it returns belongs to no session once it is closed."""
    return _kept_values(session, "path", list(dict.fromkeys(path_ids)), build)


def whole(session: Session, name: str, build: Callable[[Session], Value]) -> Value:
    """One value made of the whole curriculum (`name` tells it from others), kept as `per_path` keeps a path's."""
    return _kept_values(session, name, [None], lambda reader, _missing: {None: build(reader)})[None]


def _kept_values(session: Session, kind: str, keys: list, build) -> dict:
    if session.new or session.dirty or session.deleted:
        session.flush()  # this transaction's own changes renew the stamp before it is read
    stamp = current_stamp(session)
    if not stamp:
        return _built(session, build, keys)
    bind = session.get_bind()
    database = str(getattr(bind, "url", None) or bind.engine.url)
    found = {}
    for key in keys:  # one lookup each: another thread may start the cache again meanwhile
        value = _kept.get((database, stamp, kind, key))
        if value is not None:
            found[key] = value
    missing = [key for key in keys if key not in found]
    if missing:
        built = _built(session, build, missing)
        if session.info.get(STAMP) == stamp:  # kept only under the stamp it was read with
            with _lock:
                if len(_kept) + len(built) > LIMIT:
                    _kept.clear()
                _kept.update({(database, stamp, kind, key): value for key, value in built.items()})
        found.update(built)
    return {key: found[key] for key in keys}


def _built(session: Session, build, keys: list):
    reader = Session(bind=session.connection())
    try:
        return build(reader, keys)
    finally:
        reader.close()  # what it loaded now belongs to no session: only read


def _bump(session: Session) -> None:
    stamp = uuid.uuid4().hex
    session.connection().execute(update(ContentStamp).where(ContentStamp.id == 1)
                                 .values(stamp=stamp, changed_at=utcnow()))
    session.info[STAMP] = stamp  # this transaction's later reads build from what it sees now


def _before_flush(session: Session, _context, _instances) -> None:
    if any(getattr(row, "__tablename__", None) in TRACKED for row in (*session.new, *session.dirty, *session.deleted)
           if row not in session.dirty or session.is_modified(row)):
        _bump(session)


def _before_bulk(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in TRACKED:
            _bump(state.session)


def _forget(session: Session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended: the next one reads the stamp again
        session.info.pop(STAMP, None)


def track_changes() -> None:
    """Install the stamp's writers on every session (once per process)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "do_orm_execute", _before_bulk)
        event.listen(Session, "after_transaction_end", _forget)
