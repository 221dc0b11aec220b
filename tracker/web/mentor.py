"""Mentor pages: the overview matrix, invitations, assignments, a mentee's page and replies to notes."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import login_required

from tracker.db import get_session
from tracker.http.auth import require_account, role_required
from tracker.http.downloads import spreadsheet_safe
from tracker.http.render import page_or_fragment
from tracker.models import Role, User, utcnow
from tracker.services import access
from tracker.services.curriculum import queries as path_queries
from tracker.services.errors import Invalid, NotFound
from tracker.services.learning import mastery, notes, recall, review_stats
from tracker.services.learning import suggestions as card_suggestions
from tracker.services.mentoring import assignments, mentorships
from tracker.services.mentoring import overview as mentor_overview
from tracker.services.mentoring import standings as assignment_views
from tracker.services.mentoring.rules import AssignmentStatus
from tracker.services.people import accounts, time_zones
from tracker.services.personal import resources as personal_resources
from tracker.services.progress import catch_up
from tracker.services.progress import marks as progress
from tracker.web.forms import AssignForm, DueDateForm, InviteForm, ReplyForm, SuggestCardForm

bp = Blueprint("mentor", __name__, url_prefix="/mentor")


def _mentee(username: str) -> User:
    return mentorships.get_mentee(session=get_session(), viewer=require_account(), username=username)


def _mentee_page(learner: User | None) -> str:
    """The page of the mentee a change was about; the overview if their account was deleted meanwhile."""
    if learner is None:
        return url_for("mentor.overview")
    return url_for("mentor.mentee", username=learner.username)


def _overview_context(*, paged: bool = True):
    session = get_session()
    query = mentor_overview.OverviewQuery.from_args(request.args)
    matrix = mentor_overview.overview(session=session, mentor=require_account(), now=utcnow(), query=query,
                                      paged=paged)
    paths = [summary.path for summary in path_queries.list_paths(session=session)
             if access.can_be_assigned(summary.path)]
    return {"overview": matrix, "filters": query, "sort": query.sort, "status": query.status,
            "path_filter": query.path, "statuses": list(AssignmentStatus), "paths": paths}


@bp.get("/")
@role_required(Role.mentor)
def overview():
    context = _overview_context()
    args = context["filters"].model_dump(exclude_defaults=True)
    return page_or_fragment("mentor/overview.html", block="table", target="overview-table",
                            push_url=url_for("mentor.overview", **args), **context)


@bp.get("/overview.csv")
@role_required(Role.mentor)
def overview_csv():
    matrix = _overview_context(paged=False)["overview"]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["mentee", "name", "path", "percent_done", "done", "skipped", "total", "due_on", "status",
                     "stale", "last_activity_at", "completed_at", "recall_percent", "recalled", "recall_required",
                     "recall_threshold", "finished_version", "to_catch_up", "waiting_for"])
    for row in matrix.rows:
        recall, behind = row.recall, row.catch_up
        writer.writerow([spreadsheet_safe(v) for v in (
            row.learner.username, row.learner.display_name, row.path.title, row.tally.percent, row.tally.done,
            row.tally.skipped, row.tally.total, row.assignment.due_on.isoformat() if row.assignment.due_on else "",
            row.status.value, "yes" if row.stale else "no",
            row.last_activity_at.isoformat() if row.last_activity_at else "",
            row.completed_at.isoformat() if row.completed_at else "",
            *((recall.percent, recall.recalled, recall.required, recall.threshold) if recall else ("",) * 4),
            *((behind.finished_version, behind.left) if behind else ("", "")),
            " ".join(prerequisite.path.slug for prerequisite in row.waiting_for))])
    return Response(buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="mentees.csv"'})


@bp.post("/invite")
@role_required(Role.mentor)
def invite():
    session = get_session()
    form = InviteForm()
    username = form.username.data or ""
    try:
        form.checked()
        mentorships.invite(session=session, mentor=require_account(), username=username,
                           learner=accounts.get_user(session=session, username=username))
    except Invalid as exc:  # shown on the overview, where the form is
        flash(str(exc), "error")
        return redirect(url_for("mentor.overview"), code=303)
    flash(f"Invitation sent to '{username.strip().lower()}'. They can accept it from their notifications.", "success")
    return redirect(url_for("mentor.overview"), code=303)


@bp.post("/assignments")
@role_required(Role.mentor)
def assign():
    session = get_session()
    form = AssignForm()
    try:  # a refused assignment is shown on the overview, where the form is
        form.checked()
        # An unknown path and one the mentor may not see get the same answer.
        path = path_queries.require_learning_path(session=session, slug=form.path.data) if form.path.data else None
        # Left empty, the due date and note of mentees who already have the path stay as they are.
        mentor = require_account()
        request_ = dict(session=session, mentor=mentor, usernames=form.learners.data, path=path,
                        due_on=form.due_on.data or assignments.KEEP,
                        note=(form.note.data or "").strip() or assignments.KEEP,
                        recur_months=assignments.KEEP if form.recur_months.data is None else form.recur_months.data,
                        today=time_zones.today_for(mentor, utcnow()))
        if not form.confirmed.data:
            planned = assignments.assign_path(**request_, preview=True)
            if assignments.needs_confirmation(planned):
                return render_template("mentor/assign_confirm.html", form=form, path=path, outcomes=planned)
        outcomes = assignments.assign_path(**request_)
    except (Invalid, NotFound) as exc:
        flash(str(exc), "error")
        return redirect(url_for("mentor.overview"), code=303)
    flash(assignments.describe_outcomes(path, outcomes), "success")
    return redirect(url_for("mentor.overview"), code=303)


# A mentee's pages answer whoever may look after the learner (`access.can_look_after`, through `_mentee`): their
# mentors, admins, and the managers of their groups, who need not be mentors. Anyone else gets the same 404.
@bp.get("/mentees/<username>")
@login_required
def mentee(username: str):
    session = get_session()
    learner = _mentee(username)
    now = utcnow()
    paths = assignment_views.learner_paths(session=session, learner=learner, now=now, viewer=require_account(),
                                            with_recall=True)
    entries = path_queries.path_entries(session=session, path_ids={row.path.id for row in paths.mentee.assignments})
    return render_template(
        "mentor/mentee.html", learner=learner, assignments=paths.mentee,
        learning=recall.learning_stats(session=session, learner=learner, now=now, articles_by_path={
            path_id: {entry.article_id for entry in items} for path_id, items in entries.items()}),
        series=mentor_overview.progress_series(session=session, learner=learner, now=now),
        shared=notes.shared_notes(session=session, learner=learner),
        followed=paths.followed, followed_catch_up=catch_up.for_views(session=session, learner=learner,
                                                                       views=paths.followed),
        reviewing=review_stats.review_summary(session=session, learner=learner, now=now),
    )


@bp.get("/mentees/<username>/paths/<slug>")
@login_required
def mentee_path(username: str, slug: str):
    session = get_session()
    mentor = require_account()
    learner = _mentee(username)
    view = progress.visible_path_progress(session=session, viewer=mentor, learner=learner, slug=slug)
    changed = progress.changed_at(session=session, user=learner,
                                  article_ids=[e.article_id for s in view.detail.sections for e in s.entries])
    return render_template("mentor/mentee_path.html", learner=learner, view=view, changed=changed,
                           recall=mastery.path_recall(session=session, learner=learner, view=view, now=utcnow()),
                           suggestions=card_suggestions.mentor_suggestions(session=session, mentor=mentor,
                                                                           path=view.path),
                           assigned_by_me=any(row.path.id == view.path.id and row.mentor is not None
                                              and row.mentor.id == mentor.id
                                              for row in assignment_views.learner_assignments(
                                                  session=session, learner=learner, now=utcnow())),
                           form=SuggestCardForm(formdata=None),
                           resources=personal_resources.beside_articles(session=session, viewer=mentor, owner=learner,
                                                                        article_ids=view.article_ids()))


@bp.post("/mentees/<username>/paths/<slug>/cards")
@role_required(Role.mentor)
def suggest_card(username: str, slug: str):
    """Suggest a recall card on an article of a path this mentor assigned, for each mentee who has it."""
    session = get_session()
    learner = _mentee(username)
    path = path_queries.require_learning_path(session=session, slug=slug)
    form = SuggestCardForm()
    back = url_for("mentor.mentee_path", username=learner.username, slug=slug) + "#suggest-card"
    try:
        form.checked()
        card_suggestions.suggest(session=session, mentor=require_account(), path=path,
                                 article_slug=form.article.data or "", prompt=form.prompt.data or "",
                                 answer=form.answer.data or "")
    except Invalid as exc:
        flash(f"{exc} The card was not suggested.", "error")
        return redirect(back, code=303)
    flash("Card suggested. Your mentees with this path see it on the article's page and can add it to their cards.",
          "success")
    return redirect(back, code=303)


@bp.post("/mentees/<username>/cards/<id:suggestion_id>/withdraw")
@role_required(Role.mentor)
def withdraw_card(username: str, suggestion_id: int):
    learner = _mentee(username)
    slug = card_suggestions.withdraw_suggestion(session=get_session(), mentor=require_account(),
                                                      suggestion_id=suggestion_id)
    flash("Suggestion withdrawn. Cards already added stay with their learners.", "success")
    return redirect(url_for("mentor.mentee_path", username=learner.username, slug=slug) + "#suggest-card",
                    code=303)


@bp.post("/assignments/<id:assignment_id>/due")
@role_required(Role.mentor)
def change_due(assignment_id: int):
    form = DueDateForm()
    mentor = require_account()
    try:
        form.checked()
        assignment = assignments.change_due_date(session=get_session(), mentor=mentor,
                                                 assignment_id=assignment_id, due_on=form.due_on.data,
                                                 today=time_zones.today_for(mentor, utcnow()))
    except Invalid as exc:
        flash(str(exc), "error")
        return redirect(request.referrer or url_for("mentor.overview"), code=303)
    flash("The due date is changed.", "success")
    learner = accounts.get_user_by_id(session=get_session(), user_id=assignment.learner_id)
    return redirect(_mentee_page(learner), code=303)


@bp.post("/assignments/<id:assignment_id>/withdraw")
@role_required(Role.mentor)
def withdraw(assignment_id: int):
    assignment = assignments.withdraw(session=get_session(), mentor=require_account(), assignment_id=assignment_id)
    flash("The assignment is withdrawn. The learner keeps their progress.", "success")
    learner = accounts.get_user_by_id(session=get_session(), user_id=assignment.learner_id)
    return redirect(_mentee_page(learner), code=303)


@bp.post("/notes/<id:note_id>/replies")
@role_required(Role.mentor)
def reply(note_id: int):
    form = ReplyForm().checked()
    answer = notes.reply(session=get_session(), mentor=require_account(), note_id=note_id, body=form.body.data or "")
    learner = notes.author_of(session=get_session(), note_id=answer.note_id)
    flash("Your reply is sent.", "success")
    return redirect(_mentee_page(learner) + f"#note-{note_id}", code=303)
