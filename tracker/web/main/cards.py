"""Recall cards on an article's page: written, adopted from a suggestion, deleted (reviewing is /review)."""

from __future__ import annotations

from flask import flash, render_template, url_for
from flask_login import login_required

from tracker.db import get_session
from tracker.http.auth import require_account
from tracker.http.render import fragment, is_htmx, see_other
from tracker.models import CardKind
from tracker.services.catalog import articles as catalog
from tracker.services.errors import Invalid
from tracker.services.learning import recall
from tracker.services.learning import suggestions as card_suggestions
from tracker.web.forms import RecallCardForm
from tracker.web.main.articles import article_context, recall_context
from tracker.web.main.blueprint import bp


@bp.post("/articles/<slug>/cards")
@login_required
def add_card(slug: str):
    """Write a recall card on an article (a cloze text makes one per deletion number). HTMX gets the cards'
    section again; a plain form goes back to the article. Refused, the form comes back with its draft and why."""
    session = get_session()
    user = require_account()
    article = catalog.require_article(session=session, slug=slug)
    form = RecallCardForm().checked()
    try:
        made = recall.write_cards(session=session, user=user, article=article,
                                  kind=CardKind(form.kind.data or CardKind.qa.value), prompt=form.prompt.data or "",
                                  answer=form.answer.data or "")
    except Invalid as exc:
        if is_htmx():
            return fragment("partials/_recall_cards.html", status=400, card_form=form, card_error=str(exc),
                            **recall_context(session, user, article))
        return render_template("catalog/article.html", **article_context(slug, card_form=form,
                                                                          card_error=str(exc))), 400
    saved = ("Card added. It is due for review now." if len(made) == 1 else
             f"{len(made)} cards added, one per deletion. They are due for review now.")
    if is_htmx():
        return fragment("partials/_recall_cards.html", card_form=RecallCardForm(formdata=None), card_saved=saved,
                        **recall_context(session, user, article))
    flash(saved, "success")
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
