"""A review with everything it sets off, decided in one place: the review screen, its fragment and the API all
rate a card through `review_card`.

A review schedules the card again (`recall.review`); on a path that asks recall as well as reading
(`mastery`), it may be the review that makes the recall the path asks hold, and then the path's credential is
issued, saying "read and recalled".
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import fsrs
from sqlmodel import Session

from tracker.models import Article, Credential, RecallCard, User
from tracker.services.learning import recall
from tracker.services.records import credentials
from tracker.services.records.signing_keys import CredentialKeyError, Issuer

log = logging.getLogger("tracker.services.learning")


@dataclass
class Reviewed:
    """What a review did: the card as it left it, and any credential it earned."""

    card: RecallCard
    credentials: list[Credential] = field(default_factory=list)


def review_card(*, session: Session, user: User, card: RecallCard, rating: fsrs.Rating, now: datetime,
                duration_ms: int | None = None, seen_last_review: datetime | None = recall.UNSEEN,
                issuer: Callable[[], Issuer] | None = None) -> Reviewed:
    """Rate a card (see `recall.review`), then issue the credentials of the paths asking recall that hold the
    card's article and are now finished, when `issuer` is given. Commits.

    Only a path that asks recall can be finished by a review, so the others are never looked at. A signing key
    that cannot be read or written is logged, not shown: the review stands, and the credential is issued at the
    next review or mark on the path.
    """
    card = recall.review(session=session, user=user, card=card, rating=rating, now=now, duration_ms=duration_ms,
                         seen_last_review=seen_last_review)
    if issuer is None:
        return Reviewed(card=card)
    try:
        earned = credentials.issue_due(session=session, user=user, now=now, issuer=issuer,
                                       article=session.get_one(Article, card.article_id), recall_only=True)
    except (CredentialKeyError, OSError):
        session.rollback()
        log.exception("Could not sign a completion credential for user %s", user.id)
        return Reviewed(card=card)
    return Reviewed(card=card, credentials=earned)
