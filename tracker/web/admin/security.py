"""Admin: the security event log, filtered by kind and by username."""

from __future__ import annotations

from flask import render_template, request

from tracker.db import get_session
from tracker.http.auth import role_required
from tracker.models import Role, SecurityEventKind
from tracker.services.errors import Invalid
from tracker.services.people import security_log
from tracker.web.admin.blueprint import bp


@bp.get("/security")
@role_required(Role.admin)
def security_events():
    kind_name = request.args.get("kind", "")
    username = request.args.get("username", "")[:64]
    try:
        kind = SecurityEventKind(kind_name) if kind_name else None
    except ValueError:
        raise Invalid(f"Unknown event kind '{kind_name[:40]}'.") from None
    events = security_log.search(session=get_session(), kind=kind, username=username)
    return render_template("admin/security.html", events=events, kinds=list(SecurityEventKind), kind=kind,
                           username=username)
