"""Public pages: the home page, the paths, a path page and the catalog."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from jinja2_fragments.flask import render_block

from tracker.db import get_session
from tracker.services import catalog, paths

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    session = get_session()
    return render_template("main/index.html", paths=paths.list_paths(session=session),
                           sources=catalog.list_sources(session=session))


@bp.get("/paths/")
def path_list():
    return render_template("paths/list.html", paths=paths.list_paths(session=get_session()))


@bp.get("/paths/<slug>")
def path_page(slug: str):
    detail = paths.get_path(session=get_session(), slug=slug)
    if detail is None:
        abort(404, description=f"There is no path called '{slug}'.")
    return render_template("paths/detail.html", detail=detail)


@bp.get("/catalog")
def catalog_page():
    session = get_session()
    try:
        filters = catalog.ArticleQuery.from_args(request.args)
        page = catalog.search_articles(session=session, query=filters)
    except catalog.QueryError as exc:
        abort(400, description=f"Cannot search the catalog: {exc}.")
    context = {"page": page, "filters": filters, "topics": catalog.list_topics(session=session),
               "sources": catalog.list_sources(session=session)}
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "catalog-results":
        response = render_block("catalog/index.html", "results", **context)
    else:
        response = render_template("catalog/index.html", **context)
    return response, 200, {"Vary": "HX-Request"}
