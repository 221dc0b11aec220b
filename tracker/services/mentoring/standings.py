"""What mentors and learners see of assignments: each one with its tally, status, forecasts and plan, for
many learners at once in a fixed number of queries; a learner's pace; a learner's paths (assigned, then
followed)."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import BindParameter, bindparam, func
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select, SelectOfScalar

from tracker.models import (
    Article,
    Assignment,
    AssignmentRule,
    Group,
    LearningPath,
    Progress,
    ProgressEvent,
    ProgressState,
    StudyPlan,
    User,
)
from tracker.services import access
from tracker.services.catalog.articles import reading_minutes_sql
from tracker.services.curriculum.prerequisites import Prerequisite, titles, waiting_for
from tracker.services.curriculum.queries import PathEntry, path_entries
from tracker.services.learning import mastery
from tracker.services.learning.mastery import Recall
from tracker.services.learning.plans import Forecasts, forecasts, plan_for, plan_forecast, plans_for_learners
from tracker.services.mentoring.rules import (
    PACE_WINDOW,
    AssignmentStatus,
    assignment_status,
    forecast_finish,
    is_stale,
    started_since,
    weekly_pace,
)
from tracker.services.people.time_zones import local_day, zone_of
from tracker.services.progress.catch_up import CatchUp, Standing, catch_ups
from tracker.services.progress.marks import PathProgress, Tally, last_settled_at, my_paths, tally


@dataclass
class AssignmentView:
    assignment: Assignment
    path: LearningPath
    learner: User
    mentor: User | None  # who assigned it; None once their account is gone
    group: Group | None  # the group whose rule assigned it, if a rule did
    tally: Tally
    status: AssignmentStatus
    forecast_on: date | None
    completed_at: datetime | None
    last_activity_at: datetime | None
    stale: bool
    today: date
    plan: StudyPlan | None = None         # the learner's weekly plan for the path
    plan_forecast_on: date | None = None  # when the plan, kept, finishes the path
    catch_up: CatchUp | None = None  # what a later version added since the learner finished
    recall: Recall | None = None          # the learner's recall of the path's required articles (when asked for)
    waiting_for: list[Prerequisite] = field(default_factory=list)  # required prerequisites not yet complete

    def waiting_words(self) -> str:
        """"starts once you finish “API Designer”" for a waiting assignment, else ""."""
        return f"starts once you finish {titles(self.waiting_for)}" if self.waiting_for else ""

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
                     include_withdrawn: bool = False, with_recall: bool = False) -> dict[int, MenteeView]:
    """Every learner's active assignments with tallies and statuses, in a fixed number of queries. Days
    (today, days left, lateness) are each learner's own, in their time zone. `with_recall`: each with the
    learner's recall of the path too (`mastery`: one more query, of every learner's cards at once)."""
    views = {u.id: MenteeView(learner=u, last_activity_at=None, pace=0.0) for u in learners}
    if not learners:
        return views
    ids = list(views)

    rows = session.exec(_assignments_of(include_withdrawn), params={"ids": ids}).all()
    mentors, rule_groups = _who_assigned(session, rows)
    entries = path_entries(session=session, path_ids={p.id for _, p in rows})
    states, changed = _progress_of(session, ids)
    waiting = waiting_for(session=session, pairs={(a.learner_id, p.id) for a, p in rows})
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
        mentor = mentors.get(assignment.mentor_id) if assignment.mentor_id is not None else None
        unmet = waiting.get((assignment.learner_id, path.id), [])
        view.assignments.append(AssignmentView(
            assignment=assignment, path=path, learner=view.learner, mentor=mentor,
            group=rule_groups.get(assignment.rule_id) if assignment.rule_id is not None else None,
            tally=t, forecast_on=forecast_on, completed_at=completed_at, last_activity_at=view.last_activity_at,
            status=assignment_status(
                t=t, due_on=assignment.due_on, completed_on=completed_at and local_day(completed_at, zone),
                forecast_on=forecast_on, today=today,
                started=started_since(changed_at=[changed[assignment.learner_id][entry.article_id]
                                                  for entry in items
                                                  if entry.article_id in changed[assignment.learner_id]],
                                      assigned_at=assignment.created_at),
                waiting=bool(unmet)),
            stale=not unmet and is_stale(t=t, last_activity_at=view.last_activity_at,
                                         assigned_at=assignment.created_at, now=now),
            today=today, plan=study_plans.get((assignment.learner_id, path.id)),
            plan_forecast_on=plan_forecast(plan=study_plans[(assignment.learner_id, path.id)],
                                           minutes_left=t.minutes_left, today=today)
            if (assignment.learner_id, path.id) in study_plans else None, waiting_for=unmet,
        ))
    _add_catch_ups(session, views, states, changed)
    return _with_recall(session, views, entries, now) if with_recall else views


def _with_recall(session: Session, views: dict[int, MenteeView], entries: dict[int, list[PathEntry]],
                 now: datetime) -> dict[int, MenteeView]:
    """Each assignment's recall of its path, from one query of every learner's cards on the paths' articles."""
    cards = mastery.cards_of_learners(session=session, learner_ids=list(views),
                                      article_ids={e.article_id for group in entries.values() for e in group})
    for view in views.values():
        for row in view.assignments:
            row.recall = mastery.recall_of(path=row.path, entries=entries[row.path.id], learner=view.learner,
                                           cards=cards.get(view.learner.id, []), now=now)
    return views


