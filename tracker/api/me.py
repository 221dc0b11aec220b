"""The signed-in learner's own progress and data: session cookie (with the CSRF header) or a bearer token."""

from __future__ import annotations

from flask import Response, current_app
from flask_login import login_required, logout_user
from pydantic import BaseModel, ConfigDict, Field, field_validator

from tracker.api.blueprint import bp
from tracker.api.schemas import DataExport, Items, MenteeExport, MePublic, MyPathPublic, ProgressPublic, respond
from tracker.db import get_session
from tracker.http import limits
from tracker.http.auth import require_account, role_required
from tracker.http.downloads import csv_text, download
from tracker.http.inputs import json_body
from tracker.http.issuer import current_issuer
from tracker.http.openapi import documented
from tracker.models import EmailFrequency, ProgressState, Role, User, utcnow
from tracker.services.catalog import articles as catalog
from tracker.services.curriculum import queries as path_queries
from tracker.services.errors import DomainError, Invalid
from tracker.services.learning import mastery
from tracker.services.mentoring import assignments, mentorships
from tracker.services.mentoring import standings as assignment_views
from tracker.services.people import accounts
from tracker.services.people.passwords import PASSWORD_MAX
from tracker.services.progress import catch_up, folds, follows, marking, restart
from tracker.services.progress import marks as progress
from tracker.services.records import deletion as account_deletion
from tracker.services.records import export as my_data
from tracker.services.records import export_schema as export_records


def _me() -> MePublic:
    user = require_account()
    return MePublic(username=user.username, name=user.name, role=user.role.value, time_zone=user.time_zone,
                    email=user.email, email_notifications=user.email_notifications,
                    email_offered=current_app.config.get("SMTP_URL") is not None,
                    desired_retention=user.desired_retention, new_cards_per_day=user.new_cards_per_day,
                    reviews_per_day=user.reviews_per_day)


@bp.get("/me")
@login_required
@documented(summary="Your account and settings", response=MePublic)
def me():
    return respond(_me())


class SettingsBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    time_zone: str | None = Field(default=None, max_length=64, description="an IANA zone such as Europe/Paris")
    email: str | None = Field(default=None, max_length=254, description='"" removes the address')
    email_notifications: EmailFrequency | None = None
    desired_retention: float | None = Field(default=None, description="0.70 to 0.97: the recall probability your "
                                                                       "cards are scheduled for (default 0.90)")
    new_cards_per_day: int | None = Field(default=None, description="0 to 9999: cards never reviewed that the review "
                                                                    "queue brings in per day, in your time zone "
                                                                    "(default 20)")
    reviews_per_day: int | None = Field(default=None, description="0 to 9999: reviews of review-state cards the "
                                                                  "queue serves per day (default 200; cards in "
                                                                  "learning steps are never held back)")


@bp.patch("/me")
@login_required
@documented(summary="Change your settings (the fields you send; all or nothing)", body=SettingsBody,
            response=MePublic)
def update_me():
    body = json_body(SettingsBody, hint='send a JSON object like {"time_zone": "Europe/Paris"}')
    accounts.update_settings(session=get_session(), user=require_account(), time_zone=body.time_zone,
                             email=body.email, frequency=body.email_notifications,
                             email_offered=current_app.config.get("SMTP_URL") is not None,
                             desired_retention=body.desired_retention, new_cards_per_day=body.new_cards_per_day,
                             reviews_per_day=body.reviews_per_day)
    return respond(_me())


@bp.get("/me/progress")
@login_required
@documented(summary="Your state on every article you have touched", response=Items[ProgressPublic])
def my_progress():
    rows = progress.list_progress(session=get_session(), user=require_account())
    return respond(Items[ProgressPublic](items=[ProgressPublic(article_slug=slug, state=state, updated_at=updated_at)
                                                for state, updated_at, slug in rows]))


def _progress(record, slug: str) -> ProgressPublic:
    return ProgressPublic(article_slug=slug, state=record.state, updated_at=record.updated_at)


class StateBody(BaseModel):
    state: ProgressState
    path: str | None = Field(default=None, max_length=80,
                             description="the path you marked it on, if any: its statement then names the path; an "
                                         "article an in-order section there keeps closed answers 409")

    @field_validator("state", mode="before")
    @classmethod
    def _known(cls, value):
        return progress.parse_state(value)


