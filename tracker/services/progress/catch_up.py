"""What changed since you finished: the required articles a later version of a path added or replaced, for a
learner who had finished the version before. Reads only; commits nothing.

Which version a learner finished:
- the version their credential for the path names (`Credential.path_version`), when they hold one that is not
  revoked; for a path assigned to recur, only the current period's credential counts;
- otherwise the newest earlier version whose required articles they have all settled (done or skipped, each
  section counted by its rule, as `tally` does), provided that version was in force when they settled the last of
  them (`marks.last_settled_at`; a settle older than every saved version falls to the first saved one, the state
  the path was in before history was kept). A learner who finished no version sees nothing.

What the catch-up list holds, comparing the current version with the saved definition of the finished one
(`store.version_definitions`):
- a core section's required (not optional) articles that were not required in a core section of the finished
  version: added articles, replacements, optional ones made required, articles moved in from an elective section;
- an elective section that asks more than the section of the same title did in the finished version (a core
  section asked all its required articles, a section that did not exist asked none): its required articles that
  were not core in the finished version, of which it asks that many more (`SectionRule.needed` is the number).
Removed articles, optional additions, reorders and moves between core sections are not listed. Each article comes
with the learner's state, so one already read on another path shows as done. The list is shown while something in
it is left to settle; a credential is never touched by a new version: it stays valid for the version it names.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import BindParameter, bindparam
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select, SelectOfScalar

from tracker.models import (
    Article,
    Assignment,
    Credential,
    LearningPath,
    PathItem,
    PathVersion,
    Progress,
    ProgressState,
    SectionKind,
    Source,
    User,
)
from tracker.services.catalog.articles import ArticleCard
from tracker.services.curriculum.format import PathDefinition, SectionDefinition
from tracker.services.curriculum.queries import PathEntry, SectionRule, SectionView, path_sections
from tracker.services.curriculum.store import version_definitions
from tracker.services.progress.marks import SETTLED, PathProgress, last_settled_at, tally

VersionKey = tuple[int, int]  # (path id, version)


@dataclass(frozen=True)
class CatchUpItem:
    entry: PathEntry
    state: ProgressState

    @property
    def settled(self) -> bool:
        return self.state in SETTLED


@dataclass(frozen=True)
class CatchUpSection:
    """What one section of the current version asks beyond the finished version."""

    title: str
    elective: bool
    asked: int  # how many more articles it asks: each listed one (core), or any `asked` of the listed (elective)
    left: int  # how many of those the learner has still to settle
    items: list[CatchUpItem]


@dataclass(frozen=True)
class CatchUp:
    """A learner's catch-up list on one path: from the version they finished to the current one."""

    path: LearningPath
    learner_id: int
    finished_version: int
    sections: list[CatchUpSection]
    credential: Credential | None = None  # the credential naming the finished version, if that is how it is known

    @property
    def current_version(self) -> int:
        return self.path.version

    @property
    def added(self) -> int:
        """How many more articles the current version asks than the finished one."""
        return sum(section.asked for section in self.sections)

    @property
    def left(self) -> int:
        """How many of them the learner has still to read (or skip)."""
        return sum(section.left for section in self.sections)

    @property
    def items(self) -> list[CatchUpItem]:
        return [item for section in self.sections for item in section.items]

    @property
    def versions(self) -> str:
        """'Version 4', or 'Versions 4 to 6' when several came since."""
        first, last = self.finished_version + 1, self.current_version
        return f"Version {last}" if first >= last else f"Versions {first} to {last}"

    @property
    def summary(self) -> str:
        """What a mentor reads: 'finished v3 · 2 to catch up'."""
        return f"finished v{self.finished_version} · {self.left} to catch up"


@dataclass
class Standing:
    """One learner on one path, as the caller already read it: what the catch-up list is made from."""

    learner: User
    path: LearningPath
    states: dict[int, ProgressState]
    changed: dict[int, datetime] = field(default_factory=dict)


def for_path(*, session: Session, learner: User | None, view: PathProgress) -> CatchUp | None:
    """The catch-up list for this learner on this path, or None when there is nothing to catch up on."""
    if learner is None:
        return None
    return for_views(session=session, learner=learner, views=[view]).get(view.path.id)


def for_views(*, session: Session, learner: User, views: Sequence[PathProgress]) -> dict[int, CatchUp]:
    """The learner's catch-up lists on these paths, by path id (the dashboard's), in a fixed number of queries."""
    found = catch_ups(session=session, standings=[
        Standing(learner=learner, path=view.path, states=view.states, changed=view.changed) for view in views])
    return {path_id: catch_up for (_, path_id), catch_up in found.items()}


