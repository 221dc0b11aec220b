"""What changed since you finished: the required articles a later version of a path added or replaced, for a
learner who had finished the version before."""

from __future__ import annotations

from sqlmodel import Session

from tracker.models import User
from tracker.services.progress.marks import PathProgress


def for_path(*, session: Session, learner: User | None, view: PathProgress) -> object | None:
    """The catch-up list for this learner on this path, or None when there is nothing to catch up on."""
    return None
