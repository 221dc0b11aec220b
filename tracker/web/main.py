"""Pages: dashboard, paths, a path page, the catalog, and marking progress."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from tracker.db import get_session
from tracker.api.credentials import issue_earned
from tracker.api.openapi import openapi_document
from tracker.http.auth import current_account
from tracker.http.render import fragment_or_page, is_htmx, page_or_fragment, see_other
from tracker.models import ProgressState, utcnow
from tracker.services import access, activity, assignment_views, assignments, catalog, mentorships, notes, path_queries, progress, restart
from tracker.services import card_suggestions, plans, recall, streaks, time_zones
from tracker.services.errors import Invalid
from tracker.web.auth import safe_next
from tracker.web.forms import MarkForm, NoteForm, PlanForm, RecallCardForm, RestartForm, TakeawayForm

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    session = get_session()
    user = current_account()
    if user is None:
        return render_template("main/index.html", paths=path_queries.list_paths(session=session,
                                                                         statuses=access.listed_statuses(None)),
                               sources=catalog.list_sources(session=session))
    now = utcnow()
    today = time_zones.today_for(user, now)
    mine = assignment_views.learner_paths(session=session, learner=user, now=now)
    return render_template(
        "main/dashboard.html",
        assigned=mine.assigned,
        my_paths=mine.followed,
        invitations=mentorships.pending_invitations(session=session, learner=user),
        recent=activity.recent_activity(session=session, user=user),
        heatmap=activity.activity_heatmap(session=session, user=user, today=today),
        streak=streaks.streak_for(session=session, user=user, today=today),
        recall=recall.due_counts(session=session, user=user, now=now)
        if recall.has_cards(session=session, user=user) else None,
    )


@bp.get("/paths/")
def path_list():
    session = get_session()
    user = current_account()
    mine = progress.followed_path_ids(session=session, user=user) | assignments.assigned_path_ids(
        session=session, learner=user)
    summaries = path_queries.list_paths(session=session, statuses=access.listed_statuses(user), also_ids=mine)
    return render_template(
        "paths/list.html", paths=summaries,
        tallies=progress.path_tallies(session=session, user=user, paths=[s.path for s in summaries]),
        followed=progress.followed_path_ids(session=session, user=user),
    )


def _visible_path(slug: str) -> progress.PathProgress:
    return progress.visible_path_progress(session=get_session(), viewer=current_account(), slug=slug)


@bp.get("/paths/<slug>")
def path_page(slug: str):
    view = _visible_path(slug)
    session = get_session()
    user = current_account()
    following = view.path.id in progress.followed_path_ids(session=session, user=user)
    my_notes = notes.notes_for(session=session, user=user, article_ids=list(view.article_ids())) if user else {}
    planning = user is not None and (following or view.path.id in assignments.assigned_path_ids(
        session=session, learner=user))
    return render_template("paths/detail.html", view=view, following=following, notes=my_notes,
                           **(_plan_context(view) if planning else {}))


def _plan_context(view: progress.PathProgress, **extra) -> dict:
    """The plan card's context: the plan, both forecasts and the form (filled from the plan)."""
    session = get_session()
    user = current_account()
    now = utcnow()
    plan = plans.plan_for(session=session, user=user, path=view.path)
    form = extra.pop("plan_form", None) or PlanForm(formdata=None, days=plans.plan_days(plan.weekdays) if plan else [],
                                                    cue=plan.cue if plan else "", minutes=plan.minutes if plan else 30)
    return {"path": view.path, "plan_form": form, **extra,
            "forecasts": plans.forecasts(plan=plan, minutes_left=view.overall.minutes_left, today=time_zones.today_for(
                user, now), pace=assignment_views.learner_pace(session=session, learner=user, now=now))}


@bp.post("/paths/<slug>/plan")
@login_required
def save_plan(slug: str):
    """Set, change or remove the learner's weekly plan for a path."""
    view = _visible_path(slug)
    session = get_session()
    form = PlanForm()
    try:
        if request.form.get("clear"):
            plans.clear_plan(session=session, user=current_account(), path=view.path)
            message = "Plan removed."
        else:
            form.checked()
            plans.set_plan(session=session, user=current_account(), path=view.path, days=form.days.data,
                           minutes=form.minutes.data, cue=form.cue.data or "")
            message = "Plan saved."
    except Invalid as exc:
        if not is_htmx():
            flash(f"{exc} The plan was not changed.", "error")
            return see_other(url_for("main.path_page", slug=slug) + "#plan")
        return render_template("partials/_plan.html", **_plan_context(view, plan_form=form, error=str(exc))), 400, {
            "Vary": "HX-Request"}
    if is_htmx():
        return render_template("partials/_plan.html", **_plan_context(view, saved=message)), 200, {
            "Vary": "HX-Request"}
    flash(message, "success")
    return see_other(url_for("main.path_page", slug=slug) + "#plan")


