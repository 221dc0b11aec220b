"""Prerequisites between paths: recommended (shown before following) or required (following and assignments
wait until they are complete).

Where a learner stands on a prerequisite is `progress.marks.tally` over its entries, the one source of every
number. This module sits above `progress.marks` (which imports only `curriculum.queries` of the curriculum), so
it may import it at the top; the progress and mentoring modules that refuse a follow or make an assignment wait
import this one, never the other way round.

Only published prerequisites count: a prerequisite later made a draft or archived no longer shows nor holds
anyone back (nobody new could follow it to finish it). Saving a published path that names one is refused
(`store._write_prerequisites`). Reads only; nothing here commits.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from tracker.models import LearningPath, PathPrerequisite, PathStatus, Progress, ProgressState, User
from tracker.services.curriculum.queries import path_entries
from tracker.services.errors import Conflict
from tracker.services.progress.marks import Tally, tally


@dataclass(frozen=True)
class Prerequisite:
    """A path to finish first, with the learner's tally on it (None for nobody signed in)."""

    path: LearningPath
    required: bool
    tally: Tally | None = None

    @property
    def complete(self) -> bool:
        """Every required article read (a prerequisite with none asks nothing). Read, not settled: a path that
        waits for another would otherwise open to anyone who marks the other one skipped, as a credential
        would be earned by skipping (`Tally.read_all` is what both ask)."""
        return self.tally is not None and (self.tally.read_all or self.tally.total == 0)

    @property
    def percent(self) -> int:
        return self.tally.percent if self.tally is not None else 0

    def progress_words(self) -> str:
        """"3 of 9 read" (with the skipped ones when any, and that they count once read), or "complete"."""
        if self.tally is None:
            return ""
        if self.complete:
            return "complete"
        read = f"{self.tally.done} of {self.tally.total} read"
        return read + (f", {self.tally.skipped} skipped: skipped articles count once read" if self.tally.skipped
                       else "")


@functools.cache  # built once: building a statement costs more than running it
def _prerequisite_rows() -> Select[int, bool, LearningPath]:
    return (select(PathPrerequisite.path_id, PathPrerequisite.required, LearningPath)
            .join(LearningPath, col(LearningPath.id) == PathPrerequisite.prerequisite_id)
            .where(col(PathPrerequisite.path_id).in_(bindparam("ids", expanding=True)),
                   LearningPath.status == PathStatus.published)
            .order_by(col(PathPrerequisite.path_id), col(PathPrerequisite.position)))


def _tallies(session: Session, learner_ids: Sequence[int], paths: Iterable[LearningPath]
             ) -> dict[tuple[int, int], Tally]:
    """Each learner's tally on each of these paths, by (learner id, path id): the entries (kept per process),
    and one query for the learners' states on their articles."""
    path_ids = {path.id for path in paths}
    if not learner_ids or not path_ids:
        return {}
    entries = path_entries(session=session, path_ids=path_ids)
    article_ids = {entry.article_id for group in entries.values() for entry in group}
    states: dict[int, dict[int, ProgressState]] = defaultdict(dict)
    for user_id, article_id, state in session.exec(
            select(Progress.user_id, Progress.article_id, Progress.state)
            .where(col(Progress.user_id).in_(list(learner_ids)), col(Progress.article_id).in_(article_ids))):
        states[user_id][article_id] = ProgressState(state)
    return {(learner_id, path_id): tally(group, states[learner_id])
            for learner_id in learner_ids for path_id, group in entries.items()}


def for_learner(*, session: Session, learner: User | None, path: LearningPath) -> list[Prerequisite]:
    """The path's published prerequisites with the learner's progress on each, in order (empty: none). Two
    queries, and the prerequisites' entries as the process keeps them."""
    rows = session.exec(_prerequisite_rows(), params={"ids": [path.id]}).all()
    if not rows:
        return []
    tallies = _tallies(session, [learner.id] if learner is not None else [], [other for _, _, other in rows])
    return [Prerequisite(path=other, required=required,
                         tally=tallies.get((learner.id, other.id)) if learner is not None else None)
            for _, required, other in rows]


def waiting_for(*, session: Session, pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], list[Prerequisite]]:
    """For each (learner id, path id), the required prerequisites the learner has not completed, in order
    (pairs with none are absent): what makes an assignment wait. A fixed number of queries however many pairs."""
    pairs = set(pairs)
    if not pairs:
        return {}
    rows = session.exec(_prerequisite_rows(), params={"ids": sorted({path_id for _, path_id in pairs})}).all()
    required: dict[int, list[LearningPath]] = defaultdict(list)
    for path_id, is_required, other in rows:
        if is_required:
            required[path_id].append(other)
    if not required:
        return {}
    learners = sorted({learner_id for learner_id, path_id in pairs if path_id in required})
    tallies = _tallies(session, learners, {other.id: other for group in required.values() for other in group}.values())
    unmet: dict[tuple[int, int], list[Prerequisite]] = {}
    for learner_id, path_id in pairs:
        standing = [Prerequisite(path=other, required=True, tally=tallies[(learner_id, other.id)])
                    for other in required.get(path_id, [])]
        missing = [prerequisite for prerequisite in standing if not prerequisite.complete]
        if missing:
            unmet[(learner_id, path_id)] = missing
    return unmet


def unmet_required(*, session: Session, learner: User, path: LearningPath) -> list[Prerequisite]:
    """The path's required prerequisites the learner has not completed (empty: they may start it)."""
    return waiting_for(session=session, pairs=[(learner.id, path.id)]).get((learner.id, path.id), [])


def titles(prerequisites: Sequence[Prerequisite]) -> str:
    """"“API Designer”", "“A” and “B”", "“A”, “B” and “C”"."""
    names = [f"“{p.path.title}”" for p in prerequisites]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


class PrerequisitesUnmet(Conflict):
    """A learner asked to follow a path whose required prerequisites they have not completed; nothing was
    written. `unmet` holds them, for pages that link to each."""

    def __init__(self, path: LearningPath, unmet: list[Prerequisite]) -> None:
        progress = "; ".join(f"“{p.path.title}”: {p.progress_words()}" for p in unmet)
        super().__init__(f"Finish {titles(unmet)} first: following “{path.title}” waits until "
                         f"{'it is' if len(unmet) == 1 else 'they are'} complete ({progress}).",
                         path=path.slug, prerequisites=[
                             {"slug": p.path.slug, "title": p.path.title, "percent": p.percent,
                              "complete": p.complete} for p in unmet])
        self.path = path
        self.unmet = unmet


def refuse_unmet(*, session: Session, learner: User, path: LearningPath) -> None:
    """PrerequisitesUnmet when the learner has not completed every required prerequisite of `path`."""
    unmet = unmet_required(session=session, learner=learner, path=path)
    if unmet:
        raise PrerequisitesUnmet(path, unmet)
