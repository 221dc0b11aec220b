"""Mentoring's tables: who mentors whom, and path assignments."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from tracker.models.base import choice_column, utcnow


class MentorshipStatus(StrEnum):
    invited = "invited"
    active = "active"
    declined = "declined"


class Mentorship(SQLModel, table=True):
    """A mentor guiding a learner: linked by an admin, or invited by the mentor and accepted."""

    __table_args__ = (UniqueConstraint("mentor_id", "learner_id"),)  # also the index for mentor_id

    id: int = Field(default=None, primary_key=True)  # None until the row is first flushed
    mentor_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    learner_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    status: MentorshipStatus = Field(default=MentorshipStatus.active,
                                     sa_column=choice_column(MentorshipStatus, check="ck_mentorship_status",
                                                             default=MentorshipStatus.active))
    created_at: datetime = Field(default_factory=utcnow)
    responded_at: datetime | None = None


class Assignment(SQLModel, table=True):
    """A path a mentor asked a learner to follow, with an optional due date and note.

    One row per (learner, path): withdrawing keeps the row, assigning again revives it.
    """

    __table_args__ = (UniqueConstraint("learner_id", "path_id"),)  # also the index for learner_id

    id: int = Field(default=None, primary_key=True)  # None until the row is first flushed
    learner_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    path_id: int = Field(foreign_key="learning_path.id", index=True, ondelete="CASCADE")
    # Who assigned it; a deleted mentor leaves the learner's assignment (and its history) in place.
    mentor_id: int | None = Field(default=None, foreign_key="user.id", index=True, ondelete="SET NULL")
    due_on: date | None = None
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = Field(default_factory=utcnow)
    withdrawn_at: datetime | None = None
    recur_months: int | None = Field(default=None, description="starts over every so many months (none: once)")
    period_started_on: date | None = Field(default=None, description="the first day of the current period, when "
                                                                      "it recurs")
    # The group's rule that made (and keeps) it; none for a mentor's own assignment.
    rule_id: int | None = Field(default=None, foreign_key="assignment_rule.id", index=True, ondelete="SET NULL")
