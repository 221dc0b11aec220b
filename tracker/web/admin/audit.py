"""Admin: the audit log (who enrolled whom, role and group changes, provisioning, sign-ins through the identity
provider), filtered and paged, and exported as CSV or JSON Lines with the same filters; and one user's page with
the latest entries about them."""

from __future__ import annotations

from flask import render_template, request, url_for

from tracker.db import get_session
from tracker.http.auth import require_account, role_required
from tracker.http.downloads import csv_lines, jsonl_lines, streamed_download
from tracker.http.render import page_or_fragment
from tracker.models import Role, utcnow
from tracker.services.audit import queries as audit
from tracker.services.audit.log import AuditKind
from tracker.services.people import accounts, time_zones, tokens
from tracker.services.teams import groups as teams
from tracker.web.admin.blueprint import bp

CURSOR_MAX = 48


def _reader_and_filters():
    viewer = audit.require_reader(require_account())
    return viewer, audit.AuditFilters.from_args(request.args)


@bp.get("/audit")
@role_required(Role.admin)
def audit_log():
    """The log, newest first, a page at a time; HTMX gets the results block, with the address bar kept on the
    page's own address."""
    viewer, filters = _reader_and_filters()
    before, after = request.args.get("before", "")[:CURSOR_MAX], request.args.get("after", "")[:CURSOR_MAX]
    session = get_session()
    page = audit.search(session=session, filters=filters, zone=time_zones.zone_of(viewer), before=before or None,
                        after=after or None)
    groups, paths = audit.filter_choices(session=session)
    here = filters.args() | ({"before": before} if before else {}) | ({"after": after} if after else {})
    return page_or_fragment("admin/audit.html", block="results", target="audit-results",
                            push_url=url_for("admin.audit_log", **here), page=page, filters=filters,
                            kinds=list(AuditKind), groups=groups, paths=paths, zone=time_zones.zone_of(viewer))


def _export_name(extension: str) -> str:
    return f"audit-{utcnow():%Y%m%d-%H%M}.{extension}"


@bp.get("/audit.csv")
@role_required(Role.admin)
def audit_csv():
    """Every entry the filters match, as CSV (times in UTC; cells a spreadsheet would run are neutralised),
    streamed as it is read."""
    viewer, filters = _reader_and_filters()
    rows = audit.export_rows(session=get_session(), filters=filters, zone=time_zones.zone_of(viewer))
    lines = csv_lines(audit.EXPORT_FIELDS, ([row.as_record()[field] for field in audit.EXPORT_FIELDS]
                                           for row in rows))
    return streamed_download(lines, filename=_export_name("csv"), mimetype="text/csv")


@bp.get("/audit.jsonl")
@role_required(Role.admin)
def audit_jsonl():
    """Every entry the filters match, one JSON object per line, streamed as it is read."""
    viewer, filters = _reader_and_filters()
    rows = audit.export_rows(session=get_session(), filters=filters, zone=time_zones.zone_of(viewer))
    return streamed_download(jsonl_lines(row.as_record() for row in rows), filename=_export_name("jsonl"),
                             mimetype="application/jsonl")


@bp.get("/users/<username>")
@role_required(Role.admin)
def user_page(username: str):
    """One account for its admins: role, state, groups, tokens, and the latest audit entries about it."""
    viewer = audit.require_reader(require_account())
    session = get_session()
    user = accounts.require_user(session=session, username=username)
    return render_template("admin/user.html", user=user, rows=audit.about_user(session=session, user=user),
                           groups=teams.user_groups(session=session, user=user),
                           live_tokens=tokens.live_token_counts(session=session, user_ids=[user.id]).get(user.id, 0),
                           viewer=viewer)
