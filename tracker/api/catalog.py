"""Public read-only endpoints: articles, paths, topics and sources."""

from __future__ import annotations

from typing import Any

from flask import request
from pydantic import BaseModel, Field

from tracker.api.blueprint import bp
from tracker.api.schemas import (
    ArticlePage,
    ArticlePublic,
    Items,
    PathDetailPublic,
    PathHistory,
    PathStatusPublic,
    PathSummaryPublic,
    SourcePublic,
    TopicPublic,
    VersionPublic,
    respond,
)
from tracker.db import get_session
from tracker.http.auth import current_account, require_account, role_required
from tracker.http.inputs import DB_INT_MAX, json_body
from tracker.http.openapi import documented
from tracker.models import LearningPath, PathStatus, Role, SectionKind
from tracker.services import access
from tracker.services.catalog import articles as catalog
from tracker.services.curriculum import format as path_format
from tracker.services.curriculum import prerequisites
from tracker.services.curriculum import queries as path_queries
from tracker.services.curriculum import store as path_store
from tracker.services.curriculum.changes import describe_changes
from tracker.services.curriculum.format import SectionDefinition
from tracker.services.progress import folds
from tracker.services.progress import marks as progress
from tracker.services.progress import preview as rule_preview


@bp.get("/articles")
@documented(summary="Search the catalog", query=catalog.ArticleQuery, response=ArticlePage, signed_in=False)
def articles():
    query = catalog.ArticleQuery.from_args(request.args)
    page = catalog.search_articles(session=get_session(), query=query)
    return respond(ArticlePage(items=[ArticlePublic.of(card) for card in page.items], total=page.total,
                               page=page.page, per_page=page.per_page))


@bp.get("/paths")
@documented(summary="The curated paths", response=Items[PathSummaryPublic], signed_in=False)
def path_list():
    summaries = path_queries.list_paths(session=get_session(), statuses=access.listed_statuses(current_account()))
    return respond(Items[PathSummaryPublic](items=[PathSummaryPublic.of(summary) for summary in summaries]))


@bp.get("/paths/<slug>")
@documented(summary="One path with its sections and articles", response=PathDetailPublic, signed_in=False,
            errors=(404,))
def path_detail(slug: str):
    """With its prerequisites; signed in, where you stand on each, whether an in-order section keeps each
    article closed for you (`locked`) and which sections you folded (`folded`)."""
    session, viewer = get_session(), current_account()
    detail = path_queries.visible_path(session=session, viewer=viewer, slug=slug)
    locked, folded = None, None
    if viewer is not None:
        folded = folds.folded_sections(session=session, user=viewer, path=detail.path)
        entries = [entry for view in detail.sections for entry in view.entries]
        locked = {}
        if any(entry.rule.sequential for entry in entries):  # only an in-order section closes anything
            states = progress.states_for(session=session, user=viewer, article_ids=[e.article_id for e in entries])
            locked = progress.locked_articles(entries, states)
    return respond(PathDetailPublic.of(detail, locked, prerequisites.for_learner(session=session, learner=viewer,
                                                                                path=detail.path), folded))


@bp.get("/topics")
@documented(summary="Topics with their article counts", response=Items[TopicPublic], signed_in=False)
def topics():
    return respond(Items[TopicPublic](items=[TopicPublic.of(row)
                                             for row in catalog.list_topics(session=get_session())]))


@bp.get("/sources")
@documented(summary="Sources with their article counts", response=Items[SourcePublic], signed_in=False)
def sources():
    return respond(Items[SourcePublic](items=[SourcePublic.of(row)
                                              for row in catalog.list_sources(session=get_session())]))


class ArticleRef(BaseModel):
    slug: str = Field(default="", max_length=120)


class ItemBody(BaseModel):
    article: ArticleRef
    optional: bool = False


