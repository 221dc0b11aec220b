"""Which sections of a path a learner keeps folded on its page (remembered per learner, per path).

A fold is kept by the section's title (the path format keeps titles unique within a path), not by the section's
row: saving a path writes its section rows anew, and the title survives that and a reorder. A renamed section
opens again."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from tracker.models import LearningPath, PathSection, SectionFold, User, utcnow
from tracker.services.curriculum.queries import PathDetail, SectionView
from tracker.services.errors import NotFound


def section_key(section: PathSection) -> str:
    """What a fold is remembered by: the section's title."""
    return section.title


def folded_sections(*, session: Session, user: User | None, path: LearningPath) -> set[int]:
    """The ids of the path's sections this learner folded (empty: every section open; always for a visitor)."""
    if user is None:
        return set()
    return set(session.exec(
        select(PathSection.id).join(SectionFold, (col(SectionFold.path_id) == col(PathSection.path_id))
                                    & (col(SectionFold.section_key) == col(PathSection.title)))
        .where(SectionFold.user_id == user.id, PathSection.path_id == path.id)))


def numbered_section(detail: PathDetail, number: int) -> SectionView:
    """The path's section `number` (1 is the first, as the page and the map number them), else NotFound."""
    if not 1 <= number <= len(detail.sections):
        raise NotFound(f"“{detail.path.title}” has no section {number}.")
    return detail.sections[number - 1]


def set_folded(*, session: Session, user: User, path: LearningPath, section: PathSection, folded: bool) -> bool:
    """Fold (or open) a section of the path for this learner; folding twice is the same as once. Returns
    `folded`. Commits."""
    key = section_key(section)
    if folded:  # a double click (or two tabs) folds once
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.exec(insert(SectionFold).values(user_id=user.id, path_id=path.id, section_key=key, folded_at=utcnow())
                     .on_conflict_do_nothing(index_elements=["user_id", "path_id", "section_key"]))
    elif (row := session.get(SectionFold, (user.id, path.id, key))) is not None:
        session.delete(row)
    session.commit()
    return folded
