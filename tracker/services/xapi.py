"""Progress as xAPI 1.0.3 statements, and their delivery to a Learning Record Store through an outbox.

Each progress event is one statement, built the same way whether it is read from the API or sent to an
LRS, with an id fixed by the event (a UUID derived from the site's address and the event's id), so
sending it again is idempotent for the LRS. Finishing a path (a completion credential) is one more
statement, `completed` for the path as a course.

Verbs: done is ADL's `completed` (with `result.completion: true`), reading is ADL's `progressed`;
skipped and "back to not started" have no ADL verb, so they use the site's own
(`<site>/xapi/verbs/skipped` and `<site>/xapi/verbs/reset`). An undo is a new statement (reset), not a
voiding statement: the learner's history keeps both, as the app's own event log does.

Delivery (when TRACKER_XAPI_ENDPOINT is set): the scheduled round (and `tracker xapi push`) copies new
statements into `xapi_outbox`, then sends what is due in batches. A batch is claimed before it is sent
(so two processes never send the same rows at once), marked sent only when the LRS accepts it, and
retried with exponential backoff when the LRS cannot be reached or answers 5xx.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from tracker.models import (
    Article,
    Credential,
    LearningPath,
    ProgressEvent,
    ProgressState,
    User,
    XapiOutbox,
    as_utc,
)

log = logging.getLogger(__name__)

XAPI_VERSION = "1.0.3"
ADL = "http://adlnet.gov/expapi/verbs/"
ARTICLE_TYPE = "http://activitystrea.ms/schema/1.0/article"
COURSE_TYPE = "http://adlnet.gov/expapi/activities/course"
PAGE_SIZE = 100
BATCH_SIZE = 50
ENQUEUE_BATCH = 1000
LEASE = timedelta(minutes=2)        # a claimed batch is not taken by another process for this long
BACKOFF_FIRST = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=6)
TIMEOUT = 15                        # seconds per request to the LRS


# ---------------------------------------------------------------- statements

def _verb(state: ProgressState, site: str) -> dict:
    verbs = {
        ProgressState.done: (ADL + "completed", "completed"),
        ProgressState.in_progress: (ADL + "progressed", "progressed"),
        ProgressState.skipped: (f"{site}/xapi/verbs/skipped", "skipped"),
        ProgressState.not_started: (f"{site}/xapi/verbs/reset", "marked as not started"),
    }
    verb_id, display = verbs[ProgressState(state)]
    return {"id": verb_id, "display": {"en-US": display}}


def actor(user: User, site: str) -> dict:
    """The learner as an xAPI account: the site and an opaque id, never a name or an address."""
    return {"objectType": "Agent", "account": {"homePage": site, "name": user.public_id}}


def _activity(activity_id: str, name: str, activity_type: str, more_info: str | None = None) -> dict:
    definition = {"name": {"en-US": name}, "type": activity_type}
    if more_info:
        definition["moreInfo"] = more_info
    return {"objectType": "Activity", "id": activity_id, "definition": definition}


def _timestamp(moment: datetime) -> str:
    return as_utc(moment).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def statement_id(site: str, kind: str, key: int | str) -> str:
    """A statement's id, fixed by what it reports: the same event gives the same id, every time."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{site}/xapi/{kind}/{key}"))


def event_statement(*, event: ProgressEvent, article: Article, user: User, path: LearningPath | None,
                    site: str) -> dict:
    statement = {
        "id": statement_id(site, "event", event.id),
        "actor": actor(user, site),
        "verb": _verb(event.state, site),
        "object": _activity(f"{site}/articles/{article.slug}", article.title, ARTICLE_TYPE, article.url),
        "timestamp": _timestamp(event.created_at),
        "context": {"platform": "Learning-path tracker", "language": "en"},
        "version": XAPI_VERSION,
    }
    if event.state == ProgressState.done:
        statement["result"] = {"completion": True}
    if path is not None:
        statement["context"]["contextActivities"] = {
            "grouping": [_activity(f"{site}/paths/{path.slug}", path.title, COURSE_TYPE)]}
    return statement


def credential_statement(*, credential: Credential, user: User, site: str) -> dict:
    """Finishing a path: `completed` for the path as a course."""
    return {
        "id": statement_id(site, "credential", credential.public_id),
        "actor": actor(user, site),
        "verb": _verb(ProgressState.done, site),
        "object": _activity(f"{site}/paths/{credential.path_slug}", credential.path_title, COURSE_TYPE),
        "result": {"completion": True},
        "timestamp": _timestamp(credential.issued_at),
        "context": {"platform": "Learning-path tracker", "language": "en",
                    "extensions": {f"{site}/xapi/extensions/path-version": credential.path_version}},
        "version": XAPI_VERSION,
    }


