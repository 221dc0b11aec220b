"""Teams' tables: groups (teams or cohorts) with their members, and the audit log of who changed what."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from tracker.models.base import choice_column, utcnow


class GroupSource(StrEnum):
    """Where a group or a membership came from: made in the tracker, provisioned over SCIM, or read from the
    identity provider's groups claim at sign-in."""

    local = "local"
    scim = "scim"
    oidc = "oidc"


class Group(SQLModel, table=True):
    """A team or cohort: its members, its managers and the paths its rules assign."""

    __tablename__ = "team_group"

    id: int = Field(default=None, primary_key=True)  # None until the row is first flushed
    slug: str = Field(max_length=64, unique=True, index=True, description="lower-case, for addresses")
    name: str = Field(max_length=120, description="the display name")
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    source: GroupSource = Field(default=GroupSource.local,
                                sa_column=choice_column(GroupSource, check="ck_team_group_source",
                                                        default=GroupSource.local))
    external_id: str | None = Field(default=None, max_length=255, unique=True,
                                    description="the provisioning client's id for it (SCIM externalId)")
    idp_name: str | None = Field(default=None, max_length=255, unique=True,
                                 description="the name in the identity provider's groups claim that maps here")
    public_id: str = Field(max_length=36, unique=True, description="a stable UUID, the SCIM id")
    version: int = Field(default=1, description="renewed by every change to it or its members (ETags)")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class GroupMember(SQLModel, table=True):
    """A user in a group, since when, and whether they manage it. Leaving deletes the row (the audit log
    keeps that it was there)."""

    __tablename__ = "group_member"
    __table_args__ = (UniqueConstraint("group_id", "user_id"),)  # also the index for group_id

    id: int = Field(default=None, primary_key=True)  # None until the row is first flushed
    group_id: int = Field(foreign_key="team_group.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    is_manager: bool = Field(default=False, description="sees and assigns within this group")
    source: GroupSource = Field(default=GroupSource.local,
                                sa_column=choice_column(GroupSource, check="ck_group_member_source",
                                                        default=GroupSource.local))
    joined_at: datetime = Field(default_factory=utcnow)


class AuditEvent(SQLModel, table=True):
    """One entry of the audit log: enrolments, rule runs, role and group changes, provisioning and sign-ins
    through the identity provider, each with its actor. `kind` is one of `tracker.services.audit.AuditKind`
    (free text in the table, so a new kind needs no migration)."""

    __tablename__ = "audit_event"

    id: int = Field(default=None, primary_key=True)  # None until the row is first flushed
    at: datetime = Field(default_factory=utcnow, index=True)
    kind: str = Field(max_length=48, index=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    actor_label: str = Field(default="", max_length=80, description="who or what acted: a username, scim, rule, system")
    subject_id: int | None = Field(default=None, foreign_key="user.id", index=True, ondelete="SET NULL")
    subject_label: str = Field(default="", max_length=80, description="the user it concerns, kept after deletion")
    group_id: int | None = Field(default=None, foreign_key="team_group.id", ondelete="SET NULL")
    path_id: int | None = Field(default=None, foreign_key="learning_path.id", ondelete="SET NULL")
    detail: str = Field(default="", max_length=500)


class AssignmentRule(SQLModel, table=True):
    """A path assigned to every member of a group, kept true as people join and leave: due on a fixed date or
    so many days after each member joined, optionally starting over every so many months."""

    __tablename__ = "assignment_rule"
    __table_args__ = (UniqueConstraint("group_id", "path_id"),)  # also the index for group_id

    id: int = Field(default=None, primary_key=True)  # None until the row is first flushed
    group_id: int = Field(foreign_key="team_group.id", ondelete="CASCADE")
    path_id: int = Field(foreign_key="learning_path.id", index=True, ondelete="CASCADE")
    due_on: date | None = Field(default=None, description="a fixed due date for everyone")
    due_days_after_joining: int | None = Field(default=None, description="or due so many days after each joined")
    recur_months: int | None = Field(default=None, description="starts over every so many months (none: once)")
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    enabled: bool = Field(default=True, description="off: members who join are not assigned the path")
    created_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class RuleRunStatus(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


class RuleRun(SQLModel, table=True):
    """One run of a rule (queued, then applied): who or what started it, when, and what it changed."""

    __tablename__ = "rule_run"

    id: int = Field(default=None, primary_key=True)  # None until the row is first flushed
    rule_id: int | None = Field(default=None, foreign_key="assignment_rule.id", index=True, ondelete="SET NULL")
    group_id: int | None = Field(default=None, foreign_key="team_group.id", index=True, ondelete="CASCADE")
    rule_label: str = Field(default="", max_length=200, description="the rule as it was: its path and due date")
    started_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    started_by_label: str = Field(default="", max_length=80, description="a username, rule or schedule")
    status: RuleRunStatus = Field(default=RuleRunStatus.queued,
                                  sa_column=choice_column(RuleRunStatus, check="ck_rule_run_status",
                                                          default=RuleRunStatus.queued))
    queued_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    assigned: int = 0
    withdrawn: int = 0
    due_changed: int = 0
    unchanged: int = 0
    errors: int = 0
    detail: str = Field(default="", max_length=500)
