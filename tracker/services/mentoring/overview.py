"""What a mentor sees: the matrix of mentees by assigned paths, sorted, filtered and paged, and a mentee's weekly
chart."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import func
from sqlmodel import Session, col, select

from tracker.models import Assignment, LearningPath, ProgressEvent, ProgressState, User
from tracker.services.errors import Invalid
from tracker.services.mentoring.mentorships import MenteeName, mentee_ids, mentee_names, mentees
from tracker.services.mentoring.rules import AssignmentStatus
from tracker.services.mentoring.standings import AssignmentView, assignment_views

SORTS = {
    "name": lambda row: (row.learner.username, row.path.position),
    "percent": lambda row: (row.tally.percent, row.learner.username),
    "due": lambda row: (row.assignment.due_on or date.max, row.learner.username),
    "status": lambda row: (list(AssignmentStatus).index(row.status), row.learner.username),
    "activity": lambda row: (row.last_activity_at or datetime.min.replace(tzinfo=row.assignment.created_at.tzinfo),
                             row.learner.username),
}
# The sorts the database can do itself (the same order as SORTS, ties broken the same way): with one of them
# and no status filter, only the learners on the page are computed.
SQL_SORTS = {
    "name": (col(User.username), col(LearningPath.position), col(Assignment.id)),
    "due": (col(Assignment.due_on).is_(None), col(Assignment.due_on), col(User.username), col(LearningPath.position),
            col(Assignment.id)),
}
PER_PAGE = 50
STATUS_FILTERS = (*(s.value for s in AssignmentStatus), "stale")


def page_count(total: int, per_page: int = PER_PAGE) -> int:
    """Pages of `per_page` rows for `total` rows (one, even when empty)."""
    return max(1, math.ceil(total / per_page))


class OverviewQuery(BaseModel):
    """How the mentor sorts, filters and pages the matrix (the page's query string)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    sort: Literal["name", "percent", "due", "status", "activity"] = "name"
    status: Literal[STATUS_FILTERS] | None = None  # type: ignore[valid-type]  # pydantic reads the tuple; mypy needs literals
    path: str | None = Field(default=None, max_length=80)
    page: int = Field(default=1, ge=1, le=10_000)

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> OverviewQuery:
        """Parse query-string arguments; Invalid with a readable message."""
        try:
            return cls.model_validate({key: value for key, value in args.items() if value != ""})
        except ValidationError as exc:
            error = exc.errors()[0]
            raise Invalid(f"Unknown sort, filter or page ({error['loc'][0]}: {error['msg']}).") from None


@dataclass
class Overview:
    mentees: list[MenteeName]
    rows: list[AssignmentView]      # the page's rows (every row when not paged)
    unassigned: list[MenteeName]
    total: int                      # rows matching the filters, on every page
    page: int = 1
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        return page_count(self.total, self.per_page)

    @property
    def first(self) -> int:
        """The number of the page's first row (1-based; 0 when there is none)."""
        return (self.page - 1) * self.per_page + 1 if self.rows else 0


def overview(*, session: Session, mentor: User, now: datetime, query: OverviewQuery | None = None,
             paged: bool = True) -> Overview:
    """The mentor's matrix of mentees × assigned paths, filtered, sorted and (unless `paged` is False) one page
    of PER_PAGE rows. Sorted by name or due date without a status filter, the database orders and pages the
    rows and only the page's learners are computed; the other sorts and filters need every row's tally."""
    query = query or OverviewQuery()
    names = mentee_names(session=session, mentor=mentor)
    mine = mentee_ids(mentor)
    active = (select(Assignment.id, Assignment.learner_id)
              .join(LearningPath, col(LearningPath.id) == Assignment.path_id)
              .join(User, col(User.id) == Assignment.learner_id)
              .where(col(Assignment.learner_id).in_(mine), col(Assignment.withdrawn_at).is_(None)))
    if query.path:
        active = active.where(LearningPath.slug == query.path)
    assigned = set(session.exec(select(Assignment.learner_id).where(
        col(Assignment.learner_id).in_(mine), col(Assignment.withdrawn_at).is_(None)).distinct()))
    unassigned = [name for name in names if name.id not in assigned]
    if paged and query.status is None and query.sort in SQL_SORTS:
        total = session.exec(select(func.count()).select_from(active.subquery())).one()
        page = min(query.page, page_count(total))
        picked = session.exec(active.order_by(*SQL_SORTS[query.sort]).limit(PER_PAGE)
                              .offset((page - 1) * PER_PAGE)).all()
        on_page = list(dict.fromkeys(learner_id for _, learner_id in picked))  # only these are loaded whole
        learners = list(session.exec(select(User).where(col(User.id).in_(on_page or {0}))))
        views = assignment_views(session=session, learners=learners, now=now, with_recall=True)
        found = {row.assignment.id: row for view in views.values() for row in view.assignments}
        # (one withdrawn or deleted since the page was picked is left out, not an error)
        return Overview(mentees=names, rows=[found[a] for a, _ in picked if a in found],
                        unassigned=unassigned, total=total, page=page)
    views = assignment_views(session=session, learners=mentees(session=session, mentor=mentor), now=now,
                             with_recall=True)
    rows = [row for view in views.values() for row in view.assignments]
    if query.status == "stale":
        rows = [r for r in rows if r.stale]
    elif query.status:
        rows = [r for r in rows if r.status.value == query.status]
    if query.path:
        rows = [r for r in rows if r.path.slug == query.path]
    rows.sort(key=SORTS[query.sort])
    if not paged:
        return Overview(mentees=names, rows=rows, unassigned=unassigned, total=len(rows), per_page=max(1, len(rows)))
    page = min(query.page, page_count(len(rows)))
    return Overview(mentees=names, rows=rows[(page - 1) * PER_PAGE:page * PER_PAGE], unassigned=unassigned,
                    total=len(rows), page=page)


def progress_series(*, session: Session, learner: User, now: datetime, weeks: int = 12) -> list[tuple[date, int]]:
    """Articles done by the end of each of the last `weeks` weeks (for the mentee chart)."""
    events = session.exec(
        select(ProgressEvent.article_id, ProgressEvent.state, ProgressEvent.created_at)
        .where(ProgressEvent.user_id == learner.id).order_by(col(ProgressEvent.created_at), col(ProgressEvent.id))
    ).all()
    ends = [(now - timedelta(weeks=weeks - 1 - i)) for i in range(weeks)]
    series, state, index = [], {}, 0
    for end in ends:
        while index < len(events) and events[index][2] <= end:
            article_id, value, _ = events[index]
            state[article_id] = value
            index += 1
        series.append((end.date(), sum(1 for v in state.values() if v == ProgressState.done)))
    return series
