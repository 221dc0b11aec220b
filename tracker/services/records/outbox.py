"""The xAPI outbox: statements queued in the database as progress happens, sent to a Learning Record Store in
batches, each one once (the LRS answers a repeated statement id with 204/409), retried with backoff while
the LRS is away."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import requests
from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from tracker.models import (
    Credential,
    SecurityEventKind,
    User,
    XapiOutbox,
)
from tracker.services import access
from tracker.services.errors import Conflict, Invalid, NotAllowed, NotFound
from tracker.services.people import security_log
from tracker.services.records.xapi import (
    XAPI_VERSION,
    credential_rows,
    credential_statements,
    event_rows,
    event_statement,
)

log = logging.getLogger("tracker.services.records.xapi")  # one logger for the xAPI integration


BATCH_SIZE = 50


ENQUEUE_BATCH = 1000


LEASE = timedelta(minutes=2)        # a claimed batch is not taken by another process for this long


BACKOFF_FIRST = timedelta(seconds=30)


BACKOFF_MAX = timedelta(hours=6)


TIMEOUT = 15                        # seconds per request to the LRS


@dataclass(frozen=True)
class RecordStore:
    """Where statements go: the LRS's xAPI base (ending before /statements) and its credentials."""

    endpoint: str
    username: str = ""
    password: str = ""

    def _request(self, method: str, body: list[dict[str, Any]] | dict[str, Any],
                 params: dict[str, str] | None = None) -> None:
        try:
            answer = requests.request(
                method, self.endpoint.rstrip("/") + "/statements", json=body, params=params, timeout=TIMEOUT,
                auth=(self.username, self.password) if self.username else None,
                headers={"X-Experience-API-Version": XAPI_VERSION})
        except requests.RequestException as exc:
            raise LrsError(f"the LRS could not be reached ({type(exc).__name__})") from None
        if answer.status_code not in (200, 204):
            raise LrsError(f"the LRS answered {answer.status_code}: {' '.join(answer.text.split())[:160]}",
                           status=answer.status_code)

    def send(self, batch: list[dict[str, Any]]) -> None:
        """POST a batch; raises LrsError unless the LRS stored it (or already had every statement)."""
        self._request("POST", batch)

    def put(self, statement: dict[str, Any]) -> None:
        """PUT one statement under its id: idempotent (an LRS that has it answers 204 and keeps it)."""
        self._request("PUT", statement, params={"statementId": statement["id"]})


class LrsError(Exception):
    """The LRS did not take a statement or a batch; the message says why, in one line, and `status` is the
    LRS's answer (None when it could not be reached)."""

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.status = status

    @property
    def refused(self) -> bool:
        """The LRS answered, and not that it is down or overloaded (502, 503, 504): it refused this batch."""
        return self.status is not None and self.status not in (502, 503, 504)


def record_store_from_config(config: Mapping[str, Any]) -> RecordStore | None:
    if not config.get("XAPI_ENDPOINT"):
        return None
    return RecordStore(endpoint=config["XAPI_ENDPOINT"], username=config.get("XAPI_USERNAME") or "",
                       password=config.get("XAPI_PASSWORD") or "")


IN_FLIGHT = 10_000  # events written just before the newest queued one, looked at again: some may commit later


def enqueue_new(*, session: Session, site: str, now: datetime) -> int:
    """Copy statements not yet in the outbox into it (events the outbox does not hold, finished paths, and the
    voiding of revoked ones). Safe from several processes: a statement's id is unique, a second copy is
    ignored. Commits.

    Events are looked for from IN_FLIGHT events below the highest one queued, not from it: on PostgreSQL an
    event's id is taken when it is written, so a transaction that commits late leaves an id below ones already
    queued, and a high-water mark would pass it by for good."""
    added = 0
    after = max(0, (session.exec(select(func.max(col(XapiOutbox.event_id)))).one() or 0) - IN_FLIGHT)
    while True:
        rows = event_rows(session, None, after, ENQUEUE_BATCH, unqueued=True)
        if not rows:
            break
        after = rows[-1][0].id
        added += _queue(session, now, [(user.id, event.id, event_statement(event=event, article=article, user=user,
                                                                           path=path, site=site))
                                       for event, article, user, path in rows])
        session.commit()
    # Credentials' statements have no event: the ones already queued, read once for the round.
    queued = set(session.exec(select(XapiOutbox.statement_id).where(col(XapiOutbox.event_id).is_(None))))
    for credential, user, registration in credential_rows(session, None, 0, None):
        due = [s for s in credential_statements(credential, user, site, registration) if s["id"] not in queued]
        added += _queue(session, now, [(user.id, None, statement) for statement in due])
    session.commit()
    return added


