"""The audit log for admins: entries newest first, filtered, a page at a time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import request, url_for
from pydantic import ConfigDict, Field, ValidationError

from tracker.api.blueprint import bp
from tracker.api.schemas import Items, Public, respond
from tracker.db import get_session
from tracker.http.auth import require_account, role_required
from tracker.http.openapi import documented
from tracker.models import Role, as_utc
from tracker.services.audit import queries as audit
from tracker.services.audit.log import label_of
from tracker.services.errors import Invalid


class AuditQuery(audit.AuditFilters):
    """The filters (days in UTC), the page's size and where it starts."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    limit: int = Field(default=audit.PAGE, ge=1, le=audit.PAGE_MAX,
                       description=f"entries per page (1 to {audit.PAGE_MAX})")
    before: str | None = Field(default=None, max_length=48, description="the cursor from a previous page's `more`")

    @classmethod
    def from_query(cls, args: Any) -> AuditQuery:
        """The query string, checked; Invalid naming the first parameter in error."""
        try:
            query = cls.model_validate({key: value for key, value in args.items() if value != ""})
        except ValidationError as exc:
            error = exc.errors()[0]
            name = error["loc"][0] if error["loc"] else "query"
            raise Invalid(f"{name}: {error['msg']}" if error["type"] != "extra_forbidden" else
                          f"{name}: unknown parameter") from None
        if query.since and query.until and query.since > query.until:
            raise Invalid("since: the first day is after the last one")
        return query

    def filters(self) -> audit.AuditFilters:
        return audit.AuditFilters.model_validate(self.model_dump(include=set(audit.AuditFilters.model_fields)))


class AuditEntryPublic(Public):
    id: int
    at: datetime = Field(description="when it happened (UTC)")
    kind: str = Field(description="what happened, e.g. enrolled, role_changed, member_added, oidc_sign_in")
    label: str = Field(description="the kind in words")
    actor: str = Field(description="who acted: their username (kept after their account is deleted), or scim, rule, "
                                   "system, command line")
    actor_exists: bool = Field(description="whether the actor's account still exists")
    subject: str | None = Field(description="the username the entry is about, if any (kept after deletion)")
    subject_exists: bool = Field(description="whether that account still exists")
    group: str | None = Field(description="the group's slug, if the entry concerns one that still exists")
    path: str | None = Field(description="the path's slug, if the entry concerns one")
    detail: str


class AuditPagePublic(Items[AuditEntryPublic]):
    more: str | None = Field(description="the address of the next (older) page; null on the last one")


def _public(row: audit.AuditRow) -> AuditEntryPublic:
    event = row.event
    return AuditEntryPublic(id=event.id, at=as_utc(event.at), kind=event.kind, label=label_of(event.kind),
                            actor=event.actor_label, actor_exists=event.actor_id is not None,
                            subject=event.subject_label or None, subject_exists=event.subject_id is not None,
                            group=row.group_slug, path=row.path_slug, detail=event.detail)


@bp.get("/audit")
@role_required(Role.admin)
@documented(summary="The audit log, newest first, a page at a time (admins)", query=AuditQuery,
            response=AuditPagePublic)
def audit_entries():
    """Enrolments, role and group changes, rule runs, provisioning and sign-ins through the identity provider,
    each with who acted. Follow `more` for older entries: pages are cut by (time, id), so entries written
    meanwhile never make a page repeat or skip one."""
    audit.require_reader(require_account())
    query = AuditQuery.from_query(request.args)
    page = audit.search(session=get_session(), filters=query.filters(), before=query.before, limit=query.limit)
    more = (url_for("api.audit_entries", **query.filters().args(), limit=query.limit, before=page.older)
            if page.older else None)
    return respond(AuditPagePublic(items=[_public(row) for row in page.rows], more=more))
