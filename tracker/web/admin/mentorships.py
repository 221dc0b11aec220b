"""Admin: linking and unlinking mentors and learners."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from tracker.db import get_session
from tracker.http.auth import require_account, role_required
from tracker.models import Role
from tracker.services.errors import DomainError, Invalid
from tracker.services.mentoring import mentorships
from tracker.web.admin.blueprint import bp
from tracker.web.forms import MentorshipForm


@bp.get("/mentorships")
@role_required(Role.admin)
def mentorship_list():
    session = get_session()
    return render_template("admin/mentorships.html", rows=mentorships.all_mentorships(session=session))


def _pair():
    form = MentorshipForm().checked()
    return mentorships.resolve_pair(session=get_session(), mentor_name=form.mentor.data, learner_name=form.learner.data)


@bp.post("/mentorships")
@role_required(Role.admin)
def link():
    try:
        mentor, learner = _pair()
        already = mentorships.mentors(session=get_session(), mentor=mentor, learner=learner)
        mentorships.link(session=get_session(), mentor=mentor, learner=learner, actor=require_account())
    except Invalid as exc:
        flash(str(exc), "error")
    else:
        if already:
            flash(f"{mentor.username} already mentors {learner.username}; nothing changed.", "info")
        else:
            flash(f"{mentor.username} now mentors {learner.username}.", "success")
    return redirect(url_for("admin.mentorship_list"), code=303)


@bp.post("/mentorships/remove")
@role_required(Role.admin)
def unlink():
    try:
        mentor, learner = _pair()
        mentorships.unlink(session=get_session(), mentor=mentor, learner=learner, actor=require_account())
    except DomainError as exc:
        flash(str(exc), "error")
    else:
        flash(f"{mentor.username} no longer mentors {learner.username}.", "success")
    return redirect(url_for("admin.mentorship_list"), code=303)
