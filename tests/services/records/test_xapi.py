"""xAPI 1.0.3: statements built from the event log, and their delivery through the outbox to a real LRS
(Ralph, started by the tests) and through an LRS that fails on command."""

import json
import re
import threading
import uuid
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from sqlmodel import col, func, insert, select

from tests import factories
from tests.conftest import SECRET
from tracker.models import ProgressEvent, ProgressState, SecurityEvent, SecurityEventKind, XapiOutbox, utcnow
from tracker.services.errors import Conflict, Invalid, NotAllowed
from tracker.services.operations import scheduled
from tracker.services.progress import follows
from tracker.services.progress import marks as progress
from tracker.services.records import credentials, deletion, xapi
from tracker.services.records import outbox as xapi_outbox
from tracker.services.records import signing_keys as credential_keys

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
IRI = re.compile(r"^[a-z][a-z0-9+.-]*:\S+$")  # an absolute IRI: a scheme, then the rest
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


@pytest.fixture
def site():
    """A site address of the test's own, so its statements are told apart in the shared LRS."""
    return f"http://tracker-{uuid.uuid4().hex[:12]}.test"


def _mark(session, username, slug, state, path=None):
    progress.write_mark(session=session, user=factories.user(session, username),
                        article=factories.article(session, slug), state=state,
                        path=factories.path(session, path) if path else None)


def assert_valid_statement(statement: dict) -> None:
    """The properties xAPI 1.0.3 requires of a statement, and their forms."""
    assert UUID.match(statement["id"])
    account = statement["actor"]["account"]
    assert statement["actor"]["objectType"] == "Agent" and account["homePage"].startswith("http") and account["name"]
    assert IRI.match(statement["verb"]["id"]) and statement["verb"]["display"]["en-US"]
    assert statement["object"]["objectType"] == "Activity" and statement["object"]["id"].startswith("http")
    assert statement["object"]["definition"]["name"]["en-US"]
    assert ISO.match(statement["timestamp"]) and statement["version"] == "1.0.3"


def test_each_progress_change_is_one_statement_of_the_right_verb(session, site):
    _mark(session, "lena", "http-protocol", ProgressState.in_progress, path="api-designer")
    _mark(session, "lena", "http-protocol", ProgressState.done, path="api-designer")
    _mark(session, "lena", "routing", ProgressState.skipped)
    _mark(session, "lena", "routing", ProgressState.not_started)
    lena = factories.user(session, "lena")
    page = xapi.statements(session=session, user_ids=[lena.id], site=site)
    assert page.after is None and len(page.statements) == 4
    for statement in page.statements:
        assert_valid_statement(statement)
        assert statement["actor"]["account"] == {"homePage": site, "name": lena.public_id}
        assert "lena" not in json.dumps(statement["actor"])  # an opaque id, never the username
    reading, done, skipped, reset = page.statements
    assert reading["verb"]["id"] == "http://adlnet.gov/expapi/verbs/progressed"
    assert done["verb"]["id"] == "http://adlnet.gov/expapi/verbs/completed" and done["result"] == {"completion": True}
    # Registered verbs where they exist; ours, where none does, is the same whatever the site's address.
    assert skipped["verb"]["id"] == "http://id.tincanapi.com/verb/skipped"
    assert reset["verb"]["id"] == "tag:learning-path-tracker,2026:xapi/verbs/reset"
    assert all(site not in statement["verb"]["id"] for statement in page.statements)
    assert done["object"]["id"] == f"{site}/articles/http-protocol"
    assert done["object"]["definition"]["name"]["en-US"] == "HTTP Protocol"
    grouping = done["context"]["contextActivities"]["grouping"]
    assert grouping == [{"objectType": "Activity", "id": f"{site}/paths/api-designer",
                         "definition": {"name": {"en-US": "API Designer"},
                                        "type": "http://adlnet.gov/expapi/activities/course"}}]
    assert "contextActivities" not in skipped["context"]  # marked from the catalog, not on a path
    again = xapi.statements(session=session, user_ids=[lena.id], site=site)
    assert [s["id"] for s in again.statements] == [s["id"] for s in page.statements]  # ids fixed by the event


