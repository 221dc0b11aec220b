"""Progress as xAPI 1.0.3 statements (their delivery to a Learning Record Store: tracker.services.records.outbox).

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

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists
from sqlmodel import Session, col, select

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


# ---------------------------------------------------------------- statements

def _verb(state: ProgressState, site: str) -> dict[str, Any]:
    verbs = {
        ProgressState.done: (ADL + "completed", "completed"),
        ProgressState.in_progress: (ADL + "progressed", "progressed"),
        ProgressState.skipped: (f"{site}/xapi/verbs/skipped", "skipped"),
        ProgressState.not_started: (f"{site}/xapi/verbs/reset", "marked as not started"),
    }
    verb_id, display = verbs[ProgressState(state)]
    return {"id": verb_id, "display": {"en-US": display}}


def actor(user: User, site: str) -> dict[str, Any]:
    """The learner as an xAPI account: the site and an opaque id, never a name or an address."""
    return {"objectType": "Agent", "account": {"homePage": site, "name": user.public_id}}


def _activity(activity_id: str, name: str, activity_type: str, more_info: str | None = None) -> dict[str, Any]:
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
                    site: str) -> dict[str, Any]:
    context: dict[str, Any] = {"platform": "Learning-path tracker", "language": "en"}
    if path is not None:
        context["contextActivities"] = {
            "grouping": [_activity(f"{site}/paths/{path.slug}", path.title, COURSE_TYPE)]}
    statement: dict[str, Any] = {
        "id": statement_id(site, "event", event.id),
        "actor": actor(user, site),
        "verb": _verb(event.state, site),
        "object": _activity(f"{site}/articles/{article.slug}", article.title, ARTICLE_TYPE, article.url),
        "timestamp": _timestamp(event.created_at),
        "context": context,
        "version": XAPI_VERSION,
    }
    if event.state == ProgressState.done:
        statement["result"] = {"completion": True}
    return statement


def credential_statement(*, credential: Credential, user: User, site: str) -> dict[str, Any]:
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
    statements: list[dict[str, Any]]
    after: str | None  # the cursor of the next page; None on the last one


def event_rows(session: Session, user_ids: list[int] | None, after_event: int, limit: int,
               *, unqueued: bool = False) -> Sequence[tuple[ProgressEvent, Article, User, LearningPath | None]]:
    """Progress events after `after_event` (of these users; None: everyone's; with `unqueued`, only those the
    outbox does not hold yet), oldest first, with what they name."""
    query = (select(ProgressEvent, Article, User, LearningPath)
             .join(Article, col(Article.id) == ProgressEvent.article_id)
             .join(User, col(User.id) == ProgressEvent.user_id)
             .outerjoin(LearningPath, col(LearningPath.id) == ProgressEvent.path_id)
             .where(ProgressEvent.id > after_event))
    if unqueued:
        query = query.where(~exists().where(col(XapiOutbox.event_id) == ProgressEvent.id))
    if user_ids is not None:
        query = query.where(col(ProgressEvent.user_id).in_(user_ids or [0]))
    return session.exec(query.order_by(col(ProgressEvent.id)).limit(limit)).all()


def _credentials(session: Session, user_ids: list[int] | None, after_id: int,
                 limit: int) -> Sequence[tuple[Credential, User]]:
    query = select(Credential, User).join(User, col(User.id) == Credential.user_id).where(Credential.id > after_id)
    if user_ids is not None:
        query = query.where(col(Credential.user_id).in_(user_ids or [0]))
    return session.exec(query.order_by(col(Credential.id)).limit(limit)).all()


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
    out: list[dict[str, Any]] = []
    if kind == "e":
        events = event_rows(session, user_ids, number, limit + 1)
        for event, article, user, path in events[:limit]:
            out.append(event_statement(event=event, article=article, user=user, path=path, site=site))
        if len(events) > limit:
            return StatementPage(out, f"e{events[limit - 1][0].id}")
        kind, number = "c", 0
    credentials = _credentials(session, user_ids, number, limit - len(out) + 1)
    room = limit - len(out)
    for credential, owner in credentials[:room]:
        out.append(credential_statement(credential=credential, user=owner, site=site))
    if len(credentials) > room:
        return StatementPage(out, f"c{credentials[room - 1][0].id}" if room else f"c{number}")
    return StatementPage(out, None)


# ---------------------------------------------------------------- the outbox and the LRS


