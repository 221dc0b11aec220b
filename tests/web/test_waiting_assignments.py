"""A waiting assignment as people see it: the learner's dashboard says what it starts after, the mentor's pages
and the API say it waits, and none of them call it overdue."""

from __future__ import annotations

import csv
import io

from tests.services.curriculum.test_prerequisites import finish
from tests.services.mentoring.test_waiting import DUE, assigned_while_waiting


def test_the_dashboard_says_the_assignment_starts_once_the_prerequisite_is_finished(make_client, session):
    learner = assigned_while_waiting(session)
    page = make_client(learner.username).get("/").get_data(as_text=True)
    assert ('Assigned by mona: <span class="assignment-waiting">starts once you finish '
            '<a href="/paths/api-designer">API Designer</a> (0 of 20 read)</span>') in page
    assert "Waiting for API Designer" in page and "overdue" not in page


def test_the_mentor_sees_what_the_assignment_waits_for(make_client, session):
    learner = assigned_while_waiting(session)
    mona = make_client("mona")
    assert "Waiting for API Designer" in mona.get(f"/mentor/mentees/{learner.username}").get_data(as_text=True)
    assert "Waiting for API Designer" in mona.get("/mentor/").get_data(as_text=True)
    assert "Waiting for API Designer" in mona.get("/mentor/?status=waiting").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(mona.get("/mentor/overview.csv").get_data(as_text=True))))
    waiting = [row for row in rows if row["mentee"] == learner.username and row["status"] == "waiting"]
    assert [row["waiting_for"] for row in waiting] == ["api-designer"]


def test_the_api_gives_the_waiting_status_and_what_it_waits_for(make_client, session):
    learner = assigned_while_waiting(session)
    client = make_client(learner.username)
    (item,) = [i for i in client.get("/api/v1/me/paths").get_json()["items"] if i["slug"] == "production-services"]
    assert item["assignment"]["status"] == "waiting"
    assert item["assignment"]["waiting_for"] == ["api-designer"]
    assert item["assignment"]["due_on"] == DUE.isoformat()
    finish(session, learner, "api-designer")
    (item,) = [i for i in client.get("/api/v1/me/paths").get_json()["items"] if i["slug"] == "production-services"]
    assert item["assignment"]["status"] != "waiting" and item["assignment"]["waiting_for"] == []
    assert "Waiting for" not in client.get("/").get_data(as_text=True)
