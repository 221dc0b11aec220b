"""Admin: the endpoints webhooks go to — add one (its secret shown once), switch it off or on, delete it, send it
a test event, and see its latest deliveries."""

from __future__ import annotations

from flask import flash, url_for
from wtforms import SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # WTForms 3.3; the stubs stop at 3.2
from wtforms.validators import Length
from wtforms.widgets import CheckboxInput, ListWidget

from tracker.db import get_session
from tracker.http.auth import require_account, role_required
from tracker.http.render import is_htmx, page_or_fragment, see_other
from tracker.models import Role, WebhookEndpoint, utcnow
from tracker.services.errors import Invalid
from tracker.services.webhooks import endpoints
from tracker.web.admin.blueprint import bp
from tracker.web.forms import TEXT_GUARD, Form


class EndpointForm(Form):
    # The service says what is wrong with a URL (and its limit); the form only stops absurd input.
    url = StringField("Endpoint URL", validators=[Length(max=TEXT_GUARD)],
                      description="Where each event is POSTed, as https://example.com/hooks.")
    events = SelectMultipleField("Events",
                                 choices=[SelectChoice(kind.value, kind.value) for kind in endpoints.SUBSCRIBABLE],
                                 widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
                                 validate_choice=False)


def _page(form: EndpointForm | None = None, *, notice: str = "", created: WebhookEndpoint | None = None,
          status: int = 200):
    """The page, or for HTMX its block of endpoints (with `notice`, and a new endpoint's secret, said in it)."""
    logs = endpoints.recent_deliveries(session=get_session(), admin=require_account())
    return page_or_fragment("admin/webhooks.html", block="endpoints", target="webhook-endpoints", status=status,
                            form=form or EndpointForm(formdata=None, events=[kind.value for kind in
                                                                             endpoints.SUBSCRIBABLE[:1]]),
                            logs=logs, notice=notice, created=created)


@bp.get("/webhooks")
@role_required(Role.admin)
def webhooks():
    return _page()


@bp.post("/webhooks")
@role_required(Role.admin)
def add_webhook():
    """Add an endpoint. Bad input: the page again with what was typed and the field's error (400), or for HTMX
    the refusal in the alert area with the form left as it was. The secret is shown in this answer only."""
    form = EndpointForm().checked()
    try:
        created = endpoints.add_endpoint(session=get_session(), admin=require_account(), url=form.url.data or "",
                                         event_types=form.events.data or [], now=utcnow())
    except Invalid as exc:
        if is_htmx():
            raise
        (form.events if "event" in str(exc) else form.url).errors = [str(exc)]
        return _page(form, status=400)
    return _page(notice="The endpoint is added. Copy its secret now: it is not shown again.", created=created)


def _answer(message: str):
    if is_htmx():
        return _page(notice=message)
    flash(message, "success")
    return see_other(url_for("admin.webhooks"))


@bp.post("/webhooks/<id:endpoint_id>/disable")
@role_required(Role.admin)
def disable_webhook(endpoint_id: int):
    Form().checked()
    found = endpoints.set_enabled(session=get_session(), admin=require_account(), endpoint_id=endpoint_id,
                                  enabled=False)
    return _answer(f"{found.url} is disabled: it is sent nothing, not even the tries already queued.")


@bp.post("/webhooks/<id:endpoint_id>/enable")
@role_required(Role.admin)
def enable_webhook(endpoint_id: int):
    Form().checked()
    found = endpoints.set_enabled(session=get_session(), admin=require_account(), endpoint_id=endpoint_id,
                                  enabled=True)
    return _answer(f"{found.url} is enabled: new events are sent to it.")


@bp.post("/webhooks/<id:endpoint_id>/delete")
@role_required(Role.admin)
def delete_webhook(endpoint_id: int):
    Form().checked()
    endpoints.delete_endpoint(session=get_session(), admin=require_account(), endpoint_id=endpoint_id)
    return _answer("The endpoint is deleted, with its delivery log.")


@bp.post("/webhooks/<id:endpoint_id>/test")
@role_required(Role.admin)
def test_webhook(endpoint_id: int):
    Form().checked()
    endpoints.send_test_event(session=get_session(), admin=require_account(), endpoint_id=endpoint_id,
                              now=utcnow())
    return _answer("A test event is on its way; its delivery appears below.")
