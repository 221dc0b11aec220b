"""Learning paths: YAML definitions, validation, loading, export and queries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import case, delete, func
from sqlmodel import Session, select

from tracker.models import Article, LearningPath, PathItem, PathSection, PathStatus, PathVersion, User, utcnow
from tracker.services.catalog import DEFAULT_READING_MINUTES, ArticleCard, article_cards
from tracker.services import access
from tracker.services.errors import Invalid, NotFound

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
ORDER_MAX = 100_000  # a path's place in the list; plenty of room between neighbours


class PathDefinitionError(Invalid):
    """A path definition was refused; the message names the file, the section and the problem."""


# ---------------------------------------------------------------- the definition format

class ItemDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid")
    slug: str = Field(min_length=1, max_length=120)
    optional: bool = False


class SectionDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=200)
    items: list[ItemDefinition] = Field(min_length=1)

    @field_validator("title")
    @classmethod
    def _strip(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()

    @field_validator("items", mode="before")
    @classmethod
    def _slug_shorthand(cls, value):
        if isinstance(value, list):
            return [{"slug": item} if isinstance(item, str) else item for item in value]
        return value


class Weeks(BaseModel):
    model_config = ConfigDict(extra="forbid")
    min: int = Field(ge=1, le=520)
    max: int | None = Field(default=None, ge=1, le=520)

    @model_validator(mode="after")
    def _ordered(self) -> Weeks:
        if self.max is not None and self.max < self.min:
            raise ValueError("max must not be less than min")
        return self


class PathDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid")
    slug: str = Field(pattern=SLUG_PATTERN, max_length=80)
    title: str = Field(min_length=1, max_length=200)
    summary: str = Field(min_length=1, max_length=2000)
    outcome: str = Field(min_length=1, max_length=1000)
    weeks: Weeks
    order: int = Field(default=100, ge=-ORDER_MAX, le=ORDER_MAX)
    status: PathStatus = PathStatus.published
    sections: list[SectionDefinition] = Field(min_length=1)

    def article_slugs(self) -> list[str]:
        return [item.slug for section in self.sections for item in section.items]


def parse_path_definition(text: str, *, filename: str, known_slugs: set[str]) -> PathDefinition:
    """Validate one YAML definition against the format and the catalog; refuse it whole on any problem."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise PathDefinitionError(f"{filename}: not valid YAML{where}") from None
    if not isinstance(raw, dict):
        raise PathDefinitionError(f"{filename}: expected a mapping with slug, title, summary, outcome, weeks, sections")
    try:
        definition = PathDefinition.model_validate(raw)
    except ValidationError as exc:
        raise PathDefinitionError(f"{filename}: {_describe(exc.errors()[0], raw)}") from None

    first_seen: dict[str, int] = {}
    titles: dict[str, int] = {}
    for number, section in enumerate(definition.sections, start=1):
        where = f"{filename}: section {number} '{section.title}'"
        if section.title.lower() in titles:
            raise PathDefinitionError(f"{where}: duplicate section title (also section {titles[section.title.lower()]})")
        titles[section.title.lower()] = number
        for item in section.items:
            if item.slug not in known_slugs:
                raise PathDefinitionError(f"{where}: unknown article '{item.slug}'")
            if item.slug in first_seen:
                earlier = first_seen[item.slug]
                also = "earlier in this section" if earlier == number else f"also in section {earlier}"
                raise PathDefinitionError(f"{where}: duplicate article '{item.slug}' ({also})")
            first_seen[item.slug] = number
    return definition


def _describe(error: dict, raw: dict) -> str:
    """Turn a pydantic error into 'section 2 'Title': items: field required'."""
    loc = list(error["loc"])
    prefix = ""
    if len(loc) >= 2 and loc[0] == "sections" and isinstance(loc[1], int):
        sections = raw.get("sections") or []
        title = sections[loc[1]].get("title") if isinstance(sections[loc[1]], dict) else None
        prefix = f"section {loc[1] + 1}" + (f" '{title}'" if isinstance(title, str) and title.strip() else "") + ": "
        loc = loc[2:]
        if len(loc) >= 2 and loc[0] == "items" and isinstance(loc[1], int):
            prefix += f"item {loc[1] + 1}: "
            loc = loc[2:]
    field = ".".join(str(part) for part in loc)
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "missing":
        return f"{prefix}missing field '{field}'"
    if error["type"] == "extra_forbidden":
        return f"{prefix}unknown field '{field}'"
    if error["type"] == "string_too_short" and error.get("ctx", {}).get("min_length") == 1:
        return f"{prefix}{field}: must not be empty"
    return f"{prefix}{field}: {message}" if field else f"{prefix}{message}"


