"""A learner's review statistics: reviews per day, true retention, the forecast of due cards and the cards by
state (the statistics page), and the summary a mentor sees of a mentee."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import fsrs
from sqlalchemy import func
from sqlmodel import Session, col, select

from tracker.models import CardReview, RecallCard, User, as_utc
from tracker.services.people.time_zones import day_start, local_day, today_for, zone_of

HISTORY_DAYS = 30
FORECAST_DAYS = 30
SUMMARY_DAYS = 7
AGAIN = int(fsrs.Rating.Again)


def true_retention(reviews: list[tuple[int, int | None]]) -> tuple[float | None, int]:
    """The share of reviews of review-state cards not rated Again, and how many such reviews there were (None
    without any): `reviews` are (rating, FSRS state before the review)."""
    counted = [rating for rating, before in reviews if before == int(fsrs.State.Review)]
    return (sum(1 for rating in counted if rating != AGAIN) / len(counted) if counted else None), len(counted)


@dataclass(frozen=True)
class ReviewStatistics:
    reviews_per_day: list[tuple[date, int]]  # each of the last HISTORY_DAYS local days, oldest first (today last)
    true_retention: float | None             # over the last HISTORY_DAYS days; None without reviews of known cards
    retention_reviews: int                   # the reviews it is computed from
    forecast: list[tuple[date, int]]         # each of the next FORECAST_DAYS local days, from tomorrow
    due_today: int                           # due by the end of today (limits aside), suspended cards aside
    by_state: dict[str, int]                 # new, learning, review, suspended
    mean_review_seconds: float | None        # over the reviews with a recorded time

    @property
    def busiest_day(self) -> int:
        """The most reviews on one day (what the bars are scaled to; 1 at least)."""
        return max([count for _, count in self.reviews_per_day] + [1])

    @property
    def busiest_forecast(self) -> int:
        return max([count for _, count in self.forecast] + [1])

    def forecast_total(self, days: int) -> int:
        """Cards falling due over the next `days` days."""
        return sum(count for _, count in self.forecast[:days])


def review_statistics(*, session: Session, user: User, now: datetime) -> ReviewStatistics:
    """The learner's statistics at `now`, days in their time zone (three queries)."""
    zone = zone_of(user)
    today = today_for(user, now)
    since = day_start(today - timedelta(days=HISTORY_DAYS - 1), zone)
    reviews = session.exec(select(CardReview.reviewed_at, CardReview.rating, CardReview.state_before,
                                  CardReview.review_duration_ms)
                           .where(CardReview.user_id == user.id, CardReview.reviewed_at >= since)).all()
    per_day = Counter(local_day(moment, zone) for moment, _, _, _ in reviews)
    retention, counted = true_retention([(rating, before) for _, rating, before, _ in reviews])
    durations = [ms for _, _, _, ms in reviews if ms is not None]
    edges = [day_start(today + timedelta(days=offset), zone) for offset in range(1, FORECAST_DAYS + 2)]
    by_state: Counter[str] = Counter({"new": 0, "learning": 0, "review": 0, "suspended": 0})
    dues: list[datetime] = []
    by_state["suspended"] = session.exec(select(func.count()).where(
        col(RecallCard.user_id) == user.id, col(RecallCard.suspended).is_(True))).one()
    for due, buried, state, last_review in session.exec(
            select(RecallCard.due, RecallCard.buried_until, RecallCard.state, RecallCard.last_review).where(
                col(RecallCard.user_id) == user.id, col(RecallCard.suspended).is_(False))):
        by_state["new" if last_review is None else "review" if state == int(fsrs.State.Review) else "learning"] += 1
        dues.append(max(as_utc(due), as_utc(buried)) if buried is not None else as_utc(due))
    forecast = [(today + timedelta(days=offset + 1), sum(1 for due in dues if edges[offset] <= due < edges[offset + 1]))
                for offset in range(FORECAST_DAYS)]
    return ReviewStatistics(
        reviews_per_day=[(today - timedelta(days=back), per_day[today - timedelta(days=back)])
                         for back in range(HISTORY_DAYS - 1, -1, -1)],
        true_retention=retention, retention_reviews=counted, forecast=forecast,
        due_today=sum(1 for due in dues if due < edges[0]), by_state=dict(by_state),
        mean_review_seconds=sum(durations) / len(durations) / 1000 if durations else None)


@dataclass(frozen=True)
class ReviewSummary:
    """What a mentor sees of a mentee's reviewing."""

    reviews_7d: int
    true_retention: float | None  # over the last HISTORY_DAYS days
    retention_reviews: int


def review_summary(*, session: Session, learner: User, now: datetime) -> ReviewSummary:
    """Reviews in the last seven days and true retention over the last thirty (one query)."""
    rows = session.exec(select(CardReview.reviewed_at, CardReview.rating, CardReview.state_before).where(
        CardReview.user_id == learner.id, CardReview.reviewed_at >= as_utc(now) - timedelta(days=HISTORY_DAYS))).all()
    week = as_utc(now) - timedelta(days=SUMMARY_DAYS)
    retention, counted = true_retention([(rating, before) for _, rating, before in rows])
    return ReviewSummary(reviews_7d=sum(1 for moment, _, _ in rows if as_utc(moment) >= week),
                         true_retention=retention, retention_reviews=counted)

