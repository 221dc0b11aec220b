"""A takeaway is shared only by its own flag: sharing the note's body never carries an unshared takeaway to the
learner's mentors, on any page, fragment, API answer, notification or export."""

import pytest

from tests import factories
from tracker.services.learning import notes

HX = {"HX-Request": "true"}
SECRET = "Secret-takeaway-kept-to-myself"
BODY = "A body I do share"


@pytest.fixture
def mentored(session, make_client):
    factories.mentor_of(session, "mona", "lena")
    session.commit()
    lena = make_client("lena")
    lena.post("/paths/api-designer/follow")
    return lena, make_client("mona")


def everything_mona_can_fetch(mona) -> str:
    """Every view a mentor has of a mentee, as one text: pages, fragments, the API, notifications, exports."""
    urls = ["/mentor/", "/mentor/overview.csv", "/mentor/mentees/lena", "/mentor/mentees/lena/paths/api-designer",
            "/notifications/", "/notifications/badge", "/api/v1/mentees", "/api/v1/mentees/lena/progress",
            "/api/v1/mentees/lena/export", "/api/v1/me/export", "/articles/http-protocol",
            "/articles/http-protocol/note"]
    seen = []
    for url in urls:
        for headers in ({}, HX):
            response = mona.get(url, headers=headers)
            assert response.status_code < 500
            seen.append(response.get_data(as_text=True))
    return "\n".join(seen)


def test_sharing_the_note_does_not_share_a_takeaway_saved_unshared(mentored, session):
    lena, mona = mentored
    lena.post("/articles/http-protocol/takeaway", data={"text": SECRET}, headers=HX)  # not shared
    lena.post("/articles/http-protocol/note", data={"body": BODY, "shared": "on"}, headers=HX)
    note = notes.note_for(session=session, user=factories.user(session, "lena"),
                          article=factories.article(session, "http-protocol"))
    assert (note.shared, note.takeaway_shared, note.takeaway) == (True, False, SECRET)
    seen = everything_mona_can_fetch(mona)
    assert BODY in seen  # the shared body is there (the views were really looked at)
    assert SECRET not in seen
    # the learner still sees it, marked private
    own = lena.get("/articles/http-protocol").get_data(as_text=True)
    assert SECRET in own and "only you see it" in own


def test_saving_the_takeaway_unshared_keeps_a_shared_note_shared_and_tells_mentors_nothing(mentored, session):
    lena, mona = mentored
    lena.post("/articles/http-protocol/note", data={"body": BODY, "shared": "on"})
    badge = mona.get("/notifications/").get_data(as_text=True).count("shared a note")
    response = lena.put("/api/v1/me/articles/http-protocol/takeaway", json={"takeaway": SECRET, "shared": False})
    assert response.status_code == 200 and response.get_json()["shared"] is False
    assert mona.get("/notifications/").get_data(as_text=True).count("shared a note") == badge
    note = notes.note_for(session=session, user=factories.user(session, "lena"),
                          article=factories.article(session, "http-protocol"))
    assert note.shared is True
    assert SECRET not in everything_mona_can_fetch(mona)


def test_a_takeaway_shared_on_its_own_reaches_the_mentor_without_the_private_body(mentored, session):
    lena, mona = mentored
    lena.post("/articles/http-protocol/note", data={"body": "Private body"})
    lena.post("/articles/http-protocol/takeaway", data={"text": "Methods carry meaning.", "shared": "on"},
              headers=HX)
    note = notes.note_for(session=session, user=factories.user(session, "lena"),
                          article=factories.article(session, "http-protocol"))
    seen = everything_mona_can_fetch(mona)
    assert "Methods carry meaning." in seen and "Private body" not in seen
    assert "shared a note" in mona.get("/notifications/").get_data(as_text=True)
    # the mentor can answer what they see
    assert mona.post(f"/mentor/notes/{note.id}/replies", data={"body": "Good one"}).status_code in {302, 303}
