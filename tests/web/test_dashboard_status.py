"""An assignment's status in words agrees with its numbers on the learner's dashboard and the mentor's overview."""

import re
from datetime import date, timedelta

from tests import factories
from tracker.services.mentoring import assignments


def test_a_freshly_assigned_path_already_being_read_is_in_progress_beside_its_percent(make_client, session):
    factories.mentor_of(session, "mona", "lena")
    lena = make_client("lena")
    for slug in ("http-protocol", "restful-api-design"):
        lena.post(f"/articles/{slug}/progress", data={"state": "done"})
    assignments.assign_path(session=session, mentor=factories.user(session, "mona"), usernames=["lena"],
                            path=factories.path(session, "api-designer"), due_on=date.today() + timedelta(days=30),
                            note="", today=date.today())
    card = lena.get("/").get_data(as_text=True).split('class="card assigned"')[1].split("</article>")[0]
    percent = int(re.search(r"(\d+)% done", card).group(1))
    assert percent > 0
    assert "Not started" not in card
    assert re.search(r'class="status status-in_progress">In progress<', card)
    overview = make_client("mona").get("/mentor/").get_data(as_text=True)
    assert re.search(r'class="status status-in_progress">In progress<', overview)
    assert 'class="status status-not_started"' not in overview
    assert make_client("lena").get("/api/v1/me/paths").get_json()["items"][0]["assignment"]["status"] == "in_progress"