def read_path_files(directory: Path, *, known_slugs: set[str]) -> list[PathDefinition]:
    """Validate every *.yaml definition in a folder (except the catalog); any error refuses them all."""
    definitions: list[PathDefinition] = []
    origin: dict[str, str] = {}
    for file in sorted(directory.glob("*.yaml")):
        if file.name == "catalog.yaml":
            continue
        definition = parse_path_definition(file.read_text(encoding="utf-8"), filename=file.name,
                                           known_slugs=known_slugs)
        if definition.slug in origin:
            raise PathDefinitionError(f"{file.name}: path slug '{definition.slug}' is also defined in {origin[definition.slug]}")
        origin[definition.slug] = file.name
        definitions.append(definition)
    return sorted(definitions, key=lambda d: (d.order, d.slug))


def dump_path_definition(definition: PathDefinition) -> str:
    """YAML in the same shape `read_path_files` accepts."""
    data = definition.model_dump(mode="json")
    if data["weeks"]["max"] is None:
        del data["weeks"]["max"]
    if data["status"] == PathStatus.published:
        del data["status"]
    for section in data["sections"]:
        section["items"] = [item["slug"] if not item["optional"] else item for item in section["items"]]
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


# ---------------------------------------------------------------- comparing

def describe_changes(old: PathDefinition, new: PathDefinition) -> list[str]:
    """What changed between two definitions, in words: fields, sections renamed, items added, removed, moved."""
    changes: list[str] = []
    for field, label in (("title", "Title"), ("summary", "Summary"), ("outcome", "Outcome"), ("weeks", "Weeks"),
                         ("status", "Status"), ("order", "Order")):
        before, after = getattr(old, field), getattr(new, field)
        if before != after:
            if field in {"title", "status"}:
                changes.append(f"{label} changed from “{_plain(before)}” to “{_plain(after)}”.")
            else:
                changes.append(f"{label} changed.")
    old_titles = [s.title for s in old.sections]
    new_titles = [s.title for s in new.sections]
    renames: dict[str, str] = {}
    for index in range(min(len(old_titles), len(new_titles))):
        before, after = old_titles[index], new_titles[index]
        if before != after and before not in new_titles and after not in old_titles:
            renames[before] = after
            changes.append(f"Section {index + 1} renamed from “{before}” to “{after}”.")
    changes += [f"Section “{t}” added." for t in new_titles if t not in old_titles and t not in renames.values()]
    changes += [f"Section “{t}” removed." for t in old_titles if t not in new_titles and t not in renames]

    def places(definition: PathDefinition) -> dict[str, tuple[int, int, bool]]:
        return {item.slug: (s_index, i_index, item.optional)
                for s_index, section in enumerate(definition.sections) for i_index, item in enumerate(section.items)}

    before, after = places(old), places(new)
    added = [slug for slug in after if slug not in before]
    removed = [slug for slug in before if slug not in after]
    moved_section = [slug for slug in after if slug in before and after[slug][0] != before[slug][0]]
    if added:
        changes.append(f"Added {_count(added)}: {', '.join(added)}.")
    if removed:
        changes.append(f"Removed {_count(removed)}: {', '.join(removed)}.")
    for slug in moved_section:
        changes.append(f"Moved {slug} from section {before[slug][0] + 1} to section {after[slug][0] + 1}.")
    reordered = [index + 1 for index, section in enumerate(new.sections) if index < len(old.sections)
                 and [i.slug for i in section.items if i.slug in before and before[i.slug][0] == index]
                 != [i.slug for i in old.sections[index].items if i.slug in after and after[i.slug][0] == index]]
    if reordered:
        changes.append(f"Reordered articles in section {', '.join(map(str, reordered))}.")
    for slug in after:
        if slug in before and after[slug][2] != before[slug][2]:
            changes.append(f"{slug} is now {'optional' if after[slug][2] else 'required'}.")
    return changes