@bp.put("/me/progress/<slug>")
@login_required
@documented(summary="Set your state on an article", body=StateBody, response=ProgressPublic, errors=(404, 409))
def put_progress(slug: str):
    session = get_session()
    article = catalog.require_card(session=session, slug=slug, owner=require_account()).article
    body = json_body(StateBody, hint='send a JSON object like {"state": "done"}')
    user = require_account()
    path, view = None, None
    if body.path:
        view = progress.visible_path_progress(session=session, viewer=user, slug=body.path)
        if article.id not in view.article_ids():
            raise Invalid(f"path: “{view.path.title}” does not hold “{article.title}”.")
        path = view.path
    marked = marking.mark_article(session=session, user=user, article=article, state=body.state,
                                  path=path, view=view, issuer=current_issuer)
    return respond(_progress(marked.progress, article.slug))


@bp.get("/me/paths")
@login_required
@documented(summary="Your paths: assigned ones first, then the others you follow", response=Items[MyPathPublic])
def my_paths():
    """Assigned paths (with who assigned them, due date and status), then the others followed."""
    session = get_session()
    user = require_account()
    now = utcnow()
    mine = assignment_views.learner_paths(session=session, learner=user, now=now, viewer=user)
    followed = follows.followed_path_ids(session=session, user=user)
    recalls = mastery.recall_for_paths(session=session, learner=user, now=now,
                                       paths=[row.path for row in mine.assigned] + [v.path for v in mine.followed])
    items = [MyPathPublic.of(row.path, row.tally, following=row.path.id in followed, assignment=row,
                             recall=recalls.get(row.path.id)) for row in mine.assigned]
    behind = catch_up.for_views(session=session, learner=user, views=mine.followed)
    items += [MyPathPublic.of(view.path, view.overall, following=True, catch_up=behind.get(view.path.id),
                              recall=recalls.get(view.path.id))
              for view in mine.followed]
    return respond(Items[MyPathPublic](items=items))


class FollowPublic(BaseModel):
    path: str
    following: bool


@bp.put("/me/paths/<slug>/follow")
@login_required
@documented(summary="Follow a path (following twice is the same as once)", response=FollowPublic,
            errors=(404, 409))
def follow_path(slug: str):
    """A published path you can see; an archived or draft one is refused (400), and one whose required
    prerequisites you have not completed (409, naming each with your percent: nothing is written)."""
    session = get_session()
    user = require_account()
    path = path_queries.visible_path(session=session, viewer=user, slug=slug).path
    follows.follow_path(session=session, user=user, path=path)
    return respond(FollowPublic(path=path.slug, following=True))


@bp.delete("/me/paths/<slug>/follow")
@login_required
@documented(summary="Stop following a path (your progress on it is kept)", response=FollowPublic,
            errors=(404, 409))
def unfollow_path(slug: str):
    """Refused with 409 while a mentor's assignment holds the path (it stays on your dashboard): the error names
    the mentor (`assigned_by`) and the due date (`due_on`); ask them to withdraw it."""
    session = get_session()
    user = require_account()
    path = path_queries.visible_path(session=session, viewer=user, slug=slug).path
    assignments.refuse_unfollow(session=session, learner=user, path=path)
    follows.unfollow_path(session=session, user=user, path=path)
    return respond(FollowPublic(path=path.slug, following=False))


class FoldPublic(BaseModel):
    path: str
    section: int = Field(description="the section's number on the path page, 1 the first")
    title: str = Field(description="the section's title, by which the fold is remembered")
    folded: bool


def _fold(slug: str, number: int, folded: bool) -> FoldPublic:
    session = get_session()
    user = require_account()
    detail = path_queries.visible_path(session=session, viewer=user, slug=slug)
    section = folds.numbered_section(detail, number).section
    folds.set_folded(session=session, user=user, path=detail.path, section=section, folded=folded)
    return FoldPublic(path=detail.path.slug, section=number, title=section.title, folded=folded)


@bp.put("/me/paths/<slug>/sections/<id:number>/fold")
@login_required
@documented(summary="Fold a section of a path on your path page (folding twice is the same as once)",
            response=FoldPublic, errors=(404,))
def fold_my_section(slug: str, number: int):
    """Remembered for you by the section's title, so it stays folded when the path is edited; a renamed section
    opens again. The next article, and one a link leads to, still shows."""
    return respond(_fold(slug, number, True))


