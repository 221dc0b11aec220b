"""What a mentor sees: the matrix of mentees by assigned paths, sorted and filtered, and a mentee's weekly chart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, select

from tracker.models import ProgressEvent, ProgressState, User
from tracker.services.assignment_rules import AssignmentStatus
from tracker.services.assignment_views import AssignmentView, MenteeView, assignment_views
from tracker.services.mentorships import mentees


SORTS = {
    "name": lambda row: (row.learner.username, row.path.position),
    "percent": lambda row: (row.tally.percent, row.learner.username),
    "due": lambda row: (row.assignment.due_on or date.max, row.learner.username),
    "status": lambda row: (list(AssignmentStatus).index(row.status), row.learner.username),
    "activity": lambda row: (row.last_activity_at or datetime.min.replace(tzinfo=row.assignment.created_at.tzinfo),
                             row.learner.username),
}


@dataclass
class Overview:
    mentees: list[MenteeView]
    rows: list[AssignmentView]
    unassigned: list[User]


def overview(*, session: Session, mentor: User, now: datetime, sort: str = "name", status: str | None = None,
             path: str | None = None) -> Overview:
    """The mentor's matrix of mentees × assigned paths, filtered and sorted."""
    learners = mentees(session=session, mentor=mentor)
    views = assignment_views(session=session, learners=learners, now=now)
    rows = [row for view in views.values() for row in view.assignments]
    if status == "stale":
        rows = [r for r in rows if r.stale]
    elif status:
        rows = [r for r in rows if r.status.value == status]
    if path:
        rows = [r for r in rows if r.path.slug == path]
    rows.sort(key=SORTS.get(sort, SORTS["name"]))
    unassigned = [v.learner for v in views.values() if not v.assignments]
    return Overview(mentees=list(views.values()), rows=rows, unassigned=unassigned)


def progress_series(*, session: Session, learner: User, now: datetime, weeks: int = 12) -> list[tuple[date, int]]:
    """Articles done by the end of each of the last `weeks` weeks (for the mentee chart)."""
    events = session.exec(
        select(ProgressEvent.article_id, ProgressEvent.state, ProgressEvent.created_at)
        .where(ProgressEvent.user_id == learner.id).order_by(ProgressEvent.created_at, ProgressEvent.id)
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
