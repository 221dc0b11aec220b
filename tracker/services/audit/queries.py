"""Reading the audit log: filtered, newest first, a page at a time by keyset on (at, id), or all of it as rows
to stream into a file. Nothing here writes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from tracker.models import AuditEvent, Group, LearningPath, User, as_utc
from tracker.services import access
from tracker.services.audit.log import AuditKind, label_of
from tracker.services.errors import Invalid, NotAllowed

PAGE = 50
PAGE_MAX = 200
EXPORT_BATCH = 500
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EXPORT_FIELDS = ("id", "at", "kind", "actor", "subject", "group", "path", "detail")


class AuditFilters(BaseModel):
    """What the log can be narrowed to, as the page, the API and the command line accept it. Usernames, the
    group's and the path's address are matched exactly (ignoring case); dates are whole days, both included, in
    the reader's time zone."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    kind: str | None = Field(default=None, max_length=48, description="one kind of entry, e.g. `enrolled`")
    actor: str | None = Field(default=None, max_length=80,
                              description="who acted: a username, or `scim`, `rule`, `system`, `command line`")
    subject: str | None = Field(default=None, max_length=80, description="the username the entry is about")
    group: str | None = Field(default=None, max_length=64, description="a group's address (slug)")
    path: str | None = Field(default=None, max_length=80, description="a path's address (slug)")
    since: date | None = Field(default=None, description="from this day on (YYYY-MM-DD)")
    until: date | None = Field(default=None, description="up to and including this day (YYYY-MM-DD)")

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str | None) -> str | None:
        if value is not None and value not in {kind.value for kind in AuditKind}:
            raise ValueError("not a kind of audit entry")
        return value

    @field_validator("actor", "subject", "group", "path")
    @classmethod
    def _lower(cls, value: str | None) -> str | None:
        return value.lower() if value else None

    @classmethod
    def from_args(cls, args: Mapping[str, Any]) -> AuditFilters:
        """The filters among query-string arguments (others are left to the caller); Invalid naming the first
        one in error."""
        values = {key: args[key] for key in cls.model_fields if args.get(key) not in (None, "")}
        try:
            filters = cls.model_validate(values)
        except ValidationError as exc:
            error = exc.errors()[0]
            raise Invalid(f"{error['loc'][0] if error['loc'] else 'filters'}: {error['msg']}") from None
        if filters.since and filters.until and filters.since > filters.until:
            raise Invalid("since: the first day is after the last one")
        return filters

    def args(self) -> dict[str, str]:
        """The filters that are set, as query-string arguments (for links that keep them)."""
        return {key: str(value) for key, value in self.model_dump(exclude_none=True).items()}


@dataclass(frozen=True)
class AuditRow:
    """An entry with what it links to, as lists and files show it."""

    event: AuditEvent
    group_slug: str | None
    group_name: str | None
    path_slug: str | None
    path_title: str | None

    @property
    def label(self) -> str:
        return label_of(self.event.kind)

    def as_record(self) -> dict[str, Any]:
        """The entry as a file's row: times in UTC (ISO 8601), people and places by name."""
        event = self.event
        return {"id": event.id, "at": as_utc(event.at).isoformat(), "kind": event.kind, "actor": event.actor_label,
                "subject": event.subject_label or None, "group": self.group_slug, "path": self.path_slug,
                "detail": event.detail}


@dataclass(frozen=True)
class AuditPage:
    """One page of the log, newest first, with the cursors of its neighbours (None at either end)."""

    rows: list[AuditRow]
    older: str | None
    newer: str | None


def require_reader(viewer: User | None) -> User:
    """The viewer, when `access.can_read_audit_log` lets them read the log; NotAllowed otherwise."""
    if viewer is None or not access.can_read_audit_log(viewer):
        raise NotAllowed("Only admins read the audit log.")
    return viewer


def cursor_of(event: AuditEvent) -> str:
    """An entry's place in the log, for a page to start after (or before) it."""
    return f"{(as_utc(event.at) - EPOCH) // timedelta(microseconds=1)}.{event.id}"  # exact: no float on the way


def parse_cursor(cursor: str | None, *, name: str = "before") -> tuple[datetime, int] | None:
    """The (at, id) a cursor names; Invalid when it is not one this log gave."""
    if cursor is None or cursor == "":
        return None
    micros, _, event_id = cursor.partition(".")
    if not (micros.isdigit() and event_id.isdigit() and len(micros) <= 20 and len(event_id) <= 18):
        raise Invalid(f"{name}: not a cursor from this log (follow the page's links as they came)")
    try:
        return EPOCH + timedelta(microseconds=int(micros)), int(event_id)
    except OverflowError:
        raise Invalid(f"{name}: not a cursor from this log (follow the page's links as they came)") from None


