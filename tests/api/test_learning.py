"""Weekly plans, takeaways and suggested cards over the API, with their refusals."""

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from tests import factories
from tracker.models import StudyPlanVersion
from tracker.services.learning import suggestions as card_suggestions

PLAN = {"days": [1, 3], "minutes": 30, "cue": "after standup"}


@pytest.fixture
def lena(make_client):
    return make_client("lena")


def test_a_plan_is_made_read_with_its_forecast_and_removed(lena):
    before = lena.get("/api/v1/me/paths/api-designer/plan").get_json()
    assert (before["plan"], before["finish_by_plan"], before["path"]) == (None, None, "api-designer")
    assert before["minutes_left"] > 0
    made = lena.put("/api/v1/me/paths/api-designer/plan", json=PLAN)
    assert made.status_code == 200
    body = made.get_json()
    assert body["plan"] == {"days": [1, 3], "cue": "after standup", "minutes": 30,
                            "summary": "Tue and Thu after standup, 30 min"}
    finish = date.fromisoformat(body["finish_by_plan"])
    assert finish.weekday() in (1, 3) and finish >= datetime.now(UTC).date()
    assert body["finish_by_pace"] is None and body["pace_minutes_per_week"] == 0  # nothing read yet
    assert lena.get("/api/v1/me/paths/api-designer/plan").get_json()["plan"]["summary"] == body["plan"]["summary"]
    assert lena.delete("/api/v1/me/paths/api-designer/plan").status_code == 204
    assert lena.get("/api/v1/me/paths/api-designer/plan").get_json()["plan"] is None


@pytest.mark.parametrize(("body", "message"), [
    ({"days": [], "minutes": 30}, "Days: choose at least one day"),
    ({"days": [9], "minutes": 30}, "each day is 0 (Monday) to 6"),
    ({"days": [1], "minutes": 1000}, "Minutes: a number from 5 to 480"),
    ({"days": [1], "minutes": 30, "cue": "x" * 61}, "When: 61 characters"),
    ({"days": [1]}, "minutes"),
    ({"days": "Tue", "minutes": 30}, "days"),
    ({"days": [1], "minutes": 30, "colour": "red"}, "colour"),
])
def test_a_bad_plan_is_a_400_naming_the_field_and_the_old_plan_stays(lena, session, body, message):
    lena.put("/api/v1/me/paths/api-designer/plan", json=PLAN)
    response = lena.put("/api/v1/me/paths/api-designer/plan", json=body)
    assert response.status_code == 400
    assert message in response.get_json()["error"]["message"]
    assert lena.get("/api/v1/me/paths/api-designer/plan").get_json()["plan"]["days"] == [1, 3]
    # and the streak's history of the plan holds the good one only
    assert [v.weekdays for v in session.exec(select(StudyPlanVersion))] == [0b1010]


def test_a_plan_changed_over_the_api_is_the_plan_read_back_and_each_version_is_in_the_export(lena, session):
    """The answer is the plan as it stands; the history the streak judges by is in the data export."""
    lena.put("/api/v1/me/paths/api-designer/plan", json=PLAN)
    changed = lena.put("/api/v1/me/paths/api-designer/plan", json={**PLAN, "days": [0, 2, 4]}).get_json()
    assert changed["plan"]["days"] == [0, 2, 4]
    assert lena.get("/api/v1/me/paths/api-designer/plan").get_json()["plan"]["days"] == [0, 2, 4]
    versions = lena.get("/api/v1/me/export").get_json()["plan_versions"]
    # both changes made this week judge the streak from the same Monday: the later one stands for it
    assert [(v["path_slug"], v["weekdays"]) for v in versions] == [("api-designer", [0, 2, 4])]


def test_a_plan_for_a_path_that_is_not_there_is_a_404(lena):
    assert lena.put("/api/v1/me/paths/no-such-path/plan", json=PLAN).status_code == 404
    assert lena.get("/api/v1/me/paths/no-such-path/plan").status_code == 404
    assert lena.delete("/api/v1/me/paths/no-such-path/plan").status_code == 404