@bp.post("/paths/<slug>/follow")
@login_required
def follow(slug: str):
    view = _visible_path(slug)
    progress.follow_path(session=get_session(), user=current_account(), path=view.path)
    flash(f"You follow “{view.path.title}”. It is on your dashboard; make a weekly plan for it below.", "success")
    return redirect(safe_next(url_for("main.path_page", slug=slug)), code=303)


@bp.post("/paths/<slug>/unfollow")
@login_required
def unfollow(slug: str):
    view = _visible_path(slug)
    progress.unfollow_path(session=get_session(), user=current_account(), path=view.path)
    flash(f"You no longer follow “{view.path.title}”. Your progress on its articles is kept.", "info")
    return redirect(safe_next(url_for("main.path_page", slug=slug)), code=303)


@bp.get("/paths/<slug>/restart")
@login_required
def restart_confirm(slug: str):
    """Ask before starting a path over: how many articles go back to "not started", and which are shared."""
    view = _visible_path(slug)
    plan = restart.plan_restart(session=get_session(), user=current_account(), path=view.path)
    return render_template("paths/restart.html", view=view, plan=plan)


@bp.post("/paths/<slug>/restart")
@login_required
def restart_path(slug: str):
    view = _visible_path(slug)
    form = RestartForm().checked()
    count = restart.restart_path(session=get_session(), user=current_account(), path=view.path,
                                 include_shared=form.include_shared.data).reset
    flash(f"“{view.path.title}” starts over: {count} article{'' if count == 1 else 's'} back to not started. "
          "Your history is kept.", "success")
    return see_other(url_for("main.path_page", slug=slug))


@bp.get("/catalog")
def catalog_page():
    session = get_session()
    filters = catalog.ArticleQuery.from_args(request.args)
    page = catalog.search_articles(session=session, query=filters)
    user = current_account()
    article_ids = [card.article.id for card in page.items]
    states = progress.states_for(session=session, user=user, article_ids=article_ids)
    my_notes = notes.notes_for(session=session, user=user, article_ids=article_ids) if user else {}
    context = {"page": page, "filters": filters, "states": states, "notes": my_notes,
               "topics": catalog.list_topics(session=session), "sources": catalog.list_sources(session=session)}
    # Keep the address bar shareable: the canonical URL, without empty filters.
    return page_or_fragment("catalog/index.html", block="results", target="catalog-results",
                            push_url=url_for("main.catalog_page", **filters.model_dump(exclude_defaults=True)),
                            **context)


@bp.post("/articles/<slug>/progress")
@login_required
def mark(slug: str):
    """Set the state of an article. HTMX gets the row and the bars to swap; a plain form gets a redirect."""
    session = get_session()
    user = current_account()
    article = catalog.require_article(session=session, slug=slug)
    form = MarkForm().checked()
    state = ProgressState(form.state.data)
    path_slug = form.path.data or None
    before = progress.path_progress(session=session, user=user, slug=path_slug) if path_slug else None
    if before is not None and (article.id not in before.article_ids() or not access.can_see_path(user, before.path)):
        before, path_slug = None, None  # not on that path (any more): answer as the catalog would
    progress.mark_article(session=session, user=user, article=article, state=state,
                          path=before.path if before is not None else None)
    issue_earned(session=session, user=user, article=article)  # a completion credential when this finishes a path

    if not is_htmx():
        anchor = "" if form.place.data == "article" else f"#article-{article.slug}"
        default = url_for("main.path_page", slug=path_slug) if before else url_for("main.catalog_page")
        return see_other(safe_next(default) + anchor)

    card = catalog.article_cards(session=session, articles=[article])[0]
    if form.place.data == "article":
        return render_template("partials/_article_state.html", card=card, state=state, announce=True), 200, {
            "Vary": "HX-Request"}
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


@bp.get("/articles/<slug>")
def article_page(slug: str):
    """One article: what it is, where to read it, my state and note, and the paths it belongs to."""
    session = get_session()
    user = current_account()
    article = catalog.require_article(session=session, slug=slug)
    card = catalog.article_cards(session=session, articles=[article])[0]
    note = notes.note_for(session=session, user=user, article=article) if user else None
    return render_template(
        "catalog/article.html", card=card, note=note,
        state=progress.states_for(session=session, user=user, article_ids=[article.id]).get(
            article.id, ProgressState.not_started) if user else None,
        replies=notes.replies_to(session=session, note=note) if note else [],
        recall_cards=recall.cards_for_article(session=session, user=user, article=article) if user else [],
        suggestions=card_suggestions.suggestions_for(session=session, learner=user, article=article) if user else [],
        card_form=RecallCardForm(formdata=None),
        memberships=path_queries.paths_with_article(session=session, viewer=user, article=article))


