"""Progress as xAPI 1.0.3 statements (their delivery to a Learning Record Store: tracker.services.records.outbox).

Each progress event is one statement, built the same way whether it is read from the API or sent to an
LRS, under the id the event was given when it was written (a random UUID, stored, never used again: a
deleted account's ids are not handed to anyone else's statements), so sending it again is idempotent for the
LRS. Finishing a path (a completion credential) is one more statement, `completed` for the path as a course,
under the credential's statement id (a new one when an admin re-grants it); revoking the credential voids
that statement (ADL's `voided`, its object a StatementRef).

Verbs are registered ones where they exist: ADL's `completed` (done, with `result.completion: true`) and
`progressed` (reading), the xAPI registry's `http://id.tincanapi.com/verb/skipped`; "back to not started"
has none, so it is the tracker's own `tag:` IRI, the same on every installation whatever its address. An
undo is a new statement (reset), not a voiding statement: the learner's history keeps both, as the app's own
event log does. A change made on a followed path carries the enrollment's `context.registration`.

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

from sqlalchemy import and_, exists
from sqlmodel import Session, col, select

from tracker.models import (
    Article,
    Credential,
    LearningPath,
    PathFollow,
    ProgressEvent,
    ProgressState,
    User,
    XapiOutbox,
    as_utc,
)

log = logging.getLogger(__name__)

XAPI_VERSION = "1.0.3"
ADL = "http://adlnet.gov/expapi/verbs/"
REGISTRY = "http://id.tincanapi.com/verb/"           # the xAPI vocabulary registry's verbs
OWN = "tag:learning-path-tracker,2026:xapi/"       # ours, where no registered IRI exists: never the site's address
VOIDED = ADL + "voided"
PATH_VERSION = OWN + "extensions/path-version"
ARTICLE_TYPE = "http://activitystrea.ms/schema/1.0/article"
COURSE_TYPE = "http://adlnet.gov/expapi/activities/course"
PAGE_SIZE = 100


# ---------------------------------------------------------------- statements

VERBS = {
    ProgressState.done: (ADL + "completed", "completed"),
    ProgressState.in_progress: (ADL + "progressed", "progressed"),
    ProgressState.skipped: (REGISTRY + "skipped", "skipped"),
    ProgressState.not_started: (OWN + "verbs/reset", "marked as not started"),
}


def _verb(state: ProgressState) -> dict[str, Any]:
    verb_id, display = VERBS[ProgressState(state)]
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
    """An id derived from what a statement reports: the same key gives the same id, every time. Only for
    keys never handed out twice (a credential's public id, a voided statement's id), never a row's id."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{site}/xapi/{kind}/{key}"))


def credential_statement_id(credential: Credential, site: str) -> str:
    """The id of the credential's `completed` statement: the one stored with it (new at each re-grant), or,
    for a credential issued before it was stored, the one derived from its public id."""
    return credential.statement_id or statement_id(site, "credential", credential.public_id)


def event_statement(*, event: ProgressEvent, article: Article, user: User, path: LearningPath | None,
                    site: str) -> dict[str, Any]:
    context: dict[str, Any] = {"platform": "Learning-path tracker", "language": "en"}
    if path is not None and path.owner_id is None:  # a personal path is no activity of the curriculum
        context["contextActivities"] = {
            "grouping": [_activity(f"{site}/paths/{path.slug}", path.title, COURSE_TYPE)]}
        if event.registration:
            context["registration"] = event.registration
    statement: dict[str, Any] = {
        "id": event.statement_id,
        "actor": actor(user, site),
        "verb": _verb(event.state),
        "object": _activity(f"{site}/articles/{article.slug}", article.title, ARTICLE_TYPE, article.url),
        "timestamp": _timestamp(event.created_at),
        "context": context,
        "version": XAPI_VERSION,
    }
    if event.state == ProgressState.done:
        statement["result"] = {"completion": True}
    return statement


