"""Progress as xAPI 1.0.3 statements: one's own, a mentee's (their mentors and admins), everyone's (admins)."""

from __future__ import annotations

from flask import current_app, request, url_for
from flask_login import login_required
from pydantic import BaseModel, ConfigDict, Field

from tracker.api.blueprint import bp
from tracker.api.schemas import Public, respond
from tracker.db import get_session
from tracker.http.auth import require_account, role_required
from tracker.http.openapi import documented
from tracker.models import Role
from tracker.services.errors import Invalid
from tracker.services.mentoring import mentorships
from tracker.services.records import xapi


class StatementQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    after: str | None = Field(default=None, max_length=20, description="the cursor from a previous page's `more`")


class StatementPagePublic(Public):
    statements: list[dict] = Field(description="xAPI 1.0.3 statements, oldest first: progress, then finished paths")
    more: str | None = Field(description="the address of the next page; null on the last one")


def _page(endpoint: str, user_ids: list[int] | None, **values):
    args = {key: value for key, value in request.args.items() if value != ""}
    if set(args) - {"after"}:
        raise Invalid(f"{sorted(set(args) - {'after'})[0]}: unknown parameter (only `after` is read)")
    try:
        page = xapi.statements(session=get_session(), user_ids=user_ids, site=current_app.config["PUBLIC_URL"],
                               after=args.get("after"))
    except ValueError as exc:
        raise Invalid(str(exc)) from None
    more = url_for(endpoint, after=page.after, **values) if page.after else None
    return respond(StatementPagePublic(statements=page.statements, more=more))


@bp.get("/me/xapi")
@login_required
@documented(summary="Your progress as xAPI statements", query=StatementQuery, response=StatementPagePublic)
def my_statements():
    return _page("api.my_statements", [require_account().id])


@bp.get("/mentees/<username>/xapi")
@role_required(Role.mentor)
@documented(summary="A mentee's progress as xAPI statements (their mentors, or admins)", query=StatementQuery,
            response=StatementPagePublic, errors=(404,))
def mentee_statements(username: str):
    learner = mentorships.get_mentee(session=get_session(), viewer=require_account(), username=username)
    return _page("api.mentee_statements", [learner.id], username=learner.username)


@bp.get("/xapi")
@role_required(Role.admin)
@documented(summary="Everyone's progress as xAPI statements (admins)", query=StatementQuery,
            response=StatementPagePublic)
def all_statements():
    return _page("api.all_statements", None)
