"""Admin → Learning records: statements the LRS refused, retried or discarded (page, HTMX), and re-granting a
revoked credential on the credentials page."""

import json
from datetime import timedelta

from sqlmodel import select

from tests import factories
from tracker.models import Credential, SecurityEvent, SecurityEventKind, XapiOutbox, utcnow
from tracker.services.records import credentials

REFUSED_ID = "0b7e7f4c-9d1e-4c61-9a47-1f0f3c2b8e11"
HTMX = {"HX-Request": "true"}


def _refused_statement(session) -> XapiOutbox:
    lena = factories.user(session, "lena")
    now = utcnow()
    row = XapiOutbox(statement_id=REFUSED_ID, user_id=lena.id, event_id=None, attempts=3,
                     statement=json.dumps({"id": REFUSED_ID, "verb": {"display": {"en-US": "completed"}},
                                           "object": {"id": "x", "definition": {"name": {"en-US": "HTTP Protocol"}}}}),
                     created_at=now, next_attempt_at=now + timedelta(hours=1), refused_at=now,
                     last_error="the LRS answered 409: statement already exists with the same ID")
    session.add(row)
    session.commit()
    return row


def _row(session) -> XapiOutbox:
    session.expire_all()
    return session.exec(select(XapiOutbox).where(XapiOutbox.statement_id == REFUSED_ID)).one()


def test_admins_see_a_refused_statement_with_the_lrs_answer_and_discard_it_on_record(session, make_client):
    _refused_statement(session)
    ada = make_client("ada")
    page = ada.get("/admin/records").get_data(as_text=True)
    assert REFUSED_ID in page and "the LRS answered 409" in page and "completed HTTP Protocol" in page

    url = f"/admin/records/refused/{REFUSED_ID}/discard"
    assert ada.post(url, csrf=False).status_code == 400  # no CSRF token: refused, nothing changes
    assert make_client("lena").post(url).status_code == 403
    assert _row(session).discarded_at is None

    answer = ada.post(url)
    assert answer.status_code == 303
    row = _row(session)
    assert row.discarded_at is not None and row.sent_at is None  # kept, marked, never sent
    event = session.exec(select(SecurityEvent).where(SecurityEvent.kind == SecurityEventKind.statement_discarded)).one()
    assert REFUSED_ID in event.detail and "409" in event.detail and event.user_id == factories.user(session, "ada").id
    page = ada.get("/admin/records").get_data(as_text=True)
    assert "is discarded" in page and f"refused-{REFUSED_ID}" not in page

    again = ada.post(url, follow_redirects=True).get_data(as_text=True)  # a page says why, and lists again
    assert "already discarded" in again
    fragment = ada.post(url, headers=HTMX)  # HTMX: the refusal goes to the alert area
    assert fragment.status_code == 409 and fragment.headers["HX-Retarget"] == "#alerts"
    assert "already discarded" in fragment.get_data(as_text=True)


def test_retrying_a_refused_statement_answers_the_list_for_htmx_and_makes_it_due(session, make_client):
    _refused_statement(session)
    ada = make_client("ada")
    answer = ada.post(f"/admin/records/refused/{REFUSED_ID}/retry",
                      headers=HTMX | {"HX-Target": "refused-statements"})
    assert answer.status_code == 200 and "HX-Request" in answer.headers["Vary"]
    text = answer.get_data(as_text=True)
    assert 'id="refused-statements"' in text and "<html" not in text and "will be sent again" in text
    assert _row(session).next_attempt_at <= utcnow()
    missing = ada.post("/admin/records/refused/not-a-statement/retry", headers=HTMX)
    assert missing.status_code == 404 and missing.headers["HX-Retarget"] == "#alerts"
    assert ada.post("/admin/records/refused/retry").status_code == 303


def _revoked(session) -> Credential:
    lena = factories.user(session, "lena")
    credential = Credential(public_id="c" * 32, user_id=lena.id, path_slug="api-designer", path_title="API Designer",
                            path_version=1, articles_read=5, jwt="x.e30.x")
    session.add(credential)
    session.commit()
    credentials.revoke(session=session, admin=factories.user(session, "ada"), credential_id=credential.id,
                       reason="Copied", now=utcnow(), site="http://tracker.test")
    return credential


def test_an_admin_regrants_a_revoked_credential_only_with_a_reason(session, make_client):
    credential = _revoked(session)
    ada = make_client("ada")
    url = f"/admin/credentials/{credential.id}/regrant"
    assert make_client("lena").post(url, data={"reason": "Mine"}).status_code == 403
    assert ada.post(url, data={"reason": "Fine"}, csrf=False).status_code == 400
    no_reason = ada.post(url, data={"reason": "   "}, follow_redirects=True).get_data(as_text=True)
    assert "Reason: say why" in no_reason  # the page says why, the credential stays revoked
    fragment = ada.post(url, data={"reason": ""}, headers=HTMX)
    assert fragment.status_code == 400 and fragment.headers["HX-Retarget"] == "#alerts"
    session.expire_all()
    assert session.get(Credential, credential.id).revoked_at is not None

    done = ada.post(url, data={"reason": "Appeal upheld"}, headers=HTMX | {"HX-Target": "credential-table"})
    assert done.status_code == 200 and "re-granted" in done.get_data(as_text=True)
    session.expire_all()
    assert session.get(Credential, credential.id).revoked_at is None
    event = session.exec(select(SecurityEvent).where(SecurityEvent.kind == SecurityEventKind.credential_regranted)
                         ).one()
    assert "lena" in event.detail and "Appeal upheld" in event.detail
    assert ada.post(url, data={"reason": "Again"}, headers=HTMX).status_code == 409  # it stands: nothing to do
