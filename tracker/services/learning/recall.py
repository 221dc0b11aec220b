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
from sqlalchemy import ColumnElement, and_, bindparam, case, delete, func, or_, update
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from tracker.models import Article, CardKind, CardReview, RecallCard, User, as_utc, utcnow
from tracker.services.errors import Conflict, Invalid, NotFound
from tracker.services.learning import cloze
from tracker.services.people.time_zones import day_start, local_day, today_for, zone_of
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


DAILY_LIMIT_MAX = 9999


def check_daily_limit(label: str, value: int) -> int:
    """A daily limit (new cards, reviews): a whole number from 0 to DAILY_LIMIT_MAX; Invalid otherwise."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= DAILY_LIMIT_MAX:
        raise Invalid(f"{label}: a whole number from 0 to {DAILY_LIMIT_MAX}; {str(value)[:20]!r} is not. "
                      "Nothing was changed.")
    return value


@dataclass(frozen=True)
class Allowance:
    """What the learner's daily limits leave for the rest of their local day."""

    new_done: int      # cards reviewed for the first time today
    reviews_done: int  # reviews of review-state cards today
    new_left: int
    reviews_left: int


def allowance(*, session: Session, user: User, now: datetime) -> Allowance:
    """New cards and reviews left today under the learner's limits, counted over their local day (one query)."""
    start = day_start(today_for(user, now), zone_of(user))
    first_reviews = (select(CardReview.card_id).where(CardReview.user_id == user.id)
                     .group_by(col(CardReview.card_id)).having(func.min(CardReview.reviewed_at) >= start).subquery())
    reviews = select(func.count()).where(CardReview.user_id == user.id, CardReview.reviewed_at >= start,
                                         CardReview.state_before == int(fsrs.State.Review))
    new_done, reviews_done = session.exec(select(select(func.count()).select_from(first_reviews).scalar_subquery(),
                                                 reviews.scalar_subquery())).one()
    return Allowance(new_done=new_done, reviews_done=reviews_done,
                     new_left=max(0, user.new_cards_per_day - new_done),
                     reviews_left=max(0, user.reviews_per_day - reviews_done))


def _available(user: User, now: datetime) -> tuple[ColumnElement[bool], ...]:
    """Cards in the queue at `now`: due, not suspended, not buried."""
    return (col(RecallCard.user_id) == user.id, col(RecallCard.due) <= now, col(RecallCard.suspended).is_(False),
            or_(col(RecallCard.buried_until).is_(None), col(RecallCard.buried_until) <= now))


def _is_new() -> ColumnElement[bool]:
    return col(RecallCard.last_review).is_(None)


def _is_review() -> ColumnElement[bool]:
    return and_(col(RecallCard.last_review).is_not(None), col(RecallCard.state) == int(fsrs.State.Review))


def _is_learning() -> ColumnElement[bool]:
    return and_(col(RecallCard.last_review).is_not(None), col(RecallCard.state) != int(fsrs.State.Review))


def due_cards(*, session: Session, user: User, now: datetime, limit: int | None = None,
              after: tuple[datetime, int] | None = None, left: Allowance | None = None) -> list[RecallCard]:
    """The cards the review queue serves at `now`, the longest overdue first: cards in learning, then as many new
    and review-state cards as the day's limits leave (`left`, computed when not given); never suspended or buried
    ones. `after` (a card's due and id) starts past that card, for paging; `limit` caps the page (two queries,
    one with `left`)."""
    left = left or allowance(session=session, user=user, now=now)
    kind = case((_is_new(), 0), (_is_review(), 1), else_=2)
    ranked = (select(col(RecallCard.id).label("id"), kind.label("kind"), func.row_number().over(
        partition_by=kind, order_by=(col(RecallCard.due), col(RecallCard.id))).label("rank"))
        .where(*_available(user, now)).subquery())
    served = select(ranked.c.id).where(or_(ranked.c.kind == 2, and_(ranked.c.kind == 0, ranked.c.rank <= left.new_left),
                                           and_(ranked.c.kind == 1, ranked.c.rank <= left.reviews_left)))
    query = select(RecallCard).where(col(RecallCard.id).in_(served))
    if after is not None:
        query = query.where(or_(col(RecallCard.due) > after[0],
                                and_(col(RecallCard.due) == after[0], col(RecallCard.id) > after[1])))
    query = query.order_by(col(RecallCard.due), col(RecallCard.id))
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query))