def day_bounds(filters: AuditFilters, *, zone: tzinfo = UTC) -> tuple[datetime | None, datetime | None]:
    """The filters' days as [since, until) moments: from the start of `since` to the end of `until`, in `zone`."""
    def start(day: date) -> datetime:
        return datetime.combine(day, time(), zone).astimezone(UTC)

    return (start(filters.since) if filters.since else None,
            start(filters.until + timedelta(days=1)) if filters.until else None)


def _filtered(filters: AuditFilters, zone: tzinfo):
    query = (select(AuditEvent, Group, LearningPath)
             .join(Group, col(Group.id) == AuditEvent.group_id, isouter=True)
             .join(LearningPath, col(LearningPath.id) == AuditEvent.path_id, isouter=True))
    if filters.kind:
        query = query.where(AuditEvent.kind == filters.kind)
    if filters.actor:
        query = query.where(AuditEvent.actor_label == filters.actor)
    if filters.subject:  # by the name kept in the entry: it still finds an account deleted since
        query = query.where(AuditEvent.subject_label == filters.subject)
    if filters.group:
        query = query.where(Group.slug == filters.group)
    if filters.path:
        query = query.where(LearningPath.slug == filters.path)
    since, until = day_bounds(filters, zone=zone)
    if since is not None:
        query = query.where(col(AuditEvent.at) >= since)
    if until is not None:
        query = query.where(col(AuditEvent.at) < until)
    return query


def _rows(session: Session, query) -> list[AuditRow]:
    return [AuditRow(event=event, group_slug=group.slug if group else None, group_name=group.name if group else None,
                     path_slug=path.slug if path else None, path_title=path.title if path else None)
            for event, group, path in session.exec(query)]


def _older_than(place: tuple[datetime, int]):
    return or_(col(AuditEvent.at) < place[0], and_(col(AuditEvent.at) == place[0], col(AuditEvent.id) < place[1]))


def _newer_than(place: tuple[datetime, int]):
    return or_(col(AuditEvent.at) > place[0], and_(col(AuditEvent.at) == place[0], col(AuditEvent.id) > place[1]))


def search(*, session: Session, filters: AuditFilters | None = None, zone: tzinfo = UTC, before: str | None = None,
           after: str | None = None, limit: int = PAGE) -> AuditPage:
    """A page of entries matching `filters`, newest first: the newest ones, those just older than the entry
    `before` names, or those just newer than the one `after` names. Keyset on (at, id), so entries written
    meanwhile neither repeat nor hide one. Does not write."""
    filters = filters or AuditFilters()
    limit = max(1, min(limit, PAGE_MAX))
    query = _filtered(filters, zone)
    older_than, newer_than = parse_cursor(before), parse_cursor(after, name="after")
    if newer_than is not None:  # walk up from the cursor, then show the page newest first
        rows = _rows(session, query.where(_newer_than(newer_than))
                     .order_by(col(AuditEvent.at), col(AuditEvent.id)).limit(limit + 1))
        more_newer, rows = len(rows) > limit, rows[:limit][::-1]
        return AuditPage(rows=rows, newer=cursor_of(rows[0].event) if more_newer and rows else None,
                         older=cursor_of(rows[-1].event) if rows else None)
    if older_than is not None:
        query = query.where(_older_than(older_than))
    rows = _rows(session, query.order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc()).limit(limit + 1))
    more_older, rows = len(rows) > limit, rows[:limit]
    return AuditPage(rows=rows, older=cursor_of(rows[-1].event) if more_older and rows else None,
                     newer=cursor_of(rows[0].event) if older_than is not None and rows else None)


def export_rows(*, session: Session, filters: AuditFilters | None = None, zone: tzinfo = UTC) -> Iterator[AuditRow]:
    """Every entry matching `filters`, newest first, read a batch at a time (for files of any length). Does not
    write."""
    filters = filters or AuditFilters()
    query = _filtered(filters, zone).order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
    place: tuple[datetime, int] | None = None
    while True:
        batch = _rows(session, (query.where(_older_than(place)) if place else query).limit(EXPORT_BATCH))
        yield from batch
        if len(batch) < EXPORT_BATCH:
            return
        place = (as_utc(batch[-1].event.at), batch[-1].event.id)  # the session holds rows weakly: batches go


def about_user(*, session: Session, user: User, limit: int = 20) -> list[AuditRow]:
    """The latest entries about `user` (they are the subject), newest first. Does not write."""
    query = (_filtered(AuditFilters(), UTC).where(AuditEvent.subject_id == user.id)
             .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc()).limit(limit))
    return _rows(session, query)


def filter_choices(*, session: Session) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The groups and the paths the log can be narrowed to, as (slug, name), by name. Does not write."""
    groups = [(slug, name) for slug, name in session.exec(select(Group.slug, Group.name).order_by(col(Group.name)))]
    paths = [(slug, title) for slug, title in session.exec(select(LearningPath.slug, LearningPath.title)
                                                            .where(col(LearningPath.owner_id).is_(None))
                                                            .order_by(col(LearningPath.title)))]
    return groups, paths
