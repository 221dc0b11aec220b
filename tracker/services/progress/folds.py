"""Which sections of a path a learner keeps folded on its page (remembered per learner)."""

from __future__ import annotations

from sqlmodel import Session

from tracker.models import LearningPath, User


def folded_sections(*, session: Session, user: User | None, path: LearningPath) -> set[int]:
    """The ids of the path's sections this learner folded (empty: every section open)."""
    return set()
