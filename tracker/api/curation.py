"""Curation in the API (admins): making a path, reading a saved version and restoring it; making and editing
articles, setting their links in bulk, and importing a listing page. Saving a new version of a path and
changing its status are in `catalog`, beside the reads."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from tracker.api.blueprint import bp
from tracker.api.catalog import MasteryBody, PrerequisiteBody, SectionBody
from tracker.api.schemas import ArticlePublic, PathDetailPublic, Public, respond
from tracker.db import get_session
from tracker.http.auth import require_account, role_required
from tracker.http.inputs import DB_INT_MAX, json_body
from tracker.http.openapi import documented
from tracker.models import PathStatus, Role
from tracker.services import documents
from tracker.services.catalog import articles as catalog
from tracker.services.catalog import editing as article_editing
from tracker.services.catalog import layouts
from tracker.services.catalog import store as catalog_store
from tracker.services.curriculum import format as path_format
from tracker.services.curriculum import queries as path_queries
from tracker.services.curriculum import store as path_store
from tracker.services.curriculum.format import PathDefinition
from tracker.services.errors import Conflict, Invalid

UPLOAD_LIMIT = 256 * 1024  # a pasted listing page, as on the admin page

# ---------------------------------------------------------------- paths


class NewPathBody(BaseModel):
    """A new path: the shape GET /paths/{slug} answers, with its slug."""

    model_config = ConfigDict(extra="forbid")
    slug: str = Field(max_length=80, description="lower-case words joined by hyphens; it names the path for good")
    title: str = Field(max_length=200)
    summary: str = Field(max_length=2000)
    outcome: str = Field(max_length=1000)
    weeks_min: int = Field(ge=1, le=520)
    weeks_max: int | None = Field(default=None, ge=1, le=520)
    status: PathStatus = Field(default=PathStatus.draft, description="a new path is a draft unless told otherwise")
    order: int = Field(default=100, ge=-path_format.ORDER_MAX, le=path_format.ORDER_MAX)
    sections: list[SectionBody] = Field(max_length=100)
    prerequisites: list[PrerequisiteBody] = Field(default_factory=list, max_length=20,
                                                  description="paths to finish first, in order")
    mastery: MasteryBody | None = Field(default=None, description="recall asked as well as reading")


class SavedVersionPublic(Public):
    slug: str
    version: int
    current_version: int = Field(description="the path's version now: what a restore is based on")
    author: str | None
    created_at: datetime
    status: PathStatus = Field(description="the status it was saved with (a restore keeps the path's own)")
    changes: list[str]
    definition: PathDefinition = Field(description="the whole version, in the path file's shape")


class RestoreBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    base_version: int = Field(ge=1, le=DB_INT_MAX, description="the path's version you decided on; changed since: "
                                                                "409")


class RestorePublic(Public):
    slug: str
    restored: int = Field(description="the version whose content came back")
    version: int = Field(description="the path's version now")
    unchanged: bool = Field(description="the version had the content the path has now: no new version was made")
    changes: list[str]


@bp.post("/paths")
@role_required(Role.admin)
@documented(summary="Make a new path (admins)", body=NewPathBody, response=PathDetailPublic, status=201,
            errors=(409,))
def create_path():
    """Checked as a path file is: known articles, no article twice, a slug not taken (409 when it is)."""
    session = get_session()
    body = json_body(NewPathBody, hint="send the path as a JSON object, with its slug")
    if path_queries.get_learning_path(session=session, slug=body.slug) is not None:
        raise Conflict(f"slug: there is already a path '{body.slug}'; change it with PUT /api/v1/paths/{body.slug}.")
    data = {"slug": body.slug, "title": body.title, "summary": body.summary, "outcome": body.outcome,
            "weeks": {"min": body.weeks_min, "max": body.weeks_max}, "status": body.status.value,
            "order": body.order,
            "sections": [s.definition() for s in body.sections],
            "prerequisites": [p.model_dump() for p in body.prerequisites],
            "mastery": body.mastery.model_dump() if body.mastery is not None else None}
    definition = path_store.validate_definition(session=session, data=data, source=body.slug)
    result = path_store.save_path(session=session, definition=definition, base_version=None,
                                  author=require_account())
    detail = path_queries.path_details(session=session, paths=[result.path])[result.path.id]
    return respond(PathDetailPublic.of(detail), 201)


@bp.get("/paths/<slug>/history/<id:version>")
@role_required(Role.admin)
@documented(summary="One saved version of a path, whole (admins)", response=SavedVersionPublic, errors=(404,))
def path_version(slug: str, version: int):
    session = get_session()
    path = path_queries.require_learning_path(session=session, slug=slug)
    saved = path_store.saved_version(session=session, path=path, version=version)
    return respond(SavedVersionPublic(slug=path.slug, version=saved.record.version, current_version=path.version,
                                      author=saved.author.username if saved.author else None,
                                      created_at=saved.record.created_at, status=saved.record.status,
                                      changes=saved.record.summary.splitlines(), definition=saved.definition))


@bp.post("/paths/<slug>/history/<id:version>/restore")
@role_required(Role.admin)
@documented(summary="Make a saved version's content current again, as a new version (admins)", body=RestoreBody,
            response=RestorePublic, errors=(404, 409))
def restore_path_version(slug: str, version: int):
    """Only the content comes back: the path keeps its status, so learners on a published path keep it."""
    session = get_session()
    path = path_queries.require_learning_path(session=session, slug=slug)
    body = json_body(RestoreBody, hint='send {"base_version": <the path\'s current version>}')
    result = path_store.restore_version(session=session, path=path, version=version, base_version=body.base_version,
                                        author=require_account())
    return respond(RestorePublic(slug=path.slug, restored=version, version=result.path.version,
                                 unchanged=result.unchanged, changes=result.changes))


# ---------------------------------------------------------------- articles

class ArticleBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(max_length=300)
    url: str | None = Field(default=None, max_length=500, description="http:// or https://; null: none")
    summary: str = Field(default="", max_length=5000)
    topics: list[str] = Field(default=[], max_length=12, description="topic names; new ones are made")
    source: str = Field(max_length=80, description="the source's slug or name")
    reading_minutes: int | None = Field(default=None, ge=1, le=DB_INT_MAX)
    same_title: str | None = Field(default=None, max_length=300,
                                   description="the title again, when another article has it and yours is a "
                                               "different one (else 400 naming the others)")


class LinksBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    links: dict[str, str] = Field(max_length=5000, description='article slug → URL; "" removes a link')


class LinksPublic(Public):
    changed: int
    unchanged: int


class ListingBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(max_length=UPLOAD_LIMIT, description="the listing page, pasted")
    source_name: str = Field(default="", max_length=120, description="left empty: as the listing names itself")
    confirm: bool = Field(default=False, description="false: only say what would change; true: save it")


class ListingPublic(Public):
    source: str = Field(description="the source's slug")
    source_name: str
    new: list[str] = Field(description="slugs of the articles it adds")
    updated: list[str] = Field(description="slugs of known articles it changes")
    saved: bool
    created: int = 0
    updated_count: int = 0
    unchanged: int = 0


def _save_article(slug: str | None, body: ArticleBody):
    session = get_session()
    fields = article_editing.ArticleForm.from_data(body.model_dump(exclude={"same_title"}))
    try:
        article = article_editing.save_article(session=session, slug=slug, form=fields,
                                               confirmed_title=body.same_title)
    except Invalid:
        session.rollback()
        raise
    return ArticlePublic.of(catalog.require_card(session=session, slug=article.slug))


@bp.get("/articles/<slug>")
@documented(summary="One article of the catalog", response=ArticlePublic, signed_in=False, errors=(404,))
def article_detail(slug: str):
    return respond(ArticlePublic.of(catalog.require_card(session=get_session(), slug=slug)))


@bp.post("/articles")
@role_required(Role.admin)
@documented(summary="Add an article to the catalog (admins)", body=ArticleBody, response=ArticlePublic, status=201)
def create_article():
    """A title another article has is refused (400, naming them) unless `same_title` repeats it."""
    body = json_body(ArticleBody, hint='send a JSON object like {"title": "…", "source": "mdn"}')
    return respond(_save_article(None, body), 201)


@bp.put("/articles/<slug>")
@role_required(Role.admin)
@documented(summary="Change an article (admins)", body=ArticleBody, response=ArticlePublic, errors=(404,))
def update_article(slug: str):
    session = get_session()
    catalog.require_article(session=session, slug=slug)
    body = json_body(ArticleBody, hint='send a JSON object like {"title": "…", "source": "mdn"}')
    return respond(_save_article(slug, body))


@bp.put("/articles/links")
@role_required(Role.admin)
@documented(summary="Give many articles their links at once, all or nothing (admins)", body=LinksBody,
            response=LinksPublic)
def set_article_links():
    """Every unknown slug and bad URL is named in one 400, and then nothing changes."""
    body = json_body(LinksBody, hint='send {"links": {"<article slug>": "https://…"}}')
    session = get_session()
    try:
        changed = article_editing.set_links(session=session, links=body.links)
    except Invalid:
        session.rollback()
        raise
    return respond(LinksPublic(changed=changed, unchanged=len(body.links) - changed))


@bp.post("/articles/import")
@role_required(Role.admin)
@documented(summary="Import a pasted listing page: what it would change, then (confirm) save it (admins)",
            body=ListingBody, response=ListingPublic)
def import_articles():
    body = json_body(ListingBody, hint='send {"text": "<the listing page>", "confirm": false}')
    documents.checked_text(body.text, name="The listing", limit=UPLOAD_LIMIT)
    session = get_session()
    try:
        listing = layouts.parse_listing(body.text, provenance="sent to the API",
                                        source_name=body.source_name.strip() or None)
        plan = catalog_store.plan_listing_import(session=session, listing=listing)
    except Invalid:
        raise
    except ValueError as exc:
        raise Invalid(f"text: {exc}") from None
    answer = ListingPublic(source=listing.source_slug, source_name=listing.source_name, new=plan.new_slugs,
                           updated=plan.updated_slugs, saved=False)
    if body.confirm:
        report = catalog_store.import_listing(session=session, plan=plan)
        answer = answer.model_copy(update={"saved": True, "created": report.created, "updated_count": report.updated,
                                           "unchanged": report.unchanged})
    return respond(answer)
