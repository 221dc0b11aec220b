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
from tracker.services.curriculum.queries import path_entries
from tracker.services.errors import Conflict
from tracker.services.progress.marks import PathProgress, locked_articles, states_for, write_mark
from tracker.services.records import credentials
from tracker.services.records.signing_keys import CredentialKeyError, Issuer

log = logging.getLogger("tracker.services.progress")


@dataclass
class Marked:
    """What a mark did: the learner's row as this mark left it, and any credential it earned."""

    progress: Progress
    credentials: list[Credential] = field(default_factory=list)


class Locked(Conflict):
    """A mark on a path whose in-order section keeps the article closed (409): nothing was written."""


def ensure_open(*, session: Session, user: User, article: Article, path: LearningPath,
                view: PathProgress | None = None) -> None:
    """Refuse (Locked) a mark of an article that an in-order section of `path` keeps closed for `user`.

    Only a mark made on the path is refused: the same article marked from the catalog or another path stands,
    as an article is one article. `view` (the user's progress on the path, when the caller has it) spares the
    reads."""
    if view is None:
        entries = path_entries(session=session, path_ids=[path.id]).get(path.id, [])
        if not any(entry.rule.sequential for entry in entries):
            return
        states = states_for(session=session, user=user, article_ids=[entry.article_id for entry in entries])
    else:
        entries, states = view.entries(), view.states
    blocker = locked_articles(entries, states).get(article.id)
    if blocker is not None:
        raise Locked(f"“{article.title}” is not open yet on “{path.title}”: it opens once you finish "
                     f"“{blocker.card.article.title}”. Nothing was marked.")


def mark_article(*, session: Session, user: User, article: Article, state: ProgressState,
                 path: LearningPath | None = None, at: datetime | None = None,
                 issuer: Callable[[], Issuer] | None = None, view: PathProgress | None = None) -> Marked:
    """Set the user's state on an article (see `write_mark`), then issue the credentials it completed when
    `issuer` is given. Commits.

    Only a mark that reads an article (done) can earn a credential, so the others ask nothing more. A signing key that
    cannot be read or written is logged, not shown: the mark itself stands, and the credential is issued at the
    next mark settling an article on the path.

    Marked on `path` (with `view`, the user's progress there, when the caller has it), an article an in-order
    section keeps closed is refused (`Locked`, 409) before anything is written.
    """
    if path is not None:
        ensure_open(session=session, user=user, article=article, path=path, view=view)
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
