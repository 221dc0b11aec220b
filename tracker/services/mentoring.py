"""Mentoring: who mentors whom, path assignments with due dates, forecasts and statuses."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import func
from sqlmodel import Session, select

from tracker.models import (
    Article,
    Assignment,
    LearningPath,
    Mentorship,
    MentorshipStatus,
    NotificationKind,
    PathItem,
    PathSection,
    Progress,
    ProgressEvent,
    ProgressState,
    Role,
    User,
    utcnow,
)
from tracker.services import access, notifications
from tracker.services.errors import Invalid, NotFound
from tracker.services.catalog import DEFAULT_READING_MINUTES
from tracker.services.progress import Tally, tally

NOTE_MAX = 1000
STALE_AFTER = timedelta(days=14)
PACE_WINDOW = timedelta(days=28)


class MentoringError(Invalid):
    """A mentoring request was refused; the message is fit to show."""


class NotAMentee(MentoringError):
    """A bulk request names someone who is not the mentor's mentee (the API answers 404)."""

    status = 404


class NotYourMentee(NotFound):
    """The learner is not this mentor's mentee (answered as 'not found': no leaking who exists)."""


# ---------------------------------------------------------------- mentorships

def _mentorship(session: Session, mentor: User, learner: User) -> Mentorship | None:
    return session.exec(select(Mentorship).where(Mentorship.mentor_id == mentor.id,
                                                 Mentorship.learner_id == learner.id)).one_or_none()


class UnknownUser(MentoringError):
    """A username that names nobody."""

    status = 404


def resolve_pair(*, session: Session, mentor_name: str, learner_name: str) -> tuple[User, User]:
    """The mentor and learner named by two usernames, or UnknownUser naming the missing one."""
    users = {}
    for name in (mentor_name, learner_name):
        user = session.exec(select(User).where(User.username == name.strip().lower())).one_or_none()
        if user is None:
            raise UnknownUser(f"There is no user called '{name.strip()}'.")
        users[name] = user
    return users[mentor_name], users[learner_name]


def link(*, session: Session, mentor: User, learner: User) -> Mentorship:
    """Make `mentor` a mentor of `learner` at once (what an admin does). Commits."""
    if mentor.id == learner.id:
        raise MentoringError("A user cannot mentor themselves.")
    if not mentor.has_role(Role.mentor):
        raise MentoringError(f"'{mentor.username}' is not a mentor.")
    mentorship = _mentorship(session, mentor, learner) or Mentorship(mentor_id=mentor.id, learner_id=learner.id)
    mentorship.status = MentorshipStatus.active
    mentorship.responded_at = utcnow()
    session.add(mentorship)
    session.commit()
    return mentorship


def unlink(*, session: Session, mentor: User, learner: User) -> None:
    """End a mentorship; assignments stay with the learner. NotFound if there is none. Commits."""
    mentorship = _mentorship(session, mentor, learner)
    if mentorship is None:
        raise NotFound(f"'{mentor.username}' does not mentor '{learner.username}'.")
    session.delete(mentorship)
    session.commit()


def invite(*, session: Session, mentor: User, learner: User | None, username: str) -> Mentorship:
    """Invite a user to be mentored; they accept or decline. Commits."""
    if learner is None or not learner.is_active:
        raise MentoringError(f"There is no user called '{username}'.")
    if learner.id == mentor.id:
        raise MentoringError("You cannot invite yourself.")
    mentorship = _mentorship(session, mentor, learner)
    if mentorship is not None and mentorship.status == MentorshipStatus.active:
        raise MentoringError(f"'{learner.username}' is already your mentee.")
    if mentorship is None:
        mentorship = Mentorship(mentor_id=mentor.id, learner_id=learner.id)
    mentorship.status = MentorshipStatus.invited
    mentorship.created_at = utcnow()
    session.add(mentorship)
    session.flush()
    notifications.notify(session=session, user=learner, kind=NotificationKind.invitation, key=f"invitation:{mentorship.id}:{mentorship.created_at.isoformat()}",
                         message=f"{mentor.name} invites you to be their mentee.", link="/notifications")
    session.commit()
    return mentorship


