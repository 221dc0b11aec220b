"""The signed-in learner's own progress: session cookie (with the CSRF header) or a bearer token."""

from __future__ import annotations

from flask import abort, request
from flask_login import login_required

from tracker.api import bp
from tracker.api.schemas import my_path_json, progress_json
from tracker.db import get_session
from tracker.services import progress
from tracker.services.catalog import get_article
from tracker.web.access import current_account


@bp.get("/me/progress")
@login_required
def my_progress():
    rows = progress.list_progress(session=get_session(), user=current_account())
    return {"items": [progress_json(record, slug) for record, slug in rows]}


@bp.put("/me/progress/<slug>")
@login_required
def put_progress(slug: str):
    session = get_session()
    article = get_article(session=session, slug=slug)
    if article is None:
        abort(404, description=f"no article '{slug}'")
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or "state" not in body:
        abort(400, description='send a JSON object like {"state": "done"}')
    try:
        state = progress.parse_state(body["state"])
    except progress.ProgressError as exc:
        abort(400, description=str(exc))
    record = progress.mark_article(session=session, user=current_account(), article=article, state=state)
    return progress_json(record, article.slug)


@bp.get("/me/paths")
@login_required
def my_paths():
    views = progress.my_paths(session=get_session(), user=current_account())
    return {"items": [my_path_json(view) for view in views]}
