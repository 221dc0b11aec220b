"""What the API answers, as pydantic models: every JSON body is one of these, dumped in one place (`respond`).

Articles share their fields with the table through `ArticleBase`, so a new column is one edit.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel.main import SQLModelConfig

from tracker.http.schemas import ErrorBody, ErrorDetail, Public  # noqa: F401  (the API's models build on these)
from tracker.models import ARTICLE_FIELDS, ArticleBase, EmailFrequency, PathStatus, ProgressState, SectionKind
from tracker.services.catalog.articles import ArticleCard, SourceCount, TopicCount
from tracker.services.curriculum.prerequisites import Prerequisite
from tracker.services.curriculum.queries import PathDetail, PathEntry, PathSummary
from tracker.services.curriculum.store import HistoryEntry
from tracker.services.learning.mastery import Recall
from tracker.services.mentoring import recurrence
from tracker.services.mentoring.standings import AssignmentView
from tracker.services.progress.catch_up import CatchUp
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
    folded: bool | None = Field(default=None, description="signed in: you folded the section on your path page "
                                                          "(`PUT/DELETE /me/paths/<slug>/sections/<n>/fold`); "
                                                          "signed out: null")
    items: list[PathItemPublic]


class PrerequisitePublic(Public):
    """A path to finish first; `percent` and `complete` are the signed-in learner's (null for nobody)."""

    slug: str
    title: str
    required: bool = Field(description="following, and any assignment of the path, waits until it is complete; "
                                       "false: recommended only")
    percent: int | None = None
    complete: bool | None = None

    @classmethod
    def of(cls, prerequisite: Prerequisite) -> PrerequisitePublic:
        known = prerequisite.tally is not None
        return cls(slug=prerequisite.path.slug, title=prerequisite.path.title, required=prerequisite.required,
                   percent=prerequisite.percent if known else None, complete=prerequisite.complete if known else None)


class PathDetailPublic(PathFieldsPublic):
    sections: list[SectionPublic]
    prerequisites: list[PrerequisitePublic] = Field(default_factory=list,
                                                    description="paths to finish first, in order")

    @classmethod
    def of(cls, detail: PathDetail, locked: dict[int, PathEntry] | None = None,
           prerequisites: list[Prerequisite] | None = None, folded: set[int] | None = None) -> PathDetailPublic:
        """The path; with `locked` (a signed-in learner's closed articles), each item says whether it is locked,
        and with `folded` (the ids of the sections they folded) each section whether it is folded."""
        def item(entry: PathEntry) -> PathItemPublic:
            blocker = locked.get(entry.article_id) if locked is not None else None
            return PathItemPublic(article=ArticlePublic.of(entry.card), optional=entry.optional,
                                  locked=None if locked is None else blocker is not None,
                                  locked_by=blocker.card.article.slug if blocker is not None else None)

        sections = [SectionPublic(title=view.section.title, why=view.section.why, kind=view.rule.kind,
                                  pick=view.rule.pick if view.rule.elective else None,
                                  sequential=view.rule.sequential, rule=view.describe_rule(),
                                  folded=None if folded is None else view.section.id in folded,
                                  items=[item(entry) for entry in view.entries])
                    for view in detail.sections]
        return cls(**cls.fields_of(detail.summary), sections=sections,
                   prerequisites=[PrerequisitePublic.of(p) for p in prerequisites or []])


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


class CatchUpArticlePublic(Public):
    article: str = Field(description="the article's slug")
    title: str
    state: ProgressState = Field(description="the learner's state on it (one read on another path is done)")


class CatchUpSectionPublic(Public):
    title: str
    elective: bool = Field(description="an elective section: any `asked` of `items` complete it")
    asked: int = Field(description="how many more articles the section asks than in the finished version")
    left: int = Field(description="how many of them are left to read or skip")
    items: list[CatchUpArticlePublic]


class CatchUpPublic(Public):
    """What the path's current version asks beyond the version the learner finished (see docs/architecture.md)."""

    finished_version: int = Field(description="the version the learner finished: their certificate's, if any")
    current_version: int
    added: int = Field(description="how many more articles the current version asks")
    left: int = Field(description="how many of them are left to read or skip")
    summary: str = Field(description="in words: “finished v3 · 2 to catch up”")
    certificate: str | None = Field(default=None, description="the public id of the certificate for the finished "
                                                              "version: it stays valid")
    sections: list[CatchUpSectionPublic]

    @classmethod
    def of(cls, found: CatchUp | None) -> CatchUpPublic | None:
        if found is None:
            return None
        return cls(finished_version=found.finished_version, current_version=found.current_version,
                   added=found.added, left=found.left, summary=found.summary,
                   certificate=found.credential.public_id if found.credential else None,
                   sections=[CatchUpSectionPublic(title=section.title, elective=section.elective, asked=section.asked,
                                                  left=section.left, items=[CatchUpArticlePublic(
                                                      article=item.entry.card.article.slug,
                                                      title=item.entry.card.article.title, state=item.state)
                                                      for item in section.items])
                             for section in found.sections])


class AssignPlanPublic(Public):
    """What assigning would do for one mentee (nothing is written)."""

    learner: str
    new: bool = Field(description="the mentee does not have the path yet: it is assigned and they are notified")
    changes: list[str] = Field(description="for a mentee who has it: what changes (empty: nothing, no notification)")
    due_on: date | None = Field(description="the due date the mentee would have")


