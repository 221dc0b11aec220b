"""Mentoring API: roles, no leaking of who exists, bulk assignments all or nothing."""

from datetime import date, timedelta

import pytest

from tests import factories


@pytest.fixture
def linked(session):
    factories.mentor_of(session, "mona", "lena")


def test_mentees_by_role(make_client, linked):
    assert make_client().get("/api/v1/mentees").status_code == 401
    assert make_client("lena").get("/api/v1/mentees").status_code == 403
    items = make_client("mona").get("/api/v1/mentees").get_json()["items"]
    assert [i["username"] for i in items] == ["lena"]
    assert make_client("ada").get("/api/v1/mentees").status_code == 200


def test_mentee_progress_is_404_for_a_learner_who_is_not_a_mentee(make_client, linked):
    make_client("lena").put("/api/v1/me/progress/http-protocol", json={"state": "done"})
    mona = make_client("mona")
    body = mona.get("/api/v1/mentees/lena/progress").get_json()
    assert body["items"][0]["article_slug"] == "http-protocol"
    assert mona.get("/api/v1/mentees/leo/progress").status_code == 404
    assert mona.get("/api/v1/mentees/ghost/progress").status_code == 404
    assert make_client("leo").get("/api/v1/mentees/lena/progress").status_code == 403
    assert make_client("ada").get("/api/v1/mentees/leo/progress").status_code == 200


def test_bulk_assignments_through_the_api(make_client, linked, session):
    factories.mentor_of(session, "mona", "leo")
    mona = make_client("mona")
    due = (date.today() + timedelta(days=10)).isoformat()
    response = mona.post("/api/v1/assignments", json={"learners": ["lena", "leo"], "path": "api-designer",
                                                       "due_on": due, "note": "go"})
    assert response.status_code == 201
    items = response.get_json()["items"]
    assert {(i["learner"], i["path"], i["due_on"], i["status"]) for i in items} == {
        ("lena", "api-designer", due, "not_started"), ("leo", "api-designer", due, "not_started")}
    # assigned again, leaving the note and due date out: both are kept for everyone
    again = mona.post("/api/v1/assignments", json={"learners": ["lena", "leo"], "path": "api-designer"})
    assert again.status_code == 201 and {i["due_on"] for i in again.get_json()["items"]} == {due}
    assert make_client("lena").get("/api/v1/me/paths").get_json()["items"][0]["assignment"]["note"] == "go"
    lena_paths = make_client("lena").get("/api/v1/me/paths").get_json()["items"]
    assert lena_paths[0]["assignment"]["assigned_by"] == "mona"

    assignment_id = items[0]["id"]
    assert mona.patch(f"/api/v1/assignments/{assignment_id}", json={"due_on": None}).get_json()["due_on"] is None
    assert mona.delete(f"/api/v1/assignments/{assignment_id}").status_code == 204
    assert mona.delete(f"/api/v1/assignments/{assignment_id}").status_code == 404


def test_bulk_assignment_with_one_stranger_writes_nothing(make_client, linked):
    mona = make_client("mona")
    response = mona.post("/api/v1/assignments", json={"learners": ["lena", "leo"], "path": "api-designer"})
    assert response.status_code == 404
    assert mona.get("/api/v1/mentees").get_json()["items"][0]["assignments"] == []


@pytest.mark.parametrize(("body", "status"), [
    ({"learners": [], "path": "api-designer"}, 400),
    ({"learners": ["lena"], "path": "nope"}, 404),
    ({"learners": ["lena"], "path": "api-designer", "due_on": "soon"}, 400),
    ({"learners": ["lena"], "path": "api-designer", "due_on": "2000-01-01"}, 400),
    ({"learners": ["lena"], "path": "api-designer", "note": "x" * 1001}, 400),
    ({"learners": "lena", "path": "api-designer"}, 400),
])
def test_bad_assignment_requests_get_clear_errors(make_client, linked, body, status):
    response = make_client("mona").post("/api/v1/assignments", json=body)
    assert response.status_code == status
    assert response.get_json()["error"]["message"]