@bp.delete("/me/paths/<slug>/sections/<id:number>/fold")
@login_required
@documented(summary="Open a folded section of a path on your path page again", response=FoldPublic,
            errors=(404,))
def unfold_my_section(slug: str, number: int):
    return respond(_fold(slug, number, False))


class RestartBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    include_shared: bool = Field(default=False, description="also reset articles your other paths share")


class RestartPublic(BaseModel):
    path: str
    reset: int = Field(description="articles set back to not started")
    shared_kept: int = Field(description="articles left as they were because another of your paths holds them")


@bp.post("/me/paths/<slug>/restart")
@login_required
@documented(summary="Start a path over: its articles back to not started (history kept)", body=RestartBody,
            response=RestartPublic, errors=(404,))
def restart_my_path(slug: str):
    session = get_session()
    user = require_account()
    path = path_queries.visible_path(session=session, viewer=user, slug=slug).path
    body = json_body(RestartBody)
    outcome = restart.restart_path(session=session, user=user, path=path, include_shared=body.include_shared)
    return respond(RestartPublic(path=path.slug, reset=outcome.reset, shared_kept=outcome.shared_kept))


# ---------------------------------------------------------------- my data

def _json_download(document: export_records.Record, user: User) -> Response:
    return download(my_data.as_json(document), filename=my_data.export_filename(user=user, now=utcnow()),
                    mimetype="application/json")


@bp.get("/me/export")
@login_required
@documented(summary="Everything the tracker holds about you, as one JSON file", response=DataExport)
def export_me():
    """Your account, progress and its history, notes and replies, follows, mentorships, assignments,
    notifications, signed-in devices, tokens (never their secrets), security events and credentials.
    Served as a download; `schema_version` says which shape it has."""
    user = require_account()
    return _json_download(my_data.export_account(session=get_session(), user=user, now=utcnow()), user)


PROGRESS_CSV_HEADER = ["article_slug", "title", "source", "state", "updated_at"]


@bp.get("/me/progress.csv")
@login_required
@documented(summary="Your state on every article you have touched, as CSV",
            description="Columns: article_slug, title, source, state, updated_at (most recent first).")
def my_progress_csv():
    user = require_account()
    rows = [(row.article_slug, row.article_title, row.source, row.state, export_records.utc_text(row.updated_at))
            for row in my_data.progress_records(session=get_session(), user=user)]
    return download(csv_text(PROGRESS_CSV_HEADER, rows), filename=f"tracker-{user.username}-progress.csv",
                    mimetype="text/csv")


class DeleteAccountBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    password: str = Field(max_length=PASSWORD_MAX, description="your current password, to confirm")


@bp.delete("/me")
@login_required
@documented(summary="Delete your account and everything in it (asks for your password)", body=DeleteAccountBody,
            status=204, errors=(429,))
def delete_me():
    """Progress, history, notes, replies, follows, mentorships, assignments, notifications, sessions and tokens
    go with the account; 403 for a wrong password or for the last administrator, and then nothing is deleted.
    Wrong passwords count per account together with the account page's password forms: past five, each one
    doubles the wait before the next try (429 with `Retry-After`).
    Credentials stay as status-only records (id, revocation bit, path title and version, dates; nothing that
    names you), so a credential you shared still verifies, and verifiers are told the account was deleted."""
    body = json_body(DeleteAccountBody, hint='send a JSON object like {"password": "…"}')
    user = require_account()
    with limits.password_check(user) as attempt:  # wrong passwords count with the account page's
        try:
            account_deletion.delete_own_account(session=get_session(), user=user, password=body.password)
        except account_deletion.WrongPassword:
            raise
        except DomainError:
            attempt.did_not_count()
            raise
        attempt.did_not_count()
    logout_user()
    return "", 204


@bp.get("/mentees/<username>/export")
@role_required(Role.mentor)
@documented(summary="A mentee's progress, its history, shared notes and your assignments, as one JSON file "
                    "(their mentor, or admins)", response=MenteeExport, errors=(404,))
def export_mentee(username: str):
    session = get_session()
    mentor = require_account()
    learner = mentorships.get_mentee(session=session, viewer=mentor, username=username)
    return _json_download(my_data.export_mentee(session=session, viewer=mentor, learner=learner, now=utcnow()),
                          learner)
