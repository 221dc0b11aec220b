"""Mastery: a path that asks for recall as well as reading. A share of its required articles must have a card
the learner reviewed, recalled (FSRS retrievability) at or above the path's threshold on the day the credential
is issued."""

from __future__ import annotations

from sqlmodel import Session

from tracker.models import User
from tracker.services.progress.marks import PathProgress


def for_path(*, session: Session, learner: User | None, view: PathProgress) -> object | None:
    """What the path page shows of the recall the path asks (None: it asks reading only)."""
    return None