def queue_credential(*, session: Session, credential: Credential, site: str, now: datetime) -> int:
    """Queue the credential's statements the outbox does not hold yet: `completed`, then the voiding of it once
    revoked (each once: a statement's id is unique). Does not commit: it goes with the change it reports.
    A status-only record (its holder deleted the account) queues nothing: the deletion ended the holder's
    statements here, and the status list is what verifiers read."""
    if credential.user_id is None:
        return 0
    row = session.exec(select(User).where(col(User.id) == credential.user_id)).one()
    registration = next((reg for c, _u, reg in credential_rows(session, [row.id], credential.id - 1, 1)), None)
    return _queue(session, now, [(row.id, None, statement)
                                 for statement in credential_statements(credential, row, site, registration)])


def _queue(session: Session, now: datetime, statements: list[tuple[int, int | None, dict[str, Any]]]) -> int:
    """Insert (learner, event, statement) rows, skipping any whose statement id is already queued; how many
    were new."""
    if not statements:
        return 0
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    values = [{"statement_id": statement["id"], "user_id": user_id, "event_id": event_id,
               "statement": json.dumps(statement), "created_at": now, "next_attempt_at": now, "attempts": 0,
               "last_error": ""} for user_id, event_id, statement in statements]
    return len(session.exec(insert(XapiOutbox).values(values).on_conflict_do_nothing()
                            .returning(col(XapiOutbox.id))).all())


def backoff(attempts: int) -> timedelta:
    """30 s after the first failure, doubling, at most 6 hours."""
    return min(BACKOFF_FIRST * (2 ** max(0, attempts - 1)), BACKOFF_MAX)


@dataclass
class PushResult:
    sent: int = 0
    failed: str = ""   # the last error, if a batch failed


def _claim(session: Session, now: datetime) -> list[XapiOutbox]:
    ids = list(session.exec(select(XapiOutbox.id).where(col(XapiOutbox.sent_at).is_(None),
                                                         col(XapiOutbox.discarded_at).is_(None),
                                                         XapiOutbox.next_attempt_at <= now)
                            .order_by(col(XapiOutbox.id)).limit(BATCH_SIZE)))
    if not ids:
        return []
    won = [row[0] for row in session.exec(
        update(XapiOutbox).where(col(XapiOutbox.id).in_(ids), col(XapiOutbox.sent_at).is_(None),
                                 col(XapiOutbox.discarded_at).is_(None), col(XapiOutbox.next_attempt_at) <= now)
        .values(next_attempt_at=now + LEASE).returning(col(XapiOutbox.id))).all()]
    session.commit()
    return list(session.exec(select(XapiOutbox).where(col(XapiOutbox.id).in_(won or [0])).order_by(col(XapiOutbox.id))))


def push(*, session: Session, store: RecordStore, now: datetime, max_batches: int = 1000) -> PushResult:
    """Send due statements in batches until none is due or the LRS is out of reach (the rest waits for its
    retry). A statement the LRS refuses steps aside with its answer, retried later, and the others keep going."""
    result = PushResult()
    for _ in range(max_batches):
        batch = _claim(session, now)
        if not batch:
            break
        delivered, refused, stopped = _deliver(store, batch)
        if delivered:
            session.exec(update(XapiOutbox).where(col(XapiOutbox.id).in_(delivered)).values(
                sent_at=now, attempts=col(XapiOutbox.attempts) + 1, last_error="", refused_at=None))
            result.sent += len(delivered)
        for row in batch:
            error = refused.get(row.id) or (stopped if row.id not in delivered else None)
            if error is not None:
                result.failed = str(error)[:300]
                session.exec(update(XapiOutbox).where(col(XapiOutbox.id) == row.id).values(
                    attempts=row.attempts + 1, next_attempt_at=now + backoff(row.attempts + 1),
                    last_error=str(error)[:300], refused_at=now if row.id in refused else row.refused_at))
        session.commit()
        if refused:
            log.warning("The LRS refused %d xAPI statement(s); they are retried later and listed for admins "
                        "(%s)", len(refused), result.failed)
        if stopped is not None:
            log.warning("xAPI delivery failed; retrying later (%s)", result.failed)
            break
    return result


