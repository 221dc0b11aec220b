"""Storing paths: loading definitions, saving new versions with optimistic locking, history and restore.

Every write of a path goes through here: `tracker paths load`, the editor, YAML uploads and the API.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from tracker.models import (
    Article,
    Assignment,
    LearningPath,
    PathFollow,
    PathItem,
    PathPrerequisite,
    PathSection,
    PathStatus,
    PathVersion,
    User,
    utcnow,
)
from tracker.services import documents
from tracker.services.catalog.articles import in_catalog
from tracker.services.curriculum.changes import describe_changes
from tracker.services.curriculum.format import (
    CatalogFacts,
    PathDefinition,
    PathDefinitionError,
    check_curation,
    dump_path_definition,
    parse_path_definition,
    validate_path,
)
from tracker.services.curriculum.queries import get_learning_path, path_definition
from tracker.services.errors import Conflict, NotFound


@dataclass(frozen=True)
class FileDifference:
    """A path whose file says something other than the database: the database's version, whether someone edited
    it in the app (else it came from the files), and what loading the file would change, as change lines."""

    slug: str
    version: int
    edited_in_app: bool
    changes: list[str]


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # Without update_existing: paths whose file says something other than the database (kept as they are).
    differing: list[FileDifference] = field(default_factory=list)


def load_paths(*, session: Session, definitions: Iterable[PathDefinition], update_existing: bool) -> LoadReport:
    """Create missing paths; with update_existing, make known ones match their definition (a new version).

    Idempotent: a path that already matches its definition is left alone. The caller commits.
    """
    report = LoadReport()
    definitions = list(definitions)
    article_ids = dict(session.exec(select(Article.slug, Article.id).where(
        col(Article.slug).in_({s for d in definitions for s in d.article_slugs()}))).all())
    written: list[tuple[LearningPath, PathDefinition]] = []
    for definition in definitions:
        path = get_learning_path(session=session, slug=definition.slug)
        if path is None:
            path = _create(session, definition, article_ids, author=None, summary=["Loaded from the path files."],
                           prerequisites=False)
            written.append((path, definition))
            report.created += 1
        elif update_existing and (previous := path_definition(session=session, path=path)) != definition:
            _apply(session, path, definition, article_ids, prerequisites=False)
            written.append((path, definition))
            path.version += 1
            _record_version(session, path, definition, author=None,
                            summary=["Loaded from the path files.",
                                     *describe_changes(previous, definition, _titles(session, previous, definition))])
            report.updated += 1
        else:
            report.unchanged += 1
            if not update_existing and (stored := path_definition(session=session, path=path)) != definition:
                report.differing.append(_file_difference(session, path, stored, definition))
    session.flush()
    for path, definition in written:  # once every path of the files exists: they may name each other
        _write_prerequisites(session, path, definition)
    session.flush()
    return report


def _file_difference(session: Session, path: LearningPath, stored: PathDefinition,
                     definition: PathDefinition) -> FileDifference:
    """How a path's file differs from the database's version, and who made that version."""
    author = session.exec(select(PathVersion.author_id).where(PathVersion.path_id == path.id)
                          .order_by(col(PathVersion.version).desc()).limit(1)).first()
    changes = describe_changes(stored, definition, _titles(session, stored, definition))
    return FileDifference(slug=path.slug, version=path.version, edited_in_app=author is not None,
                          changes=changes or ["only its wording or spacing."])


def _titles(session: Session, *definitions: PathDefinition) -> dict[str, str]:
    """Article titles by slug, for describing changes in words a reader knows."""
    slugs = {slug for definition in definitions for slug in definition.article_slugs()}
    return dict(session.exec(select(Article.slug, Article.title).where(col(Article.slug).in_(slugs))).all())


def _create(session: Session, definition: PathDefinition, article_ids: dict[str, int], *, author: User | None,
            summary: list[str], prerequisites: bool = True) -> LearningPath:
    """A new path from its definition, with its first version recorded (and its prerequisites, unless the caller
    writes them once every path it loads exists). The caller commits."""
    path = LearningPath(slug=definition.slug, title=definition.title, summary=definition.summary,
                        outcome=definition.outcome, weeks_min=definition.weeks.min, weeks_max=definition.weeks.max,
                        position=definition.order, status=definition.status)
    _set_mastery(path, definition)
    session.add(path)
    session.flush()
    _write_sections(session, path, definition, article_ids)
    if prerequisites:
        _write_prerequisites(session, path, definition)
    _record_version(session, path, definition, author=author, summary=summary)
    return path


def _apply(session: Session, path: LearningPath, definition: PathDefinition, article_ids: dict[str, int], *,
           prerequisites: bool = True) -> None:
    path.title, path.summary, path.outcome = definition.title, definition.summary, definition.outcome
    path.weeks_min, path.weeks_max, path.position = definition.weeks.min, definition.weeks.max, definition.order
    path.status = definition.status
    _set_mastery(path, definition)
    path.updated_at = utcnow()
    _write_sections(session, path, definition, article_ids)
    if prerequisites:
        _write_prerequisites(session, path, definition)


def _set_mastery(path: LearningPath, definition: PathDefinition) -> None:
    mastery = definition.mastery
    path.mastery_percent = mastery.share if mastery else None
    path.mastery_retrievability = mastery.retrievability if mastery else None


def _write_prerequisites(session: Session, path: LearningPath, definition: PathDefinition) -> None:
    """Replace the path's prerequisites; PathDefinitionError, writing nothing of them, for a path that does not
    exist or is personal, for one that is not published when this path is (learners could not finish it), and
    for a circle (a path that would come before itself, through required or recommended prerequisites alike).
    Three queries, however many prerequisites."""
    slugs = [prerequisite.slug for prerequisite in definition.prerequisites]
    others = {other.slug: other for other in session.exec(
        select(LearningPath).where(col(LearningPath.slug).in_(slugs), col(LearningPath.owner_id).is_(None)))} \
        if slugs else {}
    for prerequisite in definition.prerequisites:
        other = others.get(prerequisite.slug)
        if other is None:
            raise PathDefinitionError(f"{definition.slug}: prerequisite '{prerequisite.slug}': there is no path "
                                      "called that")
        if definition.status == PathStatus.published and other.status != PathStatus.published:
            raise PathDefinitionError(
                f"{definition.slug}: prerequisite '{prerequisite.slug}' is {other.status}: a published path can "
                "only ask for published paths (learners could not follow it to finish it)")
    if slugs:
        _refuse_circle(session, path, definition, [others[slug] for slug in slugs])
    session.exec(delete(PathPrerequisite).where(col(PathPrerequisite.path_id) == path.id))
    for position, prerequisite in enumerate(definition.prerequisites):
        session.add(PathPrerequisite(path_id=path.id, prerequisite_id=others[prerequisite.slug].id,
                                     required=prerequisite.required, position=position))


def _refuse_circle(session: Session, path: LearningPath, definition: PathDefinition,
                   prerequisites: list[LearningPath]) -> None:
    """PathDefinitionError naming the circle when a prerequisite leads back to `path` through the others'
    prerequisites (every edge read in one query: paths are few)."""
    edges: dict[int, list[int]] = {}
    for path_id, prerequisite_id in session.exec(select(PathPrerequisite.path_id, PathPrerequisite.prerequisite_id)
                                                 .order_by(col(PathPrerequisite.position))):
        if path_id != path.id:
            edges.setdefault(path_id, []).append(prerequisite_id)
    edges[path.id] = [other.id for other in prerequisites]
    trail: list[int] = []
    seen: set[int] = set()

    def back_to_start(node: int) -> bool:
        for following in edges.get(node, []):
            if following == path.id:
                return True
            if following not in seen:
                seen.add(following)
                trail.append(following)
                if back_to_start(following):
                    return True
                trail.pop()
        return False

    if back_to_start(path.id):
        names = dict(session.exec(select(LearningPath.id, LearningPath.slug)
                                  .where(col(LearningPath.id).in_(trail))).all())
        circle = " → ".join([definition.slug, *(names[node] for node in trail), definition.slug])
        raise PathDefinitionError(f"{definition.slug}: its prerequisites lead back to it ({circle}); a path "
                                  "cannot come before itself")


def _write_sections(session: Session, path: LearningPath, definition: PathDefinition,
                    article_ids: dict[str, int]) -> None:
    """Replace the sections and items; an article that stays keeps the date it joined the path."""
    section_ids = select(PathSection.id).where(PathSection.path_id == path.id)
    joined = dict(session.exec(select(PathItem.article_id, PathItem.added_at).where(
        col(PathItem.section_id).in_(section_ids))).all())
    session.exec(delete(PathItem).where(col(PathItem.section_id).in_(section_ids)))
    session.exec(delete(PathSection).where(col(PathSection.path_id) == path.id))
    session.flush()
    now = utcnow()
    for position, section_def in enumerate(definition.sections):
        section = PathSection(path_id=path.id, position=position, title=section_def.title, why=section_def.why,
                              kind=section_def.kind, pick=section_def.pick, sequential=section_def.sequential)
        session.add(section)
        session.flush()
        session.add_all(PathItem(section_id=section.id, article_id=article_ids[item.slug], position=i,
                                 optional=item.optional, added_at=joined.get(article_ids[item.slug], now))
                        for i, item in enumerate(section_def.items))


def _record_version(session: Session, path: LearningPath, definition: PathDefinition, *, author: User | None,
                    summary: list[str]) -> PathVersion:
    version = PathVersion(path_id=path.id, version=path.version, author_id=author.id if author else None,
                          summary="\n".join(summary) or "No changes.", definition=dump_path_definition(definition),
                          status=definition.status)
    session.add(version)
    return version


def export_paths(*, session: Session, directory: Path) -> list[Path]:
    """Write every published path as `<slug>.yaml` into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for path in session.exec(select(LearningPath).where(LearningPath.status == PathStatus.published,
                                                        col(LearningPath.owner_id).is_(None))
                             .order_by(col(LearningPath.position), col(LearningPath.slug))):
        target = directory / f"{path.slug}.yaml"
        target.write_text(dump_path_definition(path_definition(session=session, path=path)), encoding="utf-8")
        written.append(target)
    return written