def test_statements_come_in_pages_with_a_cursor(session, site):
    for slug in ("http-protocol", "routing", "middleware"):
        _mark(session, "lena", slug, ProgressState.done)
    lena = factories.user(session, "lena")
    first = xapi.statements(session=session, user_ids=[lena.id], site=site, limit=2)
    second = xapi.statements(session=session, user_ids=[lena.id], site=site, after=first.after, limit=2)
    assert len(first.statements) == 2 and first.after and len(second.statements) == 1 and second.after is None
    with pytest.raises(ValueError):
        xapi.parse_cursor("x12")


class FailingLrs:
    """An LRS that answers 503 to everything, counting what it was sent."""

    def __init__(self):
        owner = self
        self.requests = 0

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                owner.requests += 1
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self.send_response(503)
                self.end_headers()
                self.wfile.write(b"down for maintenance")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}/xAPI"


@pytest.fixture
def failing_lrs():
    lrs = FailingLrs()
    yield lrs
    lrs.server.shutdown()


def _stored(ralph_lrs, site, user) -> list[dict]:
    agent = json.dumps({"account": {"homePage": site, "name": user.public_id}})
    params: dict[str, str | int] = {"agent": agent, "limit": 500}
    answer = requests.get(ralph_lrs["endpoint"] + "/statements", params=params,
                          auth=(ralph_lrs["username"], ralph_lrs["password"]),
                          headers={"X-Experience-API-Version": "1.0.3"}, timeout=10)
    assert answer.status_code == 200
    return answer.json()["statements"]


def test_an_outage_loses_nothing_and_the_lrs_gets_each_statement_once(session, site, failing_lrs, ralph_lrs):
    for slug in ("http-protocol", "routing", "middleware", "request-context"):
        _mark(session, "lena", slug, ProgressState.in_progress)
        _mark(session, "lena", slug, ProgressState.done)
    lena = factories.user(session, "lena")
    now = utcnow()
    assert xapi_outbox.enqueue_new(session=session, site=site, now=now) == 8
    assert xapi_outbox.enqueue_new(session=session, site=site, now=now) == 0  # queued once

    down = xapi_outbox.RecordStore(endpoint=failing_lrs.endpoint)
    failed = xapi_outbox.push(session=session, store=down, now=now)
    assert failed.sent == 0 and "503" in failed.failed and failing_lrs.requests == 1  # one batch, then it waits
    assert xapi_outbox.push(session=session, store=down, now=now).sent == 0 and failing_lrs.requests == 1  # backing off
    state = xapi_outbox.outbox_state(session=session)
    assert (state.waiting, state.sent) == (8, 0) and "503" in state.last_error
    assert failed.failed in xapi_outbox.push(session=session, store=down, now=now + timedelta(seconds=31)).failed
    assert failing_lrs.requests == 2
    rows = list(session.exec(select(XapiOutbox)))
    assert {row.attempts for row in rows} == {2}
    assert all(row.next_attempt_at > now + timedelta(seconds=31) for row in rows)

    # The LRS comes back; one batch had in fact reached it before (an answer lost on the way back).
    store = xapi_outbox.RecordStore(**ralph_lrs)
    store.send([json.loads(rows[0].statement)])
    later = now + timedelta(minutes=5)
    delivered = xapi_outbox.push(session=session, store=store, now=later)
    assert (delivered.sent, delivered.failed) == (8, "")
    stored = _stored(ralph_lrs, site, lena)
    assert sorted(s["id"] for s in stored) == sorted(row.statement_id for row in rows)  # each exactly once
    assert xapi_outbox.push(session=session, store=store, now=later + timedelta(hours=1)).sent == 0
    assert len(_stored(ralph_lrs, site, lena)) == 8
    assert xapi_outbox.outbox_state(session=session).waiting == 0

    _mark(session, "lena", "routing", ProgressState.not_started)  # new history after the outage goes too
    result = scheduled.scheduled_round(session=session, now=utcnow(), config={
        "PUBLIC_URL": site, "XAPI_ENDPOINT": ralph_lrs["endpoint"], "XAPI_USERNAME": ralph_lrs["username"],
        "XAPI_PASSWORD": ralph_lrs["password"]})
    assert result.xapi.sent == 1 and len(_stored(ralph_lrs, site, lena)) == 9
    assert session.exec(select(func.count(XapiOutbox.id)).where(XapiOutbox.sent_at.is_(None))).one() == 0


