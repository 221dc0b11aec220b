"""Recall cards: a learner's questions about an article, scheduled for spaced review with FSRS.

FSRS (the `fsrs` package) decides when a card is due again from its memory state (stability, difficulty,
learning step) and the rating a review gets; this module only converts a `RecallCard` row to an `fsrs.Card`
and back, and logs every review in `card_review` (what FSRS's optimizer can later learn the learner's own
parameters from).
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import fsrs
from sqlalchemy import bindparam, func
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from tracker.models import Article, CardKind, CardReview, RecallCard, User, as_utc
from tracker.services.errors import Invalid, NotFound
from tracker.services.learning import cloze
from tracker.services.people.time_zones import day_start, today_for, zone_of
from tracker.services.progress import activity_days

TEXT_MAX = 500
FORECAST_DAYS = 7
RATINGS = {"again": fsrs.Rating.Again, "hard": fsrs.Rating.Hard, "good": fsrs.Rating.Good, "easy": fsrs.Rating.Easy}


def card_text(label: str, value: str | None) -> str:
    """Plain text for a card's side: stripped, 1..TEXT_MAX characters."""
    value = (value or "").replace("\r\n", "\n").strip()
    if not value:
        raise Invalid(f"{label}: write something (1 to {TEXT_MAX} characters).")
    if len(value) > TEXT_MAX:
        raise Invalid(f"{label}: {len(value)} characters; the limit is {TEXT_MAX}. Nothing was saved.")
    return value


def parse_rating(value: object) -> fsrs.Rating:
    """'again' | 'hard' | 'good' | 'easy' (or 1..4) as an FSRS rating; Invalid otherwise."""
    if isinstance(value, str) and value.strip().lower() in RATINGS:
        return RATINGS[value.strip().lower()]
    if isinstance(value, (int, str)) and not isinstance(value, bool) and str(value).strip() in {"1", "2", "3", "4"}:
        return fsrs.Rating(int(value))
    raise Invalid(f"rating: '{str(value)[:20]}' is not a rating (expected again, hard, good or easy).")


def card_of(*, session: Session, user: User, card_id: int) -> RecallCard:
    """The card if it is `user`'s; NotFound otherwise (a card is its owner's only: others cannot know it exists)."""
    card = session.get(RecallCard, card_id)
    if card is None or card.user_id != user.id:
        raise NotFound("There is no such card.")
    return card


def create_card(*, session: Session, user: User, article: Article, prompt: str, answer: str) -> RecallCard:
    """A new card on an article, due now (FSRS's first learning step). Commits."""
    card = RecallCard(user_id=user.id, article_id=article.id, prompt=card_text("Prompt", prompt),
                      answer=card_text("Answer", answer))
    session.add(card)
    session.commit()
    session.refresh(card)
    return card


def write_cards(*, session: Session, user: User, article: Article, kind: CardKind, prompt: str,
                answer: str) -> list[RecallCard]:
    """A new question-and-answer card, or the cards of a cloze text (`prompt`, with `answer` as its optional
    extra): one per deletion number. All due now. Commits."""
    if kind == CardKind.cloze:
        return cloze.create_cards(session=session, user=user, article=article, text=prompt, extra=answer,
                                  limit=TEXT_MAX)
    return [create_card(session=session, user=user, article=article, prompt=prompt, answer=answer)]


def edit_card(*, session: Session, card: RecallCard, prompt: str | None = None,
              answer: str | None = None) -> RecallCard:
    """Change a card's prompt and/or answer (a cloze card's text and extra); its schedule is kept. Commits."""
    is_cloze = card.kind == CardKind.cloze
    if prompt is not None:
        card.prompt = cloze.edited_text(card, prompt, limit=TEXT_MAX) if is_cloze else card_text("Prompt", prompt)
    if answer is not None:
        card.answer = cloze.check_extra(answer) if is_cloze else card_text("Answer", answer)
    session.add(card)
    session.commit()
    session.refresh(card)
    return card


def delete_card(*, session: Session, card: RecallCard) -> None:
    """Delete a card and its review log. The days the learner reviewed it stay days of activity: the heatmap and
    the streak keep what happened. Commits."""
    for review in session.exec(select(CardReview).where(CardReview.card_id == card.id)):
        session.delete(review)
    session.delete(card)
    session.commit()


