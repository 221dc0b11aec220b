"""Recall cards over the API: written, listed, edited, deleted, reviewed; other people's cards are not there."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tracker.services.people import accounts, tokens


class TokenClient:
    """A client that calls with a bearer token (a browser session would expire over the days travelled)."""

    def __init__(self, client, raw: str):
        self.client, self.headers = client, {"Authorization": f"Bearer {raw}"}

    def get(self, url):
        return self.client.get(url, headers=self.headers)

    def post(self, url, json):
        return self.client.post(url, json=json, headers=self.headers)


START = datetime(2026, 3, 2, 9, tzinfo=UTC)
CARD = {"article": "http-protocol", "prompt": "Which methods are safe?", "answer": "GET, HEAD, OPTIONS"}


@pytest.fixture
def lena(make_client):
    return make_client("lena")


def test_a_card_is_written_listed_edited_and_deleted(lena):
    response = lena.post("/api/v1/me/cards", json=CARD)
    assert response.status_code == 201
    card = response.get_json()
    assert card | {"id": None, "due": None} == {"id": None, "article": "http-protocol", "prompt": CARD["prompt"],
                                                 "answer": CARD["answer"], "due": None, "state": "learning",
                                                 "last_review": None, "kind": "qa", "cloze_number": None,
                                                 "front": CARD["prompt"], "back": CARD["answer"], "siblings": [],
                                                 "suspended": False, "buried_until": None}
    assert card["due"].endswith("Z")
    listed = lena.get("/api/v1/me/cards?article=http-protocol").get_json()["items"]
    assert [c["id"] for c in listed] == [card["id"]]
    edited = lena.patch(f"/api/v1/me/cards/{card['id']}", json={"answer": " GET, HEAD, OPTIONS, TRACE "})
    assert edited.status_code == 200 and edited.get_json()["answer"] == "GET, HEAD, OPTIONS, TRACE"
    assert lena.delete(f"/api/v1/me/cards/{card['id']}").status_code == 204
    assert lena.get("/api/v1/me/cards?article=http-protocol").get_json()["items"] == []


def test_reviewing_a_card_schedules_it_with_fsrs(lena):
    card = lena.post("/api/v1/me/cards", json=CARD).get_json()
    other = lena.post("/api/v1/me/cards", json=CARD | {"prompt": "Another"}).get_json()
    good = lena.post(f"/api/v1/me/cards/{card['id']}/review", json={"rating": "good"}).get_json()
    again = lena.post(f"/api/v1/me/cards/{other['id']}/review", json={"rating": "again"}).get_json()
    assert good["last_review"] and good["due"] > again["due"] > card["due"]
    assert good["state"] == "learning"


def test_a_card_comes_back_in_the_due_list_when_its_interval_has_passed(client, session):
    raw, _ = tokens.create_token(session=session, user=accounts.get_user(session=session, username="lena"), name="t")
    lena = TokenClient(client, raw)
    with time_machine.travel(START, tick=False):
        card = lena.post("/api/v1/me/cards", json=CARD).get_json()
        due = lena.get("/api/v1/me/reviews/due").get_json()
        assert ([c["id"] for c in due["items"]], due["due_now"], due["due_today"]) == ([card["id"]], 1, 1)
        for _ in range(2):  # the two learning steps: due minutes later each time
            card = lena.post(f"/api/v1/me/cards/{card['id']}/review", json={"rating": "good"}).get_json()
    with time_machine.travel(START + timedelta(minutes=15), tick=False):
        card = lena.post(f"/api/v1/me/cards/{card['id']}/review", json={"rating": "good"}).get_json()
        assert card["state"] == "review"
        assert lena.get("/api/v1/me/reviews/due").get_json() == {"items": [], "due_now": 0, "due_today": 0,
                                                                 "beyond_limits": 0, "limits_reached": [], "more": None}
    next_due = datetime.fromisoformat(card["due"])
    assert next_due > START + timedelta(days=1)
    with time_machine.travel(next_due + timedelta(seconds=1), tick=False):
        assert [c["id"] for c in lena.get("/api/v1/me/reviews/due").get_json()["items"]] == [card["id"]]


@pytest.mark.parametrize("body", [{"rating": "great"}, {"rating": 3}, {}, {"rating": "good", "extra": 1}])
def test_a_bad_rating_is_a_400(lena, body):
    card = lena.post("/api/v1/me/cards", json=CARD).get_json()
    response = lena.post(f"/api/v1/me/cards/{card['id']}/review", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"]["message"].startswith(("rating", "extra"))


@pytest.mark.parametrize("body, message", [({**CARD, "prompt": "  "}, "Prompt: write something"),
                                           ({**CARD, "answer": "x" * 501}, "Answer: 501 characters")])
def test_a_card_without_text_or_too_long_is_a_400(lena, body, message):
    response = lena.post("/api/v1/me/cards", json=body)
    assert response.status_code == 400 and response.get_json()["error"]["message"].startswith(message)


def test_another_users_card_is_a_404(lena, make_client):
    card = lena.post("/api/v1/me/cards", json=CARD).get_json()
    leo = make_client("leo")
    for method, url, body in [("PATCH", f"/api/v1/me/cards/{card['id']}", {"prompt": "Mine now"}),
                              ("DELETE", f"/api/v1/me/cards/{card['id']}", None),
                              ("POST", f"/api/v1/me/cards/{card['id']}/review", {"rating": "good"})]:
        assert leo.open(url, method=method, json=body).status_code == 404, method
    assert leo.get("/api/v1/me/cards?article=http-protocol").get_json()["items"] == []
    assert leo.get("/api/v1/me/reviews/due").get_json()["items"] == []


def test_an_unknown_article_is_a_404(lena):
    assert lena.post("/api/v1/me/cards", json=CARD | {"article": "no-such-article"}).status_code == 404
    assert lena.get("/api/v1/me/cards?article=no-such-article").status_code == 404


def test_anonymous_callers_get_a_401(client):
    for method, url in [("POST", "/api/v1/me/cards"), ("GET", "/api/v1/me/cards?article=http-protocol"),
                        ("PATCH", "/api/v1/me/cards/1"), ("DELETE", "/api/v1/me/cards/1"),
                        ("GET", "/api/v1/me/reviews/due"), ("POST", "/api/v1/me/cards/1/review")]:
        response = client.open(url, method=method, json={"rating": "good"})
        assert response.status_code == 401, (method, url)