def test_mentorships_are_admin_only(make_client):
    body = {"mentor": "mona", "learner": "leo"}
    assert make_client().post("/api/v1/mentorships", json=body).status_code == 401
    assert make_client("mona").post("/api/v1/mentorships", json=body).status_code == 403
    ada = make_client("ada")
    assert ada.post("/api/v1/mentorships", json=body).status_code == 201
    assert make_client("mona").get("/api/v1/mentees/leo/progress").status_code == 200
    assert ada.delete("/api/v1/mentorships", json=body).status_code == 204
    assert ada.delete("/api/v1/mentorships", json=body).status_code == 404
    assert ada.post("/api/v1/mentorships", json={"mentor": "mona", "learner": "ghost"}).status_code == 404


def test_mentors_link_command(runner, make_client):
    result = runner.invoke(args=["mentors", "link", "mona", "leo"])
    assert result.exit_code == 0 and "mona now mentors leo." in result.output
    assert make_client("mona").get("/api/v1/mentees/leo/progress").status_code == 200
    bad = runner.invoke(args=["mentors", "link", "mona", "ghost"])
    assert bad.exit_code == 1 and "There is no user called 'ghost'." in bad.output


def test_an_assignment_preview_says_what_would_change_and_writes_nothing(make_client, linked, session):
    from sqlmodel import func, select

    from tracker.models import Assignment, Notification

    factories.mentor_of(session, "mona", "leo")
    mona = make_client("mona")
    due = (date.today() + timedelta(days=10)).isoformat()
    mona.post("/api/v1/assignments", json={"learners": ["lena"], "path": "api-designer", "due_on": due})
    counts = (session.exec(select(func.count(Assignment.id))).one(),
              session.exec(select(func.count(Notification.id))).one())
    later = (date.today() + timedelta(days=20)).isoformat()
    plan = mona.post("/api/v1/assignments/preview", json={"learners": ["lena", "leo"], "path": "api-designer",
                                                           "due_on": later})
    assert plan.status_code == 200
    by_learner = {item["learner"]: item for item in plan.get_json()["items"]}
    assert by_learner["leo"]["new"] is True and by_learner["leo"]["due_on"] == later
    assert by_learner["lena"]["new"] is False and by_learner["lena"]["changes"][0].startswith("due date ")
    kept = mona.post("/api/v1/assignments/preview", json={"learners": ["lena"], "path": "api-designer"})
    assert kept.get_json()["items"] == [{"learner": "lena", "new": False, "changes": [], "due_on": due}]
    assert (session.exec(select(func.count(Assignment.id))).one(),
            session.exec(select(func.count(Notification.id))).one()) == counts
    assert make_client("lena").post("/api/v1/assignments/preview",
                                    json={"learners": ["leo"], "path": "api-designer"}).status_code == 403


def test_assigning_a_draft_answers_as_for_a_path_that_does_not_exist(make_client, linked, session):
    from tracker.models import PathStatus

    draft = factories.path(session, "api-designer")
    draft.status = PathStatus.draft
    draft.title = "Secret reorg: the new platform team"
    session.add(draft)
    session.commit()
    mona = make_client("mona")
    refused = mona.post("/api/v1/assignments", json={"learners": ["lena"], "path": "api-designer"})
    unknown = mona.post("/api/v1/assignments", json={"learners": ["lena"], "path": "no-such-path"})
    assert "Secret reorg" not in refused.get_data(as_text=True)
    assert refused.status_code == unknown.status_code == 404
    assert refused.get_data(as_text=True) == unknown.get_data(as_text=True).replace("no-such-path", "api-designer")
    preview = mona.post("/api/v1/assignments/preview", json={"learners": ["lena"], "path": "api-designer"})
    assert preview.status_code == 404 and "Secret reorg" not in preview.get_data(as_text=True)