@bp.get("/articles/<slug>/note")
@login_required
def note_page(slug: str):
    """The learner's note on an article, with mentors' replies."""
    session = get_session()
    article = catalog.require_article(session=session, slug=slug)
    note = notes.note_for(session=session, user=current_account(), article=article)
    replies = notes.replies_to(session=session, note=note) if note else []
    return render_template("main/note.html", article=article, note=note, replies=replies)


@bp.post("/articles/<slug>/note")
@login_required
def save_note(slug: str):
    session = get_session()
    article = catalog.require_article(session=session, slug=slug)
    form = NoteForm().checked()
    body = form.body.data or ""
    try:
        note = notes.save_note(session=session, user=current_account(), article=article, body=body,
                               shared=form.shared.data)
    except notes.NoteError as exc:
        # The form again, with its draft and the reason, where the person is typing (page or fragment).
        existing = notes.note_for(session=session, user=current_account(), article=article)
        return fragment_or_page("partials/_note.html", "main/note.html", status=400, article=article,
                                note=existing, replies=notes.replies_to(session=session, note=existing) if existing else [],
                                draft=body, error=str(exc), open=True)
    if is_htmx():
        return render_template("partials/_note.html", article=article, note=note, saved=True, open=True), 200, {
            "Vary": "HX-Request"}
    flash("Note saved." if note else "Note deleted.", "success")
    return see_other(safe_next(url_for("main.note_page", slug=slug)))


@bp.post("/articles/<slug>/takeaway")
@login_required
def save_takeaway(slug: str):
    """What the learner would tell a colleague, kept in their note; offered right after marking it done."""
    session = get_session()
    user = current_account()
    article = catalog.require_article(session=session, slug=slug)
    form = TakeawayForm().checked()
    prompt = bool(request.form.get("prompt"))
    try:
        note = notes.save_takeaway(session=session, user=user, article=article, text=form.text.data or "",
                                   shared=form.shared.data)
    except notes.NoteError as exc:  # the form again, with the draft and the reason, where it was typed
        if not is_htmx():
            flash(str(exc), "error")
            return see_other(url_for("main.article_page", slug=slug) + "#takeaway-" + slug)
        return render_template("partials/_takeaway.html", article=article, prompt=prompt, error=str(exc),
                               draft=form.text.data, note=notes.note_for(session=session, user=user, article=article)
                               ), 400, {"Vary": "HX-Request"}
    if is_htmx():
        return render_template("partials/_takeaway.html", article=article, note=note, saved=True), 200, {
            "Vary": "HX-Request"}
    flash("Takeaway saved." if note and note.takeaway else "Takeaway removed.", "success")
    return see_other(url_for("main.article_page", slug=slug) + "#takeaway-" + slug)


@bp.post("/articles/<slug>/cards")
@login_required
def add_card(slug: str):
    """Write a recall card on an article; back to the article's cards, with the reason if it was refused."""
    session = get_session()
    article = catalog.require_article(session=session, slug=slug)
    form = RecallCardForm().checked()
    try:
        recall.create_card(session=session, user=current_account(), article=article, prompt=form.prompt.data,
                           answer=form.answer.data)
    except Invalid as exc:
        flash(f"{exc} The card was not added.", "error")
    else:
        flash("Card added. It is due for review now.", "success")
    return see_other(url_for("main.article_page", slug=slug) + "#recall-cards")


@bp.post("/cards/suggested/<id:suggestion_id>/adopt")
@login_required
def adopt_card(suggestion_id: int):
    """Take a suggested card as one's own, due for review now."""
    session = get_session()
    card = card_suggestions.adopt(session=session, learner=current_account(), suggestion_id=suggestion_id)
    slug = recall.article_slugs(session=session, cards=[card])[card.id]
    flash("Card added to your cards. It is due for review now.", "success")
    return see_other(url_for("main.article_page", slug=slug) + "#recall-cards")


@bp.post("/cards/<id:card_id>/delete")
@login_required
def delete_card(card_id: int):
    session = get_session()
    card = recall.card_of(session=session, user=current_account(), card_id=card_id)
    slug = recall.article_slugs(session=session, cards=[card])[card.id]
    recall.delete_card(session=session, card=card)
    flash("Card deleted.", "success")
    return see_other(url_for("main.article_page", slug=slug) + "#recall-cards")


@bp.get("/api")
def api_reference():
    """The JSON API's reference, rendered from its OpenAPI document (no scripts)."""
    return render_template("main/api.html", doc=openapi_document())


@bp.app_context_processor
def inject_user():
    return {"account": current_account() if current_user else None}