def cards_for_article(*, session: Session, user: User, article: Article) -> list[RecallCard]:
    """The learner's cards on an article, oldest first."""
    return list(session.exec(_cards_on_article(), params={"user_id": user.id, "article_id": article.id}))


@functools.cache  # built once: building a statement costs more than running it
def _cards_on_article() -> SelectOfScalar[RecallCard]:
    return (select(RecallCard).where(RecallCard.user_id == bindparam("user_id"),
                                     RecallCard.article_id == bindparam("article_id"))
            .order_by(col(RecallCard.created_at), col(RecallCard.id)))


def due_cards(*, session: Session, user: User, now: datetime, limit: int | None = None) -> list[RecallCard]:
    """The learner's cards due at `now`, the longest overdue first."""
    query = (select(RecallCard).where(RecallCard.user_id == user.id, RecallCard.due <= now)
             .order_by(col(RecallCard.due), col(RecallCard.id)))
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query))


def next_due(*, session: Session, user: User) -> datetime | None:
    """When the learner's next card falls due, or None without cards."""
    moment = session.exec(select(func.min(col(RecallCard.due))).where(RecallCard.user_id == user.id)).one()
    return as_utc(moment) if moment is not None else None


def article_slugs(*, session: Session, cards: list[RecallCard]) -> dict[int, str]:
    """The article slug of each card, by card id (one query)."""
    ids = {card.article_id for card in cards}
    if not ids:
        return {}
    slugs = dict(session.exec(select(Article.id, Article.slug).where(col(Article.id).in_(ids))).all())
    return {card.id: slugs[card.article_id] for card in cards}


def _utc(moment: datetime) -> datetime:
    # fsrs insists on datetime.timezone.utc itself (PostgreSQL hands back another UTC tzinfo, SQLite none).
    return as_utc(moment).astimezone(UTC)


def as_fsrs_card(card: RecallCard) -> fsrs.Card:
    """The row's memory state as FSRS's own card."""
    return fsrs.Card(card_id=card.id, state=fsrs.State(card.state), step=card.step, stability=card.stability,
                     difficulty=card.difficulty, due=_utc(card.due),
                     last_review=_utc(card.last_review) if card.last_review is not None else None)


RETENTION_MIN, RETENTION_MAX = 0.70, 0.97  # below, cards are mostly forgotten; above, reviews pile up
PREVIEW_RETENTIONS = (0.80, 0.85, 0.90, 0.95, 0.97)
PREVIEW_STABILITY_DAYS = 30.0  # a card the learner would recall with 90% odds a month from now


def check_retention(value: float) -> float:
    """A desired retention the scheduler is given: 0.70 to 0.97, kept to whole percent; Invalid otherwise."""
    if not RETENTION_MIN <= value <= RETENTION_MAX:  # NaN fails this too
        raise Invalid(f"Desired retention: from {RETENTION_MIN:.0%} to {RETENTION_MAX:.0%}; "
                      f"{value:.0%} is outside. Nothing was changed." if value == value else
                      "Desired retention: a number from 0.70 to 0.97. Nothing was changed.")
    return round(value, 2)


def retention_preview(current: float) -> list[tuple[float, int, bool]]:
    """What a desired retention costs: for each choice (and the learner's own), the days FSRS waits before showing
    again a card that a month-long memory holds, and whether it is the current one. Shorter waits mean more
    reviews for the same cards."""
    choices = sorted({*PREVIEW_RETENTIONS, round(current, 2)})
    # The scheduler's own interval (no fuzz, no cap), so the preview is what reviews will do.
    return [(r, fsrs.Scheduler(desired_retention=r, enable_fuzzing=False, maximum_interval=36500)
             ._next_interval(stability=PREVIEW_STABILITY_DAYS), abs(r - current) < 0.005) for r in choices]


def scheduler_for(user: User) -> fsrs.Scheduler:
    """FSRS with the learner's desired retention (default parameters until an optimizer has run)."""
    return fsrs.Scheduler(desired_retention=user.desired_retention)


