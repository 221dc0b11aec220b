"""Personal paths: a published path copied into a learner's private one, and the curated path's changes since."""

from __future__ import annotations

from sqlmodel import Session

from tracker.models import LearningPath, User


def for_path(*, session: Session, viewer: User | None, path: LearningPath) -> object | None:
    """What the path page says of personal copies: for a curated path, the viewer's copy (or the offer to make
    one); for a personal path, the curated path's changes since the copy. None: nothing to say."""
    return None