def test_the_push_command_reports_and_fails_in_one_line(app, runner, session, site, failing_lrs, ralph_lrs):
    _mark(session, "lena", "http-protocol", ProgressState.done)
    app.config.update(PUBLIC_URL=site, XAPI_ENDPOINT=None)
    assert "no Learning Record Store is set up" in runner.invoke(args=["xapi", "push"]).output
    app.config.update(XAPI_ENDPOINT=failing_lrs.endpoint)
    failed = runner.invoke(args=["xapi", "push"])
    assert failed.exit_code == 1 and "the LRS answered 503" in failed.output
    assert "1 queued, 0 sent, 1 waiting." in failed.output
    session.exec(XapiOutbox.__table__.update().values(next_attempt_at=utcnow()))
    session.commit()
    app.config.update(XAPI_ENDPOINT=ralph_lrs["endpoint"], XAPI_USERNAME=ralph_lrs["username"],
                      XAPI_PASSWORD=ralph_lrs["password"])
    done = runner.invoke(args=["xapi", "push"])
    assert done.exit_code == 0 and "0 queued, 1 sent, 0 waiting." in done.output


def test_an_event_committed_after_a_later_one_was_queued_is_sent_all_the_same(session, site, ralph_lrs):
    """On PostgreSQL an event's id is taken when it is written: a mark whose commit is slow leaves its id below
    one already queued. (SQLite has one writer at a time, so its ids follow the commits.)"""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("ids out of commit order need concurrent writers: PostgreSQL")
    lena = factories.user(session, "lena")
    slow = session.get_bind().connect()
    transaction = slow.begin()
    slow.execute(insert(ProgressEvent).values(user_id=lena.id, article_id=factories.article(session, "routing").id,
                                              state=ProgressState.done, created_at=utcnow(), path_id=None))
    _mark(session, "lena", "http-protocol", ProgressState.done)  # a later id, committed first
    now = utcnow()
    assert xapi_outbox.enqueue_new(session=session, site=site, now=now) == 1
    transaction.commit()  # the slow mark lands
    slow.close()
    assert xapi_outbox.enqueue_new(session=session, site=site, now=now) == 1
    assert xapi_outbox.enqueue_new(session=session, site=site, now=now) == 0
    delivered = xapi_outbox.push(session=session, store=xapi_outbox.RecordStore(**ralph_lrs), now=now)
    assert (delivered.sent, delivered.failed) == (2, "")
    objects = sorted(s["object"]["id"].rsplit("/", 1)[-1] for s in _stored(ralph_lrs, site, lena))
    assert objects == ["http-protocol", "routing"]


def test_a_statement_the_lrs_refuses_steps_aside_and_the_rest_keep_flowing(session, site, ralph_lrs):
    for slug in ("http-protocol", "routing", "middleware"):
        _mark(session, "lena", slug, ProgressState.done)
    lena = factories.user(session, "lena")
    now = utcnow()
    assert xapi_outbox.enqueue_new(session=session, site=site, now=now) == 3
    first, taken, last = session.exec(select(XapiOutbox).order_by(XapiOutbox.id)).all()
    # The LRS already holds another statement under the second one's id (as after ids were reused): it refuses it.
    store = xapi_outbox.RecordStore(**ralph_lrs)
    other = json.loads(first.statement) | {"id": taken.statement_id}
    store.put(other)
    delivered = xapi_outbox.push(session=session, store=store, now=now)
    assert delivered.sent == 2 and "409" in delivered.failed
    session.expire_all()
    rows = {row.statement_id: row for row in session.exec(select(XapiOutbox))}
    assert rows[first.statement_id].sent_at is not None and rows[last.statement_id].sent_at is not None
    refused = rows[taken.statement_id]
    assert refused.sent_at is None and "409" in refused.last_error and refused.next_attempt_at > now
    stored = {s["id"] for s in _stored(ralph_lrs, site, lena)}
    assert {first.statement_id, last.statement_id} <= stored
    # Marks after it are not held up behind it either.
    _mark(session, "lena", "request-context", ProgressState.done)
    assert xapi_outbox.enqueue_new(session=session, site=site, now=now) == 1
    assert xapi_outbox.push(session=session, store=store, now=now + timedelta(seconds=1)).sent == 1


def _refused(session) -> list[XapiOutbox]:
    return list(session.exec(select(XapiOutbox).where(col(XapiOutbox.refused_at).is_not(None),
                                                      col(XapiOutbox.sent_at).is_(None))))


