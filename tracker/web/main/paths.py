"""The path pages: the list, a path with its weekly plan, following, and starting over."""

from __future__ import annotations

from flask import flash, render_template, url_for
from flask_login import login_required
from markupsafe import Markup

from tracker.db import get_session
from tracker.http.auth import current_account, require_account
from tracker.http.errors import error_response
from tracker.http.render import fragment, is_htmx, see_other
from tracker.models import utcnow
from tracker.services import access
from tracker.services.curriculum import prerequisites
from tracker.services.curriculum import queries as path_queries
from tracker.services.errors import Invalid
from tracker.services.learning import mastery, notes, plans
from tracker.services.mentoring import assignments
from tracker.services.mentoring import standings as assignment_views
from tracker.services.personal import forks
from tracker.services.personal import resources as personal_resources
from tracker.services.progress import catch_up, folds, follows, restart
from tracker.services.progress import marks as progress
from tracker.web.auth import safe_next
from tracker.web.forms import FoldForm, PlanForm, RestartForm
from tracker.web.main.blueprint import bp


@bp.get("/paths/")
def path_list():
    session = get_session()
    user = current_account()
    followed = follows.followed_path_ids(session=session, user=user)
    assigned = assignments.assigned_path_ids(session=session, learner=user)
    summaries = path_queries.list_paths(session=session, statuses=access.listed_statuses(user),
                                        also_ids=followed | assigned)
    return render_template(
        "paths/list.html", paths=summaries,
        tallies=progress.path_tallies(session=session, user=user, paths=[s.path for s in summaries]),
        followed=followed, assigned=assigned, personal_paths=forks.personal_paths(session=session, owner=user),
    )


def _visible_path(slug: str) -> progress.PathProgress:
    return progress.visible_path_progress(session=get_session(), viewer=current_account(), slug=slug)


@bp.get("/paths/<slug>")
def path_page(slug: str):
    return render_template("paths/detail.html", **_path_page_context(_visible_path(slug)))


def _path_page_context(view: progress.PathProgress, **plan_extra) -> dict:
    """The path page's context; the plan card's for a learner who follows the path or has it assigned."""
    session = get_session()
    user = current_account()
    following = view.path.id in follows.followed_path_ids(session=session, user=user)
    my_notes = notes.notes_for(session=session, user=user, article_ids=list(view.article_ids())) if user else {}
    held = assignments.holding_assignment(session=session, learner=user, path=view.path) if user else None
    planning = user is not None and (following or held is not None)
    return {"view": view, "following": following, "notes": my_notes,
            "assigned": assignments.describe_holding(view.path, *held) if held else None,
            "held_assignment": held[0] if held else None,
            "prerequisites": prerequisites.for_learner(session=session, learner=user, path=view.path),
            "catch_up": catch_up.for_path(session=session, learner=user, view=view),
            "mastery": mastery.for_path(session=session, learner=user, view=view),
            "fork": forks.for_path(session=session, viewer=user, path=view.path),
            "resources": personal_resources.beside_articles(session=session, viewer=user, owner=user,
                                                            article_ids=view.article_ids()),
            "locked": progress.locked_articles(view.entries(), view.states) if user else {},
            "folded": folds.folded_sections(session=session, user=user, path=view.path),
            **(_plan_context(view, **plan_extra) if planning else {})}


def _plan_context(view: progress.PathProgress, **extra) -> dict:
    """The plan card's context (a signed-in learner's): the plan, both forecasts and the form (filled from the plan)."""
    both = assignment_views.learner_forecasts(session=get_session(), learner=require_account(), view=view,
                                              now=utcnow())
    plan = both.plan
    form = extra.pop("plan_form", None) or PlanForm(formdata=None, days=plans.plan_days(plan.weekdays) if plan else [],
                                                    cue=plan.cue if plan else "", minutes=plan.minutes if plan else 30)
    return {"path": view.path, "plan_form": form, "forecasts": both, **extra}