@dataclass
class StatementPage:
    statements: list[dict]
    after: str | None  # the cursor of the next page; None on the last one


def _events(session: Session, user_ids: list[int] | None, after_event: int, limit: int):
    query = (select(ProgressEvent, Article, User, LearningPath)
             .join(Article, Article.id == ProgressEvent.article_id)
             .join(User, User.id == ProgressEvent.user_id)
             .outerjoin(LearningPath, LearningPath.id == ProgressEvent.path_id)
             .where(ProgressEvent.id > after_event))
    if user_ids is not None:
        query = query.where(ProgressEvent.user_id.in_(user_ids or [0]))
    return session.exec(query.order_by(ProgressEvent.id).limit(limit)).all()


def _credentials(session: Session, user_ids: list[int] | None, after_id: int, limit: int):
    query = select(Credential, User).join(User, User.id == Credential.user_id).where(Credential.id > after_id)
    if user_ids is not None:
        query = query.where(Credential.user_id.in_(user_ids or [0]))
    return session.exec(query.order_by(Credential.id).limit(limit)).all()


def parse_cursor(after: str | None) -> tuple[str, int]:
    """`e<id>` (progress events after that one) or `c<id>` (then credentials); ValueError otherwise."""
    if not after:
        return "e", 0
    kind, number = after[:1], after[1:]
    if kind not in {"e", "c"} or not number.isdigit() or len(number) > 18:
        raise ValueError("after: expected the cursor a previous page gave")
    return kind, int(number)


def statements(*, session: Session, user_ids: list[int] | None, site: str, after: str | None = None,
               limit: int = PAGE_SIZE) -> StatementPage:
    """One page of statements, oldest first: every progress event, then every path finished. `user_ids`
    None means everyone (admins)."""
    kind, number = parse_cursor(after)
    out: list[dict] = []
    if kind == "e":
        rows = _events(session, user_ids, number, limit + 1)
        for event, article, user, path in rows[:limit]:
            out.append(event_statement(event=event, article=article, user=user, path=path, site=site))
        if len(rows) > limit:
            return StatementPage(out, f"e{rows[limit - 1][0].id}")
        kind, number = "c", 0
    rows = _credentials(session, user_ids, number, limit - len(out) + 1)
    room = limit - len(out)
    for credential, user in rows[:room]:
        out.append(credential_statement(credential=credential, user=user, site=site))
    if len(rows) > room:
        return StatementPage(out, f"c{rows[room - 1][0].id}" if room else f"c{number}")
    return StatementPage(out, None)


# ---------------------------------------------------------------- the outbox and the LRS

@dataclass(frozen=True)
class RecordStore:
    """Where statements go: the LRS's xAPI base (ending before /statements) and its credentials."""

    endpoint: str
    username: str = ""
    password: str = ""

    def _request(self, method: str, body, params: dict | None = None) -> None:
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

    def send(self, batch: list[dict]) -> None:
        """POST a batch; raises LrsError unless the LRS stored it (or already had every statement)."""
        self._request("POST", batch)

    def put(self, statement: dict) -> None:
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


def record_store_from_config(config) -> RecordStore | None:
    if not config.get("XAPI_ENDPOINT"):
        return None
    return RecordStore(endpoint=config["XAPI_ENDPOINT"], username=config.get("XAPI_USERNAME") or "",
                       password=config.get("XAPI_PASSWORD") or "")


def _insert(session: Session):
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def enqueue_new(*, session: Session, site: str, now: datetime) -> int:
    """Copy statements not yet in the outbox into it (events after the last one queued, and finished paths).
    Safe from several processes: a statement's id is unique, a second copy is ignored. Commits."""
    insert = _insert(session)
    added = 0
    while True:
        last = session.exec(select(func.max(XapiOutbox.event_id))).one() or 0
        rows = _events(session, None, last, ENQUEUE_BATCH)
        if not rows:
            break
        values = [{"statement_id": statement_id(site, "event", event.id), "user_id": user.id, "event_id": event.id,
                   "statement": json.dumps(event_statement(event=event, article=article, user=user, path=path,
                                                           site=site)),
                   "created_at": now, "next_attempt_at": now, "attempts": 0, "last_error": ""}
                  for event, article, user, path in rows]
        added += len(session.exec(insert(XapiOutbox).values(values).on_conflict_do_nothing()
                                  .returning(XapiOutbox.id)).all())
        session.commit()
    queued = select(XapiOutbox.statement_id)
    for credential, user in session.exec(select(Credential, User).join(User, User.id == Credential.user_id)):
        sid = statement_id(site, "credential", credential.public_id)
        if session.exec(queued.where(XapiOutbox.statement_id == sid)).first() is None:
            added += len(session.exec(insert(XapiOutbox).values(
                statement_id=sid, user_id=user.id, event_id=None, created_at=now, next_attempt_at=now, attempts=0,
                last_error="", statement=json.dumps(credential_statement(credential=credential, user=user, site=site)),
            ).on_conflict_do_nothing().returning(XapiOutbox.id)).all())
    session.commit()
    return added