class SectionBody(BaseModel):
    title: str = Field(max_length=200)
    why: str | None = Field(default=None, max_length=300,
                            description="left out: a section with the same title keeps its line")
    kind: SectionKind | None = Field(default=None, description="core or elective; left out: a section with the "
                                                                 "same title keeps its rule (a new one is core)")
    pick: int | None = Field(default=None, ge=1, le=500, description="elective: how many of its required "
                                                                     "articles complete it")
    sequential: bool | None = Field(default=None, description="each article opens once the one before it is "
                                                              "finished; left out: kept as the section had it")
    items: list[ItemBody] = Field(max_length=500)

    def definition(self, current: dict[str, SectionDefinition] | None = None) -> dict:
        """The section in the path file's shape; what is left out comes from `current` (by title)."""
        kept = (current or {}).get(self.title)
        kind = self.kind or (kept.kind if kept is not None else SectionKind.core)
        pick = self.pick if self.kind is not None else (kept.pick if kept is not None else None)
        sequential = self.sequential if self.sequential is not None else bool(kept and kept.sequential)
        return {"title": self.title, "why": self.why if self.why is not None else (kept.why if kept else ""),
                "kind": kind.value, "pick": pick, "sequential": sequential,
                "items": [{"slug": i.article.slug, "optional": i.optional} for i in self.items]}


class PrerequisiteBody(BaseModel):
    slug: str = Field(max_length=80)
    required: bool = False


class MasteryBody(BaseModel):
    share: int = Field(ge=1, le=100, description="percent of the required articles recalled as well as read")
    retrievability: int = Field(default=90, ge=50, le=99, description="the recall percent each card must reach")


class PathBody(BaseModel):
    """The shape GET /paths/<slug> answers, plus the version the change is based on."""

    version: int = Field(ge=1, le=DB_INT_MAX)
    title: str = Field(max_length=200)
    summary: str = Field(max_length=2000)
    outcome: str = Field(max_length=1000)
    weeks_min: int = Field(ge=1, le=520)
    weeks_max: int | None = Field(default=None, ge=1, le=520)
    status: str | None = Field(default=None, max_length=16,
                               description="left out: the path keeps its status (PUT /paths/<slug>/status changes "
                                           "it on its own)")
    order: int | None = Field(default=None, ge=-path_format.ORDER_MAX, le=path_format.ORDER_MAX)
    sections: list[SectionBody] = Field(max_length=100)
    prerequisites: list[PrerequisiteBody] | None = Field(
        default=None, max_length=20, description="paths to finish first, in order; left out: kept as they are")
    mastery: MasteryBody | None = Field(default=None, description="recall asked as well as reading; left out: "
                                                                  "kept as it is; null: none")


def kept_or_given(body: PathBody, path: LearningPath) -> dict[str, Any]:
    """The prerequisites and mastery of a path write: as given, or as the path has them when left out."""
    current = path_queries.path_definition(session=get_session(), path=path) \
        if body.prerequisites is None or "mastery" not in body.model_fields_set else None
    wanted = [p.model_dump() for p in body.prerequisites] if body.prerequisites is not None else \
        [p.model_dump() for p in current.prerequisites] if current else []
    if "mastery" in body.model_fields_set:
        mastery = body.mastery.model_dump() if body.mastery is not None else None
    else:
        mastery = current.mastery.model_dump() if current and current.mastery else None
    return {"prerequisites": wanted, "mastery": mastery}


@bp.put("/paths/<slug>")
@role_required(Role.admin)
@documented(summary="Save a new version of a path (admins)", body=PathBody, response=PathDetailPublic,
            errors=(404, 409))
def update_path(slug: str):
    """Save a new version of a path; a stale `version` answers 409 with the current one."""
    session = get_session()
    path = path_queries.require_learning_path(session=session, slug=slug)
    body = json_body(PathBody, hint="send the path as a JSON object, with the version it is based on")
    definition = _definition(path, body)
    path_store.save_path(session=session, definition=definition, base_version=body.version,
                         author=require_account())  # a stale version: 409 with current_version and changes
    return respond(PathDetailPublic.of(_detail(path), prerequisites=prerequisites.for_learner(
        session=session, learner=None, path=path)))


def _definition(path: LearningPath, body: PathBody) -> path_format.PathDefinition:
    """The body as a checked path definition; what it leaves out is kept from the path as it is."""
    session = get_session()
    current = {section.title: section
               for section in path_queries.path_definition(session=session, path=path).sections}
    data = {
        "slug": path.slug, "title": body.title, "summary": body.summary, "outcome": body.outcome,
        "weeks": {"min": body.weeks_min, "max": body.weeks_max},
        "status": body.status if body.status is not None else path.status.value,
        "order": body.order if body.order is not None else path.position,
        "sections": [section.definition(current) for section in body.sections],
        **kept_or_given(body, path),
    }
    return path_store.validate_definition(session=session, data=data, source=path.slug)


