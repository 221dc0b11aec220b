"""The review queue over the API: paged within the daily limits, each card's next due times, undo, suspend and
bury, the review time, and the limits set through PATCH /me."""

from datetime import timedelta

import pytest
from sqlmodel import select

from tests import factories
from tracker.models import CardReview, RecallCard, utcnow


@pytest.fixture
def lena(make_client):
    return make_client("lena")


def many(session, count, username="lena"):
    user, article = factories.user(session, username), factories.article(session, "http-protocol")
    session.add_all([RecallCard(user_id=user.id, article_id=article.id, prompt=f"Q{n}", answer=f"A{n}",
                                due=utcnow() - timedelta(hours=1, seconds=-n)) for n in range(count)])
    session.commit()


def test_the_due_queue_comes_a_page_at_a_time_within_the_limits(lena, session):
    many(session, 500)
    assert lena.patch("/api/v1/me", json={"new_cards_per_day": 45}).get_json()["new_cards_per_day"] == 45
    first = lena.get("/api/v1/me/reviews/due?limit=20").get_json()
    assert (len(first["items"]), first["due_now"], first["beyond_limits"], first["limits_reached"]) == (
        20, 45, 455, ["new cards"])
    ids = [card["id"] for card in first["items"]]
    url = first["more"]
    while url:
        page = lena.get(url).get_json()
        ids += [card["id"] for card in page["items"]]
        url = page["more"]
    assert len(ids) == len(set(ids)) == 45
    assert len(lena.get("/api/v1/me/reviews/due").get_json()["items"]) == 20  # a page by default, never all


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=ten", "after=nonsense", "after=1.2.3", "page=2"])
def test_a_bad_page_request_is_a_400_naming_the_parameter(lena, query):
    response = lena.get(f"/api/v1/me/reviews/due?{query}")
    assert response.status_code == 400
    assert response.get_json()["error"]["message"].split(":")[0] in {"limit", "after", "page"}


@pytest.mark.parametrize("body", [{"reviews_per_day": -1}, {"new_cards_per_day": 10_000}, {"reviews_per_day": "x"}])
def test_bad_daily_limits_are_refused_and_nothing_changes(lena, body):
    assert lena.patch("/api/v1/me", json={**body, "desired_retention": 0.8}).status_code == 400
    me = lena.get("/api/v1/me").get_json()
    assert (me["new_cards_per_day"], me["reviews_per_day"], me["desired_retention"]) == (20, 200, 0.9)


def test_each_due_card_carries_its_four_next_due_times(lena, session):
    many(session, 1)
    [card] = lena.get("/api/v1/me/reviews/due").get_json()["items"]
    nxt = card["next_due"]
    assert nxt["again"] < nxt["hard"] < nxt["good"] < nxt["easy"]
    assert lena.get("/api/v1/me/reviews/due").get_json()["items"][0]["due"] == card["due"]  # unchanged


def test_the_review_time_is_kept_capped_and_checked(lena, session):
    many(session, 2)
    first, second = lena.get("/api/v1/me/reviews/due").get_json()["items"]
    assert lena.post(f"/api/v1/me/cards/{first['id']}/review", json={"rating": "good", "duration_ms": 3_600_000}
                     ).status_code == 200
    refused = lena.post(f"/api/v1/me/cards/{second['id']}/review", json={"rating": "good", "duration_ms": -1})
    assert refused.status_code == 400 and refused.get_json()["error"]["message"].startswith("duration_ms")
    assert session.exec(select(CardReview.review_duration_ms)).all() == [60_000]


def test_undo_over_the_api_once_own_and_last_only(lena, make_client, session):
    many(session, 2)
    first, second = lena.get("/api/v1/me/reviews/due").get_json()["items"]
    rated = lena.post(f"/api/v1/me/cards/{first['id']}/review", json={"rating": "easy"}).get_json()
    assert make_client("leo").post("/api/v1/me/reviews/undo", json={"review": rated["review"]}).status_code == 409
    lena.post(f"/api/v1/me/cards/{second['id']}/review", json={"rating": "good"})
    stale = lena.post("/api/v1/me/reviews/undo", json={"review": rated["review"]})
    assert stale.status_code == 409 and "no longer your last rating" in stale.get_json()["error"]["message"]
    undone = lena.post("/api/v1/me/reviews/undo", json={})
    assert undone.status_code == 200
    assert (undone.get_json()["due"], undone.get_json()["last_review"]) == (second["due"], None)  # as it was
    assert lena.post("/api/v1/me/reviews/undo", json={}).status_code == 409
    assert [r.card_id for r in session.exec(select(CardReview))] == [first["id"]]


def test_suspend_and_bury_over_the_api(lena, make_client, session):
    many(session, 2)
    first, second = lena.get("/api/v1/me/reviews/due").get_json()["items"]
    assert lena.put(f"/api/v1/me/cards/{first['id']}/suspended", json={"suspended": True}).get_json()["suspended"]
    buried = lena.post(f"/api/v1/me/cards/{second['id']}/bury").get_json()
    assert buried["buried_until"] > utcnow().isoformat()
    assert lena.get("/api/v1/me/reviews/due").get_json()["items"] == []
    refused = lena.post(f"/api/v1/me/cards/{first['id']}/review", json={"rating": "good"})
    assert refused.status_code == 409 and "suspended" in refused.get_json()["error"]["message"]
    lena.put(f"/api/v1/me/cards/{first['id']}/suspended", json={"suspended": False})
    assert [c["id"] for c in lena.get("/api/v1/me/reviews/due").get_json()["items"]] == [first["id"]]
    leo = make_client("leo")
    assert leo.put(f"/api/v1/me/cards/{first['id']}/suspended", json={"suspended": True}).status_code == 404
    assert leo.post(f"/api/v1/me/cards/{first['id']}/bury").status_code == 404
