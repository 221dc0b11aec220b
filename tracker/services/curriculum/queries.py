"""Reading paths: the list with counts and reading time, one path with its sections and article cards."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, bindparam, case, func
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select, SelectOfScalar

from tracker.models import (
    Article,
    LearningPath,
    PathItem,
    PathPrerequisite,
    PathSection,
    PathStatus,
    SectionKind,
    User,
)
from tracker.services import access
from tracker.services.catalog.articles import (
    ArticleCard,
    ReadingTime,
    ReadingTotal,
    article_cards,
    estimated_minutes_sql,
    reading_minutes_sql,
)
from tracker.services.curriculum import kept as content_cache
from tracker.services.curriculum.format import (
    ItemDefinition,
    MasteryDefinition,
    PathDefinition,
    PrerequisiteDefinition,
    SectionDefinition,
    Weeks,
    weeks_text,
)
from tracker.services.errors import NotFound


@dataclass
class PathSummary:
    """A path's size. Reading time counts the required articles (what 100% takes); optional ones apart."""

    path: LearningPath
    article_count: int
    reading: ReadingTotal = field(default_factory=ReadingTotal)
    optional_count: int = 0
    optional_reading: ReadingTotal = field(default_factory=ReadingTotal)


def weeks_label(path: LearningPath) -> str:
    """'8–12 weeks' or '12+ weeks'."""
    return weeks_text(path.weeks_min, path.weeks_max)


def list_paths(*, session: Session, statuses: Iterable[str] | None = None,
               also_ids: Iterable[int] = ()) -> list[PathSummary]:
    """Paths with their article count and estimated reading time, in one query.

    `statuses` limits the list (None: every path); `also_ids` adds paths outside it (for example
    archived paths a learner still follows). Curated paths only: learners' personal paths are in no list
    (`forks.personal_paths` lists a learner's own).
    """
    def total(expression: ColumnElement[int] | int, optional: bool) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((col(PathItem.optional).is_(optional), expression), else_=0)), 0)

    minutes, estimated = reading_minutes_sql(), estimated_minutes_sql()
    elective = and_(col(PathSection.kind) == SectionKind.elective, col(PathSection.pick).is_not(None))
    query = select(  # type: ignore[call-overload]  # sqlmodel types select() for at most four columns
        LearningPath, func.count(col(PathItem.id)), total(1, True), total(minutes, False),
        total(estimated, False), total(minutes, True), total(estimated, True),
        func.coalesce(func.max(case((elective, 1), else_=0)), 0))
    query = query.where(col(LearningPath.owner_id).is_(None))
    if statuses is not None:
        query = query.where(col(LearningPath.status).in_(list(statuses))
                            | (col(LearningPath.id).in_(list(also_ids)) & (LearningPath.status != PathStatus.draft)))
    rows = session.exec(
        query
        .outerjoin(PathSection, col(PathSection.path_id) == LearningPath.id)
        .outerjoin(PathItem, col(PathItem.section_id) == PathSection.id)
        .outerjoin(Article, col(Article.id) == PathItem.article_id)
        .group_by(col(LearningPath.id))
        .order_by(col(LearningPath.position), col(LearningPath.slug))
    ).all()
    # A path with an elective section needs less than all its required articles: counted as its page counts it.
    chosen = path_sections(session=session, path_ids=[p.id for p, *_, has in rows if has]) \
        if any(has for *_, has in rows) else {}
    return [PathSummary(path=p, article_count=n, optional_count=int(o),
                        reading=needed_reading(chosen[p.id]) if p.id in chosen
                        else ReadingTotal(minutes=int(m), estimated_minutes=int(e)),
                        optional_reading=ReadingTotal(minutes=int(om), estimated_minutes=int(oe)))
            for p, n, o, m, e, om, oe, _has in rows]


def needed_reading(sections: Sequence[SectionView]) -> ReadingTotal:
    """What 100% takes: every required article of a core section; of an elective section (any N of M), its N
    shortest required articles (the first of equal ones). The one number the path list and page show."""
    times = []
    for view in sections:
        required = [entry for entry in view.entries if not entry.optional]
        needed = view.rule.needed(len(required))
        if view.rule.elective:
            required = sorted(required, key=lambda entry: entry.reading_time.minutes)
        times += [entry.reading_time for entry in required[:needed]]
    return ReadingTotal.of(times)