def _plain(value) -> str:
    return str(value)


def _count(slugs: list[str]) -> str:
    return f"{len(slugs)} article{'s' if len(slugs) != 1 else ''}"



# ---------------------------------------------------------------- database

@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def load_paths(*, session: Session, definitions: Iterable[PathDefinition], update_existing: bool) -> LoadReport:
    """Create missing paths; with update_existing, make known ones match their definition (a new version).

    Idempotent: a path that already matches its definition is left alone. The caller commits.
    """
    report = LoadReport()
    definitions = list(definitions)
    article_ids = dict(session.exec(select(Article.slug, Article.id).where(
        Article.slug.in_({s for d in definitions for s in d.article_slugs()}))).all())
    for definition in definitions:
        path = session.exec(select(LearningPath).where(LearningPath.slug == definition.slug)).one_or_none()
        if path is None:
            path = LearningPath(slug=definition.slug, title=definition.title, summary=definition.summary,
                                outcome=definition.outcome, weeks_min=definition.weeks.min,
                                weeks_max=definition.weeks.max, position=definition.order,
                                status=definition.status)
            session.add(path)
            session.flush()
            _write_sections(session, path, definition, article_ids)
            _record_version(session, path, definition, author=None, summary=["Loaded from the path files."])
            report.created += 1
        elif update_existing and (previous := path_definition(session=session, path=path)) != definition:
            _apply(session, path, definition, article_ids)
            path.version += 1
            _record_version(session, path, definition, author=None,
                            summary=["Loaded from the path files."] + describe_changes(previous, definition))
            report.updated += 1
        else:
            report.unchanged += 1
    session.flush()
    return report


def _apply(session: Session, path: LearningPath, definition: PathDefinition, article_ids: dict[str, int]) -> None:
    path.title, path.summary, path.outcome = definition.title, definition.summary, definition.outcome
    path.weeks_min, path.weeks_max, path.position = definition.weeks.min, definition.weeks.max, definition.order
    path.status = definition.status
    path.updated_at = utcnow()
    _write_sections(session, path, definition, article_ids)


def _write_sections(session: Session, path: LearningPath, definition: PathDefinition,
                    article_ids: dict[str, int]) -> None:
    """Replace the sections and items; an article that stays keeps the date it joined the path."""
    section_ids = select(PathSection.id).where(PathSection.path_id == path.id)
    joined = dict(session.exec(select(PathItem.article_id, PathItem.added_at).where(
        PathItem.section_id.in_(section_ids))).all())
    session.exec(delete(PathItem).where(PathItem.section_id.in_(section_ids)))
    session.exec(delete(PathSection).where(PathSection.path_id == path.id))
    session.flush()
    now = utcnow()
    for position, section_def in enumerate(definition.sections):
        section = PathSection(path_id=path.id, position=position, title=section_def.title)
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


def path_definition(*, session: Session, path: LearningPath) -> PathDefinition:
    """The stored path in the definition format (what `tracker paths export` writes)."""
    rows = session.exec(
        select(PathSection, PathItem, Article.slug)
        .join(PathItem, PathItem.section_id == PathSection.id)
        .join(Article, Article.id == PathItem.article_id)
        .where(PathSection.path_id == path.id)
        .order_by(PathSection.position, PathItem.position)
    ).all()
    sections: dict[int, SectionDefinition] = {}
    for section, item, slug in rows:
        entry = sections.setdefault(section.id, SectionDefinition.model_construct(title=section.title, items=[]))
        entry.items.append(ItemDefinition(slug=slug, optional=item.optional))
    return PathDefinition(
        slug=path.slug, title=path.title, summary=path.summary, outcome=path.outcome,
        weeks=Weeks(min=path.weeks_min, max=path.weeks_max), order=path.position,
        status=PathStatus(path.status), sections=list(sections.values()),
    )


