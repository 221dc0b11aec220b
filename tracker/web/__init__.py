"""The HTML side: blueprints, error pages and template helpers."""

from __future__ import annotations

from datetime import date

from flask import Flask, request

from tracker.models import CardKind, ProgressState, RecallCard, Role, TokenScope
from tracker.services import access
from tracker.services.curriculum.queries import weeks_label
from tracker.services.learning import cloze, plans
from tracker.services.mentoring import recurrence
from tracker.services.people import time_zones
from tracker.services.people.devices import device_name


def init_app(app: Flask) -> None:
    from tracker.web import (
        admin,
        auth,
        credentials,
        fragments,
        health,
        main,
        mentor,
        notifications,
        oidc,
        review,
        second_factor,
        teams,
    )

    for blueprint in (auth.bp, main.bp, mentor.bp, notifications.bp, admin.bp, health.bp, credentials.bp,
                      review.bp, second_factor.bp, teams.bp, oidc.bp):
        app.register_blueprint(blueprint)
    if app.config["METRICS"]:
        app.register_blueprint(health.metrics_bp)
    app.wsgi_app = health.answer_liveness_first(app.wsgi_app)  # type: ignore[method-assign]  # WSGI middleware
    app.after_request(security_headers)
    app.jinja_env.filters["weeks"] = weeks_label
    app.jinja_env.filters["minutes"] = format_minutes
    app.jinja_env.filters["when"] = local_when
    app.jinja_env.filters["strftime"] = format_date
    app.jinja_env.filters["device_name"] = device_name
    app.jinja_env.globals["ProgressState"] = ProgressState
    app.jinja_env.globals["Role"] = Role
    app.jinja_env.globals["TokenScope"] = TokenScope
    app.jinja_env.globals["CardKind"] = CardKind
    app.jinja_env.globals["card_face"] = card_face
    app.jinja_env.filters["card_title"] = card_title
    # Templates ask the access rules; they never compare statuses themselves.
    app.jinja_env.globals["can_see_path"] = access.can_see_path
    app.jinja_env.globals["can_follow_path"] = access.can_follow_path
    app.jinja_env.globals["describe_plan"] = plans.describe
    app.jinja_env.globals["describe_period"] = recurrence.describe_period
    app.jinja_env.globals["refreshed_on"] = recurrence.refreshed_on
    app.jinja_env.globals["page_address"] = page_address
    fragments.init_app(app)


def card_face(card: RecallCard, side: str) -> list[cloze.Piece]:
    """A card's front or back as pieces of text (partials/_card_face.html marks them up)."""
    return cloze.back(card) if side == "back" else cloze.front(card)


def card_title(card: RecallCard) -> str:
    """What a card asks, as plain text, to name it in a label: a cloze card's front, its deletion blanked
    (never the raw text, which holds the answer)."""
    return "".join(piece.text for piece in cloze.front(card))


# Scripts and styles come only from our own /static; htmx is configured not to inject styles or eval. No plugin
# content at all, and no <base> element (an injected one would move every relative URL elsewhere).
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; object-src 'none'; "
                           "base-uri 'none'")


def security_headers(response):
    from tracker.web.oidc import form_action_origins

    policy = CONTENT_SECURITY_POLICY
    if origins := form_action_origins():  # the sign-in button and signing out lead to the identity provider
        policy = policy.replace("form-action 'self'", "form-action 'self' " + " ".join(origins))
    response.headers.setdefault("Content-Security-Policy", policy)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


def page_address() -> str | None:
    """The address of the page being shown (path and query), which its forms send back as `next`; None when
    answering a form (a list's forms then come back to the list itself)."""
    return request.full_path.rstrip("?") if request.method == "GET" else None


def format_minutes(minutes: int) -> str:
    """'45 min' or '3 h 20 min'."""
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def format_date(value: date, pattern: str) -> str:
    """A date (or a stored time, as stored) as `pattern` says; a filter costs less than a method call in a
    template, which counts on a list of a few hundred dates."""
    return value.strftime(pattern)


def local_when(moment, pattern: str = "%b %-d, %Y %H:%M") -> str:
    """A stored time as the signed-in user's clock shows it (UTC for visitors)."""
    from tracker.http.auth import current_account

    return time_zones.local_time(moment, time_zones.zone_of(current_account())).strftime(pattern)