def next_due(*, session: Session, user: User, now: datetime | None = None) -> datetime | None:
    """When the learner's next card falls due (a buried card when it comes back), or None without cards in the
    queue's reach (none, or all suspended)."""
    now = now or utcnow()
    rows = session.exec(select(RecallCard.due, RecallCard.buried_until).where(
        RecallCard.user_id == user.id, col(RecallCard.suspended).is_(False),
        or_(col(RecallCard.due) > now, col(RecallCard.buried_until) > now))).all()
    moments = [max(as_utc(due), as_utc(buried)) if buried is not None else as_utc(due) for due, buried in rows]
    return min(moments, default=None)


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


REVIEW_DURATION_MAX_MS = 60_000  # longer is a learner who walked away (Anki caps it the same way)
UNSEEN = datetime.min  # `seen_last_review` when the caller did not say which state it showed


def review_duration(shown_at: datetime | None, now: datetime) -> int | None:
    """Milliseconds from showing a card to its rating, capped at REVIEW_DURATION_MAX_MS; None when unknown or
    implausible (shown in the future)."""
    if shown_at is None:
        return None
    elapsed = (as_utc(now) - as_utc(shown_at)).total_seconds() * 1000
    return None if elapsed < 0 else min(int(elapsed), REVIEW_DURATION_MAX_MS)


def check_duration(value: int | None) -> int | None:
    """A review time sent by a client: milliseconds, 0 or more, capped at REVIEW_DURATION_MAX_MS."""
    if value is None:
        return None
    if value < 0:
        raise Invalid(f"duration_ms: {value} is negative; send the milliseconds the review took. Nothing was saved.")
    return min(value, REVIEW_DURATION_MAX_MS)


def review(*, session: Session, user: User, card: RecallCard, rating: fsrs.Rating, now: datetime,
           duration_ms: int | None = None, seen_last_review: datetime | None = UNSEEN) -> RecallCard:
    """Rate a card at `now`: FSRS schedules it again and the review is logged with the card's state before it
    (what undo restores), in one transaction; it becomes the learner's one undoable review. A suspended card, or
    one rated since the state the learner saw (`seen_last_review`: a second click, another tab), is a Conflict
    and nothing is written. Commits."""
    if card.suspended:
        raise Conflict("This card is suspended: unsuspend it to review it. Nothing was saved.")
    before = _state_of(card)
    if seen_last_review is not UNSEEN and _same_moment(seen_last_review, card.last_review) is False:
        raise Conflict("This card was rated already (a second click, or another tab); the rating was not "
                       "counted twice.")
    scheduled, _ = scheduler_for(user).review_card(as_fsrs_card(card), rating, review_datetime=_utc(now))
    # Only from the state it was read in: two ratings racing for one card leave one review.
    changed = session.connection().execute(
        update(RecallCard).where(col(RecallCard.id) == card.id, _same_state(card))
        .values(state=int(scheduled.state), step=scheduled.step, stability=scheduled.stability,
                difficulty=scheduled.difficulty, due=scheduled.due, last_review=scheduled.last_review,
                buried_until=None)).rowcount
    if changed != 1:
        session.rollback()
        raise Conflict("This card was rated already (a second click, or another tab); the rating was not "
                       "counted twice.")
    session.connection().execute(update(CardReview).where(col(CardReview.user_id) == user.id, col(CardReview.undoable))
                                 .values(undoable=False))
    session.add(CardReview(card_id=card.id, user_id=user.id, rating=int(rating), reviewed_at=_utc(now),
                           review_duration_ms=duration_ms, undoable=True, **before))
    activity_days.count(session=session, user=user, moment=_utc(now), reviews=1)
    session.commit()
    session.refresh(card)
    return card


