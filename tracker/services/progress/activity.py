"""Activity: recent changes (from the event log) and the heatmap (from the per-day rows; the streak:
tracker.services.learning.streaks)."""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import bindparam
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from tracker.models import Article, ProgressEvent, ProgressState, Source, User
from tracker.services.progress import activity_days

HEATMAP_WEEKS = 26


class ArticleRef(NamedTuple):
    """What a list of links shows of an article."""

    slug: str
    title: str


@dataclass
class RecentEvent:
    article: ArticleRef
    state: ProgressState
    at: datetime
    source: str = ""  # the source's name: two articles may share a title


@functools.cache  # built once: building a statement costs more than running it
def _recent_events() -> Select[int, str, datetime, str, str, str]:
    return (select(ProgressEvent.article_id, ProgressEvent.state, ProgressEvent.created_at, Article.slug,  # type: ignore[call-overload]  # sqlmodel types select() for at most four columns
                   Article.title, Source.name)
            .join(Article, col(Article.id) == ProgressEvent.article_id)
            .join(Source, col(Source.id) == Article.source_id)
            .where(ProgressEvent.user_id == bindparam("user_id"))
            .order_by(col(ProgressEvent.created_at).desc(), col(ProgressEvent.id).desc()).limit(bindparam("rows")))


def recent_activity(*, session: Session, user: User, limit: int = 8) -> list[RecentEvent]:
    """The latest change of each recently touched article ("Reading" then "Done" shows once, as Done)."""
    rows = session.exec(_recent_events(), params={"user_id": user.id, "rows": limit * 4})
    latest: dict[int, RecentEvent] = {}
    for article_id, state, at, slug, title, source in rows:
        if article_id not in latest:
            latest[article_id] = RecentEvent(article=ArticleRef(slug=slug, title=title), state=ProgressState(state),
                                             at=at, source=source)
    return list(latest.values())[:limit]


@dataclass(frozen=True)
class HeatmapDay:
    day: date
    count: int
    level: int  # 0..4


@dataclass(frozen=True)
class Heatmap:
    weeks: tuple[tuple[HeatmapDay | None, ...], ...]  # columns of Monday..Sunday; None past today
    total: int
    active_days: int
    zone: str = "UTC"  # the learner's zone now: today's square, and the zone new days are counted in

    @property
    def months(self) -> list[tuple[int, str]]:
        """(week column, month name) where a month begins, for the labels above the grid."""
        labels = []
        for index, column in enumerate(self.weeks):
            first = column[0]
            if first is not None and (index == 0 or first.day.day <= 7):
                labels.append((index, first.day.strftime("%b")))
        if len(labels) > 1 and labels[1][0] - labels[0][0] < 3:  # a partial first month would overlap the next
            labels.pop(0)
        return labels


def daily_counts(*, session: Session, user: User, since: date) -> Counter[date]:
    """Activity per day from `since` on, marks and reviews together, as the streak counts it (a skip or a reset
    is not activity), read from the per-day rows (tracker.services.progress.activity_days): at most one row a
    day, each the day the learner lived in the zone they were in."""
    return Counter({day: activity_days.day_count(changes, reviews)
                    for day, changes, reviews in activity_days.days(session=session, user=user, since=since)
                    if activity_days.day_count(changes, reviews)})


def heatmap_start(today: date) -> date:
    """The heatmap's first square: the Monday HEATMAP_WEEKS - 1 weeks before this week's."""
    return today - timedelta(days=today.weekday()) - timedelta(weeks=HEATMAP_WEEKS - 1)


def activity_heatmap(*, session: Session, user: User, today: date) -> Heatmap:
    """The last 26 weeks, Monday-first columns ending with the current week; `today` and every square are
    days of the user's time zone."""
    first = heatmap_start(today)
    counts = daily_counts(session=session, user=user, since=first)
    peak = max(counts.values(), default=0)
    weeks = tuple(tuple(None if day > today else HeatmapDay(day=day, count=counts.get(day, 0),
                                                           level=_level(counts.get(day, 0), peak))
                        for day in (first + timedelta(weeks=week, days=weekday) for weekday in range(7)))
                  for week in range(HEATMAP_WEEKS))
    return Heatmap(weeks=weeks, total=sum(counts.values()), active_days=len(counts), zone=user.time_zone or "UTC")


def _level(count: int, peak: int) -> int:
    if count == 0 or peak == 0:
        return 0
    return min(4, 1 + (3 * (count - 1)) // max(1, peak - 1)) if peak > 1 else 1

