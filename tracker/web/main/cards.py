"""Recall cards on an article's page: written, adopted from a suggestion, suspended or brought back, deleted
(reviewing is /review)."""

from __future__ import annotations

from flask import flash, request, url_for
from flask_login import login_required

from tracker.db import get_session
from tracker.http.auth import require_account
from tracker.http.render import see_other
from tracker.services.catalog import articles as catalog
from tracker.services.errors import Invalid
from tracker.services.learning import recall
from tracker.services.learning import suggestions as card_suggestions
from tracker.web.forms import RecallCardForm
from tracker.web.main.blueprint import bp


@bp.post("/articles/<slug>/cards")
@login_required
def add_card(slug: str):
    """Write a recall card on an article; back to the article's cards, with the reason if it was refused."""
    session = get_session()
    article = catalog.require_article(session=session, slug=slug)
    form = RecallCardForm().checked()
    try:
        recall.create_card(session=session, user=require_account(), article=article, prompt=form.prompt.data,
                           answer=form.answer.data)
    except Invalid as exc:
        flash(f"{exc} The card was not added.", "error")
    else:
        flash("Card added. It is due for review now.", "success")
    return see_other(url_for("main.article_page", slug=slug) + "#recall-cards")


@bp.post("/cards/suggested/<id:suggestion_id>/adopt")
@login_required
def adopt_card(suggestion_id: int):
    """Take a suggested card as one's own, due for review now."""
    session = get_session()
    card = card_suggestions.adopt(session=session, learner=require_account(), suggestion_id=suggestion_id)
    slug = recall.article_slugs(session=session, cards=[card])[card.id]
    flash("Card added to your cards. It is due for review now.", "success")
    return see_other(url_for("main.article_page", slug=slug) + "#recall-cards")


@bp.post("/cards/<id:card_id>/delete")
@login_required
def delete_card(card_id: int):
    session = get_session()
    card = recall.card_of(session=session, user=require_account(), card_id=card_id)
    slug = recall.article_slugs(session=session, cards=[card])[card.id]
    recall.delete_card(session=session, card=card)
    flash("Card deleted.", "success")
    return see_other(url_for("main.article_page", slug=slug) + "#recall-cards")


@bp.post("/cards/<id:card_id>/suspend")
@login_required
def suspend_card(card_id: int):
    """Suspend a card (`suspended=1`: out of the review queue) or bring it back (`suspended=0`)."""
    session = get_session()
    card = recall.card_of(session=session, user=require_account(), card_id=card_id)
    suspended = request.form.get("suspended", "1") != "0"
    recall.suspend_card(session=session, card=card, suspended=suspended)
    flash("Card suspended: it stays out of reviews until you unsuspend it." if suspended
          else "Card unsuspended: it is back in your reviews.", "success")
    return see_other(url_for("main.article_page", slug=recall.article_slugs(session=session, cards=[card])[card.id])
                     + f"#card-{card.id}")