def export_paths(*, session: Session, directory: Path) -> list[Path]:
    """Write every published path as `<slug>.yaml` into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for path in session.exec(select(LearningPath).where(LearningPath.status == PathStatus.published)
                             .order_by(LearningPath.position, LearningPath.slug)):
        target = directory / f"{path.slug}.yaml"
        target.write_text(dump_path_definition(path_definition(session=session, path=path)), encoding="utf-8")
        written.append(target)
    return written


# ---------------------------------------------------------------- queries

@dataclass
class PathSummary:
    path: LearningPath
    article_count: int
    estimated_minutes: int
    optional_count: int = 0


def weeks_label(path: LearningPath) -> str:
    """'8–12 weeks' or '12+ weeks'."""
    if path.weeks_max is None:
        return f"{path.weeks_min}+ weeks"
    if path.weeks_max == path.weeks_min:
        return f"{path.weeks_min} weeks"
    return f"{path.weeks_min}–{path.weeks_max} weeks"


def list_paths(*, session: Session, statuses: Iterable[str] | None = None,
               also_ids: Iterable[int] = ()) -> list[PathSummary]:
    """Paths with their article count and estimated reading time, in one query.

    `statuses` limits the list (None: every path); `also_ids` adds paths outside it (for example
    archived paths a learner still follows).
    """
    minutes = func.coalesce(Article.reading_minutes, DEFAULT_READING_MINUTES)
    optional = func.coalesce(func.sum(case((PathItem.optional.is_(True), 1), else_=0)), 0)
    query = select(LearningPath, func.count(PathItem.id), func.coalesce(func.sum(minutes), 0), optional)
    if statuses is not None:
        query = query.where(LearningPath.status.in_(list(statuses))
                            | (LearningPath.id.in_(list(also_ids)) & (LearningPath.status != PathStatus.draft)))
    rows = session.exec(
        query
        .outerjoin(PathSection, PathSection.path_id == LearningPath.id)
        .outerjoin(PathItem, PathItem.section_id == PathSection.id)
        .outerjoin(Article, Article.id == PathItem.article_id)
        .group_by(LearningPath.id)
        .order_by(LearningPath.position, LearningPath.slug)
    ).all()
    return [PathSummary(path=p, article_count=n, estimated_minutes=int(m), optional_count=int(o))
            for p, n, m, o in rows]


@dataclass
class PathEntry:
    item: PathItem
    card: ArticleCard


@dataclass
class SectionView:
    section: PathSection
    entries: list[PathEntry]


@dataclass
class PathDetail:
    summary: PathSummary
    sections: list[SectionView]

    @property
    def path(self) -> LearningPath:
        return self.summary.path


def get_learning_path(*, session: Session, slug: str) -> LearningPath | None:
    return session.exec(select(LearningPath).where(LearningPath.slug == slug)).one_or_none()


def require_learning_path(*, session: Session, slug: str) -> LearningPath:
    """The path with this slug, whatever its status (for admins and mentors' forms), or NotFound."""
    path = get_learning_path(session=session, slug=slug)
    if path is None:
        raise NotFound(f"There is no path called '{slug}'.")
    return path


def visible_path(*, session: Session, viewer: User | None, slug: str) -> PathDetail:
    """The path with its articles if `viewer` may see it (`access.can_see_path`), else NotFound."""
    detail = get_path(session=session, slug=slug)
    if detail is None or not access.can_see_path(viewer, detail.path):
        raise NotFound(f"There is no path called '{slug}'.")
    return detail


def get_path(*, session: Session, slug: str) -> PathDetail | None:
    """A path with its sections and articles, or None."""
    path = session.exec(select(LearningPath).where(LearningPath.slug == slug)).one_or_none()
    if path is None:
        return None
    rows = session.exec(
        select(PathSection, PathItem, Article)
        .join(PathItem, PathItem.section_id == PathSection.id)
        .join(Article, Article.id == PathItem.article_id)
        .where(PathSection.path_id == path.id)
        .order_by(PathSection.position, PathItem.position)
    ).all()
    cards = {c.article.id: c for c in article_cards(session=session, articles=list({a.id: a for _, _, a in rows}.values()))}
    sections: dict[int, SectionView] = {}
    for section, item, article in rows:
        sections.setdefault(section.id, SectionView(section=section, entries=[])).entries.append(
            PathEntry(item=item, card=cards[article.id]))
    entries = [entry for view in sections.values() for entry in view.entries]
    return PathDetail(summary=PathSummary(path=path, article_count=len(entries),
                                          estimated_minutes=sum(e.card.minutes for e in entries),
                                          optional_count=sum(1 for e in entries if e.item.optional)),
                      sections=list(sections.values()))

