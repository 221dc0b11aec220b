"""The rest of the learning loop: weekly plans with their forecasts, takeaways, and suggested recall cards."""

from __future__ import annotations

from datetime import date

from flask import request
from flask_login import login_required
from pydantic import BaseModel, ConfigDict, Field

from tracker.api.blueprint import bp
from tracker.api.cards import CardPublic, card_publics
from tracker.api.schemas import Items, Public, respond
from tracker.db import get_session
from tracker.http.auth import require_account
from tracker.http.inputs import json_body
from tracker.http.openapi import documented
from tracker.models import SuggestedCard, User, utcnow
from tracker.services.catalog import articles as catalog
from tracker.services.errors import Invalid
from tracker.services.learning import notes, plans
from tracker.services.learning import suggestions as card_suggestions
from tracker.services.mentoring import standings as assignment_views
from tracker.services.progress import marks as progress

# ---------------------------------------------------------------- weekly plans


class PlanPublic(Public):
    days: list[int] = Field(description="0 = Monday ... 6 = Sunday")
    cue: str = Field(description='roughly when, such as "after standup"')
    minutes: int = Field(description="reading minutes on each planned day")
    summary: str = Field(description='the plan in words: "Tue and Thu after standup, 30 min"')


class PathPlanPublic(Public):
    path: str = Field(description="the path's slug")
    plan: PlanPublic | None = Field(description="null until you make one")
    minutes_left: int = Field(description="reading minutes of the path's articles not done or skipped")
    finish_by_plan: date | None = Field(description="the finish date if every planned day gets its minutes")
    finish_by_pace: date | None = Field(description="the finish date at your real pace; null without recent reading")
    pace_minutes_per_week: float = Field(description="your reading minutes a week, recently")


class PlanBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    days: list[int] = Field(max_length=7, description="0 = Monday ... 6 = Sunday; at least one")
    minutes: int = Field(description=f"{plans.MINUTES_MIN} to {plans.MINUTES_MAX} minutes on each planned day")
    cue: str = Field(default="", max_length=4 * plans.CUE_MAX, description=f"at most {plans.CUE_MAX} characters")


def _path_plan(slug: str) -> PathPlanPublic:
    session = get_session()
    user = require_account()
    view = progress.visible_path_progress(session=session, viewer=user, slug=slug)
    both = assignment_views.learner_forecasts(session=session, learner=user, view=view, now=utcnow())
    plan = both.plan
    return PathPlanPublic(
        path=view.path.slug, minutes_left=view.overall.minutes_left, finish_by_plan=both.by_plan,
        finish_by_pace=both.by_pace,
        pace_minutes_per_week=round(both.pace, 1),
        plan=PlanPublic(days=plans.plan_days(plan.weekdays), cue=plan.cue, minutes=plan.minutes,
                        summary=plans.describe(plan)) if plan else None)


@bp.get("/me/paths/<slug>/plan")
@login_required
@documented(summary="Your weekly plan for a path, with the finish forecast by plan and by pace",
            response=PathPlanPublic, errors=(404,))
def path_plan(slug: str):
    return respond(_path_plan(slug))


@bp.put("/me/paths/<slug>/plan")
@login_required
@documented(summary="Make or replace your weekly plan for a path (plan-day reminders follow it)", body=PlanBody,
            response=PathPlanPublic, errors=(404,))
def set_path_plan(slug: str):
    session = get_session()
    user = require_account()
    view = progress.visible_path_progress(session=session, viewer=user, slug=slug)
    body = json_body(PlanBody, hint='send a JSON object like {"days": [1, 3], "minutes": 30, "cue": "after standup"}')
    plans.set_plan(session=session, user=user, path=view.path, days=body.days, minutes=body.minutes,
                   cue=body.cue)
    return respond(_path_plan(slug))


@bp.delete("/me/paths/<slug>/plan")
@login_required
@documented(summary="Remove your weekly plan for a path", status=204, errors=(404,))
def clear_path_plan(slug: str):
    session = get_session()
    user = require_account()
    view = progress.visible_path_progress(session=session, viewer=user, slug=slug)
    plans.clear_plan(session=session, user=user, path=view.path)
    return "", 204


# ---------------------------------------------------------------- takeaways


class TakeawayPublic(Public):
    article: str = Field(description="the article's slug")
    takeaway: str = Field(description='what you would tell a colleague ("" when there is none)')
    shared: bool = Field(description="whether your mentors see this takeaway (its own flag: sharing the note's "
                                     "body does not share it)")


class TakeawayBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    takeaway: str = Field(max_length=4 * notes.TAKEAWAY_MAX,
                          description=f'at most {notes.TAKEAWAY_MAX} characters; "" removes it')
    shared: bool = Field(default=False, description="share this takeaway with your mentors (the note's body keeps "
                                                    "its own setting)")


@bp.put("/me/articles/<slug>/takeaway")
@login_required
@documented(summary="Write, change or remove your takeaway on an article (kept in your note)", body=TakeawayBody,
            response=TakeawayPublic, errors=(404,))
def put_takeaway(slug: str):
    session = get_session()
    article = catalog.require_article(session=session, slug=slug, owner=require_account())
    body = json_body(TakeawayBody, hint='send a JSON object like {"takeaway": "…", "shared": false}')
    note = notes.save_takeaway(session=session, user=require_account(), article=article, text=body.takeaway,
                               shared=body.shared)
    return respond(TakeawayPublic(article=article.slug, takeaway=note.takeaway if note else "",
                                  shared=bool(note and note.takeaway_shared)))


# ---------------------------------------------------------------- suggested cards


class SuggestedCardPublic(Public):
    id: int
    article: str = Field(description="the article's slug")
    prompt: str
    answer: str
    origin: str = Field(description="curriculum (from the path files) or mentor")
    mentor: str | None = Field(description="the suggesting mentor's username, for a mentor's suggestion")


class SuggestedQuery(BaseModel):
    article: str = Field(max_length=200, description="the article's slug")


def _suggested(suggestion: SuggestedCard, mentor: User | None, slug: str) -> SuggestedCardPublic:
    return SuggestedCardPublic(id=suggestion.id, article=slug, prompt=suggestion.prompt, answer=suggestion.answer,
                               origin=suggestion.origin.value, mentor=mentor.username if mentor else None)


@bp.get("/me/cards/suggested")
@login_required
@documented(summary="Cards suggested to you on an article that you have not adopted yet", query=SuggestedQuery,
            response=Items[SuggestedCardPublic], errors=(404,))
def suggested_cards():
    slug = request.args.get("article", "")
    if not slug:
        raise Invalid("article: this parameter is required (an article's slug)")
    session = get_session()
    article = catalog.require_article(session=session, slug=slug, owner=require_account())
    offered = card_suggestions.suggestions_for(session=session, learner=require_account(), article=article)
    return respond(Items[SuggestedCardPublic](items=[_suggested(s, mentor, article.slug) for s, mentor in offered]))


@bp.post("/me/cards/suggested/<id:suggestion_id>/adopt")
@login_required
@documented(summary="Adopt a suggested card as your own, due for review at once (adopting twice gives the same "
                    "card)", response=CardPublic, status=201, errors=(404,))
def adopt_suggested(suggestion_id: int):
    session = get_session()
    card = card_suggestions.adopt(session=session, learner=require_account(), suggestion_id=suggestion_id)
    return respond(card_publics([card])[0], 201)