def catch_ups(*, session: Session, standings: Sequence[Standing]) -> dict[tuple[int, int], CatchUp]:
    """The catch-up lists of many learners on many paths, by (learner id, path id); only those with something
    left to settle. A fixed number of queries however many (none when no path has a version to catch up on).
    Long on purpose: one pass that reads each kind of row once for every learner and path."""
    # Only a path with an earlier version, that the learner has not settled whole, can have anything to catch up.
    later = {s.path.id for s in standings if s.path.version > 1}
    if not later:
        return {}
    sections = path_sections(session=session, path_ids=later)
    open_ones = [s for s in standings if s.path.id in sections and not _complete(sections[s.path.id], s.states)]
    if not open_ones:
        return {}
    credentials = _credentials(session, open_ones)
    versions = _versions(session, {s.path.id for s in open_ones})
    finished: dict[tuple[int, int], tuple[int, Credential | None]] = {}
    guesses: list[tuple[Standing, list[int]]] = []
    for standing in open_ones:
        key = (standing.learner.id, standing.path.id)
        credential = credentials.get(key)
        if credential is not None:
            if credential.path_version < standing.path.version:
                finished[key] = (credential.path_version, credential)
        elif any(state in SETTLED for state in standing.states.values()):
            saved = [v for v in versions.get(standing.path.id, []) if v[0] < standing.path.version]
            guesses.append((standing, [version for version, _ in saved]))
    wanted = {(path_id, version) for (_, path_id), (version, _) in finished.items()}
    definitions = version_definitions(session=session, wanted=wanted | {
        (standing.path.id, version) for standing, candidates in guesses for version in candidates})
    if guesses:
        others = _other_progress(session, guesses, definitions, sections)
        for standing, candidates in guesses:
            key = (standing.learner.id, standing.path.id)
            version = _finished_version(standing, candidates, definitions, versions.get(standing.path.id, []),
                                        others.get(standing.learner.id, {}), sections[standing.path.id])
            if version is not None:
                finished[key] = (version, None)
    result = {}
    for standing in open_ones:
        key = (standing.learner.id, standing.path.id)
        if key not in finished or (standing.path.id, finished[key][0]) not in definitions:
            continue
        version, credential = finished[key]
        listed = _difference(definitions[(standing.path.id, version)], sections[standing.path.id], standing.states)
        catch_up = CatchUp(path=standing.path, learner_id=standing.learner.id, finished_version=version,
                           sections=listed, credential=credential)
        if catch_up.left:
            result[key] = catch_up
    return result


def _complete(views: list[SectionView], states: dict[int, ProgressState]) -> bool:
    return tally([entry for view in views for entry in view.entries], states).complete


def _difference(finished: PathDefinition, current: list[SectionView],
                states: dict[int, ProgressState]) -> list[CatchUpSection]:
    """What the current sections ask that the finished version did not (see the module's rules)."""
    core_then = {item.slug for section in finished.sections if section.kind is SectionKind.core
                 for item in section.items if not item.optional}
    asked_then = {section.title.casefold(): _rule_of(section, 0).needed(_required_count(section))
                  for section in finished.sections}
    listed = []
    for view in current:
        required = [entry for entry in view.entries if not entry.optional]
        new = [entry for entry in required if entry.card.article.slug not in core_then]
        if not new:
            continue
        items = [CatchUpItem(entry=entry, state=states.get(entry.article_id, ProgressState.not_started))
                 for entry in new]
        if not view.rule.elective:
            counted = tally(new, states)
            listed.append(CatchUpSection(title=view.section.title, elective=False, asked=counted.total,
                                         left=counted.total - counted.done - counted.skipped, items=items))
            continue
        asked = min(view.rule.needed(len(required)) - asked_then.get(view.section.title.casefold(), 0), len(new))
        if asked <= 0:
            continue
        counted = tally(view.entries, states)  # the section as it stands: how many it still needs
        listed.append(CatchUpSection(title=view.section.title, elective=True, asked=asked,
                                     left=min(asked, counted.total - counted.done - counted.skipped), items=items))
    return listed


def _rule_of(section: SectionDefinition, number: int) -> SectionRule:
    """A saved section's rule, as `tally` reads it (numbered apart from every section of the path's tables)."""
    return SectionRule(section_id=-1 - number, kind=SectionKind(section.kind), pick=section.pick)


def _required_count(section: SectionDefinition) -> int:
    return sum(1 for item in section.items if not item.optional)


def _finished_version(standing: Standing, candidates: list[int], definitions: dict[VersionKey, PathDefinition],
                      saved: list[tuple[int, datetime]], others: dict[str, tuple[int, ProgressState, datetime]],
                      current: list[SectionView]) -> int | None:
    """For a learner with no credential: the newest earlier version they settled whole, while it was in force."""
    on_path = {entry.card.article.slug: entry.article_id for view in current for entry in view.entries}
    states = dict(standing.states)
    changed = dict(standing.changed)
    for slug, (article_id, state, at) in others.items():
        if slug not in on_path:
            states[article_id], changed[article_id] = state, at
    ids = on_path | {slug: article_id for slug, (article_id, _, _) in others.items()}
    for version in sorted(candidates, reverse=True):
        definition = definitions.get((standing.path.id, version))
        if definition is None:
            continue
        entries = _entries_of(definition, ids)
        if not tally(entries, states).complete:
            continue
        settled_at = last_settled_at(entries, states, changed)
        if settled_at is not None and _in_force(saved, settled_at) == version:
            return version
    return None


