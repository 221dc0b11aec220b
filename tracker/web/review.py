"""Spaced review: the oldest due recall card, its answer on request, and a rating that schedules it again."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_login import login_required

from tracker.db import get_session
from tracker.http.auth import require_account
from tracker.http.render import see_other
from tracker.models import Article, utcnow
from tracker.services.learning import recall
from tracker.web.forms import RatingForm

bp = Blueprint("review", __name__, url_prefix="/review")

BUTTONS = (("again", "Again", "1"), ("hard", "Hard", "2"), ("good", "Good", "3"), ("easy", "Easy", "4"))


@bp.get("")
@login_required
def review_page():
    """The card to review next: its prompt, and its answer with the rating buttons once revealed (`?reveal=<id>`,
    so it works without JavaScript)."""
    session = get_session()
    user = require_account()
    now = utcnow()
    due = recall.due_cards(session=session, user=user, now=now, limit=1)
    card = due[0] if due else None
    return render_template(
        "review/review.html", card=card, buttons=BUTTONS,
        revealed=card is not None and request.args.get("reveal", type=int) == card.id,
        article=session.get(Article, card.article_id) if card else None,
        counts=recall.due_counts(session=session, user=user, now=now),
        next_due=None if card else recall.next_due(session=session, user=user))


@bp.post("/<id:card_id>")
@login_required
def rate(card_id: int):
    """Rate a card (again, hard, good, easy); the next due card follows."""
    session = get_session()
    user = require_account()
    card = recall.card_of(session=session, user=user, card_id=card_id)
    rating = recall.parse_rating(RatingForm().checked().rating.data)
    recall.review(session=session, user=user, card=card, rating=rating, now=utcnow())
    return see_other(url_for("review.review_page"))
