"""Following and unfollowing a path, on the page, with HTMX and through the API; an assigned path stays."""

from datetime import date, timedelta

import pytest

from tests import factories
from tracker.services.mentoring import assignments

HX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/paths/api-designer"}
DUE = date.today() + timedelta(days=20)


@pytest.fixture
def assigned(session):
    """lena follows api-designer and mona assigned it to her, due in 20 days."""
    factories.mentor_of(session, "mona", "lena")
    assignments.assign_path(session=session, mentor=factories.user(session, "mona"), usernames=["lena"],
                            path=factories.path(session, "api-designer"), due_on=DUE, note="",
                            today=date.today())


def _says_why(text: str) -> None:
    assert "Your mentor mona assigned “API Designer”" in text
    assert f"due {DUE.strftime('%b %-d, %Y')}" in text
    assert "ask mona to withdraw it" in text
    assert "You no longer follow" not in text


def test_an_assigned_path_cannot_be_unfollowed_on_the_page_and_says_why(make_client, assigned):
    lena = make_client("lena")
    lena.post("/paths/api-designer/follow")
    response = lena.post("/paths/api-designer/unfollow", data={"next": "/paths/api-designer"})
    assert response.status_code == 303 and response.headers["Location"] == "/paths/api-designer"
    page = lena.get("/paths/api-designer").get_data(as_text=True)
    _says_why(page)
    assert "Following ✓ · Unfollow" not in page  # the page offers no unfollow for it
    assert "API Designer" in lena.get("/").get_data(as_text=True)
    assert lena.get("/api/v1/me/paths").get_json()["items"][0]["following"] is True  # nothing was written


def test_an_assigned_path_cannot_be_unfollowed_with_htmx_and_the_alert_says_why(make_client, assigned):
    lena = make_client("lena")
    lena.post("/paths/api-designer/follow")
    response = lena.post("/paths/api-designer/unfollow", headers=HX)
    assert response.status_code == 409
    assert response.headers["HX-Retarget"] == "#alerts"
    _says_why(response.get_data(as_text=True))
    assert 'role="alert"' in response.get_data(as_text=True)


def test_an_assigned_path_cannot_be_unfollowed_through_the_api(make_client, assigned):
    lena = make_client("lena")
    assert lena.put("/api/v1/me/paths/api-designer/follow").get_json() == {"path": "api-designer",
                                                                          "following": True}
    response = lena.delete("/api/v1/me/paths/api-designer/follow")
    assert response.status_code == 409
    error = response.get_json()["error"]
    _says_why(error["message"])
    assert error["assigned_by"] == "mona" and error["due_on"] == DUE.isoformat()
    assert lena.get("/api/v1/me/paths").get_json()["items"][0]["following"] is True


def test_the_path_list_offers_no_unfollow_for_an_assigned_path(make_client, assigned):
    lena = make_client("lena")
    lena.post("/paths/api-designer/follow")
    page = lena.get("/paths/").get_data(as_text=True)
    assert "Unfollow API Designer" not in page
    assert "Assigned to you by a mentor" in page


def test_a_path_nobody_assigned_is_unfollowed_everywhere(make_client):
    lena = make_client("lena")
    lena.post("/paths/api-designer/follow")
    response = lena.post("/paths/api-designer/unfollow", headers=HX)
    assert response.status_code == 200 and response.headers["HX-Redirect"] == "/paths/api-designer"
    assert "You no longer follow “API Designer”" in lena.get("/paths/api-designer").get_data(as_text=True)
    assert lena.put("/api/v1/me/paths/api-designer/follow").status_code == 200
    assert lena.delete("/api/v1/me/paths/api-designer/follow").get_json() == {"path": "api-designer",
                                                                             "following": False}
    assert lena.get("/api/v1/me/paths").get_json()["items"] == []
    assert lena.delete("/api/v1/me/paths/no-such-path/follow").status_code == 404