class VersionConflict(Conflict):
    """The path changed since the editor loaded it; nothing was saved."""

    def __init__(self, current_version: int, changes: list[str], authors: list[str]) -> None:
        super().__init__(f"This path was changed (now version {current_version}) since you started editing.",
                         current_version=current_version, changes=changes)
        self.current_version = current_version
        self.changes = changes
        self.authors = authors


def known_slugs(*, session: Session) -> set[str]:
    """Every article's slug, personal resources included: what a saved version (a personal path's too) may name."""
    return set(session.exec(select(Article.slug)))


def catalog_facts(*, session: Session) -> dict[str, CatalogFacts]:
    """What the curation rules check, for every catalog article: a new definition of a curated path may name
    these only, never a learner's resource."""
    return {slug: CatalogFacts(title=title, link_only=link_only)
            for slug, title, link_only in session.exec(select(Article.slug, Article.title, Article.link_only)
                                                       .where(in_catalog()))}


def validate_definition(*, session: Session, data: dict[str, Any], source: str = "the path") -> PathDefinition:
    """Check a definition (from the editor, an upload or the API) exactly as `tracker paths load` does."""
    facts = catalog_facts(session=session)
    return validate_path(data, source=source, known_slugs=set(facts), articles=facts)


@dataclass
class SaveResult:
    path: LearningPath
    changes: list[str]
    unchanged: bool = False  # the definition matched the current version: no new version was made