@dataclass(frozen=True)
class SendNow:
    """What an admin's "send now" did: statements newly queued, and what the push sent."""

    queued: int
    sent: int
    failed: str  # the last error, if a batch failed


def send_now(*, session: Session, store: RecordStore | None, site: str, now: datetime) -> SendNow:
    """Queue what is new and send what is due now, instead of waiting for the scheduled round. Invalid without a
    Learning Record Store. Commits."""
    if store is None:
        raise Invalid("No Learning Record Store is set up (TRACKER_XAPI_ENDPOINT).")
    queued = enqueue_new(session=session, site=site, now=now)
    result = push(session=session, store=store, now=now)
    return SendNow(queued=queued, sent=result.sent, failed=result.failed)


def _deliver(store: RecordStore, batch: list[XapiOutbox]) -> tuple[set[int], dict[int, LrsError], LrsError | None]:
    """Send a batch; when the LRS refuses it whole (some LRSs refuse a batch holding a statement they already
    have, as after an answer lost on the way back), send its statements one by one with PUT, which is
    idempotent. Returns the rows delivered, the rows the LRS refused (each with its answer), and the error that
    stopped the rest (the LRS out of reach), if any."""
    try:
        store.send([json.loads(row.statement) for row in batch])
        return {row.id for row in batch}, {}, None
    except LrsError as exc:
        if not exc.refused:
            return set(), {}, exc
    delivered: set[int] = set()
    refused: dict[int, LrsError] = {}
    for row in batch:
        try:
            store.put(json.loads(row.statement))
        except LrsError as exc:
            if not exc.refused:
                return delivered, refused, exc
            refused[row.id] = exc
        else:
            delivered.add(row.id)
    return delivered, refused, None


@dataclass
class OutboxState:
    waiting: int
    sent: int
    last_error: str
    next_attempt_at: datetime | None  # of the failing statement that is retried last
    refused: int = 0                  # waiting ones the LRS refused
    discarded: int = 0


def _waiting() -> tuple[Any, ...]:
    return col(XapiOutbox.sent_at).is_(None), col(XapiOutbox.discarded_at).is_(None)


def outbox_state(*, session: Session) -> OutboxState:
    """What the admin page shows: how many statements wait (how many of them the LRS refused), how many went
    out or were discarded, and the last error."""
    def count(*where: Any) -> int:
        return session.exec(select(func.count(col(XapiOutbox.id))).where(*where)).one()

    failing = session.exec(select(XapiOutbox).where(*_waiting(), XapiOutbox.last_error != "")
                           .order_by(col(XapiOutbox.next_attempt_at).desc()).limit(1)).first()
    return OutboxState(waiting=count(*_waiting()), sent=count(col(XapiOutbox.sent_at).is_not(None)),
                       last_error=failing.last_error if failing else "",
                       next_attempt_at=failing.next_attempt_at if failing else None,
                       refused=count(*_waiting(), col(XapiOutbox.refused_at).is_not(None)),
                       discarded=count(col(XapiOutbox.discarded_at).is_not(None)))


# ---------------------------------------------------------------- what the LRS refuses, and the admin's way out

REFUSED_PAGE = 100


@dataclass(frozen=True)
class RefusedStatement:
    row: XapiOutbox
    learner: str      # the learner's username

    @property
    def summary(self) -> str:
        """What the statement says, in a few words: its verb and what it is about."""
        statement = json.loads(self.row.statement)
        verb = statement.get("verb", {}).get("display", {}).get("en-US", "?")
        target = statement.get("object", {})
        name = target.get("definition", {}).get("name", {}).get("en-US") or target.get("id", "")
        return f"{verb} {name}".strip()


