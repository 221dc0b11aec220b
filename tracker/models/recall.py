"""Recall cards a learner writes for an article, scheduled for spaced review with FSRS, and the log of
every review (what FSRS's optimizer learns from)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from tracker.models.base import choice_column, utcnow


class SuggestionOrigin(StrEnum):
    curriculum = "curriculum"  # from the curriculum files under paths/ (reviewed in git)
    mentor = "mentor"          # a mentor's suggestion for a path they assigned


class CardKind(StrEnum):
    qa = "qa"        # a question and its answer
    cloze = "cloze"  # a text with Anki-style deletions ({{c1::answer}}); the card asks one deletion number


class SuggestedCard(SQLModel, table=True):
    """A card offered to learners of an article: from the curriculum, or by a mentor for the path they
    assigned (then only that mentor's mentees with the assignment see it). Learners adopt a copy."""

    __tablename__ = "suggested_card"

    id: int = Field(default=None, primary_key=True)  # None until the row is first flushed
    article_id: int = Field(foreign_key="article.id", index=True, ondelete="CASCADE")
    prompt: str = Field(sa_column=Column(Text, nullable=False))
    answer: str = Field(sa_column=Column(Text, nullable=False))
    origin: SuggestionOrigin = Field(sa_column=choice_column(SuggestionOrigin, check="ck_suggested_card_origin"))
    mentor_id: int | None = Field(default=None, foreign_key="user.id", index=True, ondelete="CASCADE")
    path_id: int | None = Field(default=None, foreign_key="learning_path.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow)


class RecallCard(SQLModel, table=True):
    """A question and its answer about an article (or a cloze text and the deletion it asks), with its FSRS
    memory state."""

    __tablename__ = "recall_card"
    __table_args__ = (Index("ix_recall_card_user_id_due", "user_id", "due"),
                      UniqueConstraint("user_id", "suggested_card_id", name="uq_recall_card_user_id_suggested_card_id"))

    id: int = Field(default=None, primary_key=True)  # None until the row is first flushed
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    article_id: int = Field(foreign_key="article.id", index=True, ondelete="CASCADE")
    # A cloze card keeps its whole text in `prompt` and the optional extra shown on its back in `answer`.
    prompt: str = Field(sa_column=Column(Text, nullable=False))
    answer: str = Field(sa_column=Column(Text, nullable=False))
    kind: CardKind = Field(default=CardKind.qa, sa_column=choice_column(
        CardKind, check="ck_recall_card_kind", default=CardKind.qa, server_default=CardKind.qa.value))
    cloze_number: int | None = Field(default=None, description="the deletion a cloze card asks: 1 for {{c1::…}}")
    created_at: datetime = Field(default_factory=utcnow)
    # FSRS's card state (fsrs.Card): learning step, stability, difficulty, when it is due, last review.
    state: int = 1  # fsrs.State: 1 learning, 2 review, 3 relearning
    step: int | None = 0
    stability: float | None = None
    difficulty: float | None = None
    due: datetime = Field(default_factory=utcnow)
    last_review: datetime | None = None
    suggested_card_id: int | None = Field(default=None, foreign_key="suggested_card.id", ondelete="SET NULL",
                                          description="the suggestion this card was adopted from")
    suspended: bool = Field(default=False, description="out of the review queue until unsuspended")
    buried_until: datetime | None = Field(default=None, description="out of the queue until then (the start of the "
                                                                    "learner's next day)")


class CardReview(SQLModel, table=True):
    """One review of a card: the rating (1 again .. 4 easy), when, how long it took if known, and the card's
    state before it."""

    __tablename__ = "card_review"

    id: int = Field(default=None, primary_key=True)  # None until the row is first flushed
    card_id: int = Field(foreign_key="recall_card.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    rating: int = Field(ge=1, le=4)
    reviewed_at: datetime = Field(default_factory=utcnow)
    review_duration_ms: int | None = None
    # The card's FSRS state before this review: what undoing it restores (NULL on reviews from before undo).
    state_before: int | None = None
    step_before: int | None = None
    stability_before: float | None = None
    difficulty_before: float | None = None
    due_before: datetime | None = None
    last_review_before: datetime | None = None
    undoable: bool = Field(default=False, description="the learner's last review, still open to undo")