def ensure_baseline(*, session: Session, path: LearningPath) -> None:
    """Paths loaded before history existed get their current state recorded as a version."""
    exists = session.exec(select(PathVersion.id).where(PathVersion.path_id == path.id,
                                                       PathVersion.version == path.version)).first()
    if exists is None:
        _record_version(session, path, path_definition(session=session, path=path), author=None,
                        summary=[f"Version {path.version} as it was before the first edit in the app."])
        session.flush()


def save_path(*, session: Session, definition: PathDefinition, base_version: int | None, author: User,
              summary_prefix: list[str] | None = None) -> SaveResult:
    """Create a path (base_version None) or save a new version of it; refuse a stale base. Commits.

    The version check and bump is one UPDATE … WHERE version = base, so two admins saving at
    once cannot both win: the second gets a VersionConflict and nothing of theirs is written.
    """
    article_ids = dict(session.exec(select(Article.slug, Article.id).where(
        col(Article.slug).in_(definition.article_slugs()))).all())
    path = get_learning_path(session=session, slug=definition.slug)
    try:
        if base_version is None:
            if path is not None:
                raise PathDefinitionError(f"A path with the slug '{definition.slug}' already exists.")
            changes = (summary_prefix or []) + ["Path created."]
            path = _create(session, definition, article_ids, author=author, summary=changes)
            session.commit()
            return SaveResult(path=path, changes=changes)
        if path is None:
            raise PathDefinitionError(f"There is no path called '{definition.slug}'.")
        ensure_baseline(session=session, path=path)
        previous = path_definition(session=session, path=path)
        if previous == definition and path.version == base_version:
            session.commit()  # the baseline, if it was just recorded
            return SaveResult(path=path, changes=[], unchanged=True)
        bumped = session.exec(update(LearningPath).where(col(LearningPath.id) == path.id,
                                                         col(LearningPath.version) == base_version)
                              .values(version=col(LearningPath.version) + 1, updated_at=utcnow())).rowcount
        if bumped != 1:
            session.rollback()
            raise _conflict(session, path.id, base_version)
        session.refresh(path)
        changes = (summary_prefix or []) + (describe_changes(previous, definition,
                                                             _titles(session, previous, definition))
                                            or ["No visible changes."])
        _apply(session, path, definition, article_ids)
        _record_version(session, path, definition, author=author, summary=changes)
        session.commit()
        return SaveResult(path=path, changes=changes)
    except (PathDefinitionError, VersionConflict):
        session.rollback()
        raise


