"""Recall cards on an article's page: written, adopted from a suggestion, suspended or brought back, deleted
(reviewing is /review)."""

from __future__ import annotations

from flask import flash, render_template, request, url_for
from flask_login import login_required

from tracker.db import get_session
from tracker.http.auth import require_account
from tracker.http.downloads import download
from tracker.http.render import fragment, is_htmx, page_or_fragment, see_other
from tracker.models import CardKind, utcnow
from tracker.services.catalog import articles as catalog
from tracker.services.errors import Invalid, NotFound
from tracker.services.learning import cards_io, recall
from tracker.services.learning import suggestions as card_suggestions
from tracker.web.forms import CardImportForm, RecallCardForm
from tracker.web.main.articles import article_context, recall_context
from tracker.web.main.blueprint import bp


@bp.post("/articles/<slug>/cards")
@login_required
def add_card(slug: str):
    """Write a recall card on an article (a cloze text makes one per deletion number). HTMX gets the cards'
    section again; a plain form goes back to the article. Refused, the form comes back with its draft and why."""
    session = get_session()
    user = require_account()
    article = catalog.require_article(session=session, slug=slug, owner=user)
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


# ---------------------------------------------------------------- Anki: out and in

EXPORT_TYPES = {"txt": "text/plain; charset=utf-8", "apkg": "application/octet-stream"}


@bp.get("/cards/transfer")
@login_required
def cards_io_page():
    """Export one's cards for Anki, or import a deck exported from Anki (preview first)."""
    form = CardImportForm(formdata=None, data={"article": request.args.get("article", "")[:200]})
    return render_template("main/cards_io.html", form=form, plan=None, error=None)


@bp.get("/cards/export")
@login_required
def export_cards():
    """The learner's cards as Anki's plain-text notes (`?format=txt`) or as an Anki deck (`?format=apkg`)."""
    fmt = request.args.get("format", "txt")
    if fmt not in EXPORT_TYPES:
        raise Invalid(f"Format: '{fmt[:20]}' is not one of txt, apkg.")
    session = get_session()
    user = require_account()
    body: str | bytes = (cards_io.export_apkg(session=session, user=user, deck_name=f"Recall cards of {user.name}",
                                              now=utcnow()) if fmt == "apkg"
                         else cards_io.export_text(session=session, user=user))
    return download(body, filename=f"recall-cards-{user.username}.{fmt}", mimetype=EXPORT_TYPES[fmt])


@bp.post("/cards/import")
@login_required
def import_cards():
    """Preview an Anki text export (nothing written) or import it: every card, or none with each line's error.
    HTMX gets the result block; a plain form gets the page (a 303 back to it after an import)."""
    session = get_session()
    user = require_account()
    form = CardImportForm().checked()
    upload = form.file.data
    data = upload.read(cards_io.IMPORT_BYTES_MAX + 1) if upload and upload.filename else None
    if data is None:
        data = (form.text.data or "").encode("utf-8")
    slug = (form.article.data or "").strip()
    plan, error = None, None
    try:
        article = catalog.require_article(session=session, slug=slug, owner=user) if slug else None
        if form.action.data == "import":
            plan = cards_io.import_cards(session=session, user=user, data=data, article=article)
        else:
            plan = cards_io.plan_import(session=session, user=user, data=data, article=article)
    except cards_io.ImportRefused as exc:  # every line in error, listed under the form
        error, plan = str(exc), cards_io.plan_import(session=session, user=user, data=data, article=article)
    except (Invalid, NotFound) as exc:
        error = str(exc) if not isinstance(exc, NotFound) else f"Article: there is no article “{slug[:80]}”."
    # What the learner sent comes back as text to import (a file cannot be kept in a form between two pages).
    form.text.data = data.decode("utf-8", errors="replace") if len(data) <= cards_io.IMPORT_BYTES_MAX else ""
    if error is None and plan is not None and form.action.data == "import":  # imported
        flash(f"{_count(len(plan.cards), 'card')} imported; {_count(plan.duplicates, 'duplicate')} skipped. "
              "New cards are due for review now.", "success")
        return see_other(url_for("main.cards_io_page"))
    return page_or_fragment("main/cards_io.html", block="result", target="card-import",
                            status=400 if error else 200, form=form, plan=plan, error=error)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


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