def pending_invitations(*, session: Session, learner: User) -> list[tuple[Mentorship, User]]:
    return list(session.exec(
        select(Mentorship, User).join(User, User.id == Mentorship.mentor_id)
        .where(Mentorship.learner_id == learner.id, Mentorship.status == MentorshipStatus.invited)
        .order_by(Mentorship.created_at)
    ))


def respond(*, session: Session, learner: User, mentorship_id: int, accept: bool) -> Mentorship:
    """Accept or decline an invitation addressed to `learner`. Commits."""
    mentorship = session.get(Mentorship, mentorship_id)
    if mentorship is None or mentorship.learner_id != learner.id or mentorship.status != MentorshipStatus.invited:
        raise NotYourMentee("No such invitation.")
    mentorship.status = MentorshipStatus.active if accept else MentorshipStatus.declined
    mentorship.responded_at = utcnow()
    session.commit()
    return mentorship


def mentees(*, session: Session, mentor: User) -> list[User]:
    """The mentor's active mentees, by username."""
    return list(session.exec(
        select(User).join(Mentorship, Mentorship.learner_id == User.id)
        .where(Mentorship.mentor_id == mentor.id, Mentorship.status == MentorshipStatus.active,
               User.is_active.is_(True))
        .order_by(User.username)
    ))


def mentors_of(*, session: Session, learner: User) -> list[User]:
    return list(session.exec(
        select(User).join(Mentorship, Mentorship.mentor_id == User.id)
        .where(Mentorship.learner_id == learner.id, Mentorship.status == MentorshipStatus.active)
        .order_by(User.username)
    ))


is_mentor_of = access.is_mentor_of


def get_mentee(*, session: Session, viewer: User, username: str) -> User:
    """The learner `viewer` may look after (`access.can_look_after`), or NotYourMentee."""
    learner = session.exec(select(User).where(User.username == username.strip().lower())).one_or_none()
    if not access.can_look_after(session=session, viewer=viewer, learner=learner):
        raise NotYourMentee(f"'{username.strip()}' is not one of your mentees.")
    return learner


# ---------------------------------------------------------------- assignments

def assign_path(*, session: Session, mentor: User, usernames: Iterable[str], path: LearningPath | None,
                due_on: date | None, note: str, today: date) -> list[Assignment]:
    """Assign a path to several mentees at once. All or nothing: any problem writes nothing. Commits."""
    usernames = list(dict.fromkeys(u.strip().lower() for u in usernames if u.strip()))
    if not usernames:
        raise MentoringError("Choose at least one mentee.")
    if path is None:
        raise MentoringError("Choose a path to assign.")
    if not access.can_be_assigned(path):
        raise MentoringError(f"“{path.title}” is {path.status}; only published paths can be assigned.")
    if due_on is not None and due_on < today:
        raise MentoringError("The due date is in the past.")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise MentoringError(f"The note is {len(note)} characters; the limit is {NOTE_MAX}.")
    learners = []
    for username in usernames:
        try:
            learners.append(get_mentee(session=session, viewer=mentor, username=username))
        except NotYourMentee:
            raise NotAMentee(f"'{username}' is not one of your mentees; nothing was assigned.") from None
    assignments = []
    try:
        for learner in learners:
            assignment = session.exec(select(Assignment).where(Assignment.learner_id == learner.id,
                                                               Assignment.path_id == path.id)).one_or_none()
            if assignment is None:
                assignment = Assignment(learner_id=learner.id, path_id=path.id, mentor_id=mentor.id)
            assignment.mentor_id, assignment.due_on, assignment.note = mentor.id, due_on, note
            assignment.withdrawn_at = None
            assignment.created_at = utcnow()
            session.add(assignment)
            session.flush()
            due = f", due {due_on.strftime('%b %-d, %Y')}" if due_on else ""
            notifications.notify(
                session=session, user=learner, kind=NotificationKind.assigned,
                key=f"assigned:{assignment.id}:{assignment.created_at.isoformat()}",
                message=f"{mentor.name} assigned you “{path.title}”{due}.", link=f"/paths/{path.slug}")
            assignments.append(assignment)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return assignments