class MasteryPublic(Public):
    """The recall a path asks as well as reading, and the learner's (a reviewed card recalled at the threshold)."""

    share: int = Field(description="the percent of the required articles the path asks to be recalled")
    retrievability: int = Field(description="the FSRS retrievability, in percent, a reviewed card must hold")
    required: int = Field(description="required articles, counted as progress counts them")
    recalled: int = Field(description="of them, recalled now")
    needed: int = Field(description="how many recalled articles the path asks (the share, rounded up)")
    met: bool = Field(description="the recall asked holds now (with reading complete, the credential is issued)")

    @classmethod
    def of(cls, recall: Recall) -> MasteryPublic:
        return cls(share=recall.share or 0, retrievability=recall.threshold, required=recall.required,
                   recalled=recall.recalled, needed=recall.needed, met=recall.met)


class RecallHealthPublic(Public):
    """A learner's recall of a path's required articles: any path, whether it asks recall or not."""

    percent: int = Field(description="the share of the path's required articles with a reviewed card recalled at "
                                     "the threshold or above")
    recalled: int
    required: int
    retrievability: int = Field(description="the threshold, in percent (the path's own, else 90)")
    asked: int | None = Field(description="the percent the path asks for its credential; null: reading only")

    @classmethod
    def of(cls, recall: Recall) -> RecallHealthPublic:
        return cls(percent=recall.percent, recalled=recall.recalled, required=recall.required,
                   retrievability=recall.threshold, asked=recall.share)


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
    status: str = Field(description="not_started, in_progress, on_track, at_risk, overdue, completed, "
                                    "completed_late, or waiting (a required prerequisite is not complete)")
    waiting_for: list[str] = Field(default_factory=list, description="while waiting: the slugs of the required "
                                                                     "prerequisites not yet complete")
    stale: bool
    forecast_on: date | None
    completed_at: datetime | None
    last_activity_at: datetime | None
    recur_months: int | None = Field(default=None, description="it starts over every so many months; null: once")
    period_started_on: date | None = Field(default=None, description="when it recurs: the current period's first day")
    period_ends_on: date | None = Field(default=None, description="when it recurs: the day the next period starts "
                                                                  "(the learner's articles start over)")
    catch_up: CatchUpPublic | None = Field(default=None, description="what a later version of the path added since "
                                                                     "the learner finished it; null: not behind")
    recall: RecallHealthPublic | None = Field(default=None, description="the learner's recall of the path (on a "
                                                                        "mentor's views); null where not shown")

    @classmethod
    def of(cls, row: AssignmentView) -> AssignmentPublic:
        t = row.tally
        period = recurrence.current_period(row.assignment, row.learner)
        return cls(id=row.assignment.id, learner=row.learner.username, path=row.path.slug,
                   assigned_by=row.mentor.username if row.mentor else None, note=row.assignment.note,
                   percent=t.percent, done=t.done, skipped=t.skipped, total=t.total, due_on=row.assignment.due_on,
                   status=row.status.value, waiting_for=[p.path.slug for p in row.waiting_for],
                   stale=row.stale, forecast_on=row.forecast_on,
                   completed_at=row.completed_at, last_activity_at=row.last_activity_at,
                   recur_months=period.months if period else None,
                   period_started_on=period.started_on if period else None,
                   period_ends_on=period.ends_on if period else None, catch_up=CatchUpPublic.of(row.catch_up),
                   recall=RecallHealthPublic.of(row.recall) if row.recall is not None else None)


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
    catch_up: CatchUpPublic | None = Field(default=None, description="what a later version of the path added since "
                                                                     "you finished it; null: nothing to catch up on")
    mastery: MasteryPublic | None = Field(default=None, description="the recall the path asks too, and yours; null: "
                                                                    "the path asks reading only")

    @classmethod
    def of(cls, path, t: Tally, *, following: bool, assignment: AssignmentView | None = None,
           catch_up: CatchUp | None = None, recall: Recall | None = None) -> MyPathPublic:
        upcoming = t.next_entry.card.article.slug if t.next_entry and not t.complete else None
        return cls(slug=path.slug, title=path.title, following=following, done=t.done, skipped=t.skipped,
                   total=t.total, percent=t.percent, minutes_left=t.minutes_left,
                   minutes_left_estimated=t.estimated_minutes_left, next_article_slug=upcoming,
                   assignment=AssignmentPublic.of(assignment) if assignment else None,
                   catch_up=CatchUpPublic.of(assignment.catch_up if assignment else catch_up),
                   mastery=MasteryPublic.of(recall) if recall is not None and recall.asked else None)


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


# ---------------------------------------------------------------- personal resources

class ResourcePublic(Public):
    """One of your own resources: a link only you see (and your mentors, once shared); never in the catalog."""

    id: int
    slug: str = Field(description="its address in the tracker: /articles/{slug}, /api/v1/me/progress/{slug}")
    title: str
    url: str
    minutes: int | None = Field(description="your estimate, if you gave one")
    shared_with_mentors: bool
    beside: str | None = Field(description="the slug of the catalog article it sits beside, if any")
    created_at: datetime
    updated_at: datetime


class ResourceBody(BaseModel):
    """A new resource. The title is 1 to 200 characters, the url an http:// or https:// address (javascript:,
    data: and other kinds are refused), minutes 1 to 600 or null."""

    model_config = ConfigDict(extra="forbid")
    title: str = Field(max_length=1000)
    url: str = Field(max_length=2000)
    minutes: int | None = None
    shared_with_mentors: bool = False
    beside: str | None = Field(default=None, max_length=120, description="a catalog article's slug")


class ResourceChange(BaseModel):
    """What to change of a resource; fields left out keep their value."""

    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(default=None, max_length=1000)
    url: str | None = Field(default=None, max_length=2000)
    minutes: int | None = None
    shared_with_mentors: bool | None = None
