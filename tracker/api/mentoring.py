"""Mentoring endpoints: mentees and their progress, mentorships (admin) and assignments."""

from __future__ import annotations

from datetime import date, datetime

from flask import request
from pydantic import BaseModel, ConfigDict, Field, StrictInt

from tracker.api.blueprint import bp
from tracker.api.schemas import (
    AssignmentPublic,
    AssignPlanPublic,
    DueDatePublic,
    Items,
    MenteeProgress,
    MenteePublic,
    MentorshipPublic,
    MyPathPublic,
    ProgressPublic,
    Public,
    respond,
)
from tracker.db import get_session
from tracker.http.auth import require_account, role_required
from tracker.http.inputs import json_body
from tracker.http.openapi import documented
from tracker.models import ProgressState, Role, utcnow
from tracker.services.curriculum import queries as path_queries
from tracker.services.errors import Invalid
from tracker.services.learning import suggestions as card_suggestions
from tracker.services.mentoring import assignments, mentorships
from tracker.services.mentoring import standings as assignment_views
from tracker.services.mentoring.rules import RECUR_MONTHS_MAX, RECUR_MONTHS_MIN
from tracker.services.people import accounts, time_zones
from tracker.services.progress import catch_up, follows
from tracker.services.progress import marks as progress


@bp.get("/mentees")
@role_required(Role.mentor)
@documented(summary="Your mentees with their assignments (mentors)", response=Items[MenteePublic])
def mentees():
    session = get_session()
    learners = mentorships.mentees(session=session, mentor=require_account())
    views = assignment_views.assignment_views(session=session, learners=learners, now=utcnow(), with_recall=True)
    return respond(Items[MenteePublic](items=[MenteePublic(
        username=view.learner.username, name=view.learner.name, last_activity_at=view.last_activity_at,
        assignments=[AssignmentPublic.of(row) for row in view.assignments]) for view in views.values()]))


@bp.get("/mentees/<username>/progress")
@role_required(Role.mentor)
@documented(summary="A mentee's progress and assignments (their mentor, or admins)", response=MenteeProgress,
            errors=(404,))
def mentee_progress(username: str):
    session = get_session()
    learner = mentorships.get_mentee(session=session, viewer=require_account(), username=username)
    rows = progress.list_progress(session=session, user=learner, for_mentor=True)
    return respond(MenteeProgress(
        username=learner.username,
        items=[ProgressPublic(article_slug=slug, state=state, updated_at=updated_at)
               for state, updated_at, slug in rows],
        assignments=[AssignmentPublic.of(r) for r in assignment_views.learner_assignments(
            session=session, learner=learner, now=utcnow(), with_recall=True)]))


class MentorshipBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mentor: str = Field(min_length=1, max_length=64)
    learner: str = Field(min_length=1, max_length=64)


def _pair(body: MentorshipBody):
    return mentorships.resolve_pair(session=get_session(), mentor_name=body.mentor, learner_name=body.learner)


@bp.post("/mentorships")
@role_required(Role.admin)
@documented(summary="Make a mentor mentor a learner (admins)", body=MentorshipBody, response=MentorshipPublic,
            status=201, errors=(404,))
def create_mentorship():
    """Idempotent: linking a pair that exists changes nothing and says so (`"already": true`)."""
    mentor, learner = _pair(json_body(MentorshipBody))
    already = mentorships.mentors(session=get_session(), mentor=mentor, learner=learner)
    mentorship = mentorships.link(session=get_session(), mentor=mentor, learner=learner,
                                  actor=require_account())
    return respond(MentorshipPublic(mentor=mentor.username, learner=learner.username, status=mentorship.status,
                                    already=already), 201)


@bp.delete("/mentorships")
@role_required(Role.admin)
@documented(summary="End a mentorship (admins)", body=MentorshipBody, status=204, errors=(404,))
def delete_mentorship():
    mentor, learner = _pair(json_body(MentorshipBody))
    mentorships.unlink(session=get_session(), mentor=mentor, learner=learner, actor=require_account())
    return "", 204


class AssignmentBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    learners: list[str] = Field(min_length=1, max_length=500)
    path: str = Field(min_length=1, max_length=80)
    due_on: date | None = Field(default=None, description="left out: a mentee who already has the path keeps "
                                                       "their due date; null: no due date")
    note: str = Field(default="", max_length=assignments.NOTE_MAX,
                      description="left out: a mentee who already has the path keeps their note")
    recur_months: StrictInt | None = Field(
        default=None, ge=RECUR_MONTHS_MIN, le=RECUR_MONTHS_MAX,
        description="the path starts over every so many months (1 to 60), its first period starting today and "
                    "the due date a deadline within it; null: once; left out: a mentee who already has the path "
                    "keeps theirs")