def credential_statement(*, credential: Credential, user: User, site: str,
                         registration: str | None = None) -> dict[str, Any]:
    """Finishing a path: `completed` for the path as a course (with the enrollment's registration, if any)."""
    context: dict[str, Any] = {"platform": "Learning-path tracker", "language": "en",
                               "extensions": {PATH_VERSION: credential.path_version}}
    if registration:
        context["registration"] = registration
    return {
        "id": credential_statement_id(credential, site),
        "actor": actor(user, site),
        "verb": _verb(ProgressState.done),
        "object": _activity(f"{site}/paths/{credential.path_slug}", credential.path_title, COURSE_TYPE),
        "result": {"completion": True},
        "timestamp": _timestamp(credential.issued_at),
        "context": context,
        "version": XAPI_VERSION,
    }


def voiding_statement(*, credential: Credential, site: str) -> dict[str, Any]:
    """ADL's `voided` for a revoked credential's `completed` statement, by the tracker itself (the admin who
    revoked it is not named outside the app). Its id is derived from the voided one's: voiding a statement
    twice is one statement."""
    voided_id = credential_statement_id(credential, site)
    return {
        "id": statement_id(site, "voided", voided_id),
        "actor": {"objectType": "Agent", "account": {"homePage": site, "name": "learning-path-tracker"}},
        "verb": {"id": VOIDED, "display": {"en-US": "voided"}},
        "object": {"objectType": "StatementRef", "id": voided_id},
        "timestamp": _timestamp(credential.revoked_at or credential.issued_at),
        "context": {"platform": "Learning-path tracker", "language": "en"},
        "version": XAPI_VERSION,
    }


def credential_statements(credential: Credential, user: User, site: str,
                          registration: str | None) -> list[dict[str, Any]]:
    """A credential's statements: `completed`, then, once it is revoked, the statement voiding it."""
    completed = credential_statement(credential=credential, user=user, site=site, registration=registration)
    if credential.revoked_at is None:
        return [completed]
    return [completed, voiding_statement(credential=credential, site=site)]


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
             .where(ProgressEvent.id > after_event, col(Article.owner_id).is_(None)))  # no learner's own resource
    if unqueued:
        query = query.where(~exists().where(col(XapiOutbox.event_id) == ProgressEvent.id))
    if user_ids is not None:
        query = query.where(col(ProgressEvent.user_id).in_(user_ids or [0]))
    return session.exec(query.order_by(col(ProgressEvent.id)).limit(limit)).all()


def credential_rows(session: Session, user_ids: list[int] | None, after_id: int,
                    limit: int | None) -> Sequence[tuple[Credential, User, str | None]]:
    """Credentials after `after_id` (of these users; None: everyone's), oldest first, with their learner and the
    registration of the learner's enrollment in the path, if they follow it."""
    query = (select(Credential, User, PathFollow.registration).join(User, col(User.id) == Credential.user_id)
             .outerjoin(PathFollow, and_(col(PathFollow.user_id) == Credential.user_id,
                                         col(PathFollow.path_id) == Credential.path_id))
             .where(Credential.id > after_id))
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
    """One page of statements, oldest first: every progress event, then every path finished (a revoked
    credential's voiding statement right after its own, on the same page). `user_ids` None means everyone
    (admins). Each statement is the one the outbox sends, under the same id."""
    kind, number = parse_cursor(after)
    out: list[dict[str, Any]] = []
    if kind == "e":
        events = event_rows(session, user_ids, number, limit + 1)
        for event, article, user, path in events[:limit]:
            out.append(event_statement(event=event, article=article, user=user, path=path, site=site))
        if len(events) > limit:
            return StatementPage(out, f"e{events[limit - 1][0].id}")
        kind, number = "c", 0
    credentials = credential_rows(session, user_ids, number, limit - len(out) + 1)
    room = limit - len(out)
    for credential, owner, registration in credentials[:room]:
        out.extend(credential_statements(credential, owner, site, registration))
    if len(credentials) > room:
        return StatementPage(out, f"c{credentials[room - 1][0].id}" if room else f"c{number}")
    return StatementPage(out, None)


# ---------------------------------------------------------------- the outbox and the LRS


