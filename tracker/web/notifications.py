"""Notifications (with the header badge) and mentoring invitations, from the learner's side."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import login_required

from tracker.db import get_session
from tracker.http.auth import require_account
from tracker.services import access
from tracker.services.mentoring import mentorships
from tracker.services.notifications import in_app as notifications
from tracker.services.teams import overview as group_overviews
from tracker.web.forms import InvitationAnswerForm

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.get("/")
@login_required
def index():
    session = get_session()
    user = require_account()
    return render_template("notifications/index.html",
                           items=notifications.recent(session=session, user=user),
                           invitations=mentorships.pending_invitations(session=session, learner=user))


@bp.get("/badge")
@login_required
def badge():
    """The header's unread count, polled by HTMX, and the link to the groups one manages; it only reads."""
    session = get_session()
    user = require_account()
    badge = render_template("partials/_notification_badge.html",
                            unread=notifications.unread_count(session=session, user=user))
    if not access.is_admin(user) and group_overviews.manages_any_group(session=session, viewer=user):
        badge += render_template("partials/_groups_link.html", oob=True)
    return badge


@bp.post("/read")
@login_required
def mark_all_read():
    notifications.mark_read(session=get_session(), user=require_account())
    return redirect(url_for("notifications.index"), code=303)


@bp.post("/<id:notification_id>/read")
@login_required
def mark_read(notification_id: int):
    notifications.mark_read(session=get_session(), user=require_account(), notification_id=notification_id)
    return redirect(url_for("notifications.index"), code=303)


@bp.post("/invitations/<id:mentorship_id>")
@login_required
def respond(mentorship_id: int):
    decision = InvitationAnswerForm().checked().decision.data
    mentorships.respond(session=get_session(), learner=require_account(), mentorship_id=mentorship_id,
                      accept=decision == "accept")
    flash("Invitation accepted: your new mentor can now follow your progress." if decision == "accept"
          else "Invitation declined.", "success" if decision == "accept" else "info")
    return redirect(url_for("notifications.index"), code=303)