def test_a_new_learner_never_takes_a_deleted_learners_statement_ids(session, site, ralph_lrs):
    """SQLite hands a deleted account's event ids out again: the statements must not follow them."""
    store = xapi_outbox.RecordStore(**ralph_lrs)
    slugs = ("http-protocol", "routing", "middleware")
    for slug in slugs:
        _mark(session, "lena", slug, ProgressState.done)
    lena = factories.user(session, "lena")
    lena_events = set(session.exec(select(ProgressEvent.id).where(ProgressEvent.user_id == lena.id)))
    now = utcnow()
    xapi_outbox.enqueue_new(session=session, site=site, now=now)
    assert xapi_outbox.push(session=session, store=store, now=now).sent == 3
    newcomer = factories.add_learners(session, "newcomer", 1)[0]
    deletion.erase_account(session=session, user=lena, by="herself")
    for slug in slugs:
        _mark(session, newcomer.username, slug, ProgressState.in_progress)
    events = set(session.exec(select(ProgressEvent.id).where(ProgressEvent.user_id == newcomer.id)))
    if session.get_bind().dialect.name == "sqlite":
        assert events == lena_events  # the ids are the deleted learner's, as SQLite reuses them
    later = now + timedelta(seconds=1)
    assert xapi_outbox.enqueue_new(session=session, site=site, now=later) == 3
    delivered = xapi_outbox.push(session=session, store=store, now=later)
    assert (delivered.sent, delivered.failed) == (3, "")
    stored = [s["id"] for s in _stored(ralph_lrs, site, newcomer)]
    queued = session.exec(select(XapiOutbox.statement_id).where(XapiOutbox.user_id == newcomer.id)).all()
    assert sorted(stored) == sorted(queued) and len(set(stored)) == 3  # each stored once, as sent
    assert _refused(session) == [] and xapi_outbox.outbox_state(session=session).waiting == 0


def test_the_export_gives_each_statement_the_id_and_body_the_outbox_sends(session, site):
    follows.follow_path(session=session, user=factories.user(session, "lena"),
                        path=factories.path(session, "api-designer"))
    _mark(session, "lena", "http-protocol", ProgressState.done, path="api-designer")
    _mark(session, "lena", "routing", ProgressState.skipped)
    lena = factories.user(session, "lena")
    xapi_outbox.enqueue_new(session=session, site=site, now=utcnow())
    queued = {row.statement_id: json.loads(row.statement) for row in session.exec(select(XapiOutbox))}
    exported = xapi.statements(session=session, user_ids=[lena.id], site=site).statements
    assert {s["id"]: s for s in exported} == queued


def test_a_change_on_a_followed_path_carries_the_enrollments_registration(session, site):
    lena = factories.user(session, "lena")
    path = factories.path(session, "api-designer")
    follows.follow_path(session=session, user=lena, path=path)
    _mark(session, "lena", "http-protocol", ProgressState.in_progress, path="api-designer")
    _mark(session, "lena", "http-protocol", ProgressState.done, path="api-designer")
    _mark(session, "lena", "routing", ProgressState.done)  # from the catalog: no path, no registration
    follows.unfollow_path(session=session, user=lena, path=path)
    follows.follow_path(session=session, user=lena, path=path)  # a new enrollment
    _mark(session, "lena", "middleware", ProgressState.done, path="api-designer")
    reading, done, catalog, again = xapi.statements(session=session, user_ids=[lena.id], site=site).statements
    assert UUID.match(reading["context"]["registration"])
    assert done["context"]["registration"] == reading["context"]["registration"]  # the same enrollment
    assert "registration" not in catalog["context"]
    assert UUID.match(again["context"]["registration"]) and again["context"]["registration"] != reading["context"][
        "registration"]
    other = factories.user(session, "mona")
    follows.follow_path(session=session, user=other, path=path)
    _mark(session, "mona", "http-protocol", ProgressState.done, path="api-designer")
    mona_statement = xapi.statements(session=session, user_ids=[other.id], site=site).statements[0]
    assert mona_statement["context"]["registration"] not in {reading["context"]["registration"],
                                                             again["context"]["registration"]}


def _finish(session, issuer):
    lena = factories.user(session, "lena")
    follows.follow_path(session=session, user=lena, path=factories.path(session, "api-designer"))
    view = progress.path_progress(session=session, user=lena, slug="api-designer")
    for section in view.detail.sections:
        for entry in section.entries:
            if not entry.item.optional:
                progress.write_mark(session=session, user=lena, article=entry.card.article, state=ProgressState.done)
    return credentials.issue_due(session=session, user=lena, now=utcnow(), issuer=issuer)[0]


