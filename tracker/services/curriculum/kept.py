"""The curriculum as lists show it (the catalog's article cards, topics and sources; each path's sections, items
and cards), read once per process for each state of the curriculum and shared by every request, instead of
rebuilt from the database on every view.

Every change to the tables it is made of writes a new random `content_stamp` in the same transaction: changes
to objects just before they are flushed, bulk statements through the session just before they run (installed
on every session by `track_changes`), so every writer takes the stamp's row first. A request reads the stamp
(one small query per transaction) and uses what this process built under it, or builds it and keeps it.
Another process sees a change at its next request; a restored backup brings back the stamp that goes with its
content. What is kept was read by a session of its own and belongs to no session, so a request can neither
change it by accident nor see it expire: it is only read.

What is kept lives in a `Store`: least recently used first out, bounded by an estimate of the bytes it holds,
with its hits, misses, entries and bytes in the metrics (the pages' rendered fragments use one too).
Values built under an older stamp are not thrown away at once (a transaction that began before the change
still reads them); they are simply used no more and leave as the store fills.
"""

from __future__ import annotations

import functools
import threading
import uuid
from collections.abc import Callable, Hashable, Iterable
from typing import Any, Generic, NamedTuple, TypeVar

from cachetools import LRUCache
from sqlalchemy import event, orm, update
from sqlalchemy.orm import ORMExecuteState
from sqlmodel import Session, col, select

from tracker import metrics
from tracker.models import Article, ArticleTopic, ContentStamp, PathItem, PathSection, Source, Topic, utcnow

TRACKED = frozenset(model.__tablename__ for model in (Article, ArticleTopic, Source, Topic, PathSection, PathItem))
STAMP = "tracker.content_stamp"  # the stamp this transaction read or wrote, in session.info
READING = "tracker.content_stamp.reading"  # in a builder's own session: the stamp what it reads is kept under
# The curriculum kept per process. By the estimate below the bundled catalog and its four paths take 1.2 MiB: this
# holds some fifty states of it, or a catalog fifty times larger.
MAX_BYTES = 64 * 1024 * 1024
# A kept value's size is estimated from the rows its build read (the builder's identity map: articles, sources,
# topics, sections, items) at 2 KiB a row: tracemalloc measured what these builds leave in memory at 1.5 KiB a row
# for a path's sections and 2.2 KiB a row for the catalog with its search text. Counting rows costs nothing,
# where measuring the objects themselves would cost more than building them. Values built together share their
# rows' estimate equally (they share the rows, too).
ROW_BYTES = 2048
Value = TypeVar("Value")


class Store(Generic[Value]):
    """Values by key, shared by the threads of a process: least recently used first out, bounded by the bytes
    `size_of(value)` says the values take, with its hits, misses, entries and bytes in the metrics under `name`.
    A value larger than the whole store is not kept."""

    def __init__(self, name: str, *, max_bytes: int, size_of: Callable[[Value], int]):
        self.name = name
        self.max_bytes = max_bytes
        self._values: Any = LRUCache(maxsize=max_bytes, getsizeof=size_of)
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Value | None:
        """The value kept under `key` (now the most recently used), or None."""
        value: Value | None
        with self._lock:
            try:
                value = self._values[key]
            except KeyError:
                value = None
        metrics.cache_lookup(self.name, hit=value is not None)
        return value

    def put(self, key: Hashable, value: Value) -> None:
        """Keep `value` under `key`, making room by dropping the least recently used."""
        self.put_many({key: value})

    def put_many(self, values: dict[Hashable, Value]) -> None:
        """Keep each of `values` under its key (one lock for all of them)."""
        with self._lock:
            for key, value in values.items():
                try:
                    self._values[key] = value
                except ValueError:  # larger than the whole store
                    pass
            entries, size = len(self._values), self._values.currsize
        metrics.cache_size(self.name, entries=entries, size=size)

    def kept(self, key: Hashable, make: Callable[[], Value]) -> Value:
        """The value kept under `key`, or `make()`'s, kept from now on (made outside the lock: two threads may
        both make it, and one of the equal values stays)."""
        value = self.get(key)
        if value is None:
            value = make()
            self.put(key, value)
        return value

    def __len__(self) -> int:
        return len(self._values)

    def values(self) -> list[Value]:
        """Every value kept, for looking at (which counts as using them)."""
        with self._lock:
            return list(self._values.values())

    @property
    def size(self) -> int:
        """The bytes the values take, by `size_of`."""
        return int(self._values.currsize)


class _Built(NamedTuple):
    value: object
    size: int  # bytes, estimated (ROW_BYTES)


_kept: Store[_Built] = Store("curriculum", max_bytes=MAX_BYTES, size_of=lambda built: built.size)


def configure(*, max_bytes: int) -> None:
    """Bound what this process keeps of the curriculum to `max_bytes` (it starts empty again)."""
    global _kept
    _kept = Store("curriculum", max_bytes=max_bytes, size_of=lambda built: built.size)


def store() -> Store[_Built]:
    """What this process keeps of the curriculum: each value with its estimated bytes."""
    return _kept


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
        return _built(session, build, keys)[0]
    bind = session.get_bind()
    database = str(getattr(bind, "url", None) or bind.engine.url)
    store = _kept
    found = {}
    for key in keys:  # one lookup each: another thread may drop one meanwhile
        kept = store.get((database, stamp, kind, key))
        if kept is not None:
            found[key] = kept.value
    missing = [key for key in keys if key not in found]
    if missing:
        built, rows = _built(session, build, missing, stamp=stamp)
        if session.info.get(STAMP) == stamp:  # kept only under the stamp it was read with
            share = max(1, rows) * ROW_BYTES // len(built) if built else 0
            store.put_many({(database, stamp, kind, key): _Built(value, share) for key, value in built.items()})
        found.update(built)
    return {key: found[key] for key in keys}


def _built(session: Session, build, keys: list, *, stamp: str = "") -> tuple[dict, int]:
    """What `build` makes of `keys` through a session of its own, and the number of rows it read."""
    reader = Session(bind=session.connection())
    if stamp:
        reader.info[READING] = stamp
    try:
        return build(reader, keys), len(reader.identity_map)
    finally:
        reader.close()  # what it loaded now belongs to no session: only read


def reading_stamp(session: Session) -> str | None:
    """The stamp under which what `session` reads is kept, when it is a builder's session of `per_path` or
    `whole` (None for any other: a request's own objects may hold changes no stamp covers yet). What is made
    from those rows is the same for every request under that stamp, so it can be kept by it (an article's card,
    and what is rendered from it)."""
    return session.info.get(READING)


def _bump(session: orm.Session) -> None:
    stamp = uuid.uuid4().hex
    session.connection().execute(update(ContentStamp).where(col(ContentStamp.id) == 1)
                                 .values(stamp=stamp, changed_at=utcnow()))
    session.info[STAMP] = stamp  # this transaction's later reads build from what it sees now


def _before_flush(session: orm.Session, _context, _instances) -> None:
    if any(getattr(row, "__tablename__", None) in TRACKED for row in (*session.new, *session.dirty, *session.deleted)
           if row not in session.dirty or session.is_modified(row)):
        _bump(session)


def _before_bulk(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in TRACKED:
            _bump(state.session)


def _forget(session: orm.Session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended: the next one reads the stamp again
        session.info.pop(STAMP, None)


def track_changes() -> None:
    """Install the stamp's writers on every session (once per process)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "do_orm_execute", _before_bulk)
        event.listen(Session, "after_transaction_end", _forget)
