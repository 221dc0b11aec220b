"""In-app notifications."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from tracker.models.base import choice_column, utcnow


class NotificationKind(StrEnum):
    invitation = "invitation"    # a mentor invites the user
    assigned = "assigned"        # a mentor assigned a path
    reply = "reply"              # a mentor replied to a note
    due_soon = "due_soon"        # an assignment is due within three days
    overdue = "overdue"          # an assignment's due date has passed
    assignment_changed = "assignment_changed"  # a mentor moved a due date, changed the note or withdrew a path
    shared_note = "shared_note"            # to mentors: a mentee shared a note
    mentee_finished = "mentee_finished"    # to mentors: a mentee finished an assigned path
    mentee_behind = "mentee_behind"        # to mentors: a mentee is at risk of missing a due date
    mentee_overdue = "mentee_overdue"      # to mentors: a mentee's assignment is overdue
    plan_day = "plan_day"                  # today is a day of the learner's weekly plan


class Notification(SQLModel, table=True):
    """An in-app message. `key` makes reminders idempotent (one 'due soon' per assignment)."""

    __table_args__ = (UniqueConstraint("user_id", "key"),  # also the index for user_id
                      Index("ix_notification_user_id_created_at", "user_id", "created_at"))

    id: int = Field(default=None, primary_key=True)  # None until the row is first flushed
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    kind: NotificationKind = Field(sa_column=choice_column(NotificationKind, check="ck_notification_kind", length=32))
    key: str = Field(max_length=120)
    message: str = Field(max_length=500)
    link: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=utcnow)
    read_at: datetime | None = None
    emailed_at: datetime | None = Field(default=None, description="sent by email, or passed over for email")
    chatted_at: datetime | None = Field(default=None, description="posted to the user's chat, or passed over")
