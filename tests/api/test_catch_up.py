"""What changed since you finished, in the JSON API: the learner's paths and a mentor's view of a mentee."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests import factories
from tests.web.test_catch_up import behind  # noqa: F401  (the fixture: lena finished version 1, version 2 added two)
from tracker.services.mentoring import assignments

pytestmark = pytest.mark.filterwarnings("ignore:EdDSA is deprecated")


def path_of(items: list[dict], slug: str = "api-designer") -> dict:
    return next(item for item in items if item["slug"] == slug)


def test_my_paths_carry_the_catch_up_list_with_each_articles_state(session, behind):  # noqa: F811
    lena, credential, new = behind
    assert lena.put(f"/api/v1/me/progress/{new[0]}", json={"state": "done"}).status_code == 200
    found = path_of(lena.get("/api/v1/me/paths").get_json()["items"])["catch_up"]
    assert (found["finished_version"], found["current_version"], found["added"], found["left"]) == (1, 2, 2, 1)
    assert found["certificate"] == credential.public_id
    assert [(a["article"], a["state"]) for s in found["sections"] for a in s["items"]] == [
        (new[0], "done"), (new[1], "not_started")]
    assert found["summary"] == "finished v1 · 1 to catch up"


def test_a_learner_who_had_not_finished_has_no_catch_up_in_the_api(session, make_client, behind):  # noqa: F811
    leo = make_client("leo")
    leo.post("/paths/api-designer/follow")
    assert path_of(leo.get("/api/v1/me/paths").get_json()["items"])["catch_up"] is None


def test_a_mentor_sees_the_catch_up_of_each_mentee_in_the_api(session, make_client, behind):  # noqa: F811
    factories.mentor_of(session, "mona", "lena")
    mona = make_client("mona")
    one = mona.get("/api/v1/mentees/lena/paths/api-designer").get_json()
    assert one["path"]["catch_up"]["summary"] == "finished v1 · 2 to catch up"
    assignments.assign_path(session=session, mentor=factories.user(session, "mona"), usernames=["lena"],
                            path=factories.path(session, "api-designer"), due_on=date.today() + timedelta(days=9),
                            today=date.today())
    [lena] = [m for m in mona.get("/api/v1/mentees").get_json()["items"] if m["username"] == "lena"]
    [row] = lena["assignments"]
    assert row["catch_up"]["finished_version"] == 1 and row["catch_up"]["left"] == 2
