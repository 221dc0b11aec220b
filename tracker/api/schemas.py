"""What the API answers, as pydantic models: every JSON body is one of these, dumped in one place (`respond`).

Articles share their fields with the table through `ArticleBase`, so a new column is one edit.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field
from sqlmodel.main import SQLModelConfig

from tracker.http.schemas import ErrorBody, ErrorDetail, Public  # noqa: F401  (the API's models build on these)
from tracker.models import ARTICLE_FIELDS, ArticleBase, EmailFrequency, PathStatus, ProgressState, SectionKind
from tracker.services.catalog.articles import ArticleCard, SourceCount, TopicCount
from tracker.services.curriculum.queries import PathDetail, PathEntry, PathSummary
from tracker.services.curriculum.store import HistoryEntry
from tracker.services.mentoring import recurrence
from tracker.services.mentoring.standings import AssignmentView
from tracker.services.progress.marks import Tally

# A data export is a versioned file whose shape the domain owns (`tracker export` writes the same): the API
# answers these models as they are.
from tracker.services.records.export_schema import DataExport, MenteeExport  # noqa: F401

Item = TypeVar("Item", bound=BaseModel)


def respond(body: BaseModel, status: int = 200):
    """A response model as Flask's JSON answer."""
    return body.model_dump(mode="json"), status


class Items(Public, Generic[Item]):
    items: list[Item]


# ---------------------------------------------------------------- accounts

class MePublic(Public):
    username: str
    name: str
    role: str
    time_zone: str = Field(description="the IANA zone your days, due dates and streak are counted in")
    email: str
    email_notifications: EmailFrequency
    email_offered: bool = Field(description="whether this tracker sends email at all")
    desired_retention: float = Field(description="the recall probability your cards are scheduled for")
    new_cards_per_day: int = Field(description="cards never reviewed that the review queue brings in per day")
    reviews_per_day: int = Field(description="reviews of review-state cards the queue serves per day")


# ---------------------------------------------------------------- catalog

class SourceRef(Public):
    slug: str
    name: str


class ArticlePublic(ArticleBase, Public):
    # Public's setting wins over the table base's, as pydantic merges them; SQLModelConfig is a type both accept.
    model_config = SQLModelConfig(from_attributes=False)

    slug: str
    source: SourceRef
    topics: list[str]
    minutes: int = Field(description="the reading time every total uses: `reading_minutes`, or an estimate")
    reading_minutes_estimated: bool = Field(description="true when the listing gives no reading time and "
                                                        "`minutes` is the estimate for its source")

    @classmethod
    def of(cls, card: ArticleCard) -> ArticlePublic:
        time = card.reading_time
        return cls(slug=card.article.slug, source=SourceRef(slug=card.source.slug, name=card.source.name),
                   topics=[topic.name for topic in card.topics], minutes=time.minutes,
                   reading_minutes_estimated=time.estimated, **card.article.model_dump(include=ARTICLE_FIELDS))


class ArticlePage(Public):
    items: list[ArticlePublic]
    total: int
    page: int
    per_page: int


class TopicPublic(Public):
    slug: str
    name: str
    article_count: int

    @classmethod
    def of(cls, row: TopicCount) -> TopicPublic:
        return cls(slug=row.topic.slug, name=row.topic.name, article_count=row.article_count)


class SourcePublic(Public):
    slug: str
    name: str
    provenance: str
    article_count: int

    @classmethod
    def of(cls, row: SourceCount) -> SourcePublic:
        return cls(slug=row.source.slug, name=row.source.name, provenance=row.source.provenance,
                   article_count=row.article_count)


# ---------------------------------------------------------------- paths

class PathFieldsPublic(Public):
    """What a path's summary and its full answer both show."""

    slug: str
    title: str
    summary: str
    outcome: str
    weeks_min: int
    weeks_max: int | None
    article_count: int
    optional_count: int
    estimated_minutes: int = Field(description="reading time of the required articles (what 100% takes)")
    estimated_share: float = Field(description="the part of estimated_minutes (0 to 1) that is estimated "
                                               "because listings give no reading time")
    optional_minutes: int = Field(description="reading time of the optional articles, not in estimated_minutes")
    status: PathStatus
    version: int

    @staticmethod
    def fields_of(summary: PathSummary) -> dict[str, Any]:
        path = summary.path
        return dict(slug=path.slug, title=path.title, summary=path.summary, outcome=path.outcome,
                    weeks_min=path.weeks_min, weeks_max=path.weeks_max, article_count=summary.article_count,
                    optional_count=summary.optional_count, estimated_minutes=summary.reading.minutes,
                    estimated_share=summary.reading.estimated_share,
                    optional_minutes=summary.optional_reading.minutes, status=path.status, version=path.version)


class PathSummaryPublic(PathFieldsPublic):
    @classmethod
    def of(cls, summary: PathSummary) -> PathSummaryPublic:
        return cls(**cls.fields_of(summary))


class PathItemPublic(Public):
    article: ArticlePublic
    optional: bool
    locked: bool | None = Field(default=None, description="signed in: the section is in order and this article "
                                                          "opens once `locked_by` is finished (marking it on this "
                                                          "path answers 409); signed out: null")
    locked_by: str | None = Field(default=None, description="the slug of the article that opens this one")