@pytest.fixture
def issuer(session, tmp_path):
    store = credential_keys.KeyStore(engine=session.get_bind(), sealing_key=credential_keys.sealing_key(SECRET),
                                     data_dir=tmp_path)
    return credential_keys.Issuer(url="https://tracker.example.com", store=store)


def _voiding(ralph_lrs, site) -> list[dict]:
    """The statements voiding others (by the tracker itself, not by a learner)."""
    agent = json.dumps({"account": {"homePage": site, "name": "learning-path-tracker"}})
    params: dict[str, str | int] = {"agent": agent, "limit": 500}
    answer = requests.get(ralph_lrs["endpoint"] + "/statements", params=params,
                          auth=(ralph_lrs["username"], ralph_lrs["password"]),
                          headers={"X-Experience-API-Version": "1.0.3"}, timeout=10)
    assert answer.status_code == 200
    return answer.json()["statements"]


def test_revoking_a_credential_voids_its_statement_once_and_a_regrant_sends_a_fresh_one(session, site, issuer,
                                                                                         ralph_lrs):
    store = xapi_outbox.RecordStore(**ralph_lrs)
    credential = _finish(session, issuer)
    lena, ada = factories.user(session, "lena"), factories.user(session, "ada")
    now = utcnow()
    xapi_outbox.enqueue_new(session=session, site=site, now=now)
    assert xapi_outbox.push(session=session, store=store, now=now).failed == ""
    completed = [s for s in _stored(ralph_lrs, site, lena) if s["object"]["id"] == f"{site}/paths/api-designer"]
    assert len(completed) == 1
    first_id = completed[0]["id"]
    assert first_id == xapi.credential_statement_id(credential, site)

    credentials.revoke(session=session, admin=ada, credential_id=credential.id, reason="Copied", now=now, site=site)
    with pytest.raises(Conflict):  # revoked twice is refused, and queues nothing more
        credentials.revoke(session=session, admin=ada, credential_id=credential.id, reason="Again", now=now, site=site)
    assert xapi_outbox.enqueue_new(session=session, site=site, now=now) == 0  # the round adds no second voiding
    assert xapi_outbox.push(session=session, store=store, now=now).failed == ""
    voiding = _voiding(ralph_lrs, site)
    assert len(voiding) == 1
    assert voiding[0]["verb"]["id"] == "http://adlnet.gov/expapi/verbs/voided"
    assert voiding[0]["object"] == {"objectType": "StatementRef", "id": first_id}
    # Ralph 5.1 does not hide voided statements from queries (its `voidedStatementId` is "not implemented"): what
    # the tracker can make sure of is that the voiding statement is there, once, naming the completed one.

    with pytest.raises(Invalid, match="Reason"):
        credentials.regrant(session=session, admin=ada, credential_id=credential.id, reason=" ", now=now, site=site)
    with pytest.raises(NotAllowed):
        credentials.regrant(session=session, admin=lena, credential_id=credential.id, reason="Mine", now=now,
                            site=site)
    credentials.regrant(session=session, admin=ada, credential_id=credential.id, reason="Appeal upheld", now=now,
                        site=site)
    with pytest.raises(Conflict):
        credentials.regrant(session=session, admin=ada, credential_id=credential.id, reason="Twice", now=now,
                            site=site)
    session.refresh(credential)
    assert credential.revoked_at is None and credential.revoked_reason == ""
    event = session.exec(select(SecurityEvent).where(SecurityEvent.kind == SecurityEventKind.credential_regranted)
                         ).one()
    assert event.user_id == ada.id and "lena" in event.detail and "Appeal upheld" in event.detail
    assert xapi_outbox.push(session=session, store=store, now=now).failed == ""
    completed = [s for s in _stored(ralph_lrs, site, lena) if s["object"]["id"] == f"{site}/paths/api-designer"]
    assert len(completed) == 2 and {s["id"] for s in completed} == {first_id, credential.statement_id}
    assert credential.statement_id != first_id
    assert len(_voiding(ralph_lrs, site)) == 1  # the old statement stays voided, the new one stands
    assert xapi_outbox.enqueue_new(session=session, site=site, now=now) == 0
    # A mark never re-grants: it was the admin's decision, and marks issue nothing for a held credential.
    assert credentials.issue_due(session=session, user=lena, now=now, issuer=issuer) == []
