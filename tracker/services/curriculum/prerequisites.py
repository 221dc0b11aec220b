"""Prerequisites between paths: recommended (shown before following) or required (following and assignments
wait until they are complete)."""

from __future__ import annotations

from sqlmodel import Session

from tracker.models import LearningPath, User


def for_learner(*, session: Session, learner: User | None, path: LearningPath) -> list[object]:
    """The path's prerequisites with the learner's progress on each, in order (empty: none)."""
    return []
