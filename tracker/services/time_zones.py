"""Each person's own day: the IANA time zone a user lives in, and the calendar dates seen from it.

Times are stored in UTC. Whatever is counted in days (today, "days left", a due date passing, the heatmap's
squares, the streak) is counted in the user's zone, through the functions here and nowhere else.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from tracker.models import User
from tracker.models.base import as_utc
from tracker.services.errors import Invalid

DEFAULT_ZONE = "UTC"
NAME_MAX = 64


@cache
def zone_names() -> tuple[str, ...]:
    """Every zone a user may choose: the IANA names, without the legacy aliases ("US/Pacific", "EST")."""
    names = {name for name in available_timezones()
             if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/"))}
    return tuple(sorted(names | {DEFAULT_ZONE}))


def check_zone(name: str) -> str:
    """The zone name as given if it is one we know; Invalid with what was typed otherwise."""
    name = (name or "").strip()
    if name not in zone_names():
        raise Invalid(f"'{name[:NAME_MAX]}' is not a known time zone (expected a name like Europe/Paris).")
    return name


def detected_zone(name: str | None) -> str:
    """The zone a browser reported at sign-up, or UTC when it reported nothing usable."""
    try:
        return check_zone(name or "")
    except Invalid:
        return DEFAULT_ZONE


@cache
def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def zone_of(user: User | None) -> tzinfo:
    """The user's zone; UTC for nobody, or for a stored name this machine's time zone data lacks."""
    return _zone(user.time_zone) if user is not None and user.time_zone else UTC


def local_time(moment: datetime, zone: tzinfo) -> datetime:
    return as_utc(moment).astimezone(zone)


def local_day(moment: datetime, zone: tzinfo) -> date:
    """The calendar date of a stored moment, as the clock on the wall in `zone` showed it."""
    return local_time(moment, zone).date()


def today_for(user: User | None, now: datetime) -> date:
    """Today in the user's zone."""
    return local_day(now, zone_of(user))


def day_start(day: date, zone: tzinfo) -> datetime:
    """The UTC moment at which `day` begins in `zone` (for queries over stored UTC times)."""
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


def offset_spans(start: datetime, end: datetime, zone: tzinfo) -> list[tuple[datetime, datetime, int]]:
    """[start, end) cut where `zone`'s UTC offset changes (daylight saving): (from, to, offset in minutes)
    for each stretch, so that a query can turn stored UTC times into local days with one fixed offset each."""
    def offset(moment: datetime) -> int:
        return int(moment.astimezone(zone).utcoffset().total_seconds() // 60)

    spans, begin, current, probe = [], start, offset(start), start
    while probe < end:
        step = min(probe + timedelta(days=1), end)
        if step < end and offset(step) != current:
            low, high = probe.replace(second=0, microsecond=0), step  # the change is in (low, high]: clocks
            while high - low > timedelta(minutes=1):                      # change on a whole minute
                middle = low + timedelta(minutes=(high - low) // timedelta(minutes=1) // 2)
                low, high = (middle, high) if offset(middle) == current else (low, middle)
            high = high.replace(second=0, microsecond=0) + (timedelta(minutes=1) if high.second or high.microsecond
                                                            else timedelta())
            spans.append((begin, high, current))
            begin, current = high, offset(high)
        probe = step
    spans.append((begin, end, current))
    return spans
