"""Each person's own day: the IANA time zone a user lives in, and the calendar dates seen from it.

Times are stored in UTC. Whatever is counted in days (today, "days left", a due date passing, the heatmap's
squares, the streak) is counted in the user's zone, through the functions here and nowhere else.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, tzinfo
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
    return zone_named(user.time_zone if user is not None else None)


def zone_named(name: str | None) -> tzinfo:
    """The zone a user's stored `time_zone` names (UTC for none, or one this machine lacks): for rows read as
    columns, without their User."""
    return _zone(name) if name else UTC


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
