"""A learner's weekly plan for a path: an if-then plan ("Tue and Thu after standup, 30 min")."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from tracker.models.base import utcnow


class StudyPlan(SQLModel, table=True):
    """Which days of the week, roughly when, and how many minutes the learner means to read a path."""

    __tablename__ = "study_plan"
    __table_args__ = (UniqueConstraint("user_id", "path_id"),)  # also the index for user_id

    id: int = Field(default=None, primary_key=True)  # None until the row is first flushed
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    path_id: int = Field(foreign_key="learning_path.id", index=True, ondelete="CASCADE")
    weekdays: int = Field(ge=1, le=127, description="a bit per day of the week, Monday = 1 ... Sunday = 64")
    cue: str = Field(default="", max_length=60, description="roughly when: 'after standup', 'before lunch'")
    minutes: int = Field(ge=5, le=480, description="reading minutes on each planned day")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
