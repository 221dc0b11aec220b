"""Recurring assignments on the pages and in the API: the mentor sets "repeat every N months", bad values are
refused the same way everywhere, the learner and the mentor see the period, and a period's credential shows as
expired once the next period began (to the verify page, the certificate and a verifier using PyJWT alone)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import jwt as pyjwt
import pytest
import time_machine
from sqlmodel import col, select

from tests import factories, ob_schema
from tracker.models import Assignment, Credential, ProgressState
from tracker.services.mentoring import recurrence
from tracker.services.progress import marks as progress

HX = {"HX-Request": "true"}
ASSIGNED = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
PERIOD_ENDS = datetime(2027, 1, 10, tzinfo=UTC)
AFTER = PERIOD_ENDS + timedelta(hours=3)

pytestmark = pytest.mark.filterwarnings("ignore:EdDSA is deprecated")


@pytest.fixture
def linked(session):
    factories.mentor_of(session, "mona", "lena")


def assignments_of(session) -> list[Assignment]:
    session.expire_all()
    return list(session.exec(select(Assignment)).all())


def assign_on_the_page(make_client, **fields):
    """mona assigns api-designer to lena on the overview's form, on ASSIGNED. Clients sign in on the clock they are
    used on: a session begun at another time is not one the tracker accepts."""
    with time_machine.travel(ASSIGNED, tick=False):
        return make_client("mona").post("/mentor/assignments", data={
            "learners": "lena", "path": "api-designer", **fields}, follow_redirects=True)


def finish_on_the_page(session, make_client, at: datetime) -> None:
    view = progress.path_progress(session=session, user=None, slug="api-designer")
    assert view is not None
    articles = [e.card.article for s in view.detail.sections for e in s.entries if not e.item.optional]
    with time_machine.travel(at, tick=False):
        client = make_client("lena")
        for article in articles:
            answer = client.post(f"/articles/{article.slug}/progress", data={"state": "done", "path": "api-designer"})
            assert answer.status_code == 303


# ---------------------------------------------------------------- setting it, and refusing bad values

@pytest.mark.parametrize(("value", "message"), [
    ("0", "Repeat every: a whole number of months from 1 to 60 (&#39;0&#39; given), or empty for once."),
    ("61", "Repeat every: a whole number of months from 1 to 60 (&#39;61&#39; given), or empty for once."),
    ("x", "Repeat every (months): &#39;x&#39; is not a whole number"),
])
@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "fragment"])
def test_the_assign_form_refuses_a_bad_period_with_a_clear_message(make_client, session, linked, value, message,
                                                                   headers):
    with time_machine.travel(ASSIGNED, tick=False):
        answer = make_client("mona").post("/mentor/assignments", headers=headers, follow_redirects=True, data={
            "learners": "lena", "path": "api-designer", "recur_months": value})
    assert answer.status_code == 200 and message in answer.get_data(as_text=True)
    assert assignments_of(session) == []


@pytest.mark.parametrize(("value", "message"), [
    (0, "recur_months: Input should be greater than or equal to 1"),
    (61, "recur_months: Input should be less than or equal to 60"),
    ("x", "recur_months: Input should be a valid integer"),
    ("12", "recur_months: Input should be a valid integer"),
])
def test_the_api_refuses_a_bad_period_with_a_clear_message(make_client, session, linked, value, message):
    answer = make_client("mona").post("/api/v1/assignments", json={"learners": ["lena"], "path": "api-designer",
                                                                   "recur_months": value})
    assert answer.status_code == 400
    assert answer.get_json()["error"]["message"] == message
    assert assignments_of(session) == []


def test_the_api_assigns_a_recurring_path_and_says_when_the_period_ends(make_client, session, linked):
    with time_machine.travel(ASSIGNED, tick=False):
        mona = make_client("mona")
        answer = mona.post("/api/v1/assignments", json={
            "learners": ["lena"], "path": "api-designer", "recur_months": 12, "due_on": "2026-02-09"})
        assert answer.status_code == 201
        [item] = answer.get_json()["items"]
        assert (item["recur_months"], item["period_started_on"], item["period_ends_on"], item["due_on"]) == (
            12, "2026-01-10", "2027-01-10", "2026-02-09")
        # A due date past the first period is refused, naming the period's end.
        refused = mona.post("/api/v1/assignments", json={
            "learners": ["lena"], "path": "real-time-streaming", "recur_months": 1, "due_on": "2099-01-01"})
        assert refused.status_code == 400 and "within the first period" in refused.get_json()["error"]["message"]
        # null makes it happen once again; left out, it is kept.
        kept = mona.post("/api/v1/assignments", json={"learners": ["lena"], "path": "api-designer"})
        assert kept.get_json()["items"][0]["recur_months"] == 12
        once = mona.post("/api/v1/assignments", json={"learners": ["lena"], "path": "api-designer",
                                                       "recur_months": None})
    assert once.get_json()["items"][0]["recur_months"] is None
    assert once.get_json()["items"][0]["period_started_on"] is None


def test_a_mentor_sets_a_period_on_the_page_and_sees_it_on_the_overview_and_the_mentee_page(make_client, session,
                                                                                          linked):
    page = assign_on_the_page(make_client, recur_months="12", due_on="2026-02-09")
    assert "Assigned “API Designer” to lena" in page.get_data(as_text=True)
    [assignment] = assignments_of(session)
    assert (assignment.recur_months, assignment.period_started_on, assignment.due_on) == (
        12, date(2026, 1, 10), date(2026, 2, 9))
    with time_machine.travel(ASSIGNED + timedelta(days=1), tick=False):
        mona = make_client("mona")
        for url in ("/mentor/", "/mentor/mentees/lena"):
            assert "Repeats every 12 months · this period ends Jan 10, 2027" in mona.get(url).get_data(as_text=True)


def test_an_empty_period_on_the_page_assigns_the_path_once(make_client, session, linked):
    assign_on_the_page(make_client, recur_months="")
    [assignment] = assignments_of(session)
    assert (assignment.recur_months, assignment.period_started_on) == (None, None)


# ---------------------------------------------------------------- what the learner sees, and the credential

def test_the_learner_sees_the_period_then_the_refresh_and_the_credential_expires(make_client, session, linked):
    assign_on_the_page(make_client, recur_months="12", due_on="2026-02-09")
    with time_machine.travel(ASSIGNED + timedelta(days=1), tick=False):
        lena = make_client("lena")
        for url in ("/", "/paths/api-designer"):
            page = lena.get(url).get_data(as_text=True)
            assert "Repeats every 12 months · this period ends Jan 10, 2027" in page
            assert "Refreshed on" not in page
    finish_on_the_page(session, make_client, ASSIGNED + timedelta(days=2))
    [first] = session.exec(select(Credential)).all()
    assert first.valid_until is not None and first.valid_until.replace(tzinfo=UTC) == PERIOD_ENDS

    # An outside verifier with PyJWT alone: validUntil and exp at the period's end; the OB 3.0 schema holds.
    kid = pyjwt.get_unverified_header(first.jwt)["kid"]
    key = make_client().get(kid.removeprefix("http://localhost:5000")).get_json()
    claims = pyjwt.decode(first.jwt, pyjwt.PyJWK(key).key, algorithms=["ES256"], options={"verify_exp": False})
    assert claims["validUntil"] == "2027-01-10T00:00:00Z" and claims["exp"] == int(PERIOD_ENDS.timestamp())
    assert ob_schema.schema_errors(ob_schema.extracted(claims)) == []
    assert ob_schema.schema_errors(claims) == []
    with time_machine.travel(AFTER, tick=False), pytest.raises(pyjwt.ExpiredSignatureError):
        pyjwt.decode(first.jwt, pyjwt.PyJWK(key).key, algorithms=["ES256"])

    recurrence.start_due_periods(session=session, now=AFTER)
    with time_machine.travel(AFTER, tick=False):
        lena = make_client("lena")
        for url in ("/", "/paths/api-designer"):
            page = lena.get(url).get_data(as_text=True)
            assert "Refreshed on Jan 10, 2027: your earlier completion is kept in your history." in page
            assert "Repeats every 12 months · this period ends Jan 10, 2028" in page
        assert "expired on Jan 10, 2027" in lena.get("/paths/api-designer").get_data(as_text=True)
        assert "expired Jan 10, 2027" in lena.get("/").get_data(as_text=True)  # its certificates list
        certificate = lena.get(f"/credentials/{first.public_id}").get_data(as_text=True)
        assert "Expired on January 10, 2027." in certificate
        verified = make_client().post("/credentials/verify", data={"jwt": first.jwt}).get_data(as_text=True)
        assert "Not valid" in verified and "Expired on January 10, 2027." in verified
        # The JSON keeps saying what was signed: the same document, validUntil and all.
        document = lena.get(f"/credentials/{first.public_id}/credential.json").get_json()
        assert document["id"].split(",", 1)[1] == first.jwt
        notices = lena.get("/notifications/").get_data(as_text=True)
        assert "Time to refresh “API Designer”: due Feb 9, 2027." in notices

    # Period 2 finished: a second credential, valid a year more; the first stays, expired.
    finish_on_the_page(session, make_client, AFTER + timedelta(days=1))
    session.expire_all()
    kept = session.exec(select(Credential).order_by(col(Credential.id))).all()
    assert [c.period_started_on for c in kept] == [date(2026, 1, 10), date(2027, 1, 10)]
    with time_machine.travel(AFTER + timedelta(days=2), tick=False):
        lena = make_client("lena")
        verified = make_client().post("/credentials/verify", data={"jwt": kept[1].jwt}).get_data(as_text=True)
        assert "Valid until" in verified and "2028-01-10T00:00:00Z" in verified and "Not valid" not in verified
        mine = lena.get("/api/v1/me/credentials").get_json()["items"]
        assert [c["valid_until"][:10] for c in mine] == ["2028-01-10", "2027-01-10"]


def test_the_data_export_carries_the_period_and_the_expiry(make_client, session, linked):
    assign_on_the_page(make_client, recur_months="6")
    finish_on_the_page(session, make_client, ASSIGNED + timedelta(days=1))
    with time_machine.travel(ASSIGNED + timedelta(days=2), tick=False):
        body = make_client("lena").get("/api/v1/me/export").get_json()
    [assignment] = body["assignments"]
    assert (assignment["recur_months"], assignment["period_started_on"]) == (6, "2026-01-10")
    [credential] = body["credentials"]
    assert credential["period_started_on"] == "2026-01-10" and credential["valid_until"].startswith("2026-07-10")


def test_progress_marked_on_an_article_keeps_counting_after_a_restart(make_client, session, linked):
    """The restart is a Start over: the learner's later marks count from "not started" again."""
    assign_on_the_page(make_client, recur_months="1")
    finish_on_the_page(session, make_client, ASSIGNED + timedelta(days=1))
    recurrence.start_due_periods(session=session, now=datetime(2026, 2, 10, 1, tzinfo=UTC))
    user = factories.user(session, "lena")
    view = progress.path_progress(session=session, user=user, slug="api-designer")
    assert view is not None and view.overall.done == 0
    assert all(state is ProgressState.not_started for state in progress.states_for(
        session=session, user=user, article_ids=list(view.article_ids())).values())