def _state_of(card: RecallCard) -> dict:
    return {"state_before": card.state, "step_before": card.step, "stability_before": card.stability,
            "difficulty_before": card.difficulty, "due_before": card.due, "last_review_before": card.last_review}


def _same_moment(a: datetime | None, b: datetime | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and abs(as_utc(a) - as_utc(b)) < timedelta(
        milliseconds=1))


def _same_state(card: RecallCard) -> ColumnElement[bool]:
    if card.last_review is None:
        return col(RecallCard.last_review).is_(None)
    return col(RecallCard.last_review) == card.last_review


def undoable_review(*, session: Session, user: User, now: datetime) -> CardReview | None:
    """The learner's last review if it may still be undone: theirs, not undone yet, from their today."""
    last = session.exec(select(CardReview).where(CardReview.user_id == user.id, col(CardReview.undoable))
                        .order_by(col(CardReview.reviewed_at).desc(), col(CardReview.id).desc()).limit(1)).first()
    if last is None or local_day(last.reviewed_at, zone_of(user)) != today_for(user, now):
        return None
    return last


def undo_review(*, session: Session, user: User, now: datetime, review_id: int | None = None) -> RecallCard:
    """Undo the learner's last rating: the card gets back its FSRS state exactly, the review leaves the log and
    the day's count. Only one's own last review, once, on the day it was made; `review_id` (what the learner saw
    as last) must still be it. Conflict otherwise, and nothing changes. Commits."""
    last = undoable_review(session=session, user=user, now=now)
    if last is None or (review_id is not None and last.id != review_id):
        raise Conflict("There is no rating to undo: only your last rating can be undone, once, on the day you "
                       "made it." if last is None else
                       "That is no longer your last rating (you rated another card since); nothing was undone.")
    taken = session.connection().execute(
        delete(CardReview).where(col(CardReview.id) == last.id, col(CardReview.undoable))).rowcount
    if taken != 1:  # another undo got there first
        session.rollback()
        raise Conflict("That rating was undone already; nothing was undone twice.")
    card = session.get_one(RecallCard, last.card_id)
    card.state, card.step = last.state_before or int(fsrs.State.Learning), last.step_before
    card.stability, card.difficulty = last.stability_before, last.difficulty_before
    card.due, card.last_review = last.due_before or card.due, last.last_review_before
    session.add(card)
    session.connection().execute(update(CardReview).where(col(CardReview.user_id) == user.id, col(CardReview.undoable))
                                 .values(undoable=False))
    activity_days.count(session=session, user=user, moment=last.reviewed_at, reviews=-1)
    session.expunge(last)
    session.commit()
    session.refresh(card)
    return card


def suspend_card(*, session: Session, card: RecallCard, suspended: bool = True) -> RecallCard:
    """Take a card out of the review queue until it is unsuspended (`suspended=False` brings it back, with its
    schedule as it was). Commits."""
    card.suspended = suspended
    session.add(card)
    session.commit()
    session.refresh(card)
    return card


def bury_card(*, session: Session, user: User, card: RecallCard, now: datetime) -> RecallCard:
    """Take a card out of today's queue: it comes back at the start of the learner's next day. Commits."""
    card.buried_until = day_start(today_for(user, now) + timedelta(days=1), zone_of(user))
    session.add(card)
    session.commit()
    session.refresh(card)
    return card


