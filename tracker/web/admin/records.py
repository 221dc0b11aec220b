"""Admin: learning records leaving the app — the xAPI outbox towards the Learning Record Store, and the
statements it refuses (retried or discarded here)."""

from __future__ import annotations

from flask import current_app, flash, redirect, url_for

from tracker.db import get_session
from tracker.http.auth import client_address, require_account, role_required
from tracker.http.render import is_htmx, page_or_fragment, see_other
from tracker.models import Role, utcnow
from tracker.services.errors import Conflict, NotFound
from tracker.services.records import outbox as xapi_outbox
from tracker.web.admin.blueprint import bp
from tracker.web.forms import Form

STATEMENT_ID = "string(maxlength=36)"


def _page(notice: str = ""):
    """The page, or for HTMX its refused-statements block (with `notice` said in it)."""
    session = get_session()
    return page_or_fragment("admin/records.html", block="refused", target="refused-statements",
                            store=xapi_outbox.record_store_from_config(current_app.config),
                            state=xapi_outbox.outbox_state(session=session),
                            refused=xapi_outbox.refused_statements(session=session), notice=notice)


@bp.get("/records")
@role_required(Role.admin)
def records():
    return _page()


@bp.post("/records/push")
@role_required(Role.admin)
def push_records():
    """Send what is due now, instead of waiting for the scheduled round."""
    result = xapi_outbox.send_now(session=get_session(), store=xapi_outbox.record_store_from_config(current_app.config),
                                  site=current_app.config["PUBLIC_URL"], now=utcnow())
    if result.failed:
        flash(f"{result.sent} statements sent, then {result.failed}. The rest is retried later.", "error")
    else:
        flash(f"{result.queued} new statements queued, {result.sent} sent.", "success")
    return redirect(url_for("admin.records"), code=303)


def _answer(message: str, category: str = "success"):
    """After a change: the refused list again for HTMX (the message said in it), else back to the page."""
    if is_htmx():
        return _page(notice=message)
    flash(message, category)
    return see_other(url_for("admin.records"))


def _retry(statement_id: str | None) -> str:
    """Make the statement(s) due and, with an LRS set up, send now; what happened, in one sentence."""
    return xapi_outbox.retry_and_send(session=get_session(), admin=require_account(),
                                      store=xapi_outbox.record_store_from_config(current_app.config), now=utcnow(),
                                      statement_id=statement_id).sentence()


@bp.post(f"/records/refused/<{STATEMENT_ID}:statement_id>/retry")
@role_required(Role.admin)
def retry_refused_statement(statement_id: str):
    Form().checked()
    try:
        return _answer(_retry(statement_id))
    except (NotFound, Conflict) as exc:
        if is_htmx():
            raise
        return _answer(str(exc), "error")


@bp.post("/records/refused/retry")
@role_required(Role.admin)
def retry_refused_statements():
    Form().checked()
    return _answer(_retry(None))


@bp.post(f"/records/refused/<{STATEMENT_ID}:statement_id>/discard")
@role_required(Role.admin)
def discard_refused_statement(statement_id: str):
    Form().checked()
    try:
        row = xapi_outbox.discard_refused(session=get_session(), admin=require_account(), statement_id=statement_id,
                                          now=utcnow(), address=client_address())
    except (NotFound, Conflict) as exc:
        if is_htmx():
            raise  # into the page's alert area
        return _answer(str(exc), "error")
    return _answer(f"Statement {row.statement_id} is discarded: it stays in the outbox, marked, and is never sent. "
                   "The security log records it.")
