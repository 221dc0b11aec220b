"""The learner's recall cards and their spaced review (scheduled by FSRS)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Literal

from flask import request, url_for
from flask_login import login_required
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tracker.api.blueprint import bp
from tracker.api.schemas import Items, Public, respond
from tracker.db import get_session
from tracker.http.auth import require_account
from tracker.http.inputs import json_body
from tracker.http.issuer import current_issuer
from tracker.http.openapi import documented
from tracker.models import CardKind, RecallCard, as_utc, utcnow
from tracker.services.catalog import articles as catalog
from tracker.services.errors import Invalid
from tracker.services.learning import cloze, recall, review_stats, reviewing

STATES = {1: "learning", 2: "review", 3: "relearning"}
DUE_PAGE, DUE_PAGE_MAX = 20, 100


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
    suspended: bool = Field(description="out of the review queue until unsuspended")
    buried_until: datetime | None = Field(description="out of the queue until then (the start of your next day)")


class CardsCreatedPublic(CardPublic):
    siblings: list[CardPublic] = Field(description="the other cards made by the same request: a cloze text makes "
                                                   "one card per deletion number (c1, c2…), this one being the first")


class NextDuePublic(Public):
    again: datetime
    hard: datetime
    good: datetime
    easy: datetime


class DueCardPublic(CardPublic):
    next_due: NextDuePublic = Field(description="when the card would be due again after each rating (your desired "
                                                "retention, without fuzz); the card does not change")


class DueCardsPublic(Items[DueCardPublic]):
    due_now: int = Field(description="cards due now within your daily limits: the ones this queue serves")
    due_today: int = Field(description="cards due now or later today (by the end of your today, in your time zone), "
                                       "within your daily limits")
    beyond_limits: int = Field(description="cards due now that your daily limits hold back until tomorrow")
    limits_reached: list[str] = Field(description='the limits that hold cards back: "new cards", "reviews"')
    more: str | None = Field(description="the address of the next page; null on the last one")


class DueQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    limit: int = Field(default=DUE_PAGE, ge=1, le=DUE_PAGE_MAX, description=f"cards per page (1 to {DUE_PAGE_MAX})")
    after: str | None = Field(default=None, max_length=40, description="the cursor from a previous page's `more`")

    @classmethod
    def from_args(cls, args) -> DueQuery:
        """The query string, checked; Invalid naming the first parameter in error."""
        try:
            return cls.model_validate({key: value for key, value in args.items() if value != ""})
        except ValidationError as exc:
            error = exc.errors()[0]
            name = error["loc"][0] if error["loc"] else "query"
            raise Invalid(f"{name}: {error['msg']}" if error["type"] != "extra_forbidden" else
                          f"{name}: unknown parameter (only `limit` and `after` are read)") from None


def _public(card: RecallCard, slug: str) -> CardPublic:
    return CardPublic(id=card.id, article=slug, kind=card.kind.value, prompt=card.prompt, answer=card.answer,
                      cloze_number=card.cloze_number, front=cloze.plain(cloze.front(card)),
                      back=cloze.plain(cloze.back(card)), due=as_utc(card.due),
                      state=STATES.get(card.state, "learning"),
                      last_review=as_utc(card.last_review) if card.last_review else None, suspended=card.suspended,
                      buried_until=as_utc(card.buried_until) if card.buried_until else None)


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
    duration_ms: int | None = Field(default=None, description="how long the review took, in milliseconds (kept up "
                                                              f"to {recall.REVIEW_DURATION_MAX_MS // 1000} s)")


class UndoBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    review: int | None = Field(default=None, description="the id of the review you mean to undo (from the rating's "
                                                         "answer): refused if it is no longer your last")


class SuspendBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    suspended: bool = Field(description="true takes the card out of the queue; false brings it back")


class ReviewedCardPublic(CardPublic):
    review: int = Field(description="the id of this review, to undo it")
    credentials: list[str] = Field(default_factory=list, description="the public ids of the credentials this review "
                                                                     "earned: on a path that asks recall too, the "
                                                                     "review that made it hold (see /me/credentials)")


@bp.post("/me/cards")
@login_required
@documented(summary="Write a recall card on an article, or the cards of a cloze text (due for review at once)",
            body=CardBody, response=CardsCreatedPublic, status=201, errors=(404,))
def create_card():
    session = get_session()
    body = json_body(CardBody,
                     hint='send a JSON object like {"article": "http-protocol", "prompt": "…", "answer": "…"}')
    article = catalog.require_article(session=session, slug=body.article, owner=require_account())
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
    article = catalog.require_article(session=session, slug=slug, owner=require_account())
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


def _cursor(card: RecallCard) -> str:
    return f"{int(as_utc(card.due).timestamp() * 1_000_000)}.{card.id}"


def _after(cursor: str | None) -> tuple[datetime, int] | None:
    if cursor is None:
        return None
    micros, _, card_id = cursor.partition(".")
    if not (micros.isdigit() and card_id.isdigit() and len(micros) <= 20 and len(card_id) <= 18):
        raise Invalid("after: not a cursor from this queue (use the `more` address as it came)")
    return datetime.fromtimestamp(int(micros) / 1_000_000, UTC), int(card_id)


@bp.get("/me/reviews/due")
@login_required
@documented(summary="Your cards due for review now within your daily limits, the longest overdue first, a page at "
                    "a time", query=DueQuery, response=DueCardsPublic)
def due_cards():
    query = DueQuery.from_args(request.args)
    session = get_session()
    user = require_account()
    now = utcnow()
    left = recall.allowance(session=session, user=user, now=now)
    cards = recall.due_cards(session=session, user=user, now=now, limit=query.limit + 1, after=_after(query.after),
                             left=left)
    page, more = cards[:query.limit], len(cards) > query.limit
    counts = recall.due_counts(session=session, user=user, now=now, left=left)
    slugs = recall.article_slugs(session=session, cards=page)
    items = [DueCardPublic(**_public(card, slugs[card.id]).model_dump(), next_due=NextDuePublic(
        **recall.next_intervals(user=user, card=card, now=now))) for card in page]
    return respond(DueCardsPublic(
        items=items, due_now=counts.now, due_today=counts.today, beyond_limits=counts.beyond_limits,
        limits_reached=list(counts.limits_reached),
        more=url_for("api.due_cards", limit=query.limit, after=_cursor(page[-1])) if more else None))


@bp.post("/me/cards/<id:card_id>/review")
@login_required
@documented(summary="Rate a card (again, hard, good, easy): FSRS schedules its next review", body=ReviewBody,
            response=ReviewedCardPublic, errors=(404, 409))
def review_card(card_id: int):
    session = get_session()
    user = require_account()
    card = recall.card_of(session=session, user=user, card_id=card_id)
    body = json_body(ReviewBody, hint='send a JSON object like {"rating": "good", "duration_ms": 5400}')
    now = utcnow()
    reviewed = reviewing.review_card(session=session, user=user, card=card, rating=recall.parse_rating(body.rating),
                                     now=now, duration_ms=recall.check_duration(body.duration_ms),
                                     issuer=current_issuer)
    last = recall.undoable_review(session=session, user=user, now=now)
    return respond(ReviewedCardPublic(**card_publics([reviewed.card])[0].model_dump(), review=last.id if last else 0,
                                      credentials=[credential.public_id for credential in reviewed.credentials]))


@bp.post("/me/reviews/undo")
@login_required
@documented(summary="Undo your last rating: the card gets back its state before it (once, on the day you rated)",
            body=UndoBody, response=CardPublic, errors=(409,))
def undo_review():
    body = json_body(UndoBody, hint='send a JSON object like {"review": 42}, or {}')
    session = get_session()
    card = recall.undo_review(session=session, user=require_account(), now=utcnow(), review_id=body.review)
    return respond(card_publics([card])[0])


@bp.put("/me/cards/<id:card_id>/suspended")
@login_required
@documented(summary="Suspend a card (out of the review queue until unsuspended) or bring it back", body=SuspendBody,
            response=CardPublic, errors=(404,))
def suspend_card(card_id: int):
    session = get_session()
    card = recall.card_of(session=session, user=require_account(), card_id=card_id)
    body = json_body(SuspendBody, hint='send a JSON object like {"suspended": true}')
    return respond(card_publics([recall.suspend_card(session=session, card=card, suspended=body.suspended)])[0])


@bp.post("/me/cards/<id:card_id>/bury")
@login_required
@documented(summary="Bury a card: out of today's queue, back at the start of your next day", response=CardPublic,
            errors=(404,))
def bury_card(card_id: int):
    session = get_session()
    user = require_account()
    card = recall.card_of(session=session, user=user, card_id=card_id)
    return respond(card_publics([recall.bury_card(session=session, user=user, card=card, now=utcnow())])[0])


# ---------------------------------------------------------------- statistics

class DayCount(Public):
    day: date
    count: int


class ReviewStatsPublic(Public):
    """What the review statistics page shows, days in your time zone."""

    reviews_per_day: list[DayCount] = Field(description="each of the last 30 days, oldest first (today last)")
    true_retention: float | None = Field(description="the share of reviews of known cards not rated Again, over "
                                                     "30 days; null without any")
    retention_reviews: int = Field(description="the reviews the retention is computed from")
    forecast: list[DayCount] = Field(description="cards falling due on each of the next 30 days, from tomorrow")
    due_today: int = Field(description="due by the end of today, daily limits aside")
    by_state: dict[str, int] = Field(description="cards by state: new, learning, review, suspended")
    mean_review_seconds: float | None


@bp.get("/me/reviews/stats")
@login_required
@documented(summary="Your review statistics: reviews per day, true retention, a 30-day forecast, cards by state",
            response=ReviewStatsPublic)
def review_statistics():
    stats = review_stats.review_statistics(session=get_session(), user=require_account(), now=utcnow())
    return respond(ReviewStatsPublic(
        reviews_per_day=[DayCount(day=day, count=count) for day, count in stats.reviews_per_day],
        true_retention=stats.true_retention, retention_reviews=stats.retention_reviews,
        forecast=[DayCount(day=day, count=count) for day, count in stats.forecast], due_today=stats.due_today,
        by_state=stats.by_state, mean_review_seconds=stats.mean_review_seconds))