@bp.post("/paths/<slug>/plan")
@login_required
def save_plan(slug: str):
    """Set, change or remove the learner's weekly plan for a path."""
    user = require_account()
    view = _visible_path(slug)
    session = get_session()
    form = PlanForm()
    now = utcnow()
    monday = plans.first_week_judged(user=user, now=now).strftime("%A %b %-d")
    try:
        if form.clear.data:
            plans.clear_plan(session=session, user=user, path=view.path, now=now)
            message = f"Plan removed. Your streak stops asking it from {monday}."
        else:
            form.checked()
            plans.set_plan(session=session, user=user, path=view.path, days=form.days.data or [],
                           minutes=form.minutes.data, cue=form.cue.data or "", now=now)
            message = f"Plan saved. Your streak asks it from {monday}."
    except Invalid as exc:  # the form again, with what was typed and why, where it was typed (page or fragment)
        refusal = {"plan_form": form, "error": f"{str(exc).rstrip('.')}. The plan was not changed."}
        if is_htmx():
            return fragment("partials/_plan.html", status=400, **_plan_context(view, **refusal))
        return render_template("paths/detail.html", **_path_page_context(view, **refusal)), 400
    if is_htmx():
        return fragment("partials/_plan.html", **_plan_context(view, saved=message))
    flash(message, "success")
    return see_other(url_for("main.path_page", slug=slug) + "#plan")


@bp.post("/paths/<slug>/sections/<id:number>/fold")
@login_required
def fold_section(slug: str, number: int):
    """Fold a section of the path page (or open it again), remembered for this learner: HTMX gets the section
    again, a plain form goes back to it."""
    view = _visible_path(slug)
    form = FoldForm().checked()
    section = folds.numbered_section(view.detail, number).section
    folds.set_folded(session=get_session(), user=require_account(), path=view.path, section=section,
                     folded=form.fold.data == "fold")
    if is_htmx():
        return fragment("partials/_path_sections.html", show_progress=True, only_number=number,
                        **_path_page_context(view))
    # back to the section's button: the heading as the target would show a folded section's rows (the map's links
    # open a folded section to read that way)
    return see_other(url_for("main.path_page", slug=slug) + f"#fold-{number}")


@bp.post("/paths/<slug>/follow")
@login_required
def follow(slug: str):
    """Follow a path; refused (409, naming and linking each) while a required prerequisite is not complete:
    a flash on the path page, at its prerequisites, or with HTMX the page's alert area."""
    view = _visible_path(slug)
    try:
        follows.follow_path(session=get_session(), user=require_account(), path=view.path)
    except prerequisites.PrerequisitesUnmet as refusal:
        message = _linked_refusal(refusal)
        if is_htmx():
            return error_response(refusal.status, message, title="Not yet")
        flash(message, "error")
        return see_other(url_for("main.path_page", slug=slug) + "#prerequisites")
    flash(f"You follow “{view.path.title}”. It is on your dashboard; make a weekly plan for it below.", "success")
    return see_other(safe_next(url_for("main.path_page", slug=slug)))


def _linked_refusal(refusal: prerequisites.PrerequisitesUnmet) -> Markup:
    """The refusal's words with each unmet prerequisite a link to its path."""
    links = [Markup("<a href=\"{}\">{}</a> ({})").format(url_for("main.path_page", slug=p.path.slug), p.path.title,
                                                       p.progress_words()) for p in refusal.unmet]
    listed = links[0] if len(links) == 1 else Markup(", ").join(links[:-1]) + Markup(" and ") + links[-1]
    return Markup("Finish {} first: following “{}” waits until {} complete.").format(
        listed, refusal.path.title, "it is" if len(links) == 1 else "they are")


@bp.post("/paths/<slug>/unfollow")
@login_required
def unfollow(slug: str):
    """Stop following a path; refused (409, with who assigned it) while a mentor's assignment holds it."""
    view = _visible_path(slug)
    session, user = get_session(), require_account()
    back = safe_next(url_for("main.path_page", slug=slug))
    try:
        assignments.refuse_unfollow(session=session, learner=user, path=view.path)
    except assignments.AssignedPath as refusal:
        if is_htmx():
            raise  # into the page's alert area
        flash(str(refusal), "error")
        return see_other(back)
    follows.unfollow_path(session=session, user=user, path=view.path)
    flash(f"You no longer follow “{view.path.title}”. Your progress on its articles is kept.", "info")
    return see_other(back)


@bp.get("/paths/<slug>/restart")
@login_required
def restart_confirm(slug: str):
    """Ask before starting a path over: how many articles go back to "not started", and which are shared."""
    view = _visible_path(slug)
    plan = restart.plan_restart(session=get_session(), user=require_account(), path=view.path)
    return render_template("paths/restart.html", view=view, plan=plan)


@bp.post("/paths/<slug>/restart")
@login_required
def restart_path(slug: str):
    view = _visible_path(slug)
    form = RestartForm().checked()
    count = restart.restart_path(session=get_session(), user=require_account(), path=view.path,
                                 include_shared=form.include_shared.data).reset
    flash(f"“{view.path.title}” starts over: {count} article{'' if count == 1 else 's'} back to not started. "
          "Your history is kept.", "success")
    return see_other(url_for("main.path_page", slug=slug))
