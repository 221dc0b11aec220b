"""A learner's weekly plan for a path: an if-then plan ("Tue and Thu after standup, 30 min")."""

from __future__ import annotations

from datetime import date, datetime

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


class StudyPlanVersion(SQLModel, table=True):
    """One version of a learner's plan for a path and the first week it judges the streak by. Setting, editing
    and clearing a plan each add one, starting the Monday after the change (that very Monday when made on a
    Monday, in the learner's zone at the time); a second change before that Monday replaces it. A version never
    changes once its week has begun, so a past week is always judged by the plan in force during it."""

    __tablename__ = "study_plan_version"
    __table_args__ = (UniqueConstraint("user_id", "path_id", "starts"),)  # also the index for user_id

    id: int = Field(default=None, primary_key=True)  # None until the row is first flushed
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    path_id: int = Field(foreign_key="learning_path.id", index=True, ondelete="CASCADE")
    starts: date = Field(description="the Monday of the first week this version judges")
    weekdays: int = Field(ge=0, le=127, description="as StudyPlan.weekdays; 0: the plan was cleared")
    cue: str = Field(default="", max_length=60)
    minutes: int = Field(default=0, ge=0, le=480, description="0 when the plan was cleared")
    made_at: datetime = Field(default_factory=utcnow)


class StreakWeek(SQLModel, table=True):
    """A finished week of the learner's streak, judged once: the days they were active and the days their plans
    asked. Recorded the first time the streak is read after the week ended and never written again, so nothing
    done later (an edit, a deletion, a new time zone) can change a judged week."""

    __tablename__ = "streak_week"

    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    monday: date = Field(primary_key=True)
    active_days: int = Field(ge=0, le=7)
    needed: int = Field(ge=1, le=7)
    judged_at: datetime = Field(default_factory=utcnow)
