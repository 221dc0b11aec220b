"""Writing the audit log. An entry is added in the transaction of what it records, so a change and its
entry are kept or lost together."""

from __future__ import annotations

import json
import logging
from enum import StrEnum

from sqlmodel import Session

from tracker.models import AuditEvent, Group, LearningPath, User, utcnow

log = logging.getLogger("tracker.audit")


class AuditKind(StrEnum):
    """What an audit entry is about."""

    @property
    def label(self) -> str:
        """The kind in words, for lists and filters: "due date changed"."""
        return label_of(self.value)

    enrolled = "enrolled"  # a path assigned (by a person or a rule)
    unenrolled = "unenrolled"  # an assignment withdrawn
    due_date_changed = "due_date_changed"
    period_restarted = "period_restarted"  # a recurring assignment began its next period
    mentor_linked = "mentor_linked"  # a mentorship made active (by an admin, or an invitation accepted)
    mentor_unlinked = "mentor_unlinked"
    followed = "followed"
    unfollowed = "unfollowed"
    role_changed = "role_changed"
    user_created = "user_created"
    user_deactivated = "user_deactivated"
    user_reactivated = "user_reactivated"
    user_deleted = "user_deleted"
    group_created = "group_created"
    group_changed = "group_changed"
    group_deleted = "group_deleted"
    member_added = "member_added"
    member_removed = "member_removed"
    manager_changed = "manager_changed"
    rule_created = "rule_created"
    rule_changed = "rule_changed"
    rule_deleted = "rule_deleted"
    rule_run = "rule_run"
    provisioned = "provisioned"  # a SCIM create, change or delete
    oidc_sign_in = "oidc_sign_in"
    oidc_linked = "oidc_linked"


LABELS = {"oidc_sign_in": "signed in through the identity provider",
          "oidc_linked": "linked to the identity provider", "provisioned": "provisioned (SCIM)",
          "period_restarted": "recurring period restarted"}


def label_of(kind: str) -> str:
    """Any stored kind in words, one this version does not know included."""
    return LABELS.get(kind, kind.replace("_", " "))


def record(*, session: Session, kind: AuditKind, actor: User | None = None, actor_label: str = "",
           subject: User | None = None, group: Group | None = None, path: LearningPath | None = None,
           detail: str = "") -> AuditEvent:
    """Add an entry to the session (the caller commits). `actor_label` names a non-person actor ("scim",
    "rule", "system") and defaults to the actor's username."""
    event = AuditEvent(kind=kind.value, at=utcnow(),
                       actor_id=actor.id if actor else None,
                       actor_label=(actor.username if actor else actor_label or "system")[:80],
                       subject_id=subject.id if subject else None,
                       subject_label=(subject.username if subject else "")[:80],
                       group_id=group.id if group else None, path_id=path.id if path else None,
                       detail=detail[:500])
    session.add(event)
    log.info(json.dumps({"audit": kind.value, "actor": event.actor_label, "subject": event.subject_label,
                         "group": group.slug if group else None, "path": path.slug if path else None,
                         "detail": event.detail}, ensure_ascii=True))
    return event
