"""Mastery in the API: path progress carries the recall a path asks and the learner's, the review that
completes it answers with the credential it earned, and credentials and mentees say what was recalled."""

from __future__ import annotations

from datetime import date

import pytest

from tests import factories
from tests.services.learning.test_mastery import ask_recall, follower, read_all, required, seen_card
from tracker.models import utcnow
from tracker.services.learning import mastery, recall
from tracker.services.mentoring import assignments

pytestmark = pytest.mark.filterwarnings("ignore:EdDSA is deprecated")


def reviewed(session, user, article):
    card = seen_card(session, user, article, at=utcnow() - 2 * mastery.SPACING)
    recall.review(session=session, user=user, card=card, rating=recall.parse_rating("good"), now=utcnow())


def test_path_progress_says_the_recall_asked_and_the_learners(session, make_client):
    ask_recall(session, share=10, retrievability=85)
    lena = follower(session)
    reviewed(session, lena, required(session, lena)[0])
    [item] = make_client("lena").get("/api/v1/me/paths").get_json()["items"]
    assert item["mastery"] == {"share": 10, "retrievability": 85, "required": 20, "recalled": 1, "needed": 2,
                               "met": False}


def test_a_path_asking_reading_only_has_no_mastery(session, make_client):
    follower(session)
    [item] = make_client("lena").get("/api/v1/me/paths").get_json()["items"]
    assert item["mastery"] is None


def test_the_review_completing_the_recall_answers_with_its_credential(session, make_client):
    ask_recall(session, share=10)
    lena = follower(session)
    read_all(session, lena)
    first, second = required(session, lena)[:2]
    reviewed(session, lena, first)
    client = make_client("lena")
    card = seen_card(session, lena, second, at=utcnow() - 2 * mastery.SPACING)  # written two days ago
    answer = client.post(f"/api/v1/me/cards/{card.id}/review", json={"rating": "good"}).get_json()
    [public_id] = answer["credentials"]
    [credential] = client.get("/api/v1/me/credentials").get_json()["items"]
    assert (credential["id"], credential["recalled"], credential["articles_recalled"]) == (public_id, True, 2)


def test_a_review_that_completes_nothing_earns_nothing(session, make_client):
    ask_recall(session, share=10)
    lena = follower(session)
    client = make_client("lena")
    card = client.post("/api/v1/me/cards", json={"article": required(session, lena)[0].slug, "prompt": "Q?",
                                                 "answer": "A."}).get_json()
    card_id = (card.get("items") or [card])[0]["id"]
    answer = client.post(f"/api/v1/me/cards/{card_id}/review", json={"rating": "good"}).get_json()
    assert answer["credentials"] == [] and client.get("/api/v1/me/credentials").get_json()["items"] == []


def test_mentors_get_each_assignments_recall_health(session, make_client):
    factories.mentor_of(session, "mona", "lena")
    lena = factories.user(session, "lena")
    assignments.assign_path(session=session, mentor=factories.user(session, "mona"), usernames=["lena"],
                            path=factories.path(session, "api-designer"), due_on=None, note="", today=date.today())
    for article in required(session, lena)[:5]:
        reviewed(session, lena, article)
    mona = make_client("mona")
    [mentee] = [m for m in mona.get("/api/v1/mentees").get_json()["items"] if m["username"] == "lena"]
    expected = {"percent": 25, "recalled": 5, "required": 20, "retrievability": 90, "asked": None}
    assert mentee["assignments"][0]["recall"] == expected
    progress = mona.get("/api/v1/mentees/lena/progress").get_json()
    assert progress["assignments"][0]["recall"] == expected
