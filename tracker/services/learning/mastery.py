"""Mastery: a path that asks for recall as well as reading. A share of its required articles must have a card
the learner reviewed, recalled (FSRS retrievability) at or above the path's threshold on the day the credential
is issued.

What counts, decided here once for the path page, credentials, the mentor overview and the API:

- A card counts for its article when it is the learner's own, is not suspended, was recalled (rated anything but
  Again) at least `SPACING` after its first review, and FSRS's retrievability of it at the moment asked is at or
  above the threshold. The spacing is what makes it recall: without it, twenty cards written and rated Easy at
  once would reach any threshold in a minute. A buried card
  counts: burying only leaves it out of today's queue, its memory state is the same. A suspended one does not:
  the learner took it out of reviewing. One such card is enough for its article, however many it has.
- The required articles are the ones `tally()` counts: optional articles never; a core section asks every
  required article; an elective section ("any N of M") asks N, and any N of its required articles recalled
  meet it (as any N read complete it for reading). The recalled count is `tally()` run over the recalled
  articles, so both numbers are capped per section in exactly the same way.
- The share met: recalled required articles at least `mastery_percent` of the required ones, rounded up
  (80% of 8 asks 7).

Retrievability is FSRS's own (`Scheduler.get_card_retrievability`) with the learner's scheduler. Nothing here
writes; nothing commits.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import fsrs
from sqlalchemy import case, func
from sqlmodel import Session, col, select

from tracker.models import CardReview, LearningPath, ProgressState, RecallCard, User, as_utc, utcnow
from tracker.services.curriculum.queries import PathEntry, path_entries
from tracker.services.learning.recall import as_fsrs_card, scheduler_for
from tracker.services.progress.marks import PathProgress, tally

DEFAULT_RETRIEVABILITY = 90  # the threshold recall health is judged at on a path that asks reading only
SPACING = timedelta(days=1)  # a card counts once recalled this long after its first review


def retrievability(*, scheduler: fsrs.Scheduler, card: RecallCard, now: datetime) -> float:
    """FSRS's probability (0..1) that the learner recalls the card at `now`; 0 for a card never reviewed."""
    if card.last_review is None:
        return 0.0
    return float(scheduler.get_card_retrievability(as_fsrs_card(card), as_utc(now).astimezone(UTC)))


def card_retrievability(*, learner: User, card: RecallCard, now: datetime) -> float:
    """A card's retrievability at `now` by its learner's own scheduler."""
    return retrievability(scheduler=scheduler_for(learner), card=card, now=now)


def threshold_of(path: LearningPath) -> int:
    """The retrievability, in percent, a card must hold on this path (the default for a reading-only path)."""
    return path.mastery_retrievability or DEFAULT_RETRIEVABILITY


def cards_on(*, session: Session, learner: User, article_ids: Iterable[int]) -> list[RecallCard]:
    """The learner's cards on these articles that can count: not suspended, recalled at least `SPACING` after
    their first review (one query)."""
    return cards_of_learners(session=session, learner_ids=[learner.id], article_ids=article_ids).get(learner.id, [])


def cards_of_learners(*, session: Session, learner_ids: Iterable[int],
                      article_ids: Iterable[int]) -> dict[int, list[RecallCard]]:
    """Each learner's cards on these articles that can count, by learner id (one query, none without ids): not
    suspended, and recalled at least `SPACING` after their first review, as their review log says."""
    learners, articles = list(set(learner_ids)), list(set(article_ids))
    if not learners or not articles:
        return {}
    reviews = (select(CardReview.card_id, func.min(CardReview.reviewed_at).label("first"),
                      func.max(case((col(CardReview.rating) > 1, col(CardReview.reviewed_at)))).label("recalled"))
               .where(col(CardReview.user_id).in_(learners)).group_by(col(CardReview.card_id)).subquery())
    found: dict[int, list[RecallCard]] = {}
    for card, first, recalled in session.exec(
            select(RecallCard, reviews.c.first, reviews.c.recalled)
            .join(reviews, reviews.c.card_id == RecallCard.id)
            .where(col(RecallCard.user_id).in_(learners), col(RecallCard.article_id).in_(articles),
                   col(RecallCard.last_review).is_not(None), col(RecallCard.suspended).is_(False))):
        if recalled is not None and as_utc(recalled) - as_utc(first) >= SPACING:
            found.setdefault(card.user_id, []).append(card)
    return found


def best_recall(*, learner: User, cards: Iterable[RecallCard], now: datetime) -> dict[int, float]:
    """Per article, the highest retrievability at `now` of the learner's countable cards on it (articles without
    one are absent). Another learner's card, a suspended or a never-reviewed one never counts."""
    scheduler = scheduler_for(learner)
    best: dict[int, float] = {}
    for card in cards:
        if card.user_id != learner.id or card.suspended or card.last_review is None:
            continue
        value = retrievability(scheduler=scheduler, card=card, now=now)
        best[card.article_id] = max(value, best.get(card.article_id, 0.0))
    return best