class SectionPublic(Public):
    title: str
    why: str = Field(default="", description="one line: why this section holds these articles, in this order")
    kind: SectionKind = Field(default=SectionKind.core, description="core: every required article counts; "
                                                                    "elective: any `pick` of them")
    pick: int | None = Field(default=None, description="an elective section: how many of its required articles "
                                                       "complete it")
    sequential: bool = Field(default=False, description="each article opens once the one before it is finished")
    rule: str = Field(default="Core", description="the rule in words, as the path page shows it")
    items: list[PathItemPublic]


class PathDetailPublic(PathFieldsPublic):
    sections: list[SectionPublic]

    @classmethod
    def of(cls, detail: PathDetail, locked: dict[int, PathEntry] | None = None) -> PathDetailPublic:
        """The path; with `locked` (a signed-in learner's closed articles), each item says whether it is locked."""
        def item(entry: PathEntry) -> PathItemPublic:
            blocker = locked.get(entry.article_id) if locked is not None else None
            return PathItemPublic(article=ArticlePublic.of(entry.card), optional=entry.optional,
                                  locked=None if locked is None else blocker is not None,
                                  locked_by=blocker.card.article.slug if blocker is not None else None)

        sections = [SectionPublic(title=view.section.title, why=view.section.why, kind=view.rule.kind,
                                  pick=view.rule.pick if view.rule.elective else None,
                                  sequential=view.rule.sequential, rule=view.describe_rule(),
                                  items=[item(entry) for entry in view.entries])
                    for view in detail.sections]
        return cls(**cls.fields_of(detail.summary), sections=sections)


class VersionPublic(Public):
    version: int
    author: str | None
    created_at: datetime
    status: PathStatus
    changes: list[str]

    @classmethod
    def of(cls, entry: HistoryEntry) -> VersionPublic:
        return cls(version=entry.version.version, author=entry.author.username if entry.author else None,
                   created_at=entry.version.created_at, status=entry.version.status,
                   changes=entry.version.summary.splitlines())


class PathStatusPublic(Public):
    """A path's status and who it reaches: the learners following it and those with it assigned."""

    slug: str
    status: PathStatus
    version: int
    followers: int
    assigned: int
    audience: str = Field(description="the same in words: “12 learners follow it; 3 have it assigned.”")


class PathHistory(Public):
    slug: str
    version: int
    items: list[VersionPublic]


# ---------------------------------------------------------------- progress and mentoring

class ProgressPublic(Public):
    article_slug: str
    state: ProgressState
    updated_at: datetime


class AssignPlanPublic(Public):
    """What assigning would do for one mentee (nothing is written)."""

    learner: str
    new: bool = Field(description="the mentee does not have the path yet: it is assigned and they are notified")
    changes: list[str] = Field(description="for a mentee who has it: what changes (empty: nothing, no notification)")
    due_on: date | None = Field(description="the due date the mentee would have")


class AssignmentPublic(Public):
    id: int
    learner: str
    path: str
    assigned_by: str | None
    note: str
    percent: int
    done: int
    skipped: int
    total: int
    due_on: date | None
    status: str
    stale: bool
    forecast_on: date | None
    completed_at: datetime | None
    last_activity_at: datetime | None
    recur_months: int | None = Field(default=None, description="it starts over every so many months; null: once")
    period_started_on: date | None = Field(default=None, description="when it recurs: the current period's first day")
    period_ends_on: date | None = Field(default=None, description="when it recurs: the day the next period starts "
                                                                  "(the learner's articles start over)")

    @classmethod
    def of(cls, row: AssignmentView) -> AssignmentPublic:
        t = row.tally
        period = recurrence.current_period(row.assignment, row.learner)
        return cls(id=row.assignment.id, learner=row.learner.username, path=row.path.slug,
                   assigned_by=row.mentor.username if row.mentor else None, note=row.assignment.note,
                   percent=t.percent, done=t.done, skipped=t.skipped, total=t.total, due_on=row.assignment.due_on,
                   status=row.status.value, stale=row.stale, forecast_on=row.forecast_on,
                   completed_at=row.completed_at, last_activity_at=row.last_activity_at,
                   recur_months=period.months if period else None,
                   period_started_on=period.started_on if period else None,
                   period_ends_on=period.ends_on if period else None)


class MyPathPublic(Public):
    slug: str
    title: str
    following: bool
    done: int
    skipped: int
    total: int
    percent: int
    minutes_left: int
    minutes_left_estimated: int = Field(description="the part of minutes_left that is estimated")
    next_article_slug: str | None
    assignment: AssignmentPublic | None = None

    @classmethod
    def of(cls, path, t: Tally, *, following: bool, assignment: AssignmentView | None = None) -> MyPathPublic:
        upcoming = t.next_entry.card.article.slug if t.next_entry and not t.complete else None
        return cls(slug=path.slug, title=path.title, following=following, done=t.done, skipped=t.skipped,
                   total=t.total, percent=t.percent, minutes_left=t.minutes_left,
                   minutes_left_estimated=t.estimated_minutes_left, next_article_slug=upcoming,
                   assignment=AssignmentPublic.of(assignment) if assignment else None)


class MenteePublic(Public):
    username: str
    name: str
    last_activity_at: datetime | None
    assignments: list[AssignmentPublic]


class MenteeProgress(Public):
    username: str
    items: list[ProgressPublic]
    assignments: list[AssignmentPublic]


class MentorshipPublic(Public):
    mentor: str
    learner: str
    status: str
    already: bool = Field(default=False, description="the mentor already mentored the learner: nothing changed")


class DueDatePublic(Public):
    id: int
    due_on: date | None