class PreviewBody(PathBody):
    """A path as PUT /paths/<slug> takes it; the version may be left out (nothing is saved)."""

    version: int = Field(default=1, ge=1, le=DB_INT_MAX)


class PercentMovePublic(BaseModel):
    before: int
    after: int
    learners: int


class PathPreviewPublic(BaseModel):
    """What saving this definition would do to the percentages of the learners on the path."""

    learners: int = Field(description="learners who follow the path or have it assigned")
    changed: int = Field(description="learners whose percentage would change")
    up: int
    down: int
    reach_complete: int = Field(description="learners the change takes to 100%")
    leave_complete: int = Field(description="learners at 100% who would no longer be")
    summary: str = Field(description="the sentence the editor shows")
    moves: list[PercentMovePublic] = Field(description="each move (from, to) with how many learners make it")
    changes: list[str] = Field(description="what saving would change, in the words of the path's history")


@bp.post("/paths/<slug>/preview")
@role_required(Role.admin)
@documented(summary="What saving a path would do to its learners' percentages (admins; nothing is saved)",
            body=PreviewBody, response=PathPreviewPublic, errors=(404,))
def preview_path(slug: str):
    """Checked as PUT /paths/<slug> checks it (400 when it would be refused); nothing is written."""
    session = get_session()
    path = path_queries.require_learning_path(session=session, slug=slug)
    body = json_body(PreviewBody, hint="send the path as PUT /paths/<slug> takes it")
    definition = _definition(path, body)
    result = rule_preview.percent_changes(session=session, path=path, definition=definition)
    moves: dict[tuple[int, int], int] = {}
    for change in result.changed:
        moves[(change.before, change.after)] = moves.get((change.before, change.after), 0) + 1
    before = path_queries.path_definition(session=session, path=path)
    return respond(PathPreviewPublic(
        learners=result.learners, changed=len(result.changed), up=len(result.up), down=len(result.down),
        reach_complete=result.reach_complete, leave_complete=result.leave_complete, summary=result.sentence(),
        moves=[PercentMovePublic(before=b, after=a, learners=n) for (b, a), n in sorted(moves.items())],
        changes=describe_changes(before, definition)))


def _detail(path: LearningPath) -> path_queries.PathDetail:
    """The path with its sections and articles, as they are now."""
    return path_queries.path_details(session=get_session(), paths=[path])[path.id]


class PathStatusBody(BaseModel):
    """The new status and the version the change is based on."""

    status: PathStatus
    version: int = Field(ge=1, le=DB_INT_MAX)


def _status_answer(path: LearningPath):
    audience = path_store.path_audience(session=get_session(), path=path)
    return respond(PathStatusPublic(slug=path.slug, status=path.status, version=path.version,
                                    followers=audience.followers, assigned=audience.assigned,
                                    audience=audience.sentence))


@bp.get("/paths/<slug>/status")
@role_required(Role.admin)
@documented(summary="A path's status and the learners it reaches (admins)", response=PathStatusPublic,
            errors=(404,))
def path_status(slug: str):
    """Who a status change would reach: the learners following the path and those with it assigned."""
    return _status_answer(path_queries.require_learning_path(session=get_session(), slug=slug))


@bp.put("/paths/<slug>/status")
@role_required(Role.admin)
@documented(summary="Change a path's status on its own (admins)", body=PathStatusBody, response=PathStatusPublic,
            errors=(404, 409))
def change_path_status(slug: str):
    """Publish, archive or unpublish a path, keeping its content; a stale `version` answers 409."""
    session = get_session()
    path = path_queries.require_learning_path(session=session, slug=slug)
    body = json_body(PathStatusBody, hint='send {"status": "published", "version": <the version it is based on>}')
    path_store.change_status(session=session, path=path, status=body.status, base_version=body.version,
                             author=require_account())
    return _status_answer(path)


@bp.get("/paths/<slug>/history")
@role_required(Role.admin)
@documented(summary="Every saved version of a path (admins)", response=PathHistory, errors=(404,))
def path_history(slug: str):
    session = get_session()
    path = path_queries.require_learning_path(session=session, slug=slug)
    return respond(PathHistory(slug=slug, version=path.version, items=[
        VersionPublic.of(entry) for entry in path_store.history(session=session, path=path)]))