def _add_catch_ups(session: Session, views: dict[int, MenteeView], states: dict[int, dict[int, ProgressState]],
                   changed: dict[int, dict[int, datetime]]) -> None:
    """Each assignment's catch-up list: who is behind the path's current version (a fixed number of queries)."""
    rows = [row for view in views.values() for row in view.assignments]
    found = catch_ups(session=session, standings=[
        Standing(learner=row.learner, path=row.path, states=states[row.learner.id],
                 changed=changed[row.learner.id]) for row in rows])
    for row in rows:
        row.catch_up = found.get((row.learner.id, row.path.id))


def _who_assigned(session: Session, rows: Sequence[tuple[Assignment, LearningPath]]
                  ) -> tuple[dict[int, User], dict[int, Group]]:
    """The mentors who made these assignments, by id, and the groups whose rules made them, by rule id."""
    mentor_ids = {a.mentor_id for a, _ in rows}
    mentors = {u.id: u for u in session.exec(_users_among(), params={"ids": list(mentor_ids)})} if mentor_ids else {}
    rule_ids = {a.rule_id for a, _ in rows if a.rule_id is not None}
    rule_groups = dict(session.exec(
        select(AssignmentRule.id, Group).join(Group, col(Group.id) == AssignmentRule.group_id)
        .where(col(AssignmentRule.id).in_(rule_ids))).all()) if rule_ids else {}
    return mentors, rule_groups


@functools.cache  # built once: building a statement costs more than running it
def _assignments_of(include_withdrawn: bool) -> Select[Assignment, LearningPath]:
    query = select(Assignment, LearningPath).join(LearningPath, col(LearningPath.id) == Assignment.path_id).where(
        col(Assignment.learner_id).in_(bindparam("ids", expanding=True)))
    if not include_withdrawn:
        query = query.where(col(Assignment.withdrawn_at).is_(None))
    return query.order_by(col(LearningPath.position), col(Assignment.id))


@functools.cache  # built once: building a statement costs more than running it
def _users_among() -> SelectOfScalar[User]:
    return select(User).where(col(User.id).in_(bindparam("ids", expanding=True)))


def _progress_of(session: Session, ids: list[int]
                 ) -> tuple[dict[int, dict[int, ProgressState]], dict[int, dict[int, datetime]]]:
    """Each learner's state and last change per article (one query)."""
    states: dict[int, dict[int, ProgressState]] = defaultdict(dict)
    changed: dict[int, dict[int, datetime]] = defaultdict(dict)
    for user_id, article_id, state, updated_at in session.exec(_progress_rows(), params={"ids": ids}):
        states[user_id][article_id] = ProgressState(state)
        changed[user_id][article_id] = updated_at
    return states, changed