def test_a_takeaway_is_written_changed_and_removed(lena, make_client):
    written = lena.put("/api/v1/me/articles/http-protocol/takeaway",
                       json={"takeaway": " Methods carry meaning. ", "shared": True})
    assert written.status_code == 200
    assert written.get_json() == {"article": "http-protocol", "takeaway": "Methods carry meaning.", "shared": True}
    too_long = lena.put("/api/v1/me/articles/http-protocol/takeaway", json={"takeaway": "x" * 501})
    assert too_long.status_code == 400 and "500" in too_long.get_json()["error"]["message"]
    assert lena.put("/api/v1/me/articles/nowhere/takeaway", json={"takeaway": "x"}).status_code == 404
    removed = lena.put("/api/v1/me/articles/http-protocol/takeaway", json={"takeaway": ""}).get_json()
    assert removed["takeaway"] == ""


def test_suggested_cards_are_listed_and_adopted_once(lena, make_client):
    listed = lena.get("/api/v1/me/cards/suggested?article=http-protocol").get_json()["items"]
    assert listed and {item["origin"] for item in listed} == {"curriculum"}
    first = listed[0]
    adopted = lena.post(f"/api/v1/me/cards/suggested/{first['id']}/adopt")
    assert adopted.status_code == 201
    card = adopted.get_json()
    assert (card["article"], card["prompt"], card["answer"], card["state"]) == (
        "http-protocol", first["prompt"], first["answer"], "learning")
    assert lena.post(f"/api/v1/me/cards/suggested/{first['id']}/adopt").get_json()["id"] == card["id"]
    again = lena.get("/api/v1/me/cards/suggested?article=http-protocol").get_json()["items"]
    assert first["id"] not in [item["id"] for item in again]
    assert [c["id"] for c in lena.get("/api/v1/me/cards?article=http-protocol").get_json()["items"]] == [card["id"]]
    # another learner still sees it; it is their own to adopt
    leo = make_client("leo")
    assert first["id"] in [i["id"] for i in leo.get("/api/v1/me/cards/suggested?article=http-protocol")
                           .get_json()["items"]]


def test_a_mentors_suggestion_names_the_mentor_and_reaches_no_one_else(lena, make_client, session):
    factories.mentor_of(session, "mona", "lena")
    mona = make_client("mona")
    mona.post("/mentor/assignments", data={"learners": "lena", "path": "api-designer", "due_on": ""})
    card_suggestions.suggest(session=session, mentor=factories.user(session, "mona"),
                             path=factories.path(session, "api-designer"), article_slug="routing",
                             prompt="What does a router match on?", answer="Method and path.")
    [item] = [i for i in lena.get("/api/v1/me/cards/suggested?article=routing").get_json()["items"]
              if i["origin"] == "mentor"]
    assert (item["mentor"], item["prompt"]) == ("mona", "What does a router match on?")
    leo = make_client("leo")
    assert [i for i in leo.get("/api/v1/me/cards/suggested?article=routing").get_json()["items"]
            if i["origin"] == "mentor"] == []
    assert leo.post(f"/api/v1/me/cards/suggested/{item['id']}/adopt").status_code == 404


def test_suggestions_need_an_article(lena):
    response = lena.get("/api/v1/me/cards/suggested")
    assert response.status_code == 400 and "article" in response.get_json()["error"]["message"]
    assert lena.get("/api/v1/me/cards/suggested?article=nowhere").status_code == 404
    assert lena.post("/api/v1/me/cards/suggested/999999/adopt").status_code == 404


def test_signed_out_the_learning_api_is_a_401(client):
    assert client.get("/api/v1/me/paths/api-designer/plan").status_code == 401
    assert client.put("/api/v1/me/articles/http-protocol/takeaway", json={"takeaway": "x"}).status_code in (401, 403)