def assigned_path_ids(*, session: Session, learner: User | None) -> set[int]:
    if learner is None:
        return set()
    return set(session.exec(select(Assignment.path_id).where(Assignment.learner_id == learner.id,
                                                             Assignment.withdrawn_at.is_(None))))


def _managed_assignment(session: Session, mentor: User, assignment_id: int) -> Assignment:
    assignment = session.get(Assignment, assignment_id)
    if assignment is None or assignment.withdrawn_at is not None:
        raise NotYourMentee("No such assignment.")
    if not access.can_look_after(session=session, viewer=mentor, learner=session.get(User, assignment.learner_id)):
        raise NotYourMentee("No such assignment.")
    return assignment


def withdraw(*, session: Session, mentor: User, assignment_id: int) -> Assignment:
    """Withdraw an assignment; the learner keeps their progress. Commits."""
    assignment = _managed_assignment(session, mentor, assignment_id)
    assignment.withdrawn_at = utcnow()
    session.commit()
    return assignment


def change_due_date(*, session: Session, mentor: User, assignment_id: int, due_on: date | None,
                    today: date) -> Assignment:
    """Move (or clear) the due date. Commits."""
    assignment = _managed_assignment(session, mentor, assignment_id)
    if due_on is not None and due_on < today:
        raise MentoringError("The due date is in the past.")
    assignment.due_on = due_on
    session.commit()
    return assignment


# ---------------------------------------------------------------- status, forecast and the overview

class Status(StrEnum):
    on_track = "on_track"
    at_risk = "at_risk"
    overdue = "overdue"
    completed = "completed"
    completed_late = "completed_late"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


def weekly_pace(done_minutes: int) -> float:
    """Reading minutes completed per week over the pace window."""
    return done_minutes / (PACE_WINDOW.days / 7)


def forecast_finish(*, minutes_left: int, pace: float, today: date) -> date | None:
    """When the rest would be read at this pace; None when there is no recent pace to go on."""
    if minutes_left <= 0:
        return today
    if pace <= 0:
        return None
    return today + timedelta(days=math.ceil(7 * minutes_left / pace))


def assignment_status(*, t: Tally, due_on: date | None, completed_at: datetime | None,
                      forecast_on: date | None, today: date) -> Status:
    """The one rule for an assignment's status. A due date never freezes anything."""
    if t.complete:
        late = due_on is not None and completed_at is not None and completed_at.date() > due_on
        return Status.completed_late if late else Status.completed
    if due_on is None:
        return Status.on_track
    if due_on < today:
        return Status.overdue
    if forecast_on is None or forecast_on > due_on:
        return Status.at_risk
    return Status.on_track


@dataclass
class AssignmentView:
    assignment: Assignment
    path: LearningPath
    learner: User
    mentor: User
    t: Tally
    status: Status
    forecast_on: date | None
    completed_at: datetime | None
    last_activity_at: datetime | None
    stale: bool
    today: date

    @property
    def days_left(self) -> int | None:
        return None if self.assignment.due_on is None else (self.assignment.due_on - self.today).days


@dataclass
class MenteeView:
    learner: User
    last_activity_at: datetime | None
    pace: float
    assignments: list[AssignmentView] = field(default_factory=list)


@dataclass
class _Entry:
    """A path item for tallying without the catalog card around it."""

    item: PathItem
    card: _Card


@dataclass
class _Card:
    article: Article


