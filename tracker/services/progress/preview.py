"""What saving a path's new definition would do to its learners' percentages, before it is saved (reads only).

Every learner who follows the path or has it assigned is tallied twice with `marks.tally`, the one source of every
number: under the path as it is now and under the draft definition, whose sections (and their rules) are built
into the same `PathEntry` lists the path page tallies. A fixed number of queries, however many learners."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import or_
from sqlmodel import Session, col, select

from tracker.models import Article, Assignment, LearningPath, PathFollow, PathItem, Progress, ProgressState, User
from tracker.services.catalog.articles import article_cards
from tracker.services.curriculum.format import PathDefinition
from tracker.services.curriculum.queries import PathEntry, SectionRule, path_entries
from tracker.services.progress.marks import tally


@dataclass(frozen=True)
class PercentChange:
    """One learner whose percentage would change."""

    learner_id: int
    before: int
    after: int


@dataclass
class PercentChanges:
    """The learners on a path and how the draft would move each one's percentage."""

    learners: int
    changed: list[PercentChange] = field(default_factory=list)

    @property
    def up(self) -> list[PercentChange]:
        return [c for c in self.changed if c.after > c.before]

    @property
    def down(self) -> list[PercentChange]:
        return [c for c in self.changed if c.after < c.before]

    @property
    def reach_complete(self) -> int:
        """Learners the change takes to 100%: the path is read for them once it is saved."""
        return sum(1 for c in self.up if c.after == 100)

    @property
    def leave_complete(self) -> int:
        return sum(1 for c in self.down if c.before == 100)

    def sentence(self) -> str:
        """'Saving this: 7 learners' percentages change — 3 go up (2 reach 100%), 4 go down.'"""
        if not self.learners:
            return "Saving this changes no learner's percentage: nobody follows this path or has it assigned."
        if not self.changed:
            return (f"Saving this changes no learner's percentage ({_learners(self.learners)} on the path).")
        parts = []
        if self.up:
            reach = (f" ({self.reach_complete} reach{'es' if self.reach_complete == 1 else ''} 100%)"
                     if self.reach_complete else "")
            parts.append(f"{len(self.up)} go{'es' if len(self.up) == 1 else ''} up{reach}")
        if self.down:
            leave = f" ({self.leave_complete} no longer at 100%)" if self.leave_complete else ""
            parts.append(f"{len(self.down)} go{'es' if len(self.down) == 1 else ''} down{leave}")
        whose = "learner's percentage changes" if len(self.changed) == 1 else "learners' percentages change"
        return f"Saving this: {len(self.changed)} {whose} — {', '.join(parts)}."

    def details(self) -> list[str]:
        """The moves, grouped: '2 learners: 50% → 100%'."""
        moves: dict[tuple[int, int], int] = {}
        for change in self.changed:
            moves[(change.before, change.after)] = moves.get((change.before, change.after), 0) + 1
        return [f"{_learners(n)}: {before}% → {after}%"
                for (before, after), n in sorted(moves.items(), key=lambda kv: (-kv[1], kv[0]))]


def _learners(n: int) -> str:
    return f"{n} learner{'' if n == 1 else 's'}"


def draft_entries(*, session: Session, definition: PathDefinition) -> list[PathEntry]:
    """The draft's entries as the path page would hold them once saved: each article's card, each section's rule
    (sections told apart by their place, as they have no ids yet). Articles the catalog does not know are left
    out (the draft is refused on saving anyway)."""
    slugs = definition.article_slugs()
    articles = session.exec(select(Article).where(col(Article.slug).in_(slugs))).all() if slugs else []
    cards = {card.article.slug: card for card in article_cards(session=session, articles=list(articles))}
    entries = []
    for number, section in enumerate(definition.sections, start=1):
        rule = SectionRule(section_id=-number, kind=section.kind, pick=section.pick, sequential=section.sequential)
        entries += [PathEntry(item=PathItem(section_id=0, article_id=cards[item.slug].article.id, position=place,
                                            optional=item.optional), card=cards[item.slug], rule=rule)
                    for place, item in enumerate(section.items) if item.slug in cards]
    return entries


def path_learner_ids(*, session: Session, path: LearningPath) -> list[int]:
    """Everyone following the path or with it assigned (not withdrawn), once each (one query)."""
    following = select(PathFollow.user_id).where(PathFollow.path_id == path.id)
    assigned = select(Assignment.learner_id).where(Assignment.path_id == path.id,
                                                   col(Assignment.withdrawn_at).is_(None))
    return list(session.exec(select(User.id).where(or_(col(User.id).in_(following), col(User.id).in_(assigned)))
                             .order_by(col(User.id))).all())


def percent_changes(*, session: Session, path: LearningPath, definition: PathDefinition) -> PercentChanges:
    """How saving `definition` would change the percentage of each learner on `path`. Reads only."""
    learners = path_learner_ids(session=session, path=path)
    current = path_entries(session=session, path_ids=[path.id]).get(path.id, [])
    draft = draft_entries(session=session, definition=definition)
    article_ids = {e.article_id for e in current} | {e.article_id for e in draft}
    states: dict[int, dict[int, ProgressState]] = {learner: {} for learner in learners}
    if learners and article_ids:
        for user_id, article_id, state in session.exec(
                select(Progress.user_id, Progress.article_id, Progress.state)
                .where(col(Progress.user_id).in_(learners), col(Progress.article_id).in_(article_ids))):
            states[user_id][article_id] = ProgressState(state)
    changes = PercentChanges(learners=len(learners))
    for learner in learners:
        before, after = tally(current, states[learner]).percent, tally(draft, states[learner]).percent
        if before != after:
            changes.changed.append(PercentChange(learner_id=learner, before=before, after=after))
    return changes
