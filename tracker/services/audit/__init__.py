"""The audit log: enrolments, rule runs, role and group changes, provisioning and sign-ins through the identity
provider, each with its actor. Owns the `audit_event` rows.

- `record`: add one entry (does not commit: it belongs to the transaction of what it records).
- `AuditKind`: what an entry can be about.
"""

from tracker.services.audit.log import AuditKind, record

__all__ = ["AuditKind", "record"]
