"""The records of a person's data export: one pydantic model per kind of row, so the JSON document and its
OpenAPI schema come from the same declarations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_serializer

from tracker.models import (
    Role,
    as_utc,
)

SCHEMA_VERSION = 1


def utc_text(moment: datetime) -> str:
    """A stored time as ISO 8601 in UTC with a 'Z' (SQLite hands times back without their zone)."""
    return as_utc(moment).isoformat().replace("+00:00", "Z")


class Record(BaseModel):
    """Base of every part of an export: times as `utc_text` gives them."""

    model_config = ConfigDict(extra="forbid")

    @field_serializer("*", when_used="json")
    def _utc(self, value: Any) -> Any:
        return utc_text(value) if isinstance(value, datetime) else value


class AccountRecord(Record):
    username: str
    display_name: str
    role: Role
    is_active: bool
    time_zone: str
    email: str
    email_notifications: str
    digest_sent_on: date | None
    created_at: datetime
    public_id: str = Field(description="the opaque id records that leave the app (xAPI, credentials) carry")
    first_administrator: bool = Field(description="this account was created by the tracker's first-run setup")


class ProgressRecord(Record):
    article_slug: str
    article_title: str
    source: str
    state: str
    updated_at: datetime


class EventRecord(Record):
    article_slug: str
    state: str
    created_at: datetime
    path_slug: str | None = Field(description="the path the change was made on, when it was made on a path page")


class ReplyRecord(Record):
    author: str
    body: str
    created_at: datetime


class NoteRecord(Record):
    article_slug: str
    body: str
    takeaway: str | None = Field(default=None, description="what you would tell a colleague about the article")
    shared: bool = Field(description="the body is shared with mentors")
    takeaway_shared: bool = Field(default=False, description="the takeaway is shared with mentors (its own flag)")
    created_at: datetime
    updated_at: datetime
    replies: list[ReplyRecord]


class WrittenReplyRecord(Record):
    learner: str
    article_slug: str
    body: str
    created_at: datetime


class FollowRecord(Record):
    path_slug: str
    created_at: datetime


class MentorshipRecord(Record):
    mentor: str
    learner: str
    status: str
    created_at: datetime
    responded_at: datetime | None


class AssignmentRecord(Record):
    learner: str
    path_slug: str
    assigned_by: str | None = Field(description="null: the mentor's account was deleted")
    due_on: date | None
    note: str
    created_at: datetime
    withdrawn_at: datetime | None
    recur_months: int | None = Field(default=None, description="it starts over every so many months; null: once")
    period_started_on: date | None = Field(default=None, description="when it recurs: the first day of the "
                                                                     "current period")


class NotificationRecord(Record):
    kind: str
    message: str
    link: str
    created_at: datetime
    read_at: datetime | None
    emailed_at: datetime | None


class SessionRecord(Record):
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ended_at: datetime | None
    remember: bool
    address: str
    user_agent: str


class TokenRecord(Record):
    name: str
    hint: str
    scope: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class SecurityEventRecord(Record):
    kind: str
    created_at: datetime
    address: str
    detail: str


class GroupMembershipRecord(Record):
    group: str
    group_name: str
    manager: bool
    source: str
    joined_at: datetime


class ProviderAccountRecord(Record):
    issuer: str
    subject: str
    email: str
    linked_at: datetime
    last_sign_in_at: datetime | None


class AuditRecord(Record):
    kind: str
    at: datetime
    actor: str
    subject: str
    detail: str


class AssignmentRuleRecord(Record):
    group: str
    path_slug: str
    due: str
    note: str
    enabled: bool
    created_at: datetime


class RuleRunRecord(Record):
    rule: str
    status: str
    queued_at: datetime
    assigned: int
    withdrawn: int
    due_changed: int
    unchanged: int


class PathVersionRecord(Record):
    path_slug: str
    version: int
    status: str
    created_at: datetime
    changes: list[str]


class CredentialRecord(Record):
    public_id: str
    path_slug: str
    path_title: str
    path_version: int
    articles_read: int
    issued_at: datetime
    shared: bool
    revoked_at: datetime | None
    revoked_reason: str
    period_started_on: date | None = Field(default=None, description="for a recurring assignment: the first day "
                                                                     "of the period it was earned in")
    valid_until: datetime | None = Field(default=None, description="when it expires (its validUntil); null: never")
    recalled: bool = Field(default=False, description="read and recalled: the path asked recall too, and it held")
    articles_recalled: int = Field(default=0, description="required articles recalled on the day of issue")
    jwt: str = Field(description="the signed credential (VC-JWT) as issued")


class AuthenticatorAppRecord(Record):
    created_at: datetime
    confirmed_at: datetime | None = Field(description="none: set up but never confirmed with a code")


class RecoveryCodeRecord(Record):
    created_at: datetime
    used_at: datetime | None


class PasskeyRecord(Record):
    name: str
    created_at: datetime
    last_used_at: datetime | None
    transports: str


class XapiSummary(Record):
    count: int = Field(description="xAPI statements about you the tracker wrote")
    sent: int = Field(description="of which the Learning Record Store accepted")


class RecallCardRecord(Record):
    id: int = Field(description="what `card_reviews` refer to")
    article_slug: str
    prompt: str
    answer: str
    created_at: datetime
    state: int = Field(description="FSRS state: 1 learning, 2 review, 3 relearning")
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None


class CardReviewRecord(Record):
    card_id: int
    rating: int = Field(description="1 again, 2 hard, 3 good, 4 easy")
    reviewed_at: datetime
    review_duration_ms: int | None


class ActivityDayRecord(Record):
    day: date = Field(description="a day of your time zone")
    changes: int = Field(description="marks that day (resets not counted, nor skips since revision 0017)")
    reviews: int = Field(description="card reviews that day")


class StudyPlanRecord(Record):
    path_slug: str
    weekdays: list[int] = Field(description="0 Monday ... 6 Sunday")
    cue: str
    minutes: int = Field(description="reading minutes on each planned day")
    created_at: datetime
    updated_at: datetime


class StudyPlanVersionRecord(Record):
    path_slug: str
    starts: date = Field(description="the Monday of the first week this version judged your streak by")
    weekdays: list[int] = Field(description="0 Monday ... 6 Sunday; empty: the plan was removed")
    cue: str
    minutes: int = Field(description="reading minutes on each planned day; 0 when the plan was removed")
    made_at: datetime


class StreakWeekRecord(Record):
    monday: date = Field(description="the week's Monday")
    active_days: int = Field(description="days you were active that week")
    needed: int = Field(description="days your plans asked that week")
    judged_at: datetime


class SuggestedCardRecord(Record):
    path_slug: str
    article_slug: str
    prompt: str
    answer: str
    created_at: datetime


class ResourceRecord(Record):
    slug: str
    title: str
    url: str
    minutes: int | None
    shared_with_mentors: bool
    beside: str | None = Field(description="the catalog article it sits beside (its slug), if any")
    created_at: datetime
    updated_at: datetime


class OwnPathRecord(Record):
    slug: str
    title: str
    version: int
    copied_from: str | None = Field(description="the curated path it was copied from (its slug), if it still exists")
    copied_version: int | None = Field(description="the curated path's version it has taken or left every change up to")
    shared_with_mentors: bool
    definition: str = Field(description="the path as YAML, in the format of the path files")
    created_at: datetime


class FoldedSectionRecord(Record):
    path_slug: str
    section: str = Field(description="the section's title")
    folded_at: datetime


class DataExport(Record):
    """Everything the tracker holds about one account (never a password or token hash)."""

    schema_version: int = Field(description="1; raised when a field changes meaning or goes away")
    exported_at: datetime
    account: AccountRecord
    progress: list[ProgressRecord] = Field(description="your state on every article you touched")
    progress_events: list[EventRecord] = Field(description="every change of state, oldest first")
    notes: list[NoteRecord] = Field(description="your notes, with your mentors' replies")
    replies_written: list[WrittenReplyRecord] = Field(description="as a mentor: your replies to mentees' notes")
    path_follows: list[FollowRecord]
    mentorships: list[MentorshipRecord] = Field(description="as mentor and as learner")
    assignments: list[AssignmentRecord] = Field(description="paths assigned to you")
    assignments_made: list[AssignmentRecord] = Field(description="as a mentor: paths you assigned")
    notifications: list[NotificationRecord]
    sessions: list[SessionRecord] = Field(description="browsers you signed in on")
    api_tokens: list[TokenRecord]
    security_events: list[SecurityEventRecord] = Field(description="sign-ins, failed attempts on your username, "
                                                                   "and changes to your account")
    path_versions_saved: list[PathVersionRecord] = Field(description="as an admin: path versions you saved")
    credentials: list[CredentialRecord]
    xapi_statements: XapiSummary
    recall_cards: list[RecallCardRecord] = Field(default_factory=list, description="your recall cards and their "
                                                                                   "FSRS schedule")
    card_reviews: list[CardReviewRecord] = Field(default_factory=list, description="every review of your cards, "
                                                                                   "oldest first")
    study_plans: list[StudyPlanRecord] = Field(default_factory=list, description="your weekly plans")
    activity_days: list[ActivityDayRecord] = Field(default_factory=list, description="your activity per day, as "
                                                   "the heatmap and the streak count it (each day counted when "
                                                   "it happened, in your time zone then)")
    plan_versions: list[StudyPlanVersionRecord] = Field(default_factory=list, description="every change to your "
                                                        "weekly plans and the week it took effect")
    streak_weeks: list[StreakWeekRecord] = Field(default_factory=list, description="the weeks of your streak, as "
                                                 "each was judged once it ended")
    cards_suggested: list[SuggestedCardRecord] = Field(default_factory=list,
                                                       description="as a mentor: cards you suggested to mentees")
    authenticator_apps: list[AuthenticatorAppRecord] = Field(default_factory=list, description="your second "
                                                             "factor's app (never its secret)")
    recovery_codes: list[RecoveryCodeRecord] = Field(default_factory=list, description="when each was made and "
                                                     "used (never the codes)")
    passkeys: list[PasskeyRecord] = Field(default_factory=list, description="your passkeys (never their keys)")
    passkey_requests: int = Field(default=0, description="passkey sign-ins or registrations started and not yet "
                                                        "answered or expired")
    groups: list[GroupMembershipRecord] = Field(default_factory=list, description="the groups you are in")
    assignment_rules_made: list[AssignmentRuleRecord] = Field(default_factory=list, description="the groups' "
                                                               "assignment rules you made")
    rule_runs_started: list[RuleRunRecord] = Field(default_factory=list, description="the rule runs you started")
    audit_events: list[AuditRecord] = Field(default_factory=list, description="the audit log's entries about you "
                                            "or made by you")
    provider_accounts: list[ProviderAccountRecord] = Field(default_factory=list, description="the identity "
                                                           "provider accounts that sign you in")
    resources: list[ResourceRecord] = Field(default_factory=list, description="your own resources (links you "
                                            "added; your progress, notes and cards on them are in the lists above)")
    own_paths: list[OwnPathRecord] = Field(default_factory=list, description="your own paths: copies of curated "
                                           "paths as you edited them")
    folded_sections: list[FoldedSectionRecord] = Field(default_factory=list, description="the sections you keep "
                                                       "folded on path pages")


class LearnerRef(Record):
    username: str
    display_name: str


class MenteeExport(Record):
    """What a mentor may see of a mentee, as one document: no private notes, sessions or settings."""

    schema_version: int
    exported_at: datetime
    exported_by: str
    learner: LearnerRef
    progress: list[ProgressRecord]
    progress_events: list[EventRecord]
    shared_notes: list[NoteRecord]
    assignments: list[AssignmentRecord] = Field(description="those the exporting mentor made (an admin: all)")
