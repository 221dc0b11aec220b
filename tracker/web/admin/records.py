"""Admin: learning records leaving the app — the xAPI outbox towards the Learning Record Store."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for

from tracker.db import get_session
from tracker.http.auth import role_required
from tracker.models import Role, utcnow
from tracker.services.errors import Invalid
from tracker.services.records import outbox as xapi_outbox
from tracker.web.admin.blueprint import bp


@bp.get("/records")
@role_required(Role.admin)
def records():
    return render_template("admin/records.html", store=xapi_outbox.record_store_from_config(current_app.config),
                           state=xapi_outbox.outbox_state(session=get_session()))


@bp.post("/records/push")
@role_required(Role.admin)
def push_records():
    """Send what is due now, instead of waiting for the scheduled round."""
    store = xapi_outbox.record_store_from_config(current_app.config)
    if store is None:
        raise Invalid("No Learning Record Store is set up (TRACKER_XAPI_ENDPOINT).")
    session, now = get_session(), utcnow()
    queued = xapi_outbox.enqueue_new(session=session, site=current_app.config["PUBLIC_URL"], now=now)
    result = xapi_outbox.push(session=session, store=store, now=now)
    if result.failed:
        flash(f"{result.sent} statements sent, then {result.failed}. The rest is retried later.", "error")
    else:
        flash(f"{queued} new statements queued, {result.sent} sent.", "success")
    return redirect(url_for("admin.records"), code=303)
