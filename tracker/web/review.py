"""Spaced review: the next card the queue serves, its answer on request, the rating buttons with the wait each
would give, undo of the last rating, suspend and bury, and the learner's review statistics."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from flask import Blueprint, current_app, flash, render_template, request, url_for
from flask_login import login_required
from itsdangerous import BadSignature, URLSafeSerializer

from tracker.db import get_session
from tracker.http.auth import require_account
from tracker.http.issuer import current_issuer
from tracker.http.render import is_htmx, page_or_fragment, see_other
from tracker.models import Article, Credential, RecallCard, User, as_utc, utcnow
from tracker.services.errors import Invalid
from tracker.services.learning import recall, review_stats, reviewing
from tracker.web.forms import RatingForm, UndoForm

bp = Blueprint("review", __name__, url_prefix="/review")

BUTTONS = (("again", "Again", "1"), ("hard", "Hard", "2"), ("good", "Good", "3"), ("easy", "Easy", "4"))
RATING_NAMES = {int(rating): label for (_, label, _), rating in zip(BUTTONS, recall.RATINGS.values(), strict=True)}


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key or "", salt="review-card-shown")


def _ms(moment: datetime | None) -> int | None:
    return None if moment is None else int(as_utc(moment).timestamp() * 1000)


def shown_token(card: RecallCard, served_at: datetime) -> str:
    """Signed: which card the page showed, when, and in which state (its last review): the rating then knows
    how long the review took and whether the card was rated since."""
    return _signer().dumps([card.id, _ms(served_at), _ms(card.last_review)])


def read_shown(token: str | None, card: RecallCard) -> tuple[datetime, datetime | None] | None:
    """When the card was shown and its last review then, from a token this server signed for this card; None
    without a token; Invalid for a token altered or made for another card (nothing is written)."""
    if not token:
        return None
    try:
        card_id, served_ms, last_ms = _signer().loads(token)
    except (BadSignature, ValueError, TypeError):
        raise Invalid("The review form was altered or is not this server's; reload the review page. "
                      "Nothing was saved.") from None
    if card_id != card.id:
        raise Invalid("The review form belongs to another card; reload the review page. Nothing was saved.")
    return (datetime.fromtimestamp(served_ms / 1000, UTC),
            None if last_ms is None else datetime.fromtimestamp(last_ms / 1000, UTC))


def _review(*, notice: str | None = None, status: int = 200, earned: Sequence[Credential] = ()):
    """The review page, or its `review` block for HTMX (after a rating, an undo, a bury or a suspension)."""
    session = get_session()
    user = require_account()
    now = utcnow()
    left = recall.allowance(session=session, user=user, now=now)
    due = recall.due_cards(session=session, user=user, now=now, limit=1, left=left)
    card = due[0] if due else None
    revealed = card is not None and request.args.get("reveal", type=int) == card.id
    shown = None
    if card is not None:  # the token handed on from showing the prompt keeps the time it was first shown
        handed = request.args.get("shown") if revealed else None
        try:
            first = read_shown(handed, card) if handed else None
        except Invalid:
            first = None
        shown = handed if first is not None and _ms(first[1]) == _ms(card.last_review) else shown_token(card, now)
    intervals = recall.next_intervals(user=user, card=card, now=now) if revealed and card else {}
    last = recall.undoable_review(session=session, user=user, now=now)
    return page_or_fragment(
        "review/review.html", block="review", target="review", status=status, push_url=url_for("review.review_page"),
        card=card, buttons=BUTTONS, revealed=revealed, shown=shown, notice=notice, earned=earned,
        labels={name: recall.interval_label(due - now) for name, due in intervals.items()}, intervals=intervals,
        article=session.get(Article, card.article_id) if card else None,
        counts=recall.due_counts(session=session, user=user, now=now, left=left),
        undoable=last, undoable_card=session.get(RecallCard, last.card_id) if last else None,
        rating_names=RATING_NAMES, user=user,
        next_due=None if card else recall.next_due(session=session, user=user, now=now))


def _done(message: str):
    """After a change on the review screen: the next card in place for HTMX (with the message), else a 303."""
    if is_htmx():
        return _review(notice=message)
    flash(message, "success")
    return see_other(url_for("review.review_page"))


@bp.get("")
@login_required
def review_page():
    """The card to review next: its prompt, and its answer with the rating buttons once revealed (`?reveal=<id>`,
    so it works without JavaScript)."""
    return _review()


@bp.post("/<id:card_id>")
@login_required
def rate(card_id: int):
    """Rate a card (again, hard, good, easy); the next due card follows. The signed `shown` field gives the
    review time (capped at a minute) and refuses a second rating of the state the page showed."""
    session = get_session()
    user = require_account()
    card = recall.card_of(session=session, user=user, card_id=card_id)
    form = RatingForm().checked()
    rating = recall.parse_rating(form.rating.data)
    now = utcnow()
    shown = read_shown(form.shown.data, card)
    reviewed = reviewing.review_card(session=session, user=user, card=card, rating=rating, now=now,
                                     duration_ms=recall.review_duration(shown[0], now) if shown else None,
                                     seen_last_review=shown[1] if shown else recall.UNSEEN, issuer=current_issuer)
    if is_htmx():
        return _review(earned=reviewed.credentials)
    for credential in reviewed.credentials:
        flash(f"Read and recalled: your certificate for “{credential.path_title}” is issued; it is on the path's "
              "page and in your certificates.", "success")
    return see_other(url_for("review.review_page"))


@bp.post("/undo")
@login_required
def undo():
    """Undo the last rating: the card comes back as it was before it."""
    session = get_session()
    form = UndoForm().checked()
    card = recall.undo_review(session=session, user=require_account(), now=utcnow(), review_id=form.review.data)
    return _done(f"Rating undone: “{card.prompt[:60]}” is back as it was.")


@bp.post("/<id:card_id>/bury")
@login_required
def bury(card_id: int):
    """Leave a card for today: it comes back tomorrow (in the learner's time zone)."""
    session = get_session()
    user = require_account()
    card = recall.bury_card(session=session, user=user, card=recall.card_of(session=session, user=user,
                                                                            card_id=card_id), now=utcnow())
    return _done(f"Buried until tomorrow: “{card.prompt[:60]}”.")


@bp.post("/<id:card_id>/suspend")
@login_required
def suspend(card_id: int):
    """Take a card out of the queue until it is unsuspended (from its article's card list)."""
    session = get_session()
    card = recall.card_of(session=session, user=require_account(), card_id=card_id)
    recall.suspend_card(session=session, card=card)
    return _done(f"Suspended: “{card.prompt[:60]}” stays out of reviews until you unsuspend it on its "
                 "article's page.")


@bp.get("/stats")
@login_required
def statistics():
    """Reviews per day, true retention, the forecast and the cards by state: tables and plain bars."""
    user: User = require_account()
    return render_template("review/stats.html", stats=review_stats.review_statistics(
        session=get_session(), user=user, now=utcnow()))
