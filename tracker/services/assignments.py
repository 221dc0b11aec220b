"""Path assignments: a mentor asks learners to follow a path by a due date; each assignment's live numbers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import Session, select

from tracker.models import (
    Article,
    Assignment,
    LearningPath,
    NotificationKind,
    Progress,
    ProgressEvent,
    ProgressState,
    StudyPlan,
    User,
    utcnow,
)
from tracker.services import access, notifications
from tracker.services.assignment_rules import (
    PACE_WINDOW,
    AssignmentStatus,
    assignment_status,
    forecast_finish,
    is_stale,
    started_since,
    weekly_pace,
)
from tracker.services.catalog import reading_minutes_sql
from tracker.services.mentorships import MentoringError, NotYourMentee, get_mentee
from tracker.services.path_queries import path_entries
from tracker.services.plans import plan_forecast, plans_for_learners
from tracker.services.progress import PathProgress, Tally, last_settled_at, my_paths, tally
from tracker.services.time_zones import local_day, zone_of


NOTE_MAX = 1000


class NotAMentee(MentoringError):
    """A bulk request names someone who is not the mentor's mentee (the API answers 404)."""

    status = 404


class _Keep:
    """For a path assigned again: leave this field as the earlier assignment has it."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP = _Keep()


@dataclass
class AssignOutcome:
    """What assigning did for one learner: a new (or revived) assignment, changes to an active one, or nothing."""

    assignment: Assignment
    learner: User
    created: bool
    changes: list[str]


def _day(value: date | None) -> str:
    return value.strftime("%b %-d, %Y") if value else "none"


def assign_path(*, session: Session, mentor: User, usernames: Iterable[str], path: LearningPath | None,
                due_on: date | None | _Keep = KEEP, note: str | None | _Keep = KEEP,
                today: date, preview: bool = False) -> list[AssignOutcome]:
    """Assign a path to several mentees at once. All or nothing: any problem writes nothing. Commits.

    A mentee who already has the path keeps what this request leaves out (KEEP): only a due date or note
    given here replaces theirs, and they get one notification saying what changed (none if nothing did).
    With `preview`, nothing is written: the outcomes say what assigning would do.
    """
    usernames = list(dict.fromkeys(u.strip().lower() for u in usernames if u.strip()))
    if not usernames:
        raise MentoringError("Choose at least one mentee.")
    if path is None:
        raise MentoringError("Choose a path to assign.")
    if not access.can_be_assigned(path):
        raise MentoringError(f"“{path.title}” is {path.status}; only published paths can be assigned.")
    if isinstance(due_on, date) and due_on < today:
        raise MentoringError("The due date is in the past.")
    if isinstance(note, str):
        note = note.strip()
        if len(note) > NOTE_MAX:
            raise MentoringError(f"The note is {len(note)} characters; the limit is {NOTE_MAX}.")
    learners = []
    for username in usernames:
        try:
            learners.append(get_mentee(session=session, viewer=mentor, username=username))
        except NotYourMentee:
            raise NotAMentee(f"'{username}' is not one of your mentees; nothing was assigned.") from None
    outcomes = []
    try:
        for learner in learners:
            assignment = session.exec(select(Assignment).where(Assignment.learner_id == learner.id,
                                                               Assignment.path_id == path.id)).one_or_none()
            if assignment is None or assignment.withdrawn_at is not None:
                outcomes.append(_start(session, mentor, learner, path, assignment, due_on, note))
            else:
                outcomes.append(_update(session, mentor, learner, path, assignment, due_on, note))
        if preview:
            session.rollback()
        else:
            session.commit()
    except BaseException:
        session.rollback()
        raise
    return outcomes


def _start(session, mentor, learner, path, assignment, due_on, note) -> AssignOutcome:
    """A new assignment, or a withdrawn one made live again: it starts now."""
    if assignment is None:
        assignment = Assignment(learner_id=learner.id, path_id=path.id, mentor_id=mentor.id)
    assignment.mentor_id, assignment.withdrawn_at, assignment.created_at = mentor.id, None, utcnow()
    assignment.due_on = None if isinstance(due_on, _Keep) else due_on
    assignment.note = "" if isinstance(note, _Keep) else (note or "")
    session.add(assignment)
    session.flush()
    due = f", due {_day(assignment.due_on)}" if assignment.due_on else ""
    notifications.notify(session=session, user=learner, kind=NotificationKind.assigned,
                         key=f"assigned:{assignment.id}:{assignment.created_at.isoformat()}",
                         message=f"{mentor.name} assigned you “{path.title}”{due}.", link=f"/paths/{path.slug}")
    return AssignOutcome(assignment=assignment, learner=learner, created=True, changes=[])


def _update(session, mentor, learner, path, assignment, due_on, note) -> AssignOutcome:
    """An active assignment: only what was given changes, and the learner hears what changed."""
    changes = []
    if not isinstance(due_on, _Keep) and due_on != assignment.due_on:
        changes.append(f"due date {_day(assignment.due_on)} → {_day(due_on)}")
        assignment.due_on = due_on
    if not isinstance(note, _Keep) and (note or "") != assignment.note:
        changes.append("a new note" if note else "note removed")
        assignment.note = note or ""
    if changes:
        session.add(assignment)
        session.flush()
        notifications.notify(session=session, user=learner, kind=NotificationKind.assignment_changed,
                             key=f"assignment-changed:{assignment.id}:{utcnow().isoformat()}",
                             message=f"{mentor.name} changed “{path.title}”: {'; '.join(changes)}.",
                             link=f"/paths/{path.slug}")
    return AssignOutcome(assignment=assignment, learner=learner, created=False, changes=changes)


def describe_outcomes(path: LearningPath, outcomes: list[AssignOutcome]) -> str:
    """One sentence per kind of outcome, for the mentor who assigned."""
    created = [o.learner.name for o in outcomes if o.created]
    changed = [f"{o.learner.name} ({'; '.join(o.changes)})" for o in outcomes if not o.created and o.changes]
    same = [o.learner.name for o in outcomes if not o.created and not o.changes]
    parts = []
    if created:
        parts.append(f"Assigned “{path.title}” to {', '.join(created)}.")
    if changed:
        parts.append(f"Updated for {', '.join(changed)}.")
    if same:
        parts.append(f"{', '.join(same)} already {'has' if len(same) == 1 else 'have'} it as given; nothing changed.")
    return " ".join(parts)


def needs_confirmation(outcomes: list[AssignOutcome]) -> bool:
    """Whether assigning touches a mentee who already has the path: the mentor sees what changes first."""
    return any(not outcome.created for outcome in outcomes)


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
    path = session.get(LearningPath, assignment.path_id)
    notifications.notify(session=session, user=session.get(User, assignment.learner_id),
                         kind=NotificationKind.assignment_changed,
                         key=f"withdrawn:{assignment.id}:{assignment.withdrawn_at.isoformat()}",
                         message=f"{mentor.name} withdrew “{path.title}”. Your progress on it is kept.",
                         link=f"/paths/{path.slug}")
    session.commit()
    return assignment


def change_due_date(*, session: Session, mentor: User, assignment_id: int, due_on: date | None,
                    today: date) -> Assignment:
    """Move (or clear) the due date. Commits."""
    assignment = _managed_assignment(session, mentor, assignment_id)
    if due_on is not None and due_on < today:
        raise MentoringError("The due date is in the past.")
    if due_on != assignment.due_on:
        path = session.get(LearningPath, assignment.path_id)
        notifications.notify(session=session, user=session.get(User, assignment.learner_id),
                             kind=NotificationKind.assignment_changed,
                             key=f"assignment-changed:{assignment.id}:{utcnow().isoformat()}",
                             message=f"{mentor.name} changed “{path.title}”: due date {_day(assignment.due_on)} → "
                                     f"{_day(due_on)}.", link=f"/paths/{path.slug}")
    assignment.due_on = due_on
    session.commit()
    return assignment


@dataclass
class AssignmentView:
    assignment: Assignment
    path: LearningPath
    learner: User
    mentor: User
    tally: Tally
    status: AssignmentStatus
    forecast_on: date | None
    completed_at: datetime | None
    last_activity_at: datetime | None
    stale: bool
    today: date
    plan: StudyPlan | None = None         # the learner's weekly plan for the path
    plan_forecast_on: date | None = None  # when the plan, kept, finishes the path

    @property
    def days_left(self) -> int | None:
        return None if self.assignment.due_on is None else (self.assignment.due_on - self.today).days


@dataclass
class MenteeView:
    learner: User
    last_activity_at: datetime | None
    pace: float
    assignments: list[AssignmentView] = field(default_factory=list)


def assignment_views(*, session: Session, learners: list[User], now: datetime,
                     include_withdrawn: bool = False) -> dict[int, MenteeView]:
    """Every learner's active assignments with tallies and statuses, in a fixed number of queries. Days
    (today, days left, lateness) are each learner's own, in their time zone."""
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
    entries = path_entries(session=session, path_ids={p.id for _, p in rows})
    states, changed = _progress_of(session, ids)
    study_plans = plans_for_learners(session=session, learner_ids=ids)
    for user_id, (last_activity_at, pace) in _activity_of(session, ids, now).items():
        views[user_id].last_activity_at, views[user_id].pace = last_activity_at, pace

    for assignment, path in rows:
        view = views[assignment.learner_id]
        zone = zone_of(view.learner)
        today = local_day(now, zone)
        items, learner_states = entries[path.id], states[assignment.learner_id]
        t = tally(items, learner_states)
        completed_at = last_settled_at(items, learner_states, changed[assignment.learner_id]) if t.complete else None
        forecast_on = forecast_finish(minutes_left=t.minutes_left, pace=view.pace, today=today)
        view.assignments.append(AssignmentView(
            assignment=assignment, path=path, learner=view.learner, mentor=mentors.get(assignment.mentor_id),
            tally=t, forecast_on=forecast_on, completed_at=completed_at, last_activity_at=view.last_activity_at,
            status=assignment_status(
                t=t, due_on=assignment.due_on, completed_on=completed_at and local_day(completed_at, zone),
                forecast_on=forecast_on, today=today,
                started=started_since(changed_at=[changed[assignment.learner_id][entry.card.article.id]
                                                  for entry in items
                                                  if entry.card.article.id in changed[assignment.learner_id]],
                                      assigned_at=assignment.created_at)),
            stale=is_stale(t=t, last_activity_at=view.last_activity_at, assigned_at=assignment.created_at, now=now),
            today=today, plan=study_plans.get((assignment.learner_id, path.id)),
            plan_forecast_on=plan_forecast(plan=study_plans[(assignment.learner_id, path.id)],
                                           minutes_left=t.minutes_left, today=today)
            if (assignment.learner_id, path.id) in study_plans else None,
        ))
    return views