def assignment_views(*, session: Session, learners: list[User], now: datetime,
                     include_withdrawn: bool = False) -> dict[int, MenteeView]:
    """Every learner's active assignments with tallies and statuses, in a fixed number of queries."""
    today = now.date()
    views = {u.id: MenteeView(learner=u, last_activity_at=None, pace=0.0) for u in learners}
    if not learners:
        return views
    ids = list(views)

    query = select(Assignment, LearningPath).join(LearningPath, LearningPath.id == Assignment.path_id).where(
        Assignment.learner_id.in_(ids))
    if not include_withdrawn:
        query = query.where(Assignment.withdrawn_at.is_(None))
    rows = session.exec(query.order_by(LearningPath.position, Assignment.id)).all()

    mentor_ids = {a.mentor_id for a, _ in rows}
    mentors = {u.id: u for u in session.exec(select(User).where(User.id.in_(mentor_ids or {0})))}

    path_ids = {p.id for _, p in rows}
    entries: dict[int, list[_Entry]] = defaultdict(list)
    if path_ids:
        for path_id, item, article in session.exec(
            select(PathSection.path_id, PathItem, Article)
            .join(PathItem, PathItem.section_id == PathSection.id)
            .join(Article, Article.id == PathItem.article_id)
            .where(PathSection.path_id.in_(path_ids))
            .order_by(PathSection.path_id, PathSection.position, PathItem.position)
        ):
            entries[path_id].append(_Entry(item=item, card=_Card(article)))

    states: dict[int, dict[int, ProgressState]] = defaultdict(dict)
    changed: dict[int, dict[int, datetime]] = defaultdict(dict)
    for user_id, article_id, state, updated_at in session.exec(
        select(Progress.user_id, Progress.article_id, Progress.state, Progress.updated_at)
        .where(Progress.user_id.in_(ids))
    ):
        states[user_id][article_id] = ProgressState(state)
        changed[user_id][article_id] = updated_at

    for user_id, last in session.exec(
        select(ProgressEvent.user_id, func.max(ProgressEvent.created_at))
        .where(ProgressEvent.user_id.in_(ids)).group_by(ProgressEvent.user_id)
    ):
        views[user_id].last_activity_at = last

    # Pace: each article finished in the window counts once, however often it was toggled.
    finished = (select(ProgressEvent.user_id, ProgressEvent.article_id)
                .where(ProgressEvent.user_id.in_(ids), ProgressEvent.state == ProgressState.done,
                       ProgressEvent.created_at >= now - PACE_WINDOW)
                .distinct().subquery())
    minutes = func.coalesce(Article.reading_minutes, DEFAULT_READING_MINUTES)
    for user_id, done_minutes in session.exec(
        select(finished.c.user_id, func.sum(minutes))
        .join(Article, Article.id == finished.c.article_id)
        .group_by(finished.c.user_id)
    ):
        views[user_id].pace = weekly_pace(int(done_minutes or 0))

    for assignment, path in rows:
        view = views[assignment.learner_id]
        path_entries = entries[path.id]
        t = tally(path_entries, states[assignment.learner_id])
        completed_at = None
        if t.complete:
            times = [changed[assignment.learner_id].get(e.card.article.id) for e in path_entries if not e.item.optional]
            completed_at = max((x for x in times if x), default=None)
        forecast_on = forecast_finish(minutes_left=t.minutes_left, pace=view.pace, today=today)
        since = max(t for t in (view.last_activity_at, assignment.created_at) if t is not None)
        view.assignments.append(AssignmentView(
            assignment=assignment, path=path, learner=view.learner, mentor=mentors.get(assignment.mentor_id),
            t=t, forecast_on=forecast_on, completed_at=completed_at, last_activity_at=view.last_activity_at,
            status=assignment_status(t=t, due_on=assignment.due_on, completed_at=completed_at,
                                     forecast_on=forecast_on, today=today),
            stale=not t.complete and now - since > STALE_AFTER, today=today,
        ))
    return views


def learner_assignments(*, session: Session, learner: User, now: datetime) -> list[AssignmentView]:
    return assignment_views(session=session, learners=[learner], now=now)[learner.id].assignments


SORTS = {
    "name": lambda row: (row.learner.username, row.path.position),
    "percent": lambda row: (row.t.percent, row.learner.username),
    "due": lambda row: (row.assignment.due_on or date.max, row.learner.username),
    "status": lambda row: (list(Status).index(row.status), row.learner.username),
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



def all_mentorships(*, session: Session) -> list[tuple[Mentorship, User, User]]:
    """Every mentorship with its mentor and learner, for administrators."""
    from sqlalchemy.orm import aliased

    mentor, learner = aliased(User), aliased(User)
    return list(session.exec(
        select(Mentorship, mentor, learner)
        .join(mentor, mentor.id == Mentorship.mentor_id).join(learner, learner.id == Mentorship.learner_id)
        .order_by(mentor.username, learner.username)
    ))