def review(*, session: Session, user: User, card: RecallCard, rating: fsrs.Rating, now: datetime) -> RecallCard:
    """Rate a card at `now`: FSRS schedules it again and the review is logged, in one transaction. Commits."""
    scheduled, _ = scheduler_for(user).review_card(as_fsrs_card(card), rating, review_datetime=_utc(now))
    card.state, card.step = int(scheduled.state), scheduled.step
    card.stability, card.difficulty = scheduled.stability, scheduled.difficulty
    card.due, card.last_review = scheduled.due, scheduled.last_review
    session.add(card)
    session.add(CardReview(card_id=card.id, user_id=user.id, rating=int(rating), reviewed_at=_utc(now)))
    activity_days.count(session=session, user=user, moment=_utc(now), reviews=1)
    session.commit()
    session.refresh(card)
    return card


@dataclass
class DueCounts:
    now: int  # due now: what the review queue serves
    today: int  # due now or later today, in the learner's zone
    forecast: list[tuple[date, int]]  # each of the next FORECAST_DAYS local days and the cards falling due that day

    @property
    def later_today(self) -> int:
        """Cards that fall due before the learner's day ends, but not yet (new cards' learning steps, say)."""
        return self.today - self.now


def due_counts(*, session: Session, user: User, now: datetime) -> DueCounts:
    """Cards due now (as the review queue counts them), due by the end of the learner's today, and how many fall
    due on each of the next seven days: one count for every page and the API."""
    zone = zone_of(user)
    today = today_for(user, now)
    edges = [day_start(today + timedelta(days=offset), zone) for offset in range(1, FORECAST_DAYS + 2)]
    dues = [as_utc(moment) for moment in session.exec(
        select(RecallCard.due).where(RecallCard.user_id == user.id, RecallCard.due < edges[-1]))]
    forecast = [(today + timedelta(days=offset + 1), sum(1 for due in dues if edges[offset] <= due < edges[offset + 1]))
                for offset in range(FORECAST_DAYS)]
    moment = as_utc(now)
    return DueCounts(now=sum(1 for due in dues if due <= moment), today=sum(1 for due in dues if due < edges[0]),
                     forecast=forecast)


def has_cards(*, session: Session, user: User) -> bool:
    return session.exec(_any_card(), params={"user_id": user.id}).first() is not None


@functools.cache  # built once: building a statement costs more than running it
def _any_card() -> SelectOfScalar[int]:
    return select(RecallCard.id).where(RecallCard.user_id == bindparam("user_id")).limit(1)


def review_logs(*, session: Session, user: User) -> list[fsrs.ReviewLog]:
    """The learner's reviews as FSRS review logs, oldest first (what `fsrs.Optimizer` takes)."""
    return [fsrs.ReviewLog(card_id=r.card_id, rating=fsrs.Rating(r.rating), review_datetime=_utc(r.reviewed_at),
                           review_duration=r.review_duration_ms)
            for r in session.exec(select(CardReview).where(CardReview.user_id == user.id)
                                  .order_by(col(CardReview.reviewed_at), col(CardReview.id)))]


@dataclass
class LearningStats:
    """What a mentor sees of a mentee's learning on a path, beyond ticks."""

    cards: int              # the mentee's cards on the path's articles
    reviews_30d: int        # reviews of those cards in the last 30 days
    mean_recall: float | None  # FSRS's average probability of recalling them now; None without reviewed cards


REVIEW_WINDOW = timedelta(days=30)


def learning_stats(*, session: Session, learner: User, articles_by_path: dict[int, set[int]],
                   now: datetime) -> dict[int, LearningStats]:
    """Per path: cards made, reviews in the last 30 days, and the mean retrievability of the reviewed cards
    (two queries)."""
    article_ids = set().union(*articles_by_path.values()) if articles_by_path else set()
    cards = list(session.exec(select(RecallCard).where(RecallCard.user_id == learner.id,
                                                       col(RecallCard.article_id).in_(article_ids or {0}))))
    recent = Counter(session.exec(select(CardReview.card_id).where(
        CardReview.user_id == learner.id, CardReview.reviewed_at >= now - REVIEW_WINDOW,
        col(CardReview.card_id).in_([card.id for card in cards] or [0]))))
    scheduler = scheduler_for(learner)
    stats = {}
    for path_id, ids in articles_by_path.items():
        mine = [card for card in cards if card.article_id in ids]
        recalls = [scheduler.get_card_retrievability(as_fsrs_card(card), _utc(now))
                   for card in mine if card.last_review is not None]
        stats[path_id] = LearningStats(cards=len(mine), reviews_30d=sum(recent[card.id] for card in mine),
                                       mean_recall=sum(recalls) / len(recalls) if recalls else None)
    return stats
