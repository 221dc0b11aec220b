"""A mark and everything it sets off, decided in one place: the page, its fragment, the API and the demo data
all mark an article through `mark_article`.

A mark writes the learner's state and its event (`marks.write_mark`, which also counts the day's activity in
the same transaction); a mark that reads an article (done) may finish reading a path, and then earns its
completion credential. The xAPI outbox needs nothing here: the scheduled round reads new events from the log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from tracker.models import Article, Credential, LearningPath, Progress, ProgressState, User, utcnow
from tracker.services.progress.marks import write_mark
from tracker.services.records import credentials
from tracker.services.records.signing_keys import CredentialKeyError, Issuer

log = logging.getLogger("tracker.services.progress")


@dataclass
class Marked:
    """What a mark did: the learner's row as this mark left it, and any credential it earned."""

    progress: Progress
    credentials: list[Credential] = field(default_factory=list)


def mark_article(*, session: Session, user: User, article: Article, state: ProgressState,
                 path: LearningPath | None = None, at: datetime | None = None,
                 issuer: Callable[[], Issuer] | None = None) -> Marked:
    """Set the user's state on an article (see `write_mark`), then issue the credentials it completed when
    `issuer` is given. Commits.

    Only a mark that reads an article (done) can earn a credential, so the others ask nothing more. A signing key that
    cannot be read or written is logged, not shown: the mark itself stands, and the credential is issued at the
    next mark settling an article on the path.
    """
    record = write_mark(session=session, user=user, article=article, state=state, at=at, path=path)
    if issuer is None or state is not ProgressState.done:
        return Marked(progress=record)
    try:
        earned = credentials.issue_due(session=session, user=user, now=at or utcnow(), issuer=issuer,
                                       article=article)
    except (CredentialKeyError, OSError):
        session.rollback()
        log.exception("Could not sign a completion credential for user %s", user.id)
        return Marked(progress=record)
    return Marked(progress=record, credentials=earned)
