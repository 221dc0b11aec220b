"""The front page: the visitor's welcome, the signed-in learner's dashboard, and the API reference."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from tracker.db import get_session
from tracker.http.auth import current_account
from tracker.http.openapi import openapi_document
from tracker.models import utcnow
from tracker.services import access
from tracker.services.catalog import articles as catalog
from tracker.services.curriculum import queries as path_queries
from tracker.services.learning import recall, streaks
from tracker.services.mentoring import mentorships
from tracker.services.mentoring import standings as assignment_views
from tracker.services.people import time_zones
from tracker.services.progress import activity, catch_up
from tracker.web.main.blueprint import bp


@bp.get("/")
def index():
    session = get_session()
    user = current_account()
    if user is None:
        return render_template("main/index.html", paths=path_queries.list_paths(session=session,
                                                                         statuses=access.listed_statuses(None)),
                               sources=catalog.list_sources(session=session))
    now = utcnow()
    today = time_zones.today_for(user, now)
    mine = assignment_views.learner_paths(session=session, learner=user, now=now, viewer=user)
    return render_template(
        "main/dashboard.html",
        assigned=mine.assigned,
        my_paths=mine.followed,
        catch_ups=[row.catch_up for row in mine.assigned if row.catch_up] + list(
            catch_up.for_views(session=session, learner=user, views=mine.followed).values()),
        invitations=mentorships.pending_invitations(session=session, learner=user),
        recent=activity.recent_activity(session=session, user=user),
        heatmap=activity.activity_heatmap(session=session, user=user, today=today),
        streak=streaks.streak_for(session=session, user=user, today=today),
        recall=recall.due_counts(session=session, user=user, now=now)
        if recall.has_cards(session=session, user=user) else None,
    )


@bp.get("/api")
def api_reference():
    """The JSON API's reference, rendered from its OpenAPI document (no scripts)."""
    return render_template("main/api.html", doc=openapi_document())


@bp.app_context_processor
def inject_user():
    return {"account": current_account() if current_user else None}