def _assign(body: AssignmentBody, *, preview: bool) -> list[assignments.AssignOutcome]:
    session = get_session()
    path = path_queries.require_learning_path(session=session, slug=body.path)
    given = body.model_fields_set  # a field left out keeps a mentee's existing value (null clears a due date)
    mentor = require_account()
    return assignments.assign_path(
        session=session, mentor=mentor, usernames=body.learners, path=path,
        due_on=body.due_on if "due_on" in given else assignments.KEEP,
        note=body.note if "note" in given else assignments.KEEP,
        recur_months=body.recur_months if "recur_months" in given else assignments.KEEP,
        today=time_zones.today_for(mentor, utcnow()), preview=preview)


@bp.post("/assignments/preview")
@role_required(Role.mentor)
@documented(summary="What assigning would change for each mentee, writing nothing (mentors)", body=AssignmentBody,
            response=Items[AssignPlanPublic], errors=(404,))
def preview_assignments():
    outcomes = _assign(json_body(AssignmentBody), preview=True)
    return respond(Items[AssignPlanPublic](items=[
        AssignPlanPublic(learner=o.learner.username, new=o.created, changes=o.changes, due_on=o.assignment.due_on)
        for o in outcomes]))


@bp.post("/assignments")
@role_required(Role.mentor)
@documented(summary="Assign a path to mentees, all or nothing (mentors)", body=AssignmentBody,
            response=Items[AssignmentPublic], status=201, errors=(404,))
def create_assignments():
    outcomes = _assign(json_body(AssignmentBody), preview=False)
    session = get_session()
    created = [outcome.assignment for outcome in outcomes]
    ids = {a.id for a in created}
    learners = [accounts.get_user_by_id(session=session, user_id=a.learner_id) for a in created]
    views = assignment_views.assignment_views(session=session, learners=learners, now=utcnow())
    return respond(Items[AssignmentPublic](items=[AssignmentPublic.of(row) for view in views.values()
                                                  for row in view.assignments if row.assignment.id in ids]), 201)


class DueBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    due_on: date | None


@bp.patch("/assignments/<id:assignment_id>")
@role_required(Role.mentor)
@documented(summary="Move or clear an assignment's due date (mentors)", body=DueBody, response=DueDatePublic,
            errors=(404,))
def update_assignment(assignment_id: int):
    body = json_body(DueBody)
    mentor = require_account()
    assignment = assignments.change_due_date(session=get_session(), mentor=mentor, assignment_id=assignment_id,
                                             due_on=body.due_on, today=time_zones.today_for(mentor, utcnow()))
    return respond(DueDatePublic(id=assignment.id, due_on=assignment.due_on))


@bp.delete("/assignments/<id:assignment_id>")
@role_required(Role.mentor)
@documented(summary="Withdraw an assignment; the learner keeps their progress (mentors)", status=204, errors=(404,))
def delete_assignment(assignment_id: int):
    assignments.withdraw(session=get_session(), mentor=require_account(), assignment_id=assignment_id)
    return "", 204


# ---------------------------------------------------------------- invitations, the mentorship list, suggested cards

class InviteBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64, description="the learner to invite")


@bp.post("/mentorships/invitations")
@role_required(Role.mentor)
@documented(summary="Invite a learner to be your mentee; they accept or decline (mentors)", body=InviteBody,
            response=MentorshipPublic, status=201)
def invite_mentee():
    """An unknown or deactivated username, yourself, or a learner you already mentor answers 400 (the same
    message for an unknown name as the page gives)."""
    body = json_body(InviteBody, hint='send a JSON object like {"username": "lena"}')
    session = get_session()
    mentor = require_account()
    mentorship = mentorships.invite(session=session, mentor=mentor, username=body.username,
                                    learner=accounts.get_user(session=session, username=body.username))
    learner = accounts.get_user_by_id(session=session, user_id=mentorship.learner_id)
    return respond(MentorshipPublic(mentor=mentor.username, learner=learner.username if learner else body.username,
                                    status=mentorship.status), 201)


@bp.get("/mentorships")
@role_required(Role.admin)
@documented(summary="Every mentorship, invited and declined ones too (admins)", response=Items[MentorshipPublic])
def mentorship_list():
    rows = mentorships.all_mentorships(session=get_session())
    return respond(Items[MentorshipPublic](items=[MentorshipPublic(mentor=mentor.username, learner=learner.username,
                                                                   status=m.status) for m, mentor, learner in rows]))