def refused_statements(*, session: Session, limit: int = REFUSED_PAGE) -> list[RefusedStatement]:
    """Statements the LRS refused and that still wait (neither sent nor discarded), most recently refused first,
    with the learner they are about."""
    rows = session.exec(select(XapiOutbox, User.username).join(User, col(User.id) == XapiOutbox.user_id)
                        .where(*_waiting(), col(XapiOutbox.refused_at).is_not(None))
                        .order_by(col(XapiOutbox.refused_at).desc(), col(XapiOutbox.id).desc()).limit(limit)).all()
    return [RefusedStatement(row=row, learner=username) for row, username in rows]


def _refused_row(session: Session, statement_id: str) -> XapiOutbox:
    row = session.exec(select(XapiOutbox).where(XapiOutbox.statement_id == statement_id[:36])).first()
    if row is None:
        raise NotFound("There is no such statement in the outbox.")
    if row.sent_at is not None:
        raise Conflict("The LRS took this statement in the meantime; there is nothing left to do.")
    if row.discarded_at is not None:
        raise Conflict(f"This statement was already discarded on {row.discarded_at:%B %-d, %Y}.")
    return row


def retry_refused(*, session: Session, admin: User, now: datetime, statement_id: str | None = None) -> int:
    """Make one refused statement (or, with None, every one) due now, for the next sending. Admins only;
    commits; how many are due again."""
    if not access.can_handle_refused_statements(admin):
        raise NotAllowed("Only admins retry statements the LRS refused.")
    where = [*_waiting(), col(XapiOutbox.refused_at).is_not(None)]
    if statement_id is not None:
        where.append(col(XapiOutbox.id) == _refused_row(session, statement_id).id)
    due = session.exec(update(XapiOutbox).where(*where).values(next_attempt_at=now)
                       .returning(col(XapiOutbox.id))).all()
    session.commit()
    return len(due)


def discard_refused(*, session: Session, admin: User, statement_id: str, now: datetime,
                    address: str = "") -> XapiOutbox:
    """Set a waiting statement aside for good: kept in the outbox, marked discarded, never sent, and recorded in
    the security log with the admin and the LRS's last answer. Admins only; commits. A statement sent or
    discarded in the meantime is a Conflict, and nothing changes."""
    if not access.can_handle_refused_statements(admin):
        raise NotAllowed("Only admins discard statements the LRS refused.")
    row = _refused_row(session, statement_id)
    # Only while it still waits: a push that delivered it a moment ago wins, and the log says nothing false.
    won = session.exec(update(XapiOutbox).where(col(XapiOutbox.id) == row.id, *_waiting())
                       .values(discarded_at=now).returning(col(XapiOutbox.id))).first()
    if won is None:
        session.rollback()
        raise Conflict("The LRS took this statement in the meantime, or it was discarded; nothing was changed.")
    learner = session.get(User, row.user_id)
    security_log.record(session=session, kind=SecurityEventKind.statement_discarded, user=admin, address=address,
                        detail=f"xAPI statement {row.statement_id} about {learner.username if learner else '?'} "
                               f"({row.attempts} attempts): {row.last_error}", at=now)
    session.refresh(row)
    return row


@dataclass(frozen=True)
class Retried:
    """What retrying refused statements did: how many were made due, and with a store set up, what was sent."""

    due: int
    store: bool     # a Learning Record Store is set up (else they wait for one)
    sent: int = 0
    still_refused: int = 0
    failed: str = ""

    def sentence(self) -> str:
        if not self.store:
            return f"{self.due} statement(s) will be sent again once a Learning Record Store is set up."
        return (f"{self.due} refused statement(s) sent again: {self.sent} delivered, {self.still_refused} still "
                f"refused" + (f" (last answer: {self.failed})." if self.failed else "."))


def retry_and_send(*, session: Session, admin: User, store: RecordStore | None, now: datetime,
                   statement_id: str | None = None) -> Retried:
    """Make one refused statement (or every one) due and, with a store set up, send now. Admins only; commits."""
    due = retry_refused(session=session, admin=admin, now=now, statement_id=statement_id)
    if store is None:
        return Retried(due=due, store=False)
    result = push(session=session, store=store, now=now)
    return Retried(due=due, store=True, sent=result.sent, still_refused=outbox_state(session=session).refused,
                   failed=result.failed)