def recalled_articles(*, learner: User, cards: Iterable[RecallCard], threshold: int, now: datetime) -> set[int]:
    """The articles the learner recalls at `now`: one of their countable cards on it at or above `threshold`
    percent retrievability."""
    return {article_id for article_id, value in best_recall(learner=learner, cards=cards, now=now).items()
            if value >= threshold / 100}


@dataclass(frozen=True)
class Missing:
    """A required article still short of recall, and why (what the learner should do about it)."""

    entry: PathEntry
    recall: float | None  # its best card's retrievability now; None without a card that counts (spaced)

    @property
    def reason(self) -> str:
        if self.recall is None:
            return "no card recalled a day after its first review yet"
        return f"recall {math.floor(100 * self.recall)}% now"


@dataclass(frozen=True)
class Recall:
    """A learner's recall of a path's required articles at a moment."""

    share: int | None     # the percent of required articles the path asks to be recalled; None: reading only
    threshold: int        # the retrievability, in percent, a card must hold
    required: int         # required articles, as tally() counts them
    recalled: int         # of them, recalled (capped per section as tally() caps)
    missing: list[Missing] = field(default_factory=list)

    @property
    def asked(self) -> bool:
        return self.share is not None

    @property
    def needed(self) -> int:
        """How many recalled articles the path asks (the share of the required ones, rounded up)."""
        return math.ceil(self.required * self.share / 100) if self.share is not None else 0

    @property
    def met(self) -> bool:
        """The path asks no recall, or the learner recalls as many required articles as it asks."""
        return self.share is None or (self.required > 0 and self.recalled >= self.needed)

    @property
    def percent(self) -> int:
        """Recall health: the share of the required articles recalled, rounded down."""
        return math.floor(100 * self.recalled / self.required) if self.required else 0

    def describe(self) -> str:
        text = f"{self.recalled} of {self.required} article{'' if self.required == 1 else 's'} recalled"
        return text + (f" (need {self.share}%)" if self.share is not None else "")


def recall_of(*, path: LearningPath, entries: Sequence[PathEntry], learner: User, cards: Iterable[RecallCard],
              now: datetime) -> Recall:
    """The learner's recall of the path's required articles at `now`, from their cards (no query)."""
    threshold = threshold_of(path)
    best = best_recall(learner=learner, cards=cards, now=now)
    recalled = {article_id for article_id, value in best.items() if value >= threshold / 100}
    counted = tally(entries, {article_id: ProgressState.done for article_id in recalled})
    missing = [Missing(entry=e, recall=best.get(e.article_id)) for e in entries
               if not e.optional and e.article_id not in recalled]
    return Recall(share=path.mastery_percent, threshold=threshold, required=counted.total, recalled=counted.done,
                  missing=_still_needed(entries, recalled, missing))


def _still_needed(entries: Sequence[PathEntry], recalled: set[int], missing: list[Missing]) -> list[Missing]:
    """The missing articles worth listing: in a core section all of them; in an elective section that already
    has as many recalled as it asks, none."""
    by_section: dict[int, int] = {}
    asked: dict[int, int] = {}
    for entry in entries:
        if entry.optional:
            continue
        section = entry.rule.section_id
        asked[section] = asked.get(section, 0) + 1
        by_section[section] = by_section.get(section, 0) + (entry.article_id in recalled)
    return [m for m in missing
            if by_section[m.entry.rule.section_id] < m.entry.rule.needed(asked[m.entry.rule.section_id])]


def recall_for_paths(*, session: Session, learner: User, paths: Sequence[LearningPath], now: datetime,
                     asking_only: bool = True) -> dict[int, Recall]:
    """The learner's recall of each path by id (with `asking_only`, only the paths that ask recall): no query when
    none is left, else two (the paths' articles, the learner's cards)."""
    chosen = [path for path in paths if path.mastery_percent is not None or not asking_only]
    if not chosen:
        return {}
    entries = path_entries(session=session, path_ids=[path.id for path in chosen])
    cards = cards_on(session=session, learner=learner,
                     article_ids={e.article_id for group in entries.values() for e in group})
    return {path.id: recall_of(path=path, entries=entries[path.id], learner=learner, cards=cards, now=now)
            for path in chosen}


def path_recall(*, session: Session, learner: User, view: PathProgress, now: datetime) -> Recall:
    """The learner's recall of one path at `now` (one query)."""
    entries = view.entries()
    cards = cards_on(session=session, learner=learner, article_ids=[e.article_id for e in entries])
    return recall_of(path=view.path, entries=entries, learner=learner, cards=cards, now=now)


def for_path(*, session: Session, learner: User | None, view: PathProgress) -> Recall | None:
    """What the path page shows of the recall the path asks (None: it asks reading only, or nobody signed in)."""
    if learner is None or view.path.mastery_percent is None:
        return None
    return path_recall(session=session, learner=learner, view=view, now=utcnow())
