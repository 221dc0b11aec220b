"""Starting a path over: its articles back to "not started", the history kept in the event log.

An article can sit in several paths. By default only the articles that none of the learner's other
paths (followed or assigned) hold are reset; the learner may choose to reset the shared ones too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from tracker.models import LearningPath, Progress, ProgressEvent, ProgressState, User, utcnow
from tracker.services.curriculum.queries import path_entries
from tracker.services.mentoring.assignments import assigned_path_ids
from tracker.services.progress.follows import followed_path_ids
from tracker.services.progress.marks import states_for


@dataclass
class RestartPlan:
    """What starting `path` over would reset: articles only this path holds, and those shared with the
    learner's other paths (named, so the learner can choose)."""

    path: LearningPath
    own: list[int] = field(default_factory=list)
    shared: list[int] = field(default_factory=list)
    other_paths: list[LearningPath] = field(default_factory=list)

    def count(self, *, include_shared: bool) -> int:
        return len(self.own) + (len(self.shared) if include_shared else 0)


def plan_restart(*, session: Session, user: User, path: LearningPath) -> RestartPlan:
    """Which of the path's articles the learner has touched, split into own and shared (three queries)."""
    others = (followed_path_ids(session=session, user=user) | assigned_path_ids(session=session, learner=user)) - {
        path.id}
    entries = path_entries(session=session, path_ids=[path.id, *others])
    article_ids = [entry.article_id for entry in entries[path.id]]
    states = states_for(session=session, user=user, article_ids=article_ids)
    touched = [a for a in dict.fromkeys(article_ids) if states.get(a, ProgressState.not_started)
               is not ProgressState.not_started]
    elsewhere = {entry.article_id for other in others for entry in entries[other]}
    plan = RestartPlan(path=path, own=[a for a in touched if a not in elsewhere],
                       shared=[a for a in touched if a in elsewhere])
    if plan.shared:
        shared = set(plan.shared)
        plan.other_paths = list(session.exec(select(LearningPath).where(col(LearningPath.id).in_(
            [other for other in others if any(e.article_id in shared for e in entries[other])]))
            .order_by(col(LearningPath.position))))
    return plan


@dataclass
class RestartOutcome:
    reset: int        # articles set back to "not started"
    shared_kept: int  # articles left as they were because another of the learner's paths holds them


def restart_path(*, session: Session, user: User, path: LearningPath, include_shared: bool) -> RestartOutcome:
    """Set the planned articles back to "not started" in one transaction, logging each change. Commits."""
    outcome = reset_articles(session=session, user=user, path=path, include_shared=include_shared, now=utcnow())
    session.commit()
    return outcome


def reset_articles(*, session: Session, user: User, path: LearningPath, include_shared: bool,
                   now: datetime) -> RestartOutcome:
    """What `restart_path` does, without committing: part of a caller's transaction (a recurring assignment's
    next period starts with it). Each reset article gets its "not started" event at `now`, so the history, the
    xAPI statements and the progress charts read it as a restart."""
    plan = plan_restart(session=session, user=user, path=path)
    article_ids = plan.own + (plan.shared if include_shared else [])
    kept = 0 if include_shared else len(plan.shared)
    if not article_ids:
        return RestartOutcome(reset=0, shared_kept=kept)
    rows = session.exec(select(Progress).where(Progress.user_id == user.id, col(Progress.article_id).in_(article_ids),
                                               Progress.state != ProgressState.not_started)
                        .with_for_update()).all()
    for row in rows:
        row.state, row.updated_at = ProgressState.not_started, now
        session.add(row)
        session.add(ProgressEvent(user_id=user.id, article_id=row.article_id, state=ProgressState.not_started,
                                  created_at=now))
    session.flush()
    return RestartOutcome(reset=len(rows), shared_kept=kept)
