"""Public read-only endpoints: articles, paths, topics and sources."""

from __future__ import annotations

from flask import abort, request

from tracker.api import bp, json_body
from pydantic import BaseModel

from tracker.api.schemas import article_json, iso, path_detail_json, path_summary_json
from tracker.db import get_session
from tracker.models import PathStatus, Role
from tracker.services import catalog, path_editing, paths
from tracker.web.access import current_account, role_required


@bp.get("/articles")
def articles():
    try:
        query = catalog.ArticleQuery.from_args(request.args)
        page = catalog.search_articles(session=get_session(), query=query)
    except catalog.QueryError as exc:
        abort(400, description=str(exc))
    return {"items": [article_json(card) for card in page.items], "total": page.total,
            "page": page.page, "per_page": page.per_page}


@bp.get("/paths")
def path_list():
    summaries = paths.list_paths(session=get_session(), statuses=paths.PUBLIC)
    return {"items": [path_summary_json(summary) for summary in summaries]}


@bp.get("/paths/<slug>")
def path_detail(slug: str):
    detail = paths.get_path(session=get_session(), slug=slug)
    user = current_account()
    if detail is None or not paths.visible_to(detail.path, is_admin=bool(user and user.has_role(Role.admin))):
        abort(404, description=f"no path '{slug}'")
    return path_detail_json(detail)


@bp.get("/topics")
def topics():
    return {"items": [{"slug": row.topic.slug, "name": row.topic.name, "article_count": row.article_count}
                      for row in catalog.list_topics(session=get_session())]}


@bp.get("/sources")
def sources():
    return {"items": [{"slug": row.source.slug, "name": row.source.name, "provenance": row.source.provenance,
                       "article_count": row.article_count}
                      for row in catalog.list_sources(session=get_session())]}


class ItemBody(BaseModel):
    article: dict
    optional: bool = False


class SectionBody(BaseModel):
    title: str
    items: list[ItemBody]


class PathBody(BaseModel):
    """The shape GET /paths/<slug> answers, plus the version the change is based on."""

    version: int
    title: str
    summary: str
    outcome: str
    weeks_min: int
    weeks_max: int | None = None
    status: str = PathStatus.published.value
    order: int | None = None
    sections: list[SectionBody]


@bp.put("/paths/<slug>")
@role_required(Role.admin)
def update_path(slug: str):
    """Save a new version of a path; a stale `version` answers 409 with the current one."""
    session = get_session()
    path = paths.get_learning_path(session=session, slug=slug)
    if path is None:
        abort(404, description=f"no path '{slug}'")
    body = json_body(PathBody, hint="send the path as a JSON object, with the version it is based on")
    data = {
        "slug": slug, "title": body.title, "summary": body.summary, "outcome": body.outcome,
        "weeks": {"min": body.weeks_min, "max": body.weeks_max}, "status": body.status,
        "order": body.order if body.order is not None else path.position,
        "sections": [{"title": s.title, "items": [{"slug": str(i.article.get("slug", "")), "optional": i.optional}
                                                  for i in s.items]} for s in body.sections],
    }
    try:
        definition = path_editing.validate_definition(session=session, data=data, source=slug)
        path_editing.save_path(session=session, definition=definition, base_version=body.version,
                               author=current_account())
    except paths.PathDefinitionError as exc:
        abort(400, description=str(exc))
    except path_editing.VersionConflict as conflict:
        return {"error": {"status": 409, "message": str(conflict), "current_version": conflict.current_version,
                          "changes": conflict.changes}}, 409
    return path_detail_json(paths.get_path(session=session, slug=slug))


@bp.get("/paths/<slug>/history")
@role_required(Role.admin)
def path_history(slug: str):
    session = get_session()
    path = paths.get_learning_path(session=session, slug=slug)
    if path is None:
        abort(404, description=f"no path '{slug}'")
    return {"slug": slug, "version": path.version, "items": [{
        "version": entry.version.version, "author": entry.author.username if entry.author else None,
        "created_at": iso(entry.version.created_at), "status": entry.version.status,
        "changes": entry.version.summary.splitlines(),
    } for entry in path_editing.history(session=session, path=path)]}
