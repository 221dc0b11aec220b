"""The assignment rules API: a group's managers list, add, change, preview, run and delete rules with a token;
a run is queued (202) and its result read from the log; everyone else gets 404."""

from datetime import date, timedelta

import pytest
from sqlmodel import col, select

from tests import factories
from tests.test_rule_jobs import run_pending
from tracker.models import Assignment, TokenScope
from tracker.services import teams
from tracker.services.people import tokens

BASE = "/api/v1/groups/platform/rules"


@pytest.fixture
def platform(session):
    group = teams.create_group(session=session, name="Platform")
    teams.add_member(session=session, group=group, user=factories.user(session, "mona"), is_manager=True)
    teams.add_member(session=session, group=group, user=factories.user(session, "lena"))
    session.commit()
    return group


def bearer(session, username, scope=TokenScope.write) -> dict[str, str]:
    raw = tokens.create_token(session=session, user=factories.user(session, username), name="script", scope=scope)[0]
    return {"Authorization": f"Bearer {raw}"}


def test_a_manager_adds_a_rule_previews_runs_and_reads_the_log_with_a_token(app, client, session, platform):
    mona = bearer(session, "mona")
    made = client.post(BASE, json={"path": "api-designer", "due_days_after_joining": 21, "recur_months": 12},
                       headers=mona)
    assert made.status_code == 201, made.get_json()
    rule = made.get_json()
    assert rule["summary"] == "due 21 days after joining, every 12 months" and rule["enabled"] is True
    preview = client.get(f"{BASE}/{rule['id']}/preview", headers=mona).get_json()["items"]
    assert [(line["username"], line["change"]) for line in preview] == [("lena", "assign"), ("mona", "assign")]
    assert preview[0]["due_on"] == (date.today() + timedelta(days=21)).isoformat()
    run_pending(app)  # the first run, queued by adding it
    queued = client.post(f"{BASE}/{rule['id']}/runs", headers=mona)
    assert queued.status_code == 202 and queued.get_json()["status"] == "queued"
    run_pending(app)
    runs = client.get(f"{BASE}/runs", headers=mona).get_json()["items"]
    assert [(r["status"], r["assigned"], r["unchanged"], r["started_by"]) for r in runs] == [
        ("done", 0, 2, "mona"), ("done", 2, 0, "mona")]
    assert [r["id"] for r in client.get(BASE, headers=mona).get_json()["items"]] == [rule["id"]]


def test_changing_a_rule_keeps_what_is_left_out_and_deleting_it_withdraws(app, client, session, platform):
    ada = bearer(session, "ada")
    rule = client.post(BASE, json={"path": "api-designer", "due_days_after_joining": 21, "note": "Go"},
                       headers=ada).get_json()
    run_pending(app)
    due = (date.today() + timedelta(days=60)).isoformat()
    changed = client.patch(f"{BASE}/{rule['id']}", json={"due_on": due}, headers=ada).get_json()
    assert (changed["due_on"], changed["due_days_after_joining"], changed["note"]) == (due, None, "Go")
    run_pending(app)
    session.expire_all()
    assert {a.due_on.isoformat() for a in session.exec(select(Assignment))} == {due}
    assert client.delete(f"{BASE}/{rule['id']}", headers=ada).status_code == 204
    session.expire_all()
    assert all(a.withdrawn_at is not None for a in session.exec(select(Assignment).where(
        col(Assignment.path_id) == factories.path(session, "api-designer").id)))
    assert client.get(f"{BASE}/{rule['id']}", headers=ada).status_code == 404


@pytest.mark.parametrize(("body", "message"), [
    ({"path": "api-designer", "due_on": "2020-01-01"}, "The due date is in the past."),
    ({"path": "api-designer", "due_days_after_joining": 0}, "Days after joining must be from 1 to 3650."),
    ({"path": "api-designer", "due_days_after_joining": 3, "due_on": "2099-01-01"}, "not both"),
    ({"path": "api-designer", "recur_months": 99}, "Repeat every 1 to 60 months"),
    ({"path": "api-designer", "colour": "red"}, "colour"),
])
def test_a_bad_rule_is_refused_with_the_reason_and_nothing_is_saved(client, session, platform, body, message):
    ada = bearer(session, "ada")
    answer = client.post(BASE, json=body, headers=ada)
    assert answer.status_code == 400 and message in answer.get_json()["error"]["message"]
    assert client.get(BASE, headers=ada).get_json()["items"] == []


def test_an_unknown_path_is_404_and_a_member_or_a_stranger_learns_nothing(client, session, platform):
    assert client.post(BASE, json={"path": "nope"}, headers=bearer(session, "ada")).status_code == 404
    for name in ("lena", "leo"):
        assert client.get(BASE, headers=bearer(session, name)).status_code == 404
        assert client.post(BASE, json={"path": "api-designer"}, headers=bearer(session, name)).status_code == 404
    assert client.get(BASE).status_code == 401
    read_only = bearer(session, "mona", TokenScope.read)
    assert client.get(BASE, headers=read_only).status_code == 200
    assert client.post(BASE, json={"path": "api-designer"}, headers=read_only).status_code == 403


def test_the_rule_routes_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert set(paths["/api/v1/groups/{slug}/rules/{rule_id}"]) == {"get", "patch", "delete"}
    assert "202" in paths["/api/v1/groups/{slug}/rules/{rule_id}/runs"]["post"]["responses"]
    assert "get" in paths["/api/v1/groups/{slug}/rules/runs"]