@dataclass(frozen=True)
class SectionRule:
    """How a section completes: core (every required article) or elective (any `pick` of them), in any order
    or in sequence (each article opens when the one before it is settled). `tally()` reads it from each entry."""

    section_id: int = 0
    kind: SectionKind = SectionKind.core
    pick: int | None = None
    sequential: bool = False

    @classmethod
    def of(cls, section: PathSection) -> SectionRule:
        return cls(section_id=section.id, kind=SectionKind(section.kind), pick=section.pick,
                   sequential=section.sequential)

    @property
    def elective(self) -> bool:
        return self.kind is SectionKind.elective and self.pick is not None

    def needed(self, required: int) -> int:
        """How many of the section's `required` articles complete it: the one place the rule becomes a number."""
        return min(self.pick, required) if self.elective and self.pick is not None else required

    def describe(self, required: int) -> str:
        """'Core', 'Elective: any 2 of 5', with ' · in order' for a sequential section."""
        text = f"Elective: any {self.needed(required)} of {required}" if self.elective else "Core"
        return text + (" · in order" if self.sequential else "")


CORE = SectionRule()


@dataclass
class PathEntry:
    item: PathItem
    card: ArticleCard
    rule: SectionRule = CORE
    # Read on every tally of every view: taken from the rows once, when the entry is made.
    article_id: int = field(init=False)
    optional: bool = field(init=False)
    reading_time: ReadingTime = field(init=False)

    def __post_init__(self) -> None:
        self.article_id, self.optional = self.card.article.id, self.item.optional
        self.reading_time = self.card.reading_time


@dataclass
class SectionView:
    section: PathSection
    entries: list[PathEntry]

    @property
    def rule(self) -> SectionRule:
        return self.entries[0].rule if self.entries else SectionRule.of(self.section)

    @property
    def required_count(self) -> int:
        """The section's required (not optional) articles: an elective's M."""
        return sum(1 for entry in self.entries if not entry.optional)

    def describe_rule(self) -> str:
        return self.rule.describe(self.required_count)


@dataclass
class PathDetail:
    summary: PathSummary
    sections: list[SectionView]

    @property
    def path(self) -> LearningPath:
        return self.summary.path


def get_learning_path(*, session: Session, slug: str) -> LearningPath | None:
    return session.exec(_path_by_slug(), params={"slug": slug}).one_or_none()


@functools.cache  # built once: building a statement costs more than running it
def _path_by_slug() -> SelectOfScalar[LearningPath]:
    return select(LearningPath).where(LearningPath.slug == bindparam("slug"))


def require_learning_path(*, session: Session, slug: str) -> LearningPath:
    """The curated path with this slug, whatever its status (for admins and mentors' forms), or NotFound (a
    learner's personal path is none of theirs)."""
    path = get_learning_path(session=session, slug=slug)
    if path is None or path.owner_id is not None:
        raise NotFound(f"There is no path called '{slug}'.")
    return path


def visible_path(*, session: Session, viewer: User | None, slug: str) -> PathDetail:
    """The path with its articles if `viewer` may see it (`access.can_see_path`), else NotFound."""
    detail = get_path(session=session, slug=slug)
    if detail is None or not access.can_see_path(viewer, detail.path, session=session):
        raise NotFound(f"There is no path called '{slug}'.")
    return detail


@dataclass
class Membership:
    """Where an article sits in a path: which section, and whether it is optional there."""

    path: LearningPath
    section: PathSection
    item: PathItem


def paths_with_article(*, session: Session, viewer: User | None, article: Article) -> list[Membership]:
    """The paths `viewer` may see that hold this article, in the order paths are listed (one query)."""
    rows = session.exec(_paths_holding(), params={"article_id": article.id}).all()
    return [Membership(path=path, section=section, item=item) for path, section, item in rows
            if access.can_see_path(viewer, path)]


@functools.cache  # built once: building a statement costs more than running it
def _paths_holding() -> Select[LearningPath, PathSection, PathItem]:
    return (select(LearningPath, PathSection, PathItem)
            .join(PathSection, col(PathSection.path_id) == LearningPath.id)
            .join(PathItem, col(PathItem.section_id) == PathSection.id)
            .where(PathItem.article_id == bindparam("article_id"), col(LearningPath.owner_id).is_(None))
            .order_by(col(LearningPath.position), col(LearningPath.id)))