def _activity_of(session: Session, ids: list[int], now: datetime) -> dict[int, tuple[datetime | None, float]]:
    """Each learner's last activity and weekly pace in reading minutes (two queries)."""
    last_at: dict[int, datetime | None] = dict.fromkeys(ids)
    paces = dict.fromkeys(ids, 0.0)
    latest, pace = _activity_queries()
    for user_id, last in session.exec(latest, params={"ids": ids}):
        last_at[user_id] = last
    for user_id, done_minutes in session.exec(pace, params={"ids": ids, "since": now - PACE_WINDOW}):
        paces[user_id] = weekly_pace(int(done_minutes or 0))
    return {user_id: (last_at[user_id], paces[user_id]) for user_id in last_at}


@functools.cache  # built once: building a statement costs more than running it
def _progress_rows() -> Select[int, int, str, datetime]:
    return select(Progress.user_id, Progress.article_id, Progress.state, Progress.updated_at).where(
        col(Progress.user_id).in_(bindparam("ids", expanding=True)))


@functools.cache  # built once: building a statement costs more than running it
def _activity_queries() -> tuple[Select[int, datetime | None], Select[int, int | None]]:
    ids: BindParameter[list[int]] = bindparam("ids", expanding=True)
    # One probe of the (user, time) index per learner: grouping would read every event of every learner.
    latest = (select(func.max(col(ProgressEvent.created_at))).where(ProgressEvent.user_id == User.id)
              .correlate(User).scalar_subquery())
    # Pace: each article finished in the window counts once, however often it was toggled.
    finished = (select(ProgressEvent.user_id, ProgressEvent.article_id)
                .where(col(ProgressEvent.user_id).in_(ids), ProgressEvent.state == ProgressState.done,
                       ProgressEvent.created_at >= bindparam("since"))
                .distinct().subquery())
    return (select(User.id, latest).where(col(User.id).in_(ids)),
            select(finished.c.user_id, func.sum(reading_minutes_sql()))
            .join(Article, col(Article.id) == finished.c.article_id).group_by(finished.c.user_id))


def weekly_paces(*, session: Session, learner_ids: list[int], now: datetime) -> dict[int, float]:
    """Each learner's reading minutes a week over the pace window (one query; 0.0 for those who read nothing)."""
    paces = dict.fromkeys(learner_ids, 0.0)
    if learner_ids:
        for user_id, done_minutes in session.exec(_activity_queries()[1],
                                                  params={"ids": learner_ids, "since": now - PACE_WINDOW}):
            paces[user_id] = weekly_pace(int(done_minutes or 0))
    return paces


def learner_pace(*, session: Session, learner: User, now: datetime) -> float:
    """The learner's reading minutes a week over the pace window."""
    return _activity_of(session, [learner.id], now)[learner.id][1]


def learner_forecasts(*, session: Session, learner: User, view: PathProgress, now: datetime) -> Forecasts:
    """The learner's weekly plan for a path and both finish forecasts (by the plan, by their real pace), from
    their own today: what the path page and the API show."""
    pace = learner_pace(session=session, learner=learner, now=now)
    return forecasts(plan=plan_for(session=session, user=learner, path=view.path),
                     minutes_left=view.overall.minutes_left, pace=pace, today=local_day(now, zone_of(learner)))


def learner_assignments(*, session: Session, learner: User, now: datetime,
                        with_recall: bool = False) -> list[AssignmentView]:
    return assignment_views(session=session, learners=[learner], now=now,
                            with_recall=with_recall)[learner.id].assignments


@dataclass
class LearnerPaths:
    """A learner's paths as their dashboard lists them: assigned ones first, then the others they follow."""

    mentee: MenteeView
    followed: list[PathProgress]

    @property
    def assigned(self) -> list[AssignmentView]:
        return self.mentee.assignments


def learner_paths(*, session: Session, learner: User, now: datetime, viewer: User,
                  with_recall: bool = False) -> LearnerPaths:
    """The learner's assigned paths (with pace and last activity, and `with_recall` their recall), then the paths
    they follow that nobody assigned, as far as `viewer` may see them: a mentor or manager never learns of a
    personal path the learner keeps to themselves."""
    mentee = assignment_views(session=session, learners=[learner], now=now, with_recall=with_recall)[learner.id]
    assigned_ids = {row.path.id for row in mentee.assignments}
    return LearnerPaths(mentee=mentee, followed=[view for view in my_paths(session=session, user=learner)
                                                 if view.path.id not in assigned_ids
                                                 and access.can_see_path(viewer, view.path, session=session)])
