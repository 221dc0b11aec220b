"""Folding a section of a path page through the API: the same fold the page shows, per learner."""

import pytest

from tests import factories
from tracker.services.people import accounts, tokens
from tracker.services.progress import folds

URL = "/api/v1/me/paths/api-designer/sections/{}/fold"


@pytest.fixture
def token(session):
    raw, _ = tokens.create_token(session=session, user=accounts.get_user(session=session, username="lena"), name="t")
    return {"Authorization": f"Bearer {raw}"}


def folded(session, username="lena"):
    return folds.folded_sections(session=session, user=factories.user(session, username),
                                 path=factories.path(session, "api-designer"))


def test_put_folds_a_section_and_the_page_shows_it_folded(client, token, session, make_client):
    response = client.put(URL.format(2), headers=token)
    assert response.status_code == 200
    assert response.get_json() == {"path": "api-designer", "section": 2, "folded": True,
                                   "title": "Learn GraphQL and gRPC for alternative API models"}
    assert client.put(URL.format(2), headers=token).status_code == 200  # twice is once
    assert len(folded(session)) == 1 and folded(session, "leo") == set()
    assert "path-section folded" in make_client("lena").get("/paths/api-designer").get_data(as_text=True)


def test_delete_opens_it_again(client, token, session):
    client.put(URL.format(2), headers=token)
    response = client.delete(URL.format(2), headers=token)
    assert response.status_code == 200 and response.get_json()["folded"] is False
    assert folded(session) == set()


def test_a_section_or_path_that_is_not_there_is_a_json_404_and_no_token_a_401(client, token, session):
    for url in (URL.format(5), URL.format(0), "/api/v1/me/paths/nope/sections/1/fold"):
        response = client.put(url, headers=token)
        assert response.status_code == 404 and response.get_json()["error"]["status"] == 404
    assert client.put(URL.format(1)).status_code == 401
    assert folded(session) == set()


def test_the_paths_answer_says_which_sections_the_learner_folded(client, token):
    client.put(URL.format(2), headers=token)
    sections = client.get("/api/v1/paths/api-designer", headers=token).get_json()["sections"]
    assert [section["folded"] for section in sections] == [False, True, False, False]
    signed_out = client.get("/api/v1/paths/api-designer", headers={}).get_json()["sections"]
    assert {section["folded"] for section in signed_out} == {None}
