"""A group's overview for its managers: members × the group's paths (percent, status, due date per cell), the
group's counts by status and their trend over the last weeks, filtered, sorted and paged by member.

Numbers come from the functions every other view uses: each cell's `Tally` (percent, minutes left) is counted
in SQL with the rules of `progress.marks.tally` (required items only, done and skipped apart), checked against
`tally()` by a differential test; each status is `mentoring.rules.assignment_status`, fed exactly as the
mentor's view feeds it (the learner's pace, their own today, when they settled the last article, whether they
did anything since the path was assigned).

Cost. A page computes only its own members' cells (one grouped query and one pace query). The group's counts
need every member's cells: one grouped query over the group's assignments and their progress, one pace query,
one status call a cell. They are kept per process under a key that changes with whatever they show: the
group's version (membership), the curriculum's stamp, a digest of the members' active assignments (due dates
included), the members' latest progress event and the hour (pace and "today" move with the clock). The trend's
finished weeks never change once past, so each is kept by its week; the last point is the counts of now.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import DateTime, Integer, and_, bindparam, case, func, literal, or_, values
from sqlalchemy.sql import column
from sqlmodel import Session, col, select

from tracker.models import (
    Article,
    Assignment,
    Group,
    GroupMember,
    LearningPath,
    PathItem,
    PathSection,
    Progress,
    ProgressEvent,
    ProgressState,
    SectionKind,
    User,
)
from tracker.models.base import as_utc
from tracker.services import access
from tracker.services.catalog.articles import estimated_minutes_sql, reading_minutes_sql
from tracker.services.curriculum import kept
from tracker.services.curriculum.prerequisites import waiting_for
from tracker.services.curriculum.queries import PathEntry, path_entries
from tracker.services.errors import Invalid
from tracker.services.mentoring.rules import (
    PACE_WINDOW,
    AssignmentStatus,
    assignment_status,
    forecast_finish,
    started_since,
    weekly_pace,
)
from tracker.services.mentoring.standings import weekly_paces
from tracker.services.people.time_zones import local_day, zone_named
from tracker.services.progress.marks import Tally, tally

PER_PAGE = 50
TREND_WEEKS = 12
SORTS = ("name", "percent", "due", "status")
STATUS_ORDER = list(AssignmentStatus)
SETTLED = (ProgressState.done, ProgressState.skipped)

# ---------------------------------------------------------------- what the page asks for


class GroupOverviewQuery(BaseModel):
    """How the manager sorts, filters and pages the members (the page's query string)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    sort: Literal["name", "percent", "due", "status"] = "name"
    status: AssignmentStatus | None = None
    path: str | None = Field(default=None, max_length=80)
    q: str | None = Field(default=None, max_length=64)
    page: int = Field(default=1, ge=1, le=10_000)

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> GroupOverviewQuery:
        """Parse query-string arguments; Invalid with a readable message."""
        try:
            return cls.model_validate({key: value for key, value in args.items() if value != ""})
        except ValidationError as exc:
            error = exc.errors()[0]
            raise Invalid(f"Unknown sort, filter or page ({error['loc'][0]}: {error['msg']}).") from None

    def args(self) -> dict[str, str | int]:
        """The query as URL arguments, defaults left out (the canonical address of what is shown)."""
        return {key: getattr(value, "value", value)
                for key, value in self.model_dump(exclude_defaults=True).items() if value is not None}


# ---------------------------------------------------------------- what it shows


@dataclass(frozen=True)
class Cell:
    """One member's assignment of one path: its tally, status and due date."""

    assignment_id: int
    path_id: int
    tally: Tally
    status: AssignmentStatus
    due_on: date | None
    completed_at: datetime | None
    waiting_for: tuple[str, ...] = ()  # the titles of the required prerequisites not yet complete


@dataclass
class MemberRow:
    member: User
    cells: dict[int, Cell]  # by path id, for the paths shown

    def cell(self, path: LearningPath) -> Cell | None:
        return self.cells.get(path.id)


@dataclass(frozen=True)
class TrendPoint:
    """The group's counts by status at the end of one week (the last point: now)."""

    ends: date
    counts: Mapping[AssignmentStatus, int]

    def count(self, status: AssignmentStatus) -> int:
        return self.counts.get(status, 0)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class GroupSummary:
    """The group's counts by status over every member's active assignments, and their trend."""

    counts: Mapping[AssignmentStatus, int]
    trend: list[TrendPoint]
    members: int
    standing: Mapping[int, Mapping[int, tuple[AssignmentStatus, int, date | None]]]  # member → path → (status, %, due)

    def count(self, status: AssignmentStatus) -> int:
        return self.counts.get(status, 0)

    @property
    def assignments(self) -> int:
        return sum(self.counts.values())

    @property
    def trend_peak(self) -> int:
        """The most assignments any week of the trend counts (at least 1): the chart's full width."""
        return max([1, *(point.total for point in self.trend)])


@dataclass
class GroupOverview:
    group: Group
    paths: list[LearningPath]          # the columns: paths assigned to at least one member (or the one filtered)
    rows: list[MemberRow]              # the page's members
    total: int                         # members matching the filters, on every page
    summary: GroupSummary
    page: int = 1
    per_page: int = PER_PAGE
    all_paths: list[LearningPath] = field(default_factory=list)  # every path of the group, for the path filter

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def first(self) -> int:
        """The number of the page's first member (1-based; 0 when there is none)."""
        return (self.page - 1) * self.per_page + 1 if self.rows else 0


@dataclass
class GroupListing:
    group: Group
    members: int
    summary: GroupSummary = field(repr=False)


# ---------------------------------------------------------------- the cells, in SQL


class _Required(NamedTuple):
    total: int
    minutes: int
    estimated: int


def _required(entries: Mapping[int, Sequence[PathEntry]]) -> dict[int, _Required]:
    """What each path's core sections ask (an elective section is tallied apart: `_with_electives`)."""
    out = {}
    for path_id, group in entries.items():
        required = [e for e in group if not e.optional and not e.rule.elective]
        out[path_id] = _Required(len(required), sum(e.reading_time.minutes for e in required),
                                 sum(e.reading_time.minutes for e in required if e.reading_time.estimated))
    return out


class _Aggregate(NamedTuple):
    done: int
    skipped: int
    in_progress: int
    settled_minutes: int
    settled_estimated: int
    settled_at: datetime | None   # when the last required article was settled
    changed_at: datetime | None   # the latest change on any of the path's articles


def _aggregates(state, moment) -> tuple:
    """The grouped columns a tally is made of, over rows of (state, moment) joined to the path's items and their
    articles: the reading minutes by `reading_minutes_sql()`, the SQL form of the rule `tally()` reads."""
    required = col(PathItem.optional).is_(False)
    # Counted here: the required articles of core sections; an elective section's are tallied apart, by tally().
    core = and_(required, or_(col(PathSection.kind) != SectionKind.elective, col(PathSection.pick).is_(None)))
    settled = and_(core, state.in_(list(SETTLED)))

    def count(condition) -> object:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    return (count(and_(core, state == ProgressState.done)), count(and_(core, state == ProgressState.skipped)),
            count(and_(core, state == ProgressState.in_progress)),
            func.coalesce(func.sum(case((settled, reading_minutes_sql()), else_=0)), 0),
            func.coalesce(func.sum(case((settled, estimated_minutes_sql()), else_=0)), 0),
            func.max(case((and_(required, state.in_(list(SETTLED))), moment), else_=None)), func.max(moment))


def _on_path_items(query, path_id, article_id):
    """`query` joined to the items of the path `path_id` names that hold `article_id`, with their articles."""
    return (query.join(PathSection, col(PathSection.path_id) == path_id)
            .join(PathItem, and_(col(PathItem.section_id) == PathSection.id, col(PathItem.article_id) == article_id))
            .join(Article, col(Article.id) == PathItem.article_id))


@functools.cache  # built once: building a statement costs more than running it
def _tally_statement(by_group: bool):
    """Each active assignment's tally columns, for the members of the group `group_id` or for the learners `ids`."""
    query = (select(col(Assignment.id), *_aggregates(col(Progress.state), col(Progress.updated_at)))
             .select_from(Assignment)
             .join(Progress, col(Progress.user_id) == Assignment.learner_id))
    query = (_on_path_items(query, Assignment.path_id, Progress.article_id)
             .where(col(Assignment.withdrawn_at).is_(None)).group_by(col(Assignment.id)))
    if by_group:
        return query.join(GroupMember, and_(col(GroupMember.user_id) == Assignment.learner_id,
                                            col(GroupMember.group_id) == bindparam("group_id")))
    return query.where(col(Assignment.learner_id).in_(bindparam("ids", expanding=True)))


def _aggregate(numbers: Sequence) -> _Aggregate:
    """An _Aggregate from the grouped columns of `_aggregates` (sums as integers, moments as they come)."""
    done, skipped, in_progress, minutes, estimated = (int(n or 0) for n in numbers[:5])
    return _Aggregate(done, skipped, in_progress, minutes, estimated, numbers[5], numbers[6])


def _tally(required: _Required, aggregate: _Aggregate) -> Tally:
    """The Tally `tally()` would give for these counts (no "next" article: the overview links to the path)."""
    return Tally(total=required.total, done=aggregate.done, skipped=aggregate.skipped,
                 in_progress=aggregate.in_progress, minutes_left=required.minutes - aggregate.settled_minutes,
                 estimated_minutes_left=required.estimated - aggregate.settled_estimated)


def _electives(entries: Mapping[int, Sequence[PathEntry]]) -> dict[int, list[PathEntry]]:
    """Each path's entries in elective sections (any N of M): what the grouped counts leave to `tally()`."""
    return {path_id: [e for e in group if e.rule.elective] for path_id, group in entries.items()
            if any(e.rule.elective for e in group)}


def _with_electives(core: Tally, electives: Sequence[PathEntry], states: Mapping[int, ProgressState]) -> Tally:
    """The core sections' counts from SQL with the elective sections tallied by `tally()` itself: only the rows of
    articles in elective sections are read one by one (any N of M cannot be summed)."""
    chosen = tally(electives, dict(states))
    return Tally(total=core.total + chosen.total, done=core.done + chosen.done, skipped=core.skipped + chosen.skipped,
                 in_progress=core.in_progress + chosen.in_progress,
                 minutes_left=core.minutes_left + chosen.minutes_left,
                 estimated_minutes_left=core.estimated_minutes_left + chosen.estimated_minutes_left)


@functools.cache  # built once: building a statement costs more than running it
def _elective_states_statement(by_group: bool):
    """Each active assignment's states on the articles `article_ids` (those of elective sections)."""
    query = (select(col(Assignment.id), col(Progress.article_id), col(Progress.state))
             .select_from(Assignment)
             .join(Progress, and_(col(Progress.user_id) == Assignment.learner_id,
                                  col(Progress.article_id).in_(bindparam("article_ids", expanding=True))))
             .where(col(Assignment.withdrawn_at).is_(None)))
    if by_group:
        return query.join(GroupMember, and_(col(GroupMember.user_id) == Assignment.learner_id,
                                            col(GroupMember.group_id) == bindparam("group_id")))
    return query.where(col(Assignment.learner_id).in_(bindparam("ids", expanding=True)))


class _Assigned(NamedTuple):
    id: int
    learner_id: int
    path_id: int
    due_on: date | None
    created_at: datetime
    time_zone: str | None


def _status(*, assigned: _Assigned, t: Tally, aggregate: _Aggregate, pace: float, moment: datetime,
            waiting: bool = False) -> tuple[AssignmentStatus, datetime | None]:
    """The status through the one rule, fed as the mentor's view feeds it, at `moment` in the learner's zone."""
    zone = zone_named(assigned.time_zone)
    today = local_day(moment, zone)
    completed_at = as_utc(aggregate.settled_at) if t.complete and aggregate.settled_at is not None else None
    status = assignment_status(
        t=t, due_on=assigned.due_on, completed_on=completed_at and local_day(completed_at, zone),
        forecast_on=forecast_finish(minutes_left=t.minutes_left, pace=pace, today=today), today=today,
        started=started_since(changed_at=[as_utc(aggregate.changed_at)] if aggregate.changed_at else [],
                              assigned_at=as_utc(assigned.created_at)), waiting=waiting)
    return status, completed_at


def _needs_pace(t: Tally, assigned: _Assigned, aggregate: _Aggregate, moment: datetime) -> bool:
    """Whether the status can turn on the pace: unfinished, due later, started since assigned."""
    return (not t.complete and assigned.due_on is not None
            and aggregate.changed_at is not None and as_utc(aggregate.changed_at) >= as_utc(assigned.created_at)
            and assigned.due_on >= local_day(moment, zone_named(assigned.time_zone)))


@functools.cache  # built once: building a statement costs more than running it
def _assigned_statement(by_group: bool):
    """The active assignments of the group `group_id`'s members, or of the learners `ids`, with their zones."""
    query = (select(  # type: ignore[call-overload]  # sqlmodel types select() for at most four columns
        Assignment.id, Assignment.learner_id, Assignment.path_id, Assignment.due_on, Assignment.created_at,
        User.time_zone)
        .join(User, col(User.id) == Assignment.learner_id)
        .where(col(Assignment.withdrawn_at).is_(None)))
    if by_group:
        return query.join(GroupMember, and_(col(GroupMember.user_id) == Assignment.learner_id,
                                            col(GroupMember.group_id) == bindparam("group_id")))
    return query.where(col(Assignment.learner_id).in_(bindparam("ids", expanding=True)))


def _params(group: Group | None, learner_ids: Iterable[int] | None) -> tuple[bool, dict]:
    if group is not None:
        return True, {"group_id": group.id}
    return False, {"ids": list(learner_ids or [])}


def compute_cells(*, session: Session, now: datetime, group: Group | None = None,
                  learner_ids: Iterable[int] | None = None) -> dict[int, dict[int, Cell]]:
    """Every active assignment of the group's members (or of `learner_ids`) as a Cell, by member and path: one
    query for the assignments, one grouped query for their tallies, one for the paces that can matter, one or two
    for the required prerequisites that make an assignment wait (`prerequisites.waiting_for`). Reads
    only."""
    by_group, params = _params(group, learner_ids)
    # Plain rows through the session's connection: thousands of them, and none is an ORM object.
    connection = session.connection()
    assigned = [_Assigned(*row) for row in connection.execute(_assigned_statement(by_group), params)]
    if not assigned:
        return {}
    entries = path_entries(session=session, path_ids={a.path_id for a in assigned})
    aggregates = {assignment_id: _aggregate(numbers)
                  for assignment_id, *numbers in connection.execute(_tally_statement(by_group), params)}
    required = _required(entries)
    empty = _Aggregate(0, 0, 0, 0, 0, None, None)
    tallies = {a.id: _tally(required[a.path_id], aggregates.get(a.id, empty)) for a in assigned}
    electives = _electives(entries)
    if electives:  # one more query: the states on elective sections' articles, tallied by tally()
        states: dict[int, dict[int, ProgressState]] = {}
        article_ids = sorted({e.article_id for group in electives.values() for e in group})
        for assignment_id, article_id, state in connection.execute(_elective_states_statement(by_group),
                                                                   {**params, "article_ids": article_ids}):
            states.setdefault(assignment_id, {})[article_id] = ProgressState(state)
        tallies.update({a.id: _with_electives(tallies[a.id], electives[a.path_id], states.get(a.id, {}))
                        for a in assigned if a.path_id in electives})
    paced = sorted({a.learner_id for a in assigned
                    if _needs_pace(tallies[a.id], a, aggregates.get(a.id, empty), now)})
    paces = weekly_paces(session=session, learner_ids=paced, now=now)
    waiting = waiting_for(session=session, pairs={(a.learner_id, a.path_id) for a in assigned})
    cells: dict[int, dict[int, Cell]] = {}
    for a in assigned:
        aggregate = aggregates.get(a.id, empty)
        unmet = tuple(p.path.title for p in waiting.get((a.learner_id, a.path_id), []))
        status, completed_at = _status(assigned=a, t=tallies[a.id], aggregate=aggregate,
                                       pace=paces.get(a.learner_id, 0.0), moment=now, waiting=bool(unmet))
        cells.setdefault(a.learner_id, {})[a.path_id] = Cell(
            assignment_id=a.id, path_id=a.path_id, tally=tallies[a.id], status=status, due_on=a.due_on,
            completed_at=completed_at, waiting_for=unmet)
    return cells


# ---------------------------------------------------------------- the trend, from the event log


def _week_ends(now: datetime, weeks: int = TREND_WEEKS) -> list[datetime]:
    """The ends of the last `weeks` - 1 finished weeks (Mondays, 00:00 UTC), then now."""
    now = as_utc(now)
    monday = datetime.combine(now.date() - timedelta(days=now.weekday()), datetime.min.time(), tzinfo=UTC)
    return [monday - timedelta(weeks=weeks - 2 - i) for i in range(weeks - 1)] + [now]


def trend_counts(*, session: Session, group: Group, ends: Sequence[datetime]) -> list[TrendPoint]:
    """The group's counts by status at each of `ends`, from the progress log: each of today's active assignments
    made by then, with the articles' states as they stood then (each article's last change at or before it),
    the pace over the four weeks before it and today's due date. Two queries, grouped by week. Reads only.

    Long on purpose: the two statements and the walk over their rows read best together, each status fed as
    `compute_cells` feeds it."""
    assigned = [_Assigned(*row) for row in session.connection().execute(_assigned_statement(True),
                                                                         {"group_id": group.id})]
    if not assigned or not ends:
        return [TrendPoint(ends=end.date(), counts={}) for end in ends]
    entries = path_entries(session=session, path_ids={a.path_id for a in assigned})
    weeks = values(column("k", Integer), column("starts", DateTime), column("ends", DateTime), name="weeks").data(
        [(k, end - PACE_WINDOW, end) for k, end in enumerate(ends)]).cte("weeks")
    article_ids = sorted({e.article_id for group_entries in entries.values() for e in group_entries})
    member = and_(col(GroupMember.user_id) == ProgressEvent.user_id, col(GroupMember.group_id) == group.id)
    events = (select(  # type: ignore[call-overload]  # sqlmodel types select() for at most four columns
                     col(ProgressEvent.user_id).label("user_id"), col(ProgressEvent.article_id).label("article_id"),
                     col(ProgressEvent.state).label("state"), col(ProgressEvent.created_at).label("created_at"),
                     func.lead(col(ProgressEvent.created_at)).over(
                         partition_by=(col(ProgressEvent.user_id), col(ProgressEvent.article_id)),
                         order_by=(col(ProgressEvent.created_at), col(ProgressEvent.id))).label("next_at"))
              .join(GroupMember, member)
              .where(col(ProgressEvent.article_id).in_(article_ids), col(ProgressEvent.created_at) <= ends[-1])
              .subquery())
    def as_of_week(*columns):
        """Each assignment's article states as they stood at each week's end, joined to the path's items."""
        return _on_path_items(
            select(col(Assignment.id), weeks.c.k, *columns)
            .select_from(events)
            .join(weeks, and_(events.c.created_at <= weeks.c.ends,
                              or_(events.c.next_at.is_(None), events.c.next_at > weeks.c.ends)))
            .join(Assignment, and_(col(Assignment.learner_id) == events.c.user_id,
                                   col(Assignment.withdrawn_at).is_(None),
                                   col(Assignment.created_at) <= weeks.c.ends)),
            Assignment.path_id, events.c.article_id)

    then = as_of_week(*_aggregates(events.c.state, events.c.created_at)).group_by(col(Assignment.id), weeks.c.k)
    aggregates: dict[tuple[int, int], _Aggregate] = {}
    for assignment_id, k, *numbers in session.exec(then):
        aggregates[(assignment_id, k)] = _aggregate(numbers)
    electives = _electives(entries)
    elective_states: dict[tuple[int, int], dict[int, ProgressState]] = {}
    if electives:  # the articles of elective sections, one by one, for tally() (any N of M cannot be summed)
        chosen = {e.article_id for group_entries in electives.values() for e in group_entries}
        for assignment_id, k, article_id, state in session.exec(
                as_of_week(events.c.article_id, events.c.state).where(events.c.article_id.in_(chosen))):
            elective_states.setdefault((assignment_id, k), {})[article_id] = ProgressState(state)
    # Each learner's pace at each week's end: articles finished in the four weeks before it, each once.
    finished = (select(col(ProgressEvent.user_id).label("user_id"), col(ProgressEvent.article_id).label("article_id"),
                       weeks.c.k)
                .join(GroupMember, member)
                .join(weeks, and_(col(ProgressEvent.created_at) >= weeks.c.starts,
                                  col(ProgressEvent.created_at) <= weeks.c.ends))
                .where(ProgressEvent.state == ProgressState.done,
                       col(ProgressEvent.created_at) >= ends[0] - PACE_WINDOW)
                .distinct().subquery())
    paces: dict[tuple[int, int], float] = {}
    for user_id, k, minutes in session.exec(
            select(finished.c.user_id, finished.c.k, func.sum(reading_minutes_sql()))
            .join(Article, col(Article.id) == finished.c.article_id).group_by(finished.c.user_id, finished.c.k)):
        paces[(user_id, k)] = weekly_pace(int(minutes or 0))
    required = _required(entries)
    empty = _Aggregate(0, 0, 0, 0, 0, None, None)
    points = []
    for k, end in enumerate(ends):
        counts: Counter[AssignmentStatus] = Counter()
        for a in assigned:
            if as_utc(a.created_at) > end:
                continue
            aggregate = aggregates.get((a.id, k), empty)
            t = _tally(required[a.path_id], aggregate)
            if a.path_id in electives:
                t = _with_electives(t, electives[a.path_id], elective_states.get((a.id, k), {}))
            status, _ = _status(assigned=a, t=t, aggregate=aggregate,
                                pace=paces.get((a.learner_id, k), 0.0), moment=end)
            counts[status] += 1
        points.append(TrendPoint(ends=end.date(), counts=dict(counts)))
    return points


# ---------------------------------------------------------------- the group's numbers, kept


def _summary_bytes(summary: GroupSummary) -> int:
    return 400 + 120 * sum(len(paths) for paths in summary.standing.values())


_summaries: kept.Store[GroupSummary] = kept.Store("group-summaries", max_bytes=64 * 1024 * 1024, size_of=_summary_bytes)
_weeks: kept.Store[TrendPoint] = kept.Store("group-trend-weeks", max_bytes=4 * 1024 * 1024, size_of=lambda _: 400)


def forget_kept(*, weeks: bool = True) -> None:
    """Drop every kept summary, and unless told otherwise every kept week of the trends (tests compare kept and
    fresh answers; the benchmark measures each)."""
    global _summaries, _weeks
    _summaries = kept.Store("group-summaries", max_bytes=_summaries.max_bytes, size_of=_summary_bytes)
    if weeks:
        _weeks = kept.Store("group-trend-weeks", max_bytes=_weeks.max_bytes, size_of=lambda _: 400)


def _stamps(session: Session, group: Group) -> tuple:
    """What the group's numbers are made of, in a few small values: its members and their active assignments
    (count, ids, due dates, creation), and the latest progress event of any member."""
    assignments = session.exec(
        select(func.count(), func.coalesce(func.sum(col(Assignment.id)), 0), func.max(col(Assignment.created_at)),
               func.coalesce(func.sum(col(Assignment.id) * _day_number(session, col(Assignment.due_on))), 0))
        .select_from(Assignment)
        .join(GroupMember, and_(col(GroupMember.user_id) == Assignment.learner_id,
                                col(GroupMember.group_id) == group.id))
        .where(col(Assignment.withdrawn_at).is_(None))).one()
    latest = (select(func.max(col(ProgressEvent.created_at))).where(ProgressEvent.user_id == GroupMember.user_id)
              .correlate(GroupMember).scalar_subquery())
    members, last_event = session.exec(select(func.count(), func.max(latest)).select_from(GroupMember)
                                       .where(GroupMember.group_id == group.id)).one()
    return (*assignments, members, last_event)


def _day_number(session: Session, day):
    """A date as a number of days, in SQL (for the digest of due dates)."""
    if session.get_bind().dialect.name == "sqlite":
        return func.coalesce(func.julianday(day), 0)
    return func.coalesce(day - literal(date(2000, 1, 1)), 0)


def group_summary(*, session: Session, group: Group, now: datetime) -> GroupSummary:
    """The group's counts by status (every member's active assignments) and their trend over TREND_WEEKS
    weeks, kept per process under what they are made of (see the module's docstring). Reads only."""
    now = as_utc(now)
    bind = session.get_bind()
    database = str(getattr(bind, "url", None) or bind.engine.url)
    base = (database, group.id, group.version, kept.current_stamp(session))
    stamps = _stamps(session, group)
    key = (*base, stamps, now.replace(minute=0, second=0, microsecond=0))
    found = _summaries.get(key)
    if found is not None:
        return found
    cells = compute_cells(session=session, now=now, group=group)
    counts = Counter(cell.status for member in cells.values() for cell in member.values())
    ends = _week_ends(now)
    # A finished week is made of events before its end: kept by the week, the assignments and the members.
    week_key = (*base, stamps[:4])
    points = {k: _weeks.get((*week_key, end)) for k, end in enumerate(ends[:-1])}
    missing = [ends[k] for k, point in points.items() if point is None]
    if missing:
        fresh = dict(zip(missing, trend_counts(session=session, group=group, ends=missing), strict=True))
        _weeks.put_many({(*week_key, end): point for end, point in fresh.items()})
        points.update({k: fresh[end] for k, end in enumerate(ends[:-1]) if end in fresh})
    trend = [point for k in range(len(ends) - 1) if (point := points[k]) is not None]
    trend.append(TrendPoint(ends=now.date(), counts=dict(counts)))
    summary = GroupSummary(counts=dict(counts), trend=trend, members=int(stamps[4]), standing={
        learner_id: {path_id: (cell.status, cell.tally.percent, cell.due_on) for path_id, cell in row.items()}
        for learner_id, row in cells.items()})
    _summaries.put(key, summary)
    return summary


# ---------------------------------------------------------------- the pages


def group_listings(*, session: Session, viewer: User, now: datetime) -> list[GroupListing]:
    """The groups `viewer` manages (every group for an admin), by name, with members and headline counts."""
    query = select(Group).order_by(col(Group.name), col(Group.id))
    if not access.is_admin(viewer):
        query = query.join(GroupMember, col(GroupMember.group_id) == Group.id).where(
            GroupMember.user_id == viewer.id, GroupMember.is_manager == True)  # noqa: E712 (SQL, not Python)
    listings = []
    for group in session.exec(query):
        summary = group_summary(session=session, group=group, now=now)
        listings.append(GroupListing(group=group, members=summary.members, summary=summary))
    return listings


def manages_any_group(*, session: Session, viewer: User | None) -> bool:
    """Whether the header offers "Groups": admins, and anyone who manages a group."""
    if viewer is None:
        return False
    return access.is_admin(viewer) or session.exec(select(GroupMember.id).where(
        GroupMember.user_id == viewer.id, GroupMember.is_manager == True)).first() is not None  # noqa: E712


def _paths_among(session: Session, path_ids: set[int]) -> list[LearningPath]:
    if not path_ids:
        return []
    return list(session.exec(select(LearningPath).where(col(LearningPath.id).in_(sorted(path_ids)))
                             .order_by(col(LearningPath.position), col(LearningPath.slug))))


def _members_query(group: Group, query: GroupOverviewQuery, path: LearningPath | None, members):
    """`members` (a select from User) narrowed to the group's members that match the name search and path."""
    members = members.join(GroupMember, col(GroupMember.user_id) == User.id).where(GroupMember.group_id == group.id)
    if query.q:
        members = members.where(or_(func.lower(col(User.username)).contains(query.q.lower(), autoescape=True),
                                    func.lower(col(User.display_name)).contains(query.q.lower(), autoescape=True)))
    if path is not None:
        members = members.where(col(User.id).in_(select(Assignment.learner_id).where(
            Assignment.path_id == path.id, col(Assignment.withdrawn_at).is_(None))))
    return members


def _sort_key(sort: str, standing: Mapping[int, tuple[AssignmentStatus, int, date | None]], username: str):
    if sort == "percent":
        return (min((percent for _, percent, _ in standing.values()), default=101), username)
    if sort == "due":
        return (min((due for _, _, due in standing.values() if due is not None), default=date.max), username)
    if sort == "status":
        return (min((STATUS_ORDER.index(status) for status, _, _ in standing.values()), default=len(STATUS_ORDER)),
                username)
    return (0, username)


def group_overview(*, session: Session, group: Group, now: datetime, query: GroupOverviewQuery | None = None,
                   paged: bool = True) -> GroupOverview:
    """The group's members × paths, filtered, sorted and (unless `paged` is False) one page of PER_PAGE members,
    with the group's counts and trend. Sorted by name without a status filter, the database orders and pages the
    members; the other sorts and the status filter read the kept standing of every member. Reads only."""
    query = query or GroupOverviewQuery()
    summary = group_summary(session=session, group=group, now=now)
    # The paths come from the standing kept with the counts (made of the same assignments, by its key).
    paths = all_paths = _paths_among(session, {path_id for row in summary.standing.values() for path_id in row})
    path = next((p for p in paths if p.slug == query.path), None) if query.path else None
    if query.path and path is None:
        paths = []  # a path nobody in the group has: nothing to show
    elif path is not None:
        paths = [path]
    shown = {p.id for p in paths}
    def matching(members):
        members = _members_query(group, query, path, members)
        return members.where(literal(False)) if query.path and path is None else members
    members = matching(select(User))
    if paged and query.sort == "name" and query.status is None:
        total = session.exec(select(func.count()).select_from(members.subquery())).one()
        page = min(query.page, max(1, math.ceil(total / PER_PAGE)))
        users = list(session.exec(members.order_by(col(User.username)).limit(PER_PAGE).offset((page - 1) * PER_PAGE)))
    else:
        candidates = list(session.exec(matching(select(User.id, User.username))))
        standing = {user_id: {p: v for p, v in summary.standing.get(user_id, {}).items() if p in shown}
                    for user_id, _ in candidates}
        if query.status is not None:
            candidates = [(user_id, name) for user_id, name in candidates
                          if any(status is query.status for status, _, _ in standing[user_id].values())]
        candidates.sort(key=lambda row: _sort_key(query.sort, standing[row[0]], row[1]))
        total = len(candidates)
        page = min(query.page, max(1, math.ceil(total / PER_PAGE))) if paged else 1
        picked = [user_id for user_id, _ in (candidates[(page - 1) * PER_PAGE:page * PER_PAGE] if paged
                                             else candidates)]
        by_id = {u.id: u for u in session.exec(select(User).where(col(User.id).in_(picked or [0])))}
        users = [by_id[user_id] for user_id in picked if user_id in by_id]
    cells = compute_cells(session=session, now=now, learner_ids=[u.id for u in users]) if users else {}
    rows = [MemberRow(member=u, cells={p: c for p, c in cells.get(u.id, {}).items() if p in shown}) for u in users]
    return GroupOverview(group=group, paths=paths, rows=rows, total=total, summary=summary, page=page,
                         per_page=PER_PAGE if paged else max(1, total), all_paths=all_paths)