def _progress_of(session: Session, ids: list[int]):
    """Each learner's state and last change per article (one query)."""
    states: dict[int, dict[int, ProgressState]] = defaultdict(dict)
    changed: dict[int, dict[int, datetime]] = defaultdict(dict)
    for user_id, article_id, state, updated_at in session.exec(
        select(Progress.user_id, Progress.article_id, Progress.state, Progress.updated_at)
        .where(Progress.user_id.in_(ids))
    ):
        states[user_id][article_id] = ProgressState(state)
        changed[user_id][article_id] = updated_at
    return states, changed


def _activity_of(session: Session, ids: list[int], now: datetime) -> dict[int, tuple[datetime | None, float]]:
    """Each learner's last activity and weekly pace in reading minutes (two queries)."""
    activity: dict[int, list] = {user_id: [None, 0.0] for user_id in ids}
    for user_id, last in session.exec(
        select(ProgressEvent.user_id, func.max(ProgressEvent.created_at))
        .where(ProgressEvent.user_id.in_(ids)).group_by(ProgressEvent.user_id)
    ):
        activity[user_id][0] = last
    # Pace: each article finished in the window counts once, however often it was toggled.
    finished = (select(ProgressEvent.user_id, ProgressEvent.article_id)
                .where(ProgressEvent.user_id.in_(ids), ProgressEvent.state == ProgressState.done,
                       ProgressEvent.created_at >= now - PACE_WINDOW)
                .distinct().subquery())
    for user_id, done_minutes in session.exec(
        select(finished.c.user_id, func.sum(reading_minutes_sql()))
        .join(Article, Article.id == finished.c.article_id)
        .group_by(finished.c.user_id)
    ):
        activity[user_id][1] = weekly_pace(int(done_minutes or 0))
    return {user_id: (last, pace) for user_id, (last, pace) in activity.items()}


def learner_pace(*, session: Session, learner: User, now: datetime) -> float:
    """The learner's reading minutes a week over the pace window."""
    return _activity_of(session, [learner.id], now)[learner.id][1]


def learner_assignments(*, session: Session, learner: User, now: datetime) -> list[AssignmentView]:
    return assignment_views(session=session, learners=[learner], now=now)[learner.id].assignments


@dataclass
class LearnerPaths:
    """A learner's paths as their dashboard lists them: assigned ones first, then the others they follow."""

    mentee: MenteeView
    followed: list[PathProgress]

    @property
    def assigned(self) -> list[AssignmentView]:
        return self.mentee.assignments


def learner_paths(*, session: Session, learner: User, now: datetime) -> LearnerPaths:
    """The learner's assigned paths (with pace and last activity), then the paths they follow that nobody assigned."""
    mentee = assignment_views(session=session, learners=[learner], now=now)[learner.id]
    assigned_ids = {row.path.id for row in mentee.assignments}
    return LearnerPaths(mentee=mentee, followed=[view for view in my_paths(session=session, user=learner)
                                                 if view.path.id not in assigned_ids])