def _in_force(saved: list[tuple[int, datetime]], moment: datetime) -> int | None:
    """The version in force at `moment`: the newest saved at or before it (the first saved one before them all)."""
    earlier = [version for version, created_at in saved if _naive(created_at) <= _naive(moment)]
    return max(earlier) if earlier else min((version for version, _ in saved), default=None)


def _naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None) if moment.tzinfo is not None else moment


def _entries_of(definition: PathDefinition, ids: dict[str, int]) -> list[PathEntry]:
    """A saved version's articles as entries `tally` counts: each section with its rule, each article by id
    (an article no longer in the catalog gets an id no state has)."""
    entries: list[PathEntry] = []
    for number, section in enumerate(definition.sections):
        rule = _rule_of(section, number)
        for position, item in enumerate(section.items):
            article_id = ids.get(item.slug, -1 - len(entries))
            article = Article(id=article_id, slug=item.slug, title=item.slug, source_id=0)
            entries.append(PathEntry(item=PathItem(section_id=0, article_id=article_id, position=position,
                                                   optional=item.optional),
                                     card=ArticleCard(article=article, source=_NO_SOURCE, topics=[]), rule=rule))
    return entries


_NO_SOURCE = Source(slug="", name="")


def _credentials(session: Session, standings: list[Standing]) -> dict[tuple[int, int], Credential]:
    """Each learner's standing credential per path: not revoked, and of the current period for a recurring
    assignment; the highest version if several (two queries)."""
    params = {"learners": list({s.learner.id for s in standings}), "paths": list({s.path.id for s in standings})}
    held, periods = _credential_queries()
    current = {(learner_id, path_id): started for learner_id, path_id, started in session.exec(periods, params=params)}
    found: dict[tuple[int, int], Credential] = {}
    for credential in session.exec(held, params=params):
        key = (credential.user_id or 0, credential.path_id or 0)
        if key in current and credential.period_started_on != current[key]:
            continue
        if key not in found or found[key].path_version < credential.path_version:
            found[key] = credential
    return found


@functools.cache  # built once: building a statement costs more than running it
def _credential_queries() -> tuple[SelectOfScalar[Credential], Select[int, int, date | None]]:
    learners: BindParameter[list[int]] = bindparam("learners", expanding=True)
    paths: BindParameter[list[int]] = bindparam("paths", expanding=True)
    held = select(Credential).where(col(Credential.user_id).in_(learners), col(Credential.path_id).in_(paths),
                                    col(Credential.revoked_at).is_(None))
    periods = select(Assignment.learner_id, Assignment.path_id, col(Assignment.period_started_on)).where(
        col(Assignment.learner_id).in_(learners), col(Assignment.path_id).in_(paths),
        col(Assignment.withdrawn_at).is_(None), col(Assignment.recur_months).is_not(None),
        col(Assignment.period_started_on).is_not(None))
    return held, periods


def _versions(session: Session, path_ids: set[int]) -> dict[int, list[tuple[int, datetime]]]:
    """Each path's saved versions with when they were saved (one query)."""
    found: dict[int, list[tuple[int, datetime]]] = defaultdict(list)
    for path_id, version, created_at in session.exec(
            select(PathVersion.path_id, PathVersion.version, PathVersion.created_at)
            .where(col(PathVersion.path_id).in_(path_ids)).order_by(col(PathVersion.version))):
        found[path_id].append((version, created_at))
    return found


def _other_progress(session: Session, guesses: list[tuple[Standing, list[int]]],
                    definitions: dict[VersionKey, PathDefinition], sections: dict[int, list[SectionView]]
                    ) -> dict[int, dict[str, tuple[int, ProgressState, datetime]]]:
    """The learners' states on articles earlier versions held that the paths no longer do, by slug (one query)."""
    slugs: set[str] = set()
    for standing, candidates in guesses:
        on_path = {entry.card.article.slug for view in sections[standing.path.id] for entry in view.entries}
        for version in candidates:
            definition = definitions.get((standing.path.id, version))
            if definition is not None:
                slugs.update(slug for slug in definition.article_slugs() if slug not in on_path)
    found: dict[int, dict[str, tuple[int, ProgressState, datetime]]] = defaultdict(dict)
    if not slugs:
        return found
    for progress, slug in session.exec(
            select(Progress, Article.slug).join(Article, col(Article.id) == Progress.article_id)
            .where(col(Progress.user_id).in_({s.learner.id for s, _ in guesses}), col(Article.slug).in_(slugs))):
        found[progress.user_id][slug] = (progress.article_id, ProgressState(progress.state), progress.updated_at)
    return found
