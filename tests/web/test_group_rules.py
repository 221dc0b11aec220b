"""The group rule pages: a manager adds a rule, previews it (page, fragment, CSV), runs it, edits, disables and
deletes it, and reads the log of runs; bad input is refused three ways with nothing saved; nobody else learns
the group exists."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlmodel import col, select

from tests import factories
from tests.test_rule_jobs import run_pending
from tracker.models import Assignment, AssignmentRule, RuleRun, utcnow
from tracker.services import teams

RULES = "/groups/platform/rules"


@pytest.fixture
def platform(session):
    group = teams.create_group(session=session, name="Platform")
    teams.add_member(session=session, group=group, user=factories.user(session, "mona"), is_manager=True)
    for name in ("lena", "leo"):
        teams.add_member(session=session, group=group, user=factories.user(session, name))
    session.commit()
    return group


def _rules(session) -> list[AssignmentRule]:
    session.expire_all()
    return list(session.exec(select(AssignmentRule)))


def _assigned(session) -> set[str]:
    session.expire_all()
    return {factories.user(session, "lena").username if a.learner_id == factories.user(session, "lena").id else
            str(a.learner_id) for a in session.exec(select(Assignment).where(col(Assignment.rule_id).is_not(None),
                                                                                col(Assignment.withdrawn_at).is_(None)))}


def add(client, **fields):
    data = {"path": "api-designer", "due_kind": "days", "due_days": "30", "recur_months": "", "note": ""} | fields
    return client.post(RULES, data=data)


def test_a_manager_adds_a_rule_and_its_queued_run_assigns_every_member(app, session, platform, make_client):
    mona = make_client("mona")
    page = mona.get(RULES).get_data(as_text=True)
    assert "No rule yet" in page and '<option value="api-designer">API Designer</option>' in page
    answer = add(mona, note="Start here")
    assert answer.status_code == 303 and answer.headers["Location"] == RULES
    page = mona.get(RULES).get_data(as_text=True)
    assert "The rule for “API Designer” is added" in page and "due 30 days after joining" in page
    assert run_pending(app) == ["assignment-rule-run"]
    session.expire_all()
    assert len(session.exec(select(Assignment).where(col(Assignment.rule_id).is_not(None))).all()) == 3
    log = mona.get(f"{RULES}/runs").get_data(as_text=True)
    assert "API Designer (due 30 days after joining)" in log and "mona" in log and "3 assigned" in log


def test_the_rule_added_through_htmx_appears_in_the_list_in_place(session, platform, make_client):
    answer = make_client("mona").post(RULES, data={"path": "api-designer", "due_kind": "none"},
                                      headers={"HX-Request": "true", "HX-Target": "group-rules"})
    body = answer.get_data(as_text=True)
    assert answer.status_code == 200 and body.lstrip().startswith('<section class="card" id="group-rules"')
    assert "no due date" in body and 'role="status"' in body


@pytest.mark.parametrize(("fields", "message", "field_id"), [
    ({"due_kind": "date", "due_on": "2020-01-01"}, "The due date is in the past.", "due_on"),
    ({"due_days": "0"}, "Days after joining must be from 1 to 3650.", "due_days"),
    ({"recur_months": "61"}, "Repeat every 1 to 60 months", "recur_months"),
    ({"path": ""}, "Choose a path to assign.", "path"),
])
def test_a_bad_rule_is_refused_on_the_page_and_in_the_fragment_and_nothing_is_saved(
        session, platform, make_client, fields, message, field_id):
    mona = make_client("mona")
    page = add(mona, **fields)
    body = page.get_data(as_text=True)
    assert page.status_code == 400 and message in body
    assert f'id="{field_id}" ' in body and 'aria-invalid="true"' in body
    fragment = mona.post(RULES, data={"path": "api-designer", "due_kind": "days", "due_days": "30"} | fields,
                         headers={"HX-Request": "true", "HX-Target": "group-rules"})
    assert fragment.status_code == 400 and fragment.headers["HX-Retarget"] == "#alerts"
    assert 'role="alert"' in fragment.get_data(as_text=True) and message in fragment.get_data(as_text=True)
    assert _rules(session) == []


def test_the_same_path_twice_is_refused(session, platform, make_client):
    mona = make_client("mona")
    add(mona)
    again = add(mona)
    assert again.status_code == 400 and "Platform already has a rule for “API Designer”" in again.get_data(as_text=True)
    assert len(_rules(session)) == 1


def test_nobody_but_admins_and_the_groups_managers_learns_the_group_exists(session, platform, make_client):
    add(make_client("ada"))
    rule = _rules(session)[0]
    for url in (RULES, f"{RULES}/{rule.id}", f"{RULES}/{rule.id}/preview", f"{RULES}/{rule.id}/preview.csv",
                f"{RULES}/runs"):
        assert make_client("lena").get(url).status_code == 404, url
        assert make_client().get(url).status_code == 302, url
        assert make_client("mona").get(url).status_code == 200, url
    for url in (RULES, f"{RULES}/{rule.id}", f"{RULES}/{rule.id}/delete", f"{RULES}/{rule.id}/runs"):
        assert make_client("leo").post(url, data={"path": "api-designer"}).status_code == 404, url
    assert len(_rules(session)) == 1 and session.exec(select(RuleRun)).all()[0].started_by_label == "ada"


def test_the_preview_lists_each_person_as_a_page_a_fragment_and_a_spreadsheet_safe_csv(
        app, session, platform, make_client):
    lena = factories.user(session, "lena")
    lena.display_name = "=HYPERLINK(\"http://evil.example\")"
    session.add(lena)
    session.commit()
    mona = make_client("mona")
    add(mona, due_kind="date", due_on=(date.today() + timedelta(days=40)).isoformat())
    rule = _rules(session)[0]
    page = mona.get(f"{RULES}/{rule.id}/preview").get_data(as_text=True)
    assert "3 to assign, 0 to withdraw, 0 new due dates, 0 unchanged" in page and "a member without the path" in page
    fragment = mona.get(f"{RULES}/{rule.id}/preview", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.lstrip().startswith('<section class="card" id="rule-preview"') and "<h1>" not in fragment
    sheet = mona.get(f"{RULES}/{rule.id}/preview.csv")
    assert sheet.headers["Content-Disposition"] == 'attachment; filename="platform-api-designer-preview.csv"'
    rows = list(csv.reader(io.StringIO(sheet.get_data(as_text=True))))
    assert rows[0] == ["username", "name", "change", "due date", "reason"]
    assert ["lena", "'=HYPERLINK(\"http://evil.example\")", "assign",
            (date.today() + timedelta(days=40)).isoformat(), "a member without the path"] in rows
    run_pending(app)
    after = list(csv.reader(io.StringIO(mona.get(f"{RULES}/{rule.id}/preview.csv").get_data(as_text=True))))
    assert {row[2] for row in after[1:]} == {"unchanged"}


def test_editing_disabling_running_and_deleting_a_rule(app, session, platform, make_client):
    mona = make_client("mona")
    add(mona)
    run_pending(app)
    rule = _rules(session)[0]
    url = f"{RULES}/{rule.id}"
    page = mona.get(url).get_data(as_text=True)
    assert "Deleting it withdraws “API Designer” from 3 people" in page
    saved = mona.post(url, data={"due_kind": "days", "due_days": "10", "note": "Sooner", "enabled": "y"})
    assert saved.status_code == 303
    run_pending(app)
    session.expire_all()
    dues = {a.due_on for a in session.exec(select(Assignment).where(col(Assignment.rule_id) == rule.id))}
    assert dues == {utcnow().date() + timedelta(days=10)}
    # disabled: a newcomer is not given it
    assert mona.post(url, data={"due_kind": "days", "due_days": "10", "note": "Sooner"}).status_code == 303
    teams.add_member(session=session, group=platform, user=factories.user(session, "ada"))
    session.commit()
    assert session.exec(select(Assignment).where(
        Assignment.learner_id == factories.user(session, "ada").id)).all() == []
    ran = mona.post(f"{url}/runs")
    assert ran.status_code == 303 and ran.headers["Location"] == f"{RULES}/runs"
    run_pending(app)
    deleted = mona.post(f"{url}/delete")
    assert deleted.status_code == 303
    assert "3 withdrawn" in mona.get(RULES).get_data(as_text=True)
    assert _rules(session) == []
    log = mona.get(f"{RULES}/runs").get_data(as_text=True)
    assert "deleted: API Designer" in log and log.count("run-done") == 5  # made, saved twice, run now, deleted


def test_a_bad_edit_is_refused_with_the_field_marked_and_nothing_changes(session, platform, make_client):
    mona = make_client("mona")
    add(mona)
    rule = _rules(session)[0]
    answer = mona.post(f"{RULES}/{rule.id}", data={"due_kind": "days", "due_days": "x", "enabled": "y"})
    body = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "&#39;x&#39; is not a whole number" in body
    assert 'id="due_days" ' in body and 'aria-invalid="true"' in body and "Save the rule" in body
    answer = mona.post(f"{RULES}/{rule.id}", data={"due_kind": "days", "due_days": "4000", "enabled": "y"})
    assert answer.status_code == 400 and 'aria-invalid="true"' in answer.get_data(as_text=True)
    assert _rules(session)[0].due_days_after_joining == 30
