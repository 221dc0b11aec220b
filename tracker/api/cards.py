"""The learner's recall cards and their spaced review (scheduled by FSRS)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from flask import request
from flask_login import login_required
from pydantic import BaseModel, ConfigDict, Field

from tracker.api.blueprint import bp
from tracker.api.schemas import Items, Public, respond
from tracker.db import get_session
from tracker.http.auth import require_account
from tracker.http.inputs import json_body
from tracker.http.openapi import documented
from tracker.models import CardKind, RecallCard, as_utc, utcnow
from tracker.services.catalog import articles as catalog
from tracker.services.errors import Invalid
from tracker.services.learning import cloze, recall

STATES = {1: "learning", 2: "review", 3: "relearning"}


class CardPublic(Public):
    id: int
    article: str = Field(description="the article's slug")
    kind: Literal["qa", "cloze"] = Field(description="qa: a question and its answer; cloze: a text with deletions")
    prompt: str = Field(description="the question, or a cloze card's whole text ({{c1::answer}} deletions)")
    answer: str = Field(description="the answer, or a cloze card's optional extra")
    cloze_number: int | None = Field(description="the deletion a cloze card asks (1 for c1); null for qa")
    front: str = Field(description="what the card asks, as text: a cloze card's text with its deletion as [...]")
    back: str = Field(description="what it answers, as text: a cloze card's text filled in")
    due: datetime = Field(description="when FSRS schedules the next review")
    state: str = Field(description="FSRS's state: learning, review or relearning")
    last_review: datetime | None


class CardsCreatedPublic(CardPublic):
    siblings: list[CardPublic] = Field(description="the other cards made by the same request: a cloze text makes "
                                                   "one card per deletion number (c1, c2…), this one being the first")


class DueCardsPublic(Items[CardPublic]):
    due_now: int = Field(description="cards due now: the ones this queue serves")
    due_today: int = Field(description="cards due now or later today (by the end of your today, in your time zone)")


def _public(card: RecallCard, slug: str) -> CardPublic:
    return CardPublic(id=card.id, article=slug, kind=card.kind.value, prompt=card.prompt, answer=card.answer,
                      cloze_number=card.cloze_number, front=cloze.plain(cloze.front(card)),
                      back=cloze.plain(cloze.back(card)), due=as_utc(card.due),
                      state=STATES.get(card.state, "learning"),
                      last_review=as_utc(card.last_review) if card.last_review else None)


def card_publics(cards: list[RecallCard]) -> list[CardPublic]:
    """Cards as the API shows them, each with its article's slug (one query)."""
    slugs = recall.article_slugs(session=get_session(), cards=cards)
    return [_public(card, slugs[card.id]) for card in cards]


class CardBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    article: str = Field(max_length=200, description="the article's slug")
    kind: Literal["qa", "cloze"] = Field(default="qa", description="cloze: `prompt` is a text with deletions "
                                                                   "written {{c1::answer}} or {{c1::answer::hint}}")
    prompt: str = Field(max_length=4 * recall.TEXT_MAX, description=f"1 to {recall.TEXT_MAX} characters")
    answer: str = Field(default="", max_length=4 * recall.TEXT_MAX,
                        description=f"1 to {recall.TEXT_MAX} characters; for a cloze card an optional extra")


class CardEditBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    prompt: str | None = Field(default=None, max_length=4 * recall.TEXT_MAX)
    answer: str | None = Field(default=None, max_length=4 * recall.TEXT_MAX)


class CardQuery(BaseModel):
    article: str = Field(max_length=200, description="the article's slug")


class ReviewBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rating: Literal["again", "hard", "good", "easy"]


@bp.post("/me/cards")
@login_required
@documented(summary="Write a recall card on an article, or the cards of a cloze text (due for review at once)",
            body=CardBody, response=CardsCreatedPublic, status=201, errors=(404,))
def create_card():
    session = get_session()
    body = json_body(CardBody,
                     hint='send a JSON object like {"article": "http-protocol", "prompt": "…", "answer": "…"}')
    article = catalog.require_article(session=session, slug=body.article)
    first, *others = recall.write_cards(session=session, user=require_account(), article=article,
                                        kind=CardKind(body.kind), prompt=body.prompt, answer=body.answer)
    return respond(CardsCreatedPublic(**_public(first, article.slug).model_dump(),
                                      siblings=[_public(card, article.slug) for card in others]), 201)


@bp.get("/me/cards")
@login_required
@documented(summary="Your recall cards on an article", query=CardQuery, response=Items[CardPublic], errors=(404,))
def list_cards():
    slug = request.args.get("article", "")
    if not slug:
        raise Invalid("article: this parameter is required (an article's slug)")
    session = get_session()
    article = catalog.require_article(session=session, slug=slug)
    cards = recall.cards_for_article(session=session, user=require_account(), article=article)
    return respond(Items[CardPublic](items=[_public(card, article.slug) for card in cards]))


@bp.patch("/me/cards/<id:card_id>")
@login_required
@documented(summary="Change a card's prompt or answer (its schedule is kept)", body=CardEditBody,
            response=CardPublic, errors=(404,))
def edit_card(card_id: int):
    session = get_session()
    card = recall.card_of(session=session, user=require_account(), card_id=card_id)
    body = json_body(CardEditBody, hint='send a JSON object like {"prompt": "…"}')
    card = recall.edit_card(session=session, card=card, prompt=body.prompt, answer=body.answer)
    return respond(card_publics([card])[0])


@bp.delete("/me/cards/<id:card_id>")
@login_required
@documented(summary="Delete a card and its reviews", status=204, errors=(404,))
def delete_card(card_id: int):
    session = get_session()
    recall.delete_card(session=session, card=recall.card_of(session=session, user=require_account(), card_id=card_id))
    return "", 204


@bp.get("/me/reviews/due")
@login_required
@documented(summary="Your cards due for review now, the longest overdue first", response=DueCardsPublic)
def due_cards():
    session = get_session()
    user = require_account()
    now = utcnow()
    cards = recall.due_cards(session=session, user=user, now=now)
    counts = recall.due_counts(session=session, user=user, now=now)
    return respond(DueCardsPublic(items=card_publics(cards), due_now=counts.now, due_today=counts.today))


@bp.post("/me/cards/<id:card_id>/review")
@login_required
@documented(summary="Rate a card (again, hard, good, easy): FSRS schedules its next review", body=ReviewBody,
            response=CardPublic, errors=(404,))
def review_card(card_id: int):
    session = get_session()
    user = require_account()
    card = recall.card_of(session=session, user=user, card_id=card_id)
    body = json_body(ReviewBody, hint='send a JSON object like {"rating": "good"}')
    card = recall.review(session=session, user=user, card=card, rating=recall.parse_rating(body.rating), now=utcnow())
    return respond(card_publics([card])[0])
