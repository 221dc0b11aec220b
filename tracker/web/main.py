"""Pages: dashboard, paths, a path page, the catalog, and marking progress."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from jinja2_fragments.flask import render_block

from tracker.db import get_session
from tracker.models import Role, utcnow
from tracker.services import activity, catalog, mentoring, notes, notifications, paths, progress
from tracker.services.catalog import get_article
from tracker.web.access import current_account
from tracker.web.auth import safe_next

bp = Blueprint("main", __name__)


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


@bp.get("/")
def index():
    session = get_session()
    user = current_account()
    if user is None:
        return render_template("main/index.html", paths=paths.list_paths(session=session, statuses=paths.PUBLIC),
                               sources=catalog.list_sources(session=session))
    now = utcnow()
    assigned = mentoring.learner_assignments(session=session, learner=user, now=now)
    notifications.remind_due_dates(session=session, user=user, today=now.date(), assignments=assigned)
    assigned_ids = {row.path.id for row in assigned}
    return render_template(
        "main/dashboard.html",
        assigned=assigned,
        my_paths=[view for view in progress.my_paths(session=session, user=user) if view.path.id not in assigned_ids],
        invitations=mentoring.pending_invitations(session=session, learner=user),
        recent=activity.recent_activity(session=session, user=user),
        heatmap=activity.activity_heatmap(session=session, user=user, today=now.date()),
    )


def is_admin() -> bool:
    user = current_account()
    return user is not None and user.has_role(Role.admin)


@bp.get("/paths/")
def path_list():
    session = get_session()
    user = current_account()
    mine = progress.followed_path_ids(session=session, user=user) | mentoring.assigned_path_ids(
        session=session, learner=user)
    summaries = paths.list_paths(session=session, statuses=None if is_admin() else paths.PUBLIC, also_ids=mine)
    return render_template(
        "paths/list.html", paths=summaries,
        tallies=progress.path_tallies(session=session, user=user, paths=[s.path for s in summaries]),
        followed=progress.followed_path_ids(session=session, user=user),
    )


def _path_or_404(slug: str) -> progress.PathProgress:
    view = progress.path_progress(session=get_session(), user=current_account(), slug=slug)
    if view is None or not paths.visible_to(view.path, is_admin=is_admin()):
        abort(404, description=f"There is no path called '{slug}'.")
    return view


@bp.get("/paths/<slug>")
def path_page(slug: str):
    view = _path_or_404(slug)
    session = get_session()
    user = current_account()
    following = view.path.id in progress.followed_path_ids(session=session, user=user)
    my_notes = notes.notes_for(session=session, user=user, article_ids=list(view.article_ids())) if user else {}
    return render_template("paths/detail.html", view=view, following=following, notes=my_notes)


@bp.post("/paths/<slug>/follow")
@login_required
def follow(slug: str):
    view = _path_or_404(slug)
    try:
        progress.follow_path(session=get_session(), user=current_account(), path=view.path)
    except progress.ProgressError as exc:
        abort(400, description=str(exc))
    flash(f"You follow “{view.path.title}”. It is on your dashboard.", "success")
    return redirect(safe_next(url_for("main.path_page", slug=slug)), code=303)


@bp.post("/paths/<slug>/unfollow")
@login_required
def unfollow(slug: str):
    view = _path_or_404(slug)
    progress.unfollow_path(session=get_session(), user=current_account(), path=view.path)
    flash(f"You no longer follow “{view.path.title}”. Your progress on its articles is kept.", "info")
    return redirect(safe_next(url_for("main.path_page", slug=slug)), code=303)


@bp.get("/catalog")
def catalog_page():
    session = get_session()
    try:
        filters = catalog.ArticleQuery.from_args(request.args)
        page = catalog.search_articles(session=session, query=filters)
    except catalog.QueryError as exc:
        abort(400, description=f"Cannot search the catalog: {exc}.")
    user = current_account()
    article_ids = [card.article.id for card in page.items]
    states = progress.states_for(session=session, user=user, article_ids=article_ids)
    my_notes = notes.notes_for(session=session, user=user, article_ids=article_ids) if user else {}
    context = {"page": page, "filters": filters, "states": states, "notes": my_notes,
               "topics": catalog.list_topics(session=session), "sources": catalog.list_sources(session=session)}
    if is_htmx() and request.headers.get("HX-Target") == "catalog-results":
        # Keep the address bar shareable: the canonical URL, without empty filters.
        canonical = url_for("main.catalog_page", **filters.model_dump(exclude_defaults=True))
        body = render_block("catalog/index.html", "results", **context)
        return body, 200, {"Vary": "HX-Request", "HX-Push-Url": canonical}
    return render_template("catalog/index.html", **context), 200, {"Vary": "HX-Request"}


@bp.post("/articles/<slug>/progress")
@login_required
def mark(slug: str):
    """Set the state of an article. HTMX gets the row and the bars to swap; a plain form gets a redirect."""
    session = get_session()
    user = current_account()
    article = get_article(session=session, slug=slug)
    if article is None:
        abort(404, description=f"There is no article called '{slug}'.")
    try:
        state = progress.parse_state(request.form.get("state"))
    except progress.ProgressError as exc:
        abort(400, description=f"Cannot mark the article: {exc}.")
    path_slug = request.form.get("path") or None
    before = progress.path_progress(session=session, user=user, slug=path_slug) if path_slug else None
    if before is not None and (article.id not in before.article_ids()
                               or not paths.visible_to(before.path, is_admin=is_admin())):
        before, path_slug = None, None  # not on that path (any more): answer as the catalog would
    progress.mark_article(session=session, user=user, article=article, state=state)

    if not is_htmx():
        anchor = f"#article-{article.slug}"
        default = url_for("main.path_page", slug=path_slug) if before else url_for("main.catalog_page")
        response = redirect(safe_next(default) + anchor, code=303)
        response.vary.add("HX-Request")
        return response

    card = catalog.article_cards(session=session, articles=[article])[0]
    after = progress.path_progress(session=session, user=user, slug=path_slug) if before else None
    moved = []
    if after is not None:
        old_next, new_next = before.overall.next_entry, after.overall.next_entry
        moved = [entry for entry in (old_next, new_next)
                 if entry is not None and entry.card.article.id != article.id]
    my_notes = notes.notes_for(session=session, user=user,
                               article_ids=[article.id] + [entry.card.article.id for entry in moved])
    return render_template("partials/_progress_update.html", card=card, state=state, view=after,
                           moved=moved, notes=my_notes), 200, {"Vary": "HX-Request"}


def _article_or_404(slug: str):
    article = get_article(session=get_session(), slug=slug)
    if article is None:
        abort(404, description=f"There is no article called '{slug}'.")
    return article


@bp.get("/articles/<slug>/note")
@login_required
def note_page(slug: str):
    """The learner's note on an article, with mentors' replies."""
    session = get_session()
    article = _article_or_404(slug)
    note = notes.note_for(session=session, user=current_account(), article=article)
    replies = notes.replies_to(session=session, note=note) if note else []
    return render_template("main/note.html", article=article, note=note, replies=replies)


@bp.post("/articles/<slug>/note")
@login_required
def save_note(slug: str):
    session = get_session()
    article = _article_or_404(slug)
    try:
        note = notes.save_note(session=session, user=current_account(), article=article,
                               body=request.form.get("body", ""), shared=request.form.get("shared") == "on")
    except notes.NoteError as exc:
        if is_htmx():
            return render_template("partials/_note.html", article=article, note=None,
                                   draft=request.form.get("body", ""), error=str(exc), open=True), 400
        abort(400, description=str(exc))
    if is_htmx():
        return render_template("partials/_note.html", article=article, note=note, saved=True, open=True)
    flash("Note saved." if note else "Note deleted.", "success")
    return redirect(safe_next(url_for("main.note_page", slug=slug)), code=303)


@bp.app_context_processor
def inject_user():
    return {"account": current_account() if current_user else None}
