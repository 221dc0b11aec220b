"""Administration: mentorships (who mentors whom)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from tracker.db import get_session
from tracker.models import Role
from tracker.services import accounts, mentoring
from tracker.web.access import role_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@role_required(Role.admin)
def index():
    return redirect(url_for("admin.mentorships"))


@bp.get("/mentorships")
@role_required(Role.admin)
def mentorships():
    session = get_session()
    return render_template("admin/mentorships.html", rows=mentoring.all_mentorships(session=session))


def _pair():
    session = get_session()
    mentor_name, learner_name = request.form.get("mentor", ""), request.form.get("learner", "")
    mentor = accounts.get_user(session=session, username=mentor_name)
    learner = accounts.get_user(session=session, username=learner_name)
    if mentor is None or learner is None:
        missing = mentor_name if mentor is None else learner_name
        raise mentoring.MentoringError(f"There is no user called '{missing.strip()}'.")
    return mentor, learner


@bp.post("/mentorships")
@role_required(Role.admin)
def link():
    try:
        mentor, learner = _pair()
        mentoring.link(session=get_session(), mentor=mentor, learner=learner)
    except mentoring.MentoringError as exc:
        flash(str(exc), "error")
    else:
        flash(f"{mentor.username} now mentors {learner.username}.", "success")
    return redirect(url_for("admin.mentorships"), code=303)


@bp.post("/mentorships/remove")
@role_required(Role.admin)
def unlink():
    try:
        mentor, learner = _pair()
    except mentoring.MentoringError as exc:
        flash(str(exc), "error")
    else:
        if mentoring.unlink(session=get_session(), mentor=mentor, learner=learner):
            flash(f"{mentor.username} no longer mentors {learner.username}.", "success")
        else:
            flash(f"{mentor.username} does not mentor {learner.username}.", "error")
    return redirect(url_for("admin.mentorships"), code=303)
