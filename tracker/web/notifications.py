"""Notifications (with the header badge) and mentoring invitations, from the learner's side."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required

from tracker.db import get_session
from tracker.models import utcnow
from tracker.services import mentoring, notifications
from tracker.web.access import current_account

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.get("/")
@login_required
def index():
    session = get_session()
    user = current_account()
    notifications.remind_due_dates(session=session, user=user, today=utcnow().date())
    return render_template("notifications/index.html",
                           items=notifications.recent(session=session, user=user),
                           invitations=mentoring.pending_invitations(session=session, learner=user))


@bp.get("/badge")
@login_required
def badge():
    """The header's unread count, polled by HTMX; it only reads (reminders are added by page loads)."""
    session = get_session()
    user = current_account()
    return render_template("partials/_notification_badge.html",
                           unread=notifications.unread_count(session=session, user=user))


@bp.post("/read")
@login_required
def mark_all_read():
    notifications.mark_read(session=get_session(), user=current_account())
    return redirect(url_for("notifications.index"), code=303)


@bp.post("/<int:notification_id>/read")
@login_required
def mark_read(notification_id: int):
    if not notifications.mark_read(session=get_session(), user=current_account(), notification_id=notification_id):
        abort(404, description="No such unread notification.")
    return redirect(url_for("notifications.index"), code=303)


@bp.post("/invitations/<int:mentorship_id>")
@login_required
def respond(mentorship_id: int):
    decision = request.form.get("decision")
    if decision not in {"accept", "decline"}:
        abort(400, description="Answer the invitation with accept or decline.")
    try:
        mentoring.respond(session=get_session(), learner=current_account(), mentorship_id=mentorship_id,
                          accept=decision == "accept")
    except mentoring.NotYourMentee:
        abort(404, description="No such invitation.")
    flash("Invitation accepted: your new mentor can now follow your progress." if decision == "accept"
          else "Invitation declined.", "success" if decision == "accept" else "info")
    return redirect(url_for("notifications.index"), code=303)
