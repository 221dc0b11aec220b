"""Editing paths in the app: saving with optimistic locking, readable change summaries, history, restore."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, select

from tracker.models import Article, LearningPath, PathStatus, PathVersion, User, utcnow
from tracker.services.paths import (
    PathDefinition,
    PathDefinitionError,
    describe_changes,
    _apply,
    _record_version,
    dump_path_definition,
    parse_path_definition,
    path_definition,
)
from tracker.services.errors import Conflict, Invalid, NotFound


class VersionConflict(Conflict):
    """The path changed since the editor loaded it; nothing was saved."""

    def __init__(self, current_version: int, changes: list[str], authors: list[str]):
        super().__init__(f"This path was changed (now version {current_version}) since you started editing.",
                         current_version=current_version, changes=changes)
        self.current_version = current_version
        self.changes = changes
        self.authors = authors


def known_slugs(*, session: Session) -> set[str]:
    return set(session.exec(select(Article.slug)))


def validate_definition(*, session: Session, data: dict, source: str = "the path") -> PathDefinition:
    """Check a definition (from the editor, an upload or the API) exactly as `tracker paths load` does."""
    import yaml

    return parse_path_definition(yaml.safe_dump(data, allow_unicode=True), filename=source,
                                 known_slugs=known_slugs(session=session))


@dataclass
class SaveResult:
    path: LearningPath
    changes: list[str]


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
    from tracker.services.paths import get_learning_path

    article_ids = dict(session.exec(select(Article.slug, Article.id).where(
        Article.slug.in_(definition.article_slugs()))).all())
    path = get_learning_path(session=session, slug=definition.slug)
    try:
        if base_version is None:
            if path is not None:
                raise PathDefinitionError(f"A path with the slug '{definition.slug}' already exists.")
            path = LearningPath(slug=definition.slug, title=definition.title, summary=definition.summary,
                                outcome=definition.outcome, weeks_min=definition.weeks.min,
                                weeks_max=definition.weeks.max, position=definition.order,
                                status=definition.status)
            session.add(path)
            session.flush()
            _apply(session, path, definition, article_ids)
            changes = (summary_prefix or []) + ["Path created."]
            _record_version(session, path, definition, author=author, summary=changes)
            session.commit()
            return SaveResult(path=path, changes=changes)
        if path is None:
            raise PathDefinitionError(f"There is no path called '{definition.slug}'.")
        ensure_baseline(session=session, path=path)
        previous = path_definition(session=session, path=path)
        bumped = session.exec(update(LearningPath).where(LearningPath.id == path.id,
                                                         LearningPath.version == base_version)
                              .values(version=LearningPath.version + 1, updated_at=utcnow())).rowcount
        if bumped != 1:
            session.rollback()
            raise _conflict(session, path.id, base_version)
        session.refresh(path)
        changes = (summary_prefix or []) + (describe_changes(previous, definition) or ["No changes."])
        _apply(session, path, definition, article_ids)
        _record_version(session, path, definition, author=author, summary=changes)
        session.commit()
        return SaveResult(path=path, changes=changes)
    except (PathDefinitionError, VersionConflict):
        session.rollback()
        raise


def _conflict(session: Session, path_id: int, base_version: int) -> VersionConflict:
    path = session.get(LearningPath, path_id)
    newer = session.exec(select(PathVersion, User).outerjoin(User, User.id == PathVersion.author_id)
                         .where(PathVersion.path_id == path_id, PathVersion.version > base_version)
                         .order_by(PathVersion.version)).all()
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
    rows = session.exec(select(PathVersion, User).outerjoin(User, User.id == PathVersion.author_id)
                        .where(PathVersion.path_id == path.id).order_by(PathVersion.version.desc()))
    return [HistoryEntry(version=v, author=u) for v, u in rows]


def version_definition(*, session: Session, path: LearningPath, version: int) -> PathDefinition | None:
    row = session.exec(select(PathVersion).where(PathVersion.path_id == path.id,
                                                 PathVersion.version == version)).one_or_none()
    if row is None:
        return None
    return parse_path_definition(row.definition, filename=f"version {version}", known_slugs=known_slugs(session=session))


def restore_version(*, session: Session, path: LearningPath, version: int, base_version: int,
                    author: User) -> SaveResult:
    """Make an earlier version current again, as a new version."""
    definition = version_definition(session=session, path=path, version=version)
    if definition is None:
        raise NotFound(f"There is no version {version} of this path.")
    return save_path(session=session, definition=definition, base_version=base_version, author=author,
                     summary_prefix=[f"Restored version {version}."])


def export_yaml(*, session: Session, path: LearningPath) -> str:
    return dump_path_definition(path_definition(session=session, path=path))


# ---------------------------------------------------------------- the editor's unsaved draft

class DraftError(Invalid):
    """An editor action that cannot apply (for example, an index out of range)."""


def empty_draft() -> dict:
    return {"slug": "", "title": "", "summary": "", "outcome": "", "weeks": {"min": 4, "max": None}, "order": 100,
            "status": PathStatus.draft, "sections": [{"title": "", "items": []}]}


def draft_of(definition: PathDefinition) -> dict:
    return definition.model_dump(mode="json")


def apply_action(draft: dict, action: str, *, add_to: int | None = None) -> dict:
    """Apply one editor action to an unsaved draft: add, move, remove items or sections, toggle nothing else.

    Actions: add-section, remove-section:S, section-up:S, section-down:S, up:S:I, down:S:I,
    remove:S:I, add:SLUG (into section `add_to`, or the last one).
    """
    sections = draft["sections"]
    kind, _, rest = action.partition(":")
    try:
        numbers = [int(x) for x in rest.split(":")] if rest and kind != "add" else []
        if kind == "refresh":
            pass
        elif kind == "add-section":
            sections.append({"title": "", "items": []})
        elif kind == "remove-section":
            sections.pop(numbers[0])
        elif kind in {"section-up", "section-down"}:
            s = numbers[0]
            t = s - 1 if kind == "section-up" else s + 1
            if 0 <= t < len(sections):
                sections[s], sections[t] = sections[t], sections[s]
        elif kind in {"up", "down"}:
            s, i = numbers
            items = sections[s]["items"]
            t = i - 1 if kind == "up" else i + 1
            if 0 <= t < len(items):
                items[i], items[t] = items[t], items[i]
            elif kind == "up" and s > 0:          # past the top: into the end of the previous section
                sections[s - 1]["items"].append(items.pop(i))
            elif kind == "down" and s + 1 < len(sections):  # past the bottom: to the start of the next one
                sections[s + 1]["items"].insert(0, items.pop(i))
        elif kind == "remove":
            s, i = numbers
            sections[s]["items"].pop(i)
        elif kind == "add":
            if any(item["slug"] == rest for section in sections for item in section["items"]):
                raise DraftError(f"'{rest}' is already in this path.")
            if not sections:
                sections.append({"title": "", "items": []})
            target = add_to if add_to is not None and 0 <= add_to < len(sections) else len(sections) - 1
            sections[target]["items"].append({"slug": rest, "optional": False})
        else:
            raise DraftError(f"Unknown editor action '{action}'.")
    except (IndexError, ValueError) as exc:
        if isinstance(exc, DraftError):
            raise
        raise DraftError(f"The editor action '{action}' does not fit this path.") from None
    return draft