def next_intervals(*, user: User, card: RecallCard, now: datetime) -> dict[str, datetime]:
    """When the card would be due again after each rating, by the learner's scheduler, without changing it (FSRS
    reviews a copy; no fuzz, so the same card shows the same intervals)."""
    scheduler = fsrs.Scheduler(desired_retention=user.desired_retention, enable_fuzzing=False)
    fsrs_card = as_fsrs_card(card)
    return {name: scheduler.review_card(fsrs_card, rating, review_datetime=_utc(now))[0].due
            for name, rating in RATINGS.items()}


def interval_label(interval: timedelta) -> str:
    """A wait as a rating button shows it: "<1m", "10m", "5h", "3d", "2.1mo", "1.5y"."""
    seconds = interval.total_seconds()
    if seconds < 60:
        return "<1m"
    for unit, size in (("m", 60), ("h", 3600), ("d", 86400)):
        if seconds < size * {"m": 60, "h": 24, "d": 30}[unit]:
            return f"{round(seconds / size)}{unit}"
    months = seconds / (86400 * 30)
    return f"{months:.1f}mo" if months < 12 else f"{seconds / (86400 * 365):.1f}y"


@dataclass
class DueCounts:
    now: int  # due now within the day's limits: what the review queue serves
    today: int  # due now or later today, in the learner's zone, within the day's limits
    forecast: list[tuple[date, int]]  # each of the next FORECAST_DAYS local days and the cards falling due that day
    beyond_limits: int = 0  # due now but held back by the daily limits (new cards, reviews)
    limits_reached: tuple[str, ...] = ()  # "new cards", "reviews": the limits that hold cards back now

    @property
    def later_today(self) -> int:
        """Cards that fall due before the learner's day ends, but not yet (new cards' learning steps, say)."""
        return self.today - self.now


def due_counts(*, session: Session, user: User, now: datetime, left: Allowance | None = None) -> DueCounts:
    """Cards due now (as the review queue serves them: learning ones, new and review-state ones within the day's
    limits; never suspended or buried), due by the end of the learner's today, held back by the limits, and how
    many fall due on each of the next seven days: one count for every page and the API (two queries, one with
    `left`)."""
    zone = zone_of(user)
    today = today_for(user, now)
    edges = [day_start(today + timedelta(days=offset), zone) for offset in range(1, FORECAST_DAYS + 2)]
    moment = as_utc(now)
    found = session.exec(select(RecallCard.due, RecallCard.buried_until, RecallCard.state, RecallCard.last_review)
                         .where(RecallCard.user_id == user.id, RecallCard.due < edges[-1],
                                col(RecallCard.suspended).is_(False)))
    rows = [(_effective_due(due, buried), _kind(state, last_review)) for due, buried, state, last_review in found]
    forecast = [(today + timedelta(days=offset + 1),
                 sum(1 for due, _ in rows if edges[offset] <= due < edges[offset + 1]))
                for offset in range(FORECAST_DAYS)]
    left = left or allowance(session=session, user=user, now=now)
    budget = {"new": left.new_left, "review": left.reviews_left}

    def within(until: datetime) -> tuple[int, int]:
        kinds = Counter(kind for due, kind in rows if due <= until)
        served = kinds["learning"] + sum(min(kinds[kind], budget[kind]) for kind in budget)
        return served, sum(kinds.values()) - served

    served_now, held = within(moment)
    kinds_now = Counter(kind for due, kind in rows if due <= moment)
    reached = tuple(label for kind, label in (("new", "new cards"), ("review", "reviews"))
                    if kinds_now[kind] > budget[kind])
    return DueCounts(now=served_now, today=within(edges[0] - timedelta(microseconds=1))[0], forecast=forecast,
                     beyond_limits=held, limits_reached=reached)


def _effective_due(due: datetime, buried_until: datetime | None) -> datetime:
    return max(as_utc(due), as_utc(buried_until)) if buried_until is not None else as_utc(due)


def _kind(state: int, last_review: datetime | None) -> str:
    """new (never reviewed), review (FSRS's review state) or learning (learning or relearning steps)."""
    return "new" if last_review is None else "review" if state == int(fsrs.State.Review) else "learning"


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
