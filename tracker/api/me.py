"""The signed-in learner's own progress: session cookie (with the CSRF header) or a bearer token."""

from __future__ import annotations

from flask import abort, request
from flask_login import login_required

from tracker.api import bp
from tracker.api.schemas import assignment_json, my_path_json, progress_json
from tracker.db import get_session
from tracker.models import utcnow
from tracker.services import mentoring, progress
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
    """Assigned paths (with who assigned them, due date and status), then the others followed."""
    session = get_session()
    user = current_account()
    assigned = mentoring.learner_assignments(session=session, learner=user, now=utcnow())
    assigned_ids = {row.path.id for row in assigned}
    followed = progress.followed_path_ids(session=session, user=user)
    items = [my_path_json(row.path, row.t, following=row.path.id in followed) | {"assignment": assignment_json(row)}
             for row in assigned]
    items += [my_path_json(view.path, view.overall, following=True)
              for view in progress.my_paths(session=session, user=user) if view.path.id not in assigned_ids]
    return {"items": items}