class MentorSuggestionPublic(Public):
    id: int
    path: str = Field(description="the path's slug: offered to your mentees with this path assigned by you")
    article: str = Field(description="the article's slug")
    prompt: str
    answer: str
    created_at: datetime


class SuggestionQuery(BaseModel):
    path: str = Field(max_length=80, description="the path's slug")


class SuggestionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str = Field(min_length=1, max_length=80, description="a path you assigned")
    article: str = Field(min_length=1, max_length=120, description="the slug of an article of that path")
    prompt: str = Field(max_length=8000)
    answer: str = Field(max_length=8000)


@bp.get("/suggested-cards")
@role_required(Role.mentor)
@documented(summary="The cards you suggested for a path, newest first (mentors)", query=SuggestionQuery,
            response=Items[MentorSuggestionPublic], errors=(404,))
def my_suggestions():
    slug = request.args.get("path", "")
    if not slug:
        raise Invalid("path: this parameter is required (a path's slug)")
    session = get_session()
    path = path_queries.require_learning_path(session=session, slug=slug)
    rows = card_suggestions.mentor_suggestions(session=session, mentor=require_account(), path=path)
    return respond(Items[MentorSuggestionPublic](items=[
        MentorSuggestionPublic(id=s.id, path=path.slug, article=article.slug, prompt=s.prompt, answer=s.answer,
                               created_at=s.created_at) for s, article in rows]))


@bp.post("/suggested-cards")
@role_required(Role.mentor)
@documented(summary="Suggest a recall card on an article of a path you assigned (mentors)", body=SuggestionBody,
            response=MentorSuggestionPublic, status=201, errors=(404,))
def suggest_card():
    """Each of your mentees with the path assigned by you sees it on the article and may adopt it. A path you did
    not assign answers 403; an article not on the path, or an empty prompt or answer, 400."""
    body = json_body(SuggestionBody)
    session = get_session()
    path = path_queries.require_learning_path(session=session, slug=body.path)
    made = card_suggestions.suggest(session=session, mentor=require_account(), path=path, article_slug=body.article,
                                    prompt=body.prompt, answer=body.answer)
    return respond(MentorSuggestionPublic(id=made.id, path=path.slug, article=body.article, prompt=made.prompt,
                                          answer=made.answer, created_at=made.created_at), 201)


@bp.delete("/suggested-cards/<id:suggestion_id>")
@role_required(Role.mentor)
@documented(summary="Withdraw a card you suggested; cards already adopted stay (mentors)", status=204,
            errors=(404,))
def withdraw_suggested_card(suggestion_id: int):
    card_suggestions.withdraw_suggestion(session=get_session(), mentor=require_account(), suggestion_id=suggestion_id)
    return "", 204


class EntryStatePublic(Public):
    article: str = Field(description="the article's slug")
    title: str
    optional: bool
    state: ProgressState
    changed_at: datetime | None = Field(description="when the learner last changed it")


class SectionStatePublic(Public):
    title: str
    done: int
    total: int
    percent: int
    items: list[EntryStatePublic]


class MenteePathPublic(Public):
    username: str
    path: MyPathPublic
    sections: list[SectionStatePublic]


@bp.get("/mentees/<username>/paths/<slug>")
@role_required(Role.mentor)
@documented(summary="A mentee's progress on one path, section by section (their mentor, or admins)",
            response=MenteePathPublic, errors=(404,))
def mentee_path(username: str, slug: str):
    """The numbers of the mentee's path page: the whole path tallied, each section, and each article's state."""
    session = get_session()
    mentor = require_account()
    learner = mentorships.get_mentee(session=session, viewer=mentor, username=username)
    view = progress.visible_path_progress(session=session, viewer=mentor, learner=learner, slug=slug)
    changed = progress.changed_at(session=session, user=learner, article_ids=view.article_ids())
    sections = []
    for section in view.detail.sections:
        tally = view.sections[section.section.id]
        sections.append(SectionStatePublic(
            title=section.section.title, done=tally.done, total=tally.total, percent=tally.percent,
            items=[EntryStatePublic(article=e.card.article.slug, title=e.card.article.title, optional=e.item.optional,
                                    state=view.state_of(e.article_id), changed_at=changed.get(e.article_id))
                   for e in section.entries]))
    return respond(MenteePathPublic(username=learner.username,
                                    path=MyPathPublic.of(view.path, view.overall, following=view.path.id in
                                                         follows.followed_path_ids(session=session, user=learner),
                                                         catch_up=catch_up.for_path(session=session, learner=learner,
                                                                                    view=view)),
                                    sections=sections))