def entry_rows(*, session: Session, path_ids: Iterable[int]) -> list[tuple[PathSection, PathItem, Article]]:
    """Every item of these paths with its section and article, in path, section and item order (one query)."""
    path_ids = list(path_ids)
    if not path_ids:
        return []
    return list(session.exec(
        select(PathSection, PathItem, Article)
        .join(PathItem, col(PathItem.section_id) == PathSection.id)
        .join(Article, col(Article.id) == PathItem.article_id)
        .where(col(PathSection.path_id).in_(path_ids))
        .order_by(col(PathSection.path_id), col(PathSection.position), col(PathItem.position))
    ).all())


def path_entries(*, session: Session, path_ids: Iterable[int]) -> dict[int, list[PathEntry]]:
    """Each path's entries with their article cards, in order (kept per process: see path_sections)."""
    return {path_id: [entry for view in sections for entry in view.entries]
            for path_id, sections in path_sections(session=session, path_ids=path_ids).items()}


def path_sections(*, session: Session, path_ids: Iterable[int]) -> dict[int, list[SectionView]]:
    """Each path's sections with their entries, as this process keeps them for the current state of the
    curriculum (tracker.services.curriculum.kept): one query when kept, four when read again, however many paths.
    Only for reading: the rows belong to no session."""
    return content_cache.per_path(session, path_ids, _read_sections)


def _read_sections(reader: Session, path_ids: list[int]) -> dict[int, list[SectionView]]:
    rows = entry_rows(session=reader, path_ids=path_ids)
    cards = {card.article.id: card for card in article_cards(
        session=reader, articles=list({article.id: article for _, _, article in rows}.values()))}
    sections: dict[int, dict[int, SectionView]] = {path_id: {} for path_id in path_ids}
    for section, item, article in rows:
        sections[section.path_id].setdefault(section.id, SectionView(section=section, entries=[])) \
            .entries.append(PathEntry(item=item, card=cards[article.id], rule=SectionRule.of(section)))
    return {path_id: list(views.values()) for path_id, views in sections.items()}


def get_path(*, session: Session, slug: str) -> PathDetail | None:
    """A path with its sections and articles, or None."""
    path = get_learning_path(session=session, slug=slug)
    return None if path is None else path_details(session=session, paths=[path])[path.id]


def path_details(*, session: Session, paths: Sequence[LearningPath]) -> dict[int, PathDetail]:
    """Several paths with their sections and articles, by id (see path_sections)."""
    sections = path_sections(session=session, path_ids=[path.id for path in paths])
    return {path.id: _detail(path, sections[path.id]) for path in paths}


def _detail(path: LearningPath, sections: list[SectionView]) -> PathDetail:
    entries = [entry for view in sections for entry in view.entries]
    return PathDetail(summary=PathSummary(
        path=path, article_count=len(entries), optional_count=sum(1 for e in entries if e.optional),
        reading=needed_reading(sections),
        optional_reading=ReadingTotal.of(e.reading_time for e in entries if e.optional)),
                      sections=sections)


def path_definition(*, session: Session, path: LearningPath) -> PathDefinition:
    """The stored path in the definition format (what `tracker paths export` writes)."""
    sections: dict[int, SectionDefinition] = {}
    for section, item, article in entry_rows(session=session, path_ids=[path.id]):
        entry = sections.setdefault(section.id, SectionDefinition.model_construct(
            title=section.title, why=section.why, items=[], kind=SectionKind(section.kind), pick=section.pick,
            sequential=section.sequential))
        entry.items.append(ItemDefinition(slug=article.slug, optional=item.optional))
    prerequisites = [PrerequisiteDefinition(slug=slug, required=required) for slug, required in session.exec(
        select(LearningPath.slug, PathPrerequisite.required)
        .join(PathPrerequisite, col(PathPrerequisite.prerequisite_id) == LearningPath.id)
        .where(PathPrerequisite.path_id == path.id).order_by(col(PathPrerequisite.position)))]
    mastery = (MasteryDefinition(share=path.mastery_percent, retrievability=path.mastery_retrievability or 90)
               if path.mastery_percent else None)
    return PathDefinition(
        slug=path.slug, title=path.title, summary=path.summary, outcome=path.outcome,
        weeks=Weeks(min=path.weeks_min, max=path.weeks_max), order=path.position,
        status=PathStatus(path.status), sections=list(sections.values()), prerequisites=prerequisites,
        mastery=mastery,
    )
