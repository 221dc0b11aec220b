"""Public read-only endpoints: articles, paths, topics and sources."""

from __future__ import annotations

from flask import abort, request

from tracker.api import bp
from tracker.api.schemas import article_json, path_detail_json, path_summary_json
from tracker.db import get_session
from tracker.services import catalog, paths


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
    return {"items": [path_summary_json(summary) for summary in paths.list_paths(session=get_session())]}


@bp.get("/paths/<slug>")
def path_detail(slug: str):
    detail = paths.get_path(session=get_session(), slug=slug)
    if detail is None:
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
