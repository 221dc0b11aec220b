"""Progress: writing a mark, the learner's states, and the one way every progress number is computed (`tally`).

A mark with its consequences goes through `marking.mark_article`."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby

from sqlalchemy import func
from sqlmodel import Session, col, select

from tracker.models import (
    Article,
    LearningPath,
    Progress,
    ProgressState,
    User,
    WebhookEventType,
    utcnow,
)
from tracker.services import access
from tracker.services.curriculum.queries import (
    PathDetail,
    PathEntry,
    SectionView,
    get_learning_path,
    path_details,
    path_entries,
)
from tracker.services.errors import Invalid, NotFound
from tracker.services.progress import activity_days
from tracker.services.progress.statements import (
    followed_paths,
    marking,
    my_progress,
    progress_list,
    progress_list_for_mentors,
)
from tracker.services.webhooks import events as webhook_events

SETTLED = (ProgressState.done, ProgressState.skipped)


class ProgressError(Invalid):
    """A progress request was refused; the message is fit to show."""


def parse_state(value: object) -> ProgressState:
    """The state named by `value`, or a ProgressError listing the accepted ones."""
    if isinstance(value, str):
        try:
            return ProgressState(value)
        except ValueError:
            pass
    accepted = ", ".join(s.value for s in ProgressState)
    raise ProgressError(f"unknown state {value!r}; use one of: {accepted}")


# ---------------------------------------------------------------- marking

def write_mark(*, session: Session, user: User, article: Article, state: ProgressState,
               at: datetime | None = None, path: LearningPath | None = None) -> Progress:
    """Set the user's state on an article (an upsert) and log the change at `at` (default: now), with the
    path it was marked on, if any. Commits.

    Repeating the same state (a double click, a retried request) changes nothing and logs nothing,
    even when the requests race: the upsert only updates, and only returns, a row whose state differs.
    The time is taken once the upsert holds the row (and SQLite's write lock), so the event log orders
    as the commits do; the answer is this write's own row, never another request's.
    """
    statements = marking(session.get_bind().dialect.name)
    key = {"user_id": user.id, "article_id": article.id}
    connection = session.connection()  # plain statements on the session's transaction: none is an ORM object
    changed = connection.execute(statements.upsert, {**key, "state": state, "updated_at": at or utcnow()}).first()
    if changed is None:  # already in this state: nothing to log, and the answer is that state
        record = session.exec(statements.current, params=key).one()
        session.commit()
        # Another request may have changed the row since; this request's answer is what it found.
        return Progress(id=record.id, user_id=user.id, article_id=article.id, state=state,
                        updated_at=record.updated_at)
    moment = at or utcnow()  # after the lock: no write that commits later can carry an earlier time
    connection.execute(statements.stamp, {"progress_id": changed[0], "updated_at": moment})
    connection.execute(statements.log, {**key, "state": state, "created_at": moment,
                                        "path_id": path.id if path is not None else None})
    if activity_days.counts_as_activity(state):  # a reset or a skip is not activity
        activity_days.count(session=session, user=user, moment=moment, changes=1)
    if article.owner_id is None:  # a learner's own resource, like their own path, is nobody else's to hear of
        webhook_events.record(session=session, event_type=WebhookEventType.progress_marked, now=moment, data={
            "learner": webhook_events.learner(user), "article": article.slug, "state": state.value,
            "path": path.slug if path is not None and path.owner_id is None else None,
            "marked_at": moment.isoformat()})
    session.commit()
    return Progress(id=changed[0], user_id=user.id, article_id=article.id, state=state, updated_at=moment)


def states_for(*, session: Session, user: User | None,
               article_ids: Iterable[int] | None = None) -> dict[int, ProgressState]:
    """The user's state per article id (articles never touched are absent)."""
    if user is None:
        return {}
    if article_ids is None:
        rows = session.exec(my_progress(Progress.state, among=False), params={"user_id": user.id})
    else:
        rows = session.exec(my_progress(Progress.state), params={"user_id": user.id, "ids": list(article_ids)})
    return {article_id: ProgressState(state) for article_id, state in rows}


def states_and_times(*, session: Session, user: User | None, article_ids: Iterable[int]
                     ) -> tuple[dict[int, ProgressState], dict[int, datetime]]:
    """The user's state per article id and when they last changed it, for these articles (one query)."""
    if user is None:
        return {}, {}
    states, changed = {}, {}
    for article_id, state, updated_at in session.exec(my_progress(Progress.state, Progress.updated_at),
                                                      params={"user_id": user.id, "ids": list(article_ids)}):
        states[article_id], changed[article_id] = ProgressState(state), updated_at
    return states, changed


def changed_at(*, session: Session, user: User, article_ids: Iterable[int]) -> dict[int, datetime]:
    """When the user last changed the state of each of these articles."""
    return dict(session.exec(my_progress(Progress.updated_at),
                             params={"user_id": user.id, "ids": list(article_ids)}).all())


def list_progress(*, session: Session, user: User,
                  for_mentor: bool = False) -> list[tuple[ProgressState, datetime, str]]:
    """Every state the user has set, with its time and the article's slug, most recent first (columns only:
    an answer of every row the user has). `for_mentor`: none on a resource of the user's they did not share."""
    statement = progress_list_for_mentors() if for_mentor else progress_list()
    return [(ProgressState(state), updated_at, slug)
            for state, updated_at, slug in session.exec(statement, params={"user_id": user.id})]


# ---------------------------------------------------------------- the numbers

@dataclass(frozen=True)
class Tally:
    """Progress over a set of items. Optional items never count against 100%."""

    total: int
    done: int
    skipped: int
    in_progress: int
    minutes_left: int
    next_entry: PathEntry | None = None
    estimated_minutes_left: int = 0  # the part of minutes_left that is estimated, not given by the listings

    @property
    def percent(self) -> int:
        """Done items only, rounded down: 100 means everything required is done."""
        return math.floor(100 * self.done / self.total) if self.total else 0

    @property
    def skipped_percent(self) -> int:
        return math.floor(100 * self.skipped / self.total) if self.total else 0

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.done + self.skipped >= self.total

    @property
    def read_all(self) -> bool:
        """Everything required read (done), none of it skipped: what a credential asks."""
        return self.total > 0 and self.done >= self.total

    @property
    def started(self) -> bool:
        """Any required item read, being read or skipped: the bar is not empty."""
        return self.done + self.skipped + self.in_progress > 0

    def describe(self) -> str:
        text = f"{self.done} of {self.total} required done"
        return text + (f", {self.skipped} skipped" if self.skipped else "")


def tally(entries: Sequence[PathEntry], states: dict[int, ProgressState]) -> Tally:
    """The one function behind every bar, percentage, 'continue' link and time estimate.

    Each section counts by its rule (`SectionRule.needed`): a core section asks every required article; an
    elective one asks any `pick` of them, so reading more than it asks adds nothing, and only the articles
    still needed count towards the time left (those being read first, then in the path's order).
    Optional articles never count against 100%."""
    total = done = skipped = in_progress = minutes_left = estimated_left = 0
    next_entry = None
    for rule, group in groupby(entries, key=lambda entry: entry.rule):
        required = [entry for entry in group if not entry.optional]
        needed = rule.needed(len(required))
        section_done = min(needed, sum(1 for e in required if states.get(e.article_id) is ProgressState.done))
        section_skipped = min(needed - section_done,
                              sum(1 for e in required if states.get(e.article_id) is ProgressState.skipped))
        still_needed = needed - section_done - section_skipped
        total, done, skipped = total + needed, done + section_done, skipped + section_skipped
        unsettled = [e for e in required if states.get(e.article_id) not in SETTLED]
        if rule.elective:  # the articles being read are the ones the learner chose
            unsettled.sort(key=lambda e: states.get(e.article_id) is not ProgressState.in_progress)
        for entry in unsettled[:still_needed]:
            in_progress += states.get(entry.article_id) is ProgressState.in_progress
            time = entry.reading_time
            minutes_left += time.minutes
            estimated_left += time.minutes if time.estimated else 0
        if next_entry is None and still_needed:
            next_entry = next(e for e in required if states.get(e.article_id) not in SETTLED) \
                if not rule.elective else unsettled[0]
    if next_entry is None:  # every required item is settled: suggest an unread optional one
        next_entry = next((e for e in entries if states.get(e.article_id, ProgressState.not_started)
                           in (ProgressState.not_started, ProgressState.in_progress)), None)
    return Tally(total=total, done=done, skipped=skipped, in_progress=in_progress,
                 minutes_left=minutes_left, next_entry=next_entry, estimated_minutes_left=estimated_left)


def locked_articles(entries: Sequence[PathEntry], states: dict[int, ProgressState]) -> dict[int, PathEntry]:
    """The articles a sequential section keeps closed, each with the article that opens it: in a sequential
    section an article opens once the required article before it is settled (done or skipped). The one rule
    for the path page, the API and marking on the path."""
    locked: dict[int, PathEntry] = {}
    for rule, group in groupby(entries, key=lambda entry: entry.rule):
        if not rule.sequential:
            continue
        blocker: PathEntry | None = None
        for entry in group:
            if blocker is not None:
                locked[entry.article_id] = blocker
            elif not entry.optional and states.get(entry.article_id) not in SETTLED:
                blocker = entry
    return locked


@dataclass
class PathProgress:
    """A path seen by one learner: the whole path and each section tallied."""

    detail: PathDetail
    states: dict[int, ProgressState]
    overall: Tally
    sections: dict[int, Tally]
    changed: dict[int, datetime] = field(default_factory=dict)  # when the learner last changed each state

    @property
    def path(self) -> LearningPath:
        return self.detail.path

    def state_of(self, article_id: int) -> ProgressState:
        return self.states.get(article_id, ProgressState.not_started)

    def article_ids(self) -> list[int]:
        """Every article id on the path."""
        return [e.article_id for v in self.detail.sections for e in v.entries]

    def entries(self) -> list[PathEntry]:
        """Every entry of the path, in order."""
        return [e for v in self.detail.sections for e in v.entries]

    def entry(self, article_id: int) -> PathEntry | None:
        return next((e for v in self.detail.sections for e in v.entries if e.article_id == article_id), None)

    def section_of(self, article_id: int) -> SectionView | None:
        return next((v for v in self.detail.sections if any(e.article_id == article_id for e in v.entries)), None)

    def is_next(self, article_id: int) -> bool:
        upcoming = self.overall.next_entry
        return upcoming is not None and upcoming.card.article.id == article_id

    def with_state(self, article_id: int, state: ProgressState, at: datetime | None = None) -> PathProgress:
        """The same path after one article's state changed (at `at`, when given): tallies counted again from the
        path already in hand, with no query (what a mark answers with)."""
        states = {**self.states, article_id: state}
        entries = [entry for view in self.detail.sections for entry in view.entries]
        return PathProgress(detail=self.detail, states=states, overall=tally(entries, states),
                            sections={view.section.id: tally(view.entries, states) for view in self.detail.sections},
                            changed={**self.changed, article_id: at} if at is not None else self.changed)


def path_progress(*, session: Session, user: User | None, slug: str) -> PathProgress | None:
    """A path with the user's states and tallies, or None for an unknown path."""
    path = get_learning_path(session=session, slug=slug)
    return None if path is None else paths_progress(session=session, user=user, paths=[path])[0]


def paths_progress(*, session: Session, user: User | None, paths: Sequence[LearningPath]) -> list[PathProgress]:
    """Several paths with the user's states and tallies, in a fixed number of queries however many."""
    details = path_details(session=session, paths=paths)
    article_ids = {e.article_id for detail in details.values() for view in detail.sections for e in view.entries}
    states, changed = states_and_times(session=session, user=user, article_ids=article_ids)
    views = []
    for path in paths:
        detail = details[path.id]
        entries = [entry for view in detail.sections for entry in view.entries]
        own = {e.article_id: states[e.article_id] for e in entries if e.article_id in states}
        views.append(PathProgress(detail=detail, states=own, overall=tally(entries, own),
                                  changed={i: changed[i] for i in own if i in changed},
                                  sections={view.section.id: tally(view.entries, own) for view in detail.sections}))
    return views


def visible_path_progress(*, session: Session, viewer: User | None, slug: str,
                          learner: User | None = None) -> PathProgress:
    """`learner`'s (default: the viewer's) progress on a path the viewer may see; NotFound otherwise."""
    view = path_progress(session=session, user=learner or viewer, slug=slug)
    if view is None or not access.can_see_path(viewer, view.path):
        raise NotFound(f"There is no path called '{slug}'.")
    return view


def last_settled_at(entries: Sequence[PathEntry], states: dict[int, ProgressState],
                    changed: dict[int, datetime]) -> datetime | None:
    """When the learner settled (did or skipped) the last of the path's required articles they have settled.

    For a complete path this is when it was finished: the one definition used by assignments ("completed
    late") and, over a saved version's articles, by `catch_up` (which version a learner finished).
    """
    times = [changed[e.article_id] for e in entries
             if not e.optional and states.get(e.article_id) in SETTLED and e.article_id in changed]
    return max(times, default=None)


# ---------------------------------------------------------------- following


def my_paths(*, session: Session, user: User) -> list[PathProgress]:
    """The paths the user follows, with progress, in the curriculum's order."""
    paths = session.exec(followed_paths(), params={"user_id": user.id}).all()
    return paths_progress(session=session, user=user, paths=paths)


def path_tallies(*, session: Session, user: User | None, paths: Iterable[LearningPath]) -> dict[int, Tally]:
    """Tallies for many paths at once (the paths page), in a fixed number of queries."""
    path_ids = [p.id for p in paths]
    if not path_ids or user is None:
        return {}
    entries = path_entries(session=session, path_ids=path_ids)
    states = states_for(session=session, user=user,
                        article_ids={e.article_id for group in entries.values() for e in group})
    return {path_id: tally(group, states) for path_id, group in entries.items()}


def progress_count(*, session: Session, user: User) -> int:
    return session.exec(select(func.count(col(Progress.id))).where(Progress.user_id == user.id)).one()
