"""Activity read from the progress event log: recent changes and the heatmap (the streak: tracker.services.streaks)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from tracker.models import Article, ProgressEvent, ProgressState, Source, User, utcnow
from tracker.services.time_zones import day_start, offset_spans, zone_of

HEATMAP_WEEKS = 26


@dataclass
class RecentEvent:
    article: Article
    state: ProgressState
    at: datetime
    source: str = ""  # the source's name: two articles may share a title


def recent_activity(*, session: Session, user: User, limit: int = 8) -> list[RecentEvent]:
    """The latest change of each recently touched article ("Reading" then "Done" shows once, as Done)."""
    rows = session.exec(
        select(ProgressEvent, Article, Source.name).join(Article, Article.id == ProgressEvent.article_id)
        .join(Source, Source.id == Article.source_id)
        .where(ProgressEvent.user_id == user.id)
        .order_by(ProgressEvent.created_at.desc(), ProgressEvent.id.desc()).limit(limit * 4)
    )
    latest: dict[int, RecentEvent] = {}
    for event, article, source in rows:
        if article.id not in latest:
            latest[article.id] = RecentEvent(article=article, state=ProgressState(event.state), at=event.created_at,
                                             source=source)
    return list(latest.values())[:limit]


@dataclass
class HeatmapDay:
    day: date
    count: int
    level: int  # 0..4


@dataclass
class Heatmap:
    weeks: list[list[HeatmapDay | None]]  # columns of Monday..Sunday; None past today
    total: int
    active_days: int
    zone: str = "UTC"  # the time zone whose days the squares count

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
    """Progress changes per day of the user's time zone (resetting to 'not started' is not activity)."""
    return counts_by_local_day(session=session, moment=ProgressEvent.created_at, zone=zone_of(user), since=since,
                               conditions=(ProgressEvent.user_id == user.id,
                                           ProgressEvent.state != ProgressState.not_started))


def counts_by_local_day(*, session: Session, moment, zone, since: date, conditions=()) -> Counter[date]:
    """Rows per local day from `since` on, counted in the database over the (user, time) index: one grouped
    query for each stretch of the zone's UTC offset (two at most over a year), so a page reads at most one
    row per day, however long the log."""
    counts: Counter[date] = Counter()
    postgres = session.get_bind().dialect.name == "postgresql"
    for begin, end, minutes in offset_spans(day_start(since, zone), utcnow() + timedelta(days=1), zone):
        day = (func.date(moment + func.make_interval(0, 0, 0, 0, 0, minutes)) if postgres
               else func.date(moment, f"{minutes:+d} minutes"))
        for value, count in session.exec(select(day, func.count()).where(*conditions, moment >= begin, moment < end)
                                         .group_by(day)):
            counts[value if isinstance(value, date) else date.fromisoformat(value)] += count
    return counts


def heatmap_start(today: date) -> date:
    """The heatmap's first square: the Monday HEATMAP_WEEKS - 1 weeks before this week's."""
    return today - timedelta(days=today.weekday()) - timedelta(weeks=HEATMAP_WEEKS - 1)


def activity_heatmap(*, session: Session, user: User, today: date, counts: Counter[date] | None = None) -> Heatmap:
    """The last 26 weeks, Monday-first columns ending with the current week; `today` and every square are
    days of the user's time zone. `counts`: the user's daily_counts from heatmap_start(today) or earlier, when
    the caller has them already (the dashboard shares one query with the streak)."""
    first = heatmap_start(today)
    if counts is None:
        counts = daily_counts(session=session, user=user, since=first)
    counts = Counter({day: count for day, count in counts.items() if day >= first})
    peak = max(counts.values(), default=0)
    weeks: list[list[HeatmapDay | None]] = []
    for week in range(HEATMAP_WEEKS):
        column: list[HeatmapDay | None] = []
        for weekday in range(7):
            day = first + timedelta(weeks=week, days=weekday)
            count = counts.get(day, 0)
            column.append(None if day > today else HeatmapDay(day=day, count=count, level=_level(count, peak)))
        weeks.append(column)
    return Heatmap(weeks=weeks, total=sum(counts.values()), active_days=len(counts), zone=user.time_zone or "UTC")


def _level(count: int, peak: int) -> int:
    if count == 0 or peak == 0:
        return 0
    return min(4, 1 + (3 * (count - 1)) // max(1, peak - 1)) if peak > 1 else 1