def create_personal_path(*, session: Session, definition: PathDefinition, author: User, summary: list[str],
                         owner_id: int, forked_from_id: int | None, forked_version: int | None,
                         shared_with_mentors: bool) -> LearningPath:
    """A learner's personal path from its definition, owned from its first row, with its first version recorded
    (it has no prerequisites). Flushes; the caller commits."""
    if get_learning_path(session=session, slug=definition.slug) is not None:
        raise PathDefinitionError(f"A path with the slug '{definition.slug}' already exists.")
    article_ids = dict(session.exec(select(Article.slug, Article.id).where(
        col(Article.slug).in_(definition.article_slugs()))).all())
    path = LearningPath(slug=definition.slug, title=definition.title, summary=definition.summary,
                        outcome=definition.outcome, weeks_min=definition.weeks.min, weeks_max=definition.weeks.max,
                        position=definition.order, status=definition.status, owner_id=owner_id,
                        forked_from_id=forked_from_id, forked_version=forked_version,
                        shared_with_mentors=shared_with_mentors)
    session.add(path)
    session.flush()
    _write_sections(session, path, definition, article_ids)
    _record_version(session, path, definition, author=author, summary=summary)
    session.flush()
    return path


def _conflict(session: Session, path_id: int, base_version: int) -> VersionConflict:
    path = session.get(LearningPath, path_id)
    if path is None:
        raise NotFound("This path was deleted since you started editing.")
    newer = session.exec(select(PathVersion, User).outerjoin(User, col(User.id) == PathVersion.author_id)
                         .where(PathVersion.path_id == path_id, PathVersion.version > base_version)
                         .order_by(col(PathVersion.version))).all()
    changes = [line for version, _ in newer for line in version.summary.splitlines()]
    authors = sorted({(user.name if user else "the path files") for _, user in newer})
    return VersionConflict(path.version, changes, authors)


@dataclass
class HistoryEntry:
    version: PathVersion
    author: User | None


def history(*, session: Session, path: LearningPath) -> list[HistoryEntry]:
    """Saved versions, newest first."""
    ensure_baseline(session=session, path=path)
    session.commit()
    rows = session.exec(select(PathVersion, User).outerjoin(User, col(User.id) == PathVersion.author_id)
                        .where(PathVersion.path_id == path.id).order_by(col(PathVersion.version).desc()))
    return [HistoryEntry(version=v, author=u) for v, u in rows]


def version_definition(*, session: Session, path: LearningPath, version: int) -> PathDefinition | None:
    row = session.exec(select(PathVersion).where(PathVersion.path_id == path.id,
                                                 PathVersion.version == version)).one_or_none()
    if row is None:
        return None
    return _definition_of(row, known_slugs(session=session))


def version_definitions(*, session: Session, wanted: Iterable[tuple[int, int]]
                        ) -> dict[tuple[int, int], PathDefinition]:
    """Saved versions' definitions by (path id, version), for many paths at once (one query). A version is
    never changed once saved, so each text is parsed once per process (`_saved_definition`); a text the format
    no longer reads is left out. Articles removed from the catalog since do not make a version unreadable:
    what it asked is history."""
    wanted = set(wanted)
    if not wanted:
        return {}
    rows = session.exec(select(PathVersion.path_id, PathVersion.version, PathVersion.definition)
                        .where(col(PathVersion.path_id).in_({path_id for path_id, _ in wanted}),
                               col(PathVersion.version).in_({version for _, version in wanted}))).all()
    found = {(path_id, version): _saved_definition(text) for path_id, version, text in rows
             if (path_id, version) in wanted}
    return {key: definition for key, definition in found.items() if definition is not None}