def backoff(attempts: int) -> timedelta:
    """30 s after the first failure, doubling, at most 6 hours."""
    return min(BACKOFF_FIRST * (2 ** max(0, attempts - 1)), BACKOFF_MAX)


@dataclass
class PushResult:
    sent: int = 0
    failed: str = ""   # the last error, if a batch failed


def _claim(session: Session, now: datetime) -> list[XapiOutbox]:
    ids = list(session.exec(select(XapiOutbox.id).where(XapiOutbox.sent_at.is_(None),
                                                         XapiOutbox.next_attempt_at <= now)
                            .order_by(XapiOutbox.id).limit(BATCH_SIZE)))
    if not ids:
        return []
    won = [row[0] for row in session.exec(
        update(XapiOutbox).where(XapiOutbox.id.in_(ids), XapiOutbox.sent_at.is_(None),
                                 XapiOutbox.next_attempt_at <= now)
        .values(next_attempt_at=now + LEASE).returning(XapiOutbox.id)).all()]
    session.commit()
    return list(session.exec(select(XapiOutbox).where(XapiOutbox.id.in_(won or [0])).order_by(XapiOutbox.id)))


def push(*, session: Session, store: RecordStore, now: datetime, max_batches: int = 1000) -> PushResult:
    """Send due statements in batches until none is due or a batch fails (the rest waits for its retry)."""
    result = PushResult()
    for _ in range(max_batches):
        batch = _claim(session, now)
        if not batch:
            break
        delivered, error = _deliver(store, batch)
        if delivered:
            session.exec(update(XapiOutbox).where(XapiOutbox.id.in_(delivered)).values(
                sent_at=now, attempts=XapiOutbox.attempts + 1, last_error=""))
            result.sent += len(delivered)
        if error is not None:
            result.failed = str(error)[:300]
            for row in batch:
                if row.id not in delivered:
                    session.exec(update(XapiOutbox).where(XapiOutbox.id == row.id).values(
                        attempts=row.attempts + 1, next_attempt_at=now + backoff(row.attempts + 1),
                        last_error=result.failed))
        session.commit()
        if error is not None:
            log.warning("xAPI delivery failed; retrying later (%s)", result.failed)
            break
    return result


def _deliver(store: RecordStore, batch: list[XapiOutbox]) -> tuple[set[int], LrsError | None]:
    """Send a batch; when the LRS refuses it whole (some LRSs refuse a batch holding a statement they already
    have, as after an answer lost on the way back), send its statements one by one with PUT, which is
    idempotent. Returns the rows delivered and the error that stopped the rest, if any."""
    try:
        store.send([json.loads(row.statement) for row in batch])
        return {row.id for row in batch}, None
    except LrsError as exc:
        if not exc.refused or len(batch) == 1:
            return set(), exc
    delivered: set[int] = set()
    for row in batch:
        try:
            store.put(json.loads(row.statement))
        except LrsError as exc:
            return delivered, exc
        delivered.add(row.id)
    return delivered, None


@dataclass
class OutboxState:
    waiting: int
    sent: int
    last_error: str
    next_attempt_at: datetime | None  # of the failing statement that is retried last


def outbox_state(*, session: Session) -> OutboxState:
    """What the admin page shows: how many statements wait, how many went out, and the last error."""
    waiting = session.exec(select(func.count(XapiOutbox.id)).where(XapiOutbox.sent_at.is_(None))).one()
    sent = session.exec(select(func.count(XapiOutbox.id)).where(XapiOutbox.sent_at.is_not(None))).one()
    failing = session.exec(select(XapiOutbox).where(XapiOutbox.sent_at.is_(None), XapiOutbox.last_error != "")
                           .order_by(XapiOutbox.next_attempt_at.desc()).limit(1)).first()
    return OutboxState(waiting=waiting, sent=sent, last_error=failing.last_error if failing else "",
                       next_attempt_at=failing.next_attempt_at if failing else None)
