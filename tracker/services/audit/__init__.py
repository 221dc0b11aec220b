"""The audit log: enrolments, rule runs, role and group changes, provisioning and sign-ins through the identity
provider, each with its actor. Owns the `audit_event` rows.

- `log`: `record` adds one entry (does not commit: it belongs to the transaction of what it records);
  `AuditKind`, what an entry can be about, and `label_of`, a kind in words.
- `queries`: `search` (a page, newest first, keyset on (at, id)), `export_rows` (every matching entry, a batch at
  a time, for files), `about_user` (the latest entries about one account), `AuditFilters` (what the page, the
  API and the command line filter by) with `filter_choices`, and `require_reader` (the access rule,
  `access.can_read_audit_log`).
"""

from tracker.services.audit.log import AuditKind, label_of, record
from tracker.services.audit.queries import (
    EXPORT_FIELDS,
    AuditFilters,
    AuditPage,
    AuditRow,
    about_user,
    export_rows,
    filter_choices,
    require_reader,
    search,
)

__all__ = ["EXPORT_FIELDS", "AuditFilters", "AuditKind", "AuditPage", "AuditRow", "about_user", "export_rows",
           "filter_choices", "label_of", "record", "require_reader", "search"]