@functools.lru_cache(maxsize=512)
def _saved_definition(text: str) -> PathDefinition | None:
    try:
        return PathDefinition.model_validate(documents.yaml_document(text, name="a saved version"))
    except (documents.DocumentError, ValidationError):
        return None


def _definition_of(row: PathVersion, known: set[str]) -> PathDefinition:
    return parse_path_definition(row.definition, filename=f"version {row.version}", known_slugs=known)


@dataclass
class SavedVersion:
    """One saved version, whole: what an admin reads before restoring it."""

    record: PathVersion
    author: User | None
    definition: PathDefinition
    previous: PathDefinition | None  # the version before it, when recorded: the "before" of its changes
    titles: dict[str, str]  # its articles' titles, by slug


def saved_version(*, session: Session, path: LearningPath, version: int) -> SavedVersion:
    """One saved version of a path with the one before it, or NotFound. Commits (the baseline, as `history`)."""
    ensure_baseline(session=session, path=path)
    session.commit()
    rows = {record.version: (record, author) for record, author in session.exec(
        select(PathVersion, User).outerjoin(User, col(User.id) == PathVersion.author_id)
        .where(PathVersion.path_id == path.id, col(PathVersion.version).in_([version - 1, version])))}
    if version not in rows:
        raise NotFound(f"There is no version {version} of this path.")
    record, author = rows[version]
    known = known_slugs(session=session)
    definition = _definition_of(record, known)
    previous = _definition_of(rows[version - 1][0], known) if version - 1 in rows else None
    return SavedVersion(record=record, author=author, definition=definition, previous=previous,
                        titles=_titles(session, definition))


def restore_version(*, session: Session, path: LearningPath, version: int, base_version: int,
                    author: User) -> SaveResult:
    """Make an earlier version's content current again, as a new version. Commits.

    Only the content comes back: the path keeps its status, so restoring a version saved as a draft never
    takes a published path away from the learners on it (a status change is `change_status`, asked for apart).
    """
    definition = version_definition(session=session, path=path, version=version)
    if definition is None:
        raise NotFound(f"There is no version {version} of this path.")
    definition = definition.model_copy(update={"status": path.status})
    check_curation(definition, articles=catalog_facts(session=session), source=f"Version {version}")
    return save_path(session=session, definition=definition, base_version=base_version, author=author,
                     summary_prefix=[f"Restored version {version}."])


@dataclass(frozen=True)
class Audience:
    """Who is on a path now: the people a status change reaches."""

    followers: int  # learners following it
    assigned: int  # learners with a live (not withdrawn) assignment of it

    @property
    def sentence(self) -> str:
        """"12 learners follow it; 3 have it assigned." (or that nobody is on it)."""
        if not self.followers and not self.assigned:
            return "No learner follows it or has it assigned."
        one = self.followers == 1
        follow = f"{self.followers} {'learner follows' if one else 'learners follow'} it"
        assign = f"{self.assigned} {'has' if self.assigned == 1 else 'have'} it assigned"
        return f"{follow}; {assign}."


def path_audience(*, session: Session, path: LearningPath) -> Audience:
    """How many learners follow the path and how many have it assigned."""
    followers = session.exec(select(func.count()).select_from(PathFollow)
                             .where(PathFollow.path_id == path.id)).one()
    assigned = session.exec(select(func.count()).select_from(Assignment)
                            .where(Assignment.path_id == path.id, col(Assignment.withdrawn_at).is_(None))).one()
    return Audience(followers=followers, assigned=assigned)


def status_consequence(status: PathStatus) -> str:
    """What a path's status means for the learners on it, in the words the confirmation uses."""
    if status == PathStatus.draft:
        return ("As a draft only admins can open it: the learners on it lose it from their dashboard and its page "
                "answers “not found” until it is published again. Their progress is kept.")
    if status == PathStatus.archived:
        return ("Archived, it stays open to the learners already on it, but it leaves the path list and nobody "
                "new can follow it or be assigned it.")
    return "Published, it is in the path list: anyone can open and follow it, and mentors can assign it."


def change_status(*, session: Session, path: LearningPath, status: PathStatus, base_version: int,
                  author: User) -> SaveResult:
    """Give the path another status, as a new version with the same content; refuse a stale base. Commits."""
    ensure_baseline(session=session, path=path)
    definition = path_definition(session=session, path=path).model_copy(update={"status": PathStatus(status)})
    return save_path(session=session, definition=definition, base_version=base_version, author=author)


def export_yaml(*, session: Session, path: LearningPath) -> str:
    return dump_path_definition(path_definition(session=session, path=path))
