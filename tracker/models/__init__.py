"""Database tables, one module per area. Times are timezone-aware and stored as UTC.

Everything is importable from `tracker.models`; importing this package registers every table on
`SQLModel.metadata` (Alembic's env.py relies on it).
"""

from tracker.models.accounts import (
    ApiToken,
    DeviceSession,
    EmailFrequency,
    Installation,
    Role,
    ScimToken,
    SecurityEvent,
    SecurityEventKind,
    TokenScope,
    User,
)
from tracker.models.base import as_utc, choice_column, new_uuid, utcnow
from tracker.models.catalog import (
    ARTICLE_FIELDS,
    READING_MINUTES_MAX,
    Article,
    ArticleBase,
    ArticleTopic,
    ContentStamp,
    Source,
    Topic,
)
from tracker.models.identities import ExternalIdentity
from tracker.models.interop import Credential, CredentialSigningKey, KeyAlgorithm, XapiOutbox
from tracker.models.mentoring import Assignment, Mentorship, MentorshipStatus
from tracker.models.notifications import Notification, NotificationKind
from tracker.models.paths import (
    ForkChoice,
    LearningPath,
    PathItem,
    PathPrerequisite,
    PathSection,
    PathStatus,
    PathVersion,
    SectionKind,
)
from tracker.models.plans import StreakWeek, StudyPlan, StudyPlanVersion
from tracker.models.progress import (
    ActivityDay,
    Note,
    NoteReply,
    PathFollow,
    Progress,
    ProgressEvent,
    ProgressState,
    SectionFold,
)
from tracker.models.recall import CardKind, CardReview, RecallCard, SuggestedCard, SuggestionOrigin
from tracker.models.second_factor import Passkey, PasskeyChallenge, RecoveryCode, TotpFactor
from tracker.models.teams import (
    AssignmentRule,
    AuditEvent,
    Group,
    GroupMember,
    GroupSource,
    RuleRun,
    RuleRunStatus,
)
from tracker.models.webhooks import WebhookDelivery, WebhookEndpoint, WebhookEvent, WebhookEventType

__all__ = [
    "ARTICLE_FIELDS",
    "READING_MINUTES_MAX",
    "ActivityDay",
    "ApiToken",
    "Article",
    "ArticleBase",
    "ArticleTopic",
    "Assignment",
    "AssignmentRule",
    "AuditEvent",
    "CardKind",
    "CardReview",
    "ContentStamp",
    "Credential",
    "CredentialSigningKey",
    "DeviceSession",
    "EmailFrequency",
    "ExternalIdentity",
    "ForkChoice",
    "Group",
    "GroupMember",
    "GroupSource",
    "Installation",
    "KeyAlgorithm",
    "LearningPath",
    "Mentorship",
    "MentorshipStatus",
    "Note",
    "NoteReply",
    "Notification",
    "NotificationKind",
    "Passkey",
    "PasskeyChallenge",
    "PathFollow",
    "PathItem",
    "PathPrerequisite",
    "PathSection",
    "PathStatus",
    "PathVersion",
    "Progress",
    "ProgressEvent",
    "ProgressState",
    "RecallCard",
    "RecoveryCode",
    "Role",
    "RuleRun",
    "RuleRunStatus",
    "ScimToken",
    "SectionFold",
    "SectionKind",
    "SecurityEvent",
    "SecurityEventKind",
    "Source",
    "StreakWeek",
    "StudyPlan",
    "StudyPlanVersion",
    "SuggestedCard",
    "SuggestionOrigin",
    "TokenScope",
    "Topic",
    "TotpFactor",
    "User",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "WebhookEventType",
    "XapiOutbox",
    "as_utc",
    "choice_column",
    "new_uuid",
    "utcnow",
]
