"""Mastery on the pages: the path page says what recall it asks and what is still missing, the review that
completes it earns a "read and recalled" certificate (with and without JavaScript), and mentors see recall
health beside percent done."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlmodel import select

from tests import factories
from tests.services.learning.test_mastery import ask_recall, follower, read_all, required, seen_card
from tracker.models import Credential, RecallCard, utcnow
from tracker.services.learning import mastery, recall
from tracker.services.mentoring import assignments

HX = {"HX-Request": "true"}
pytestmark = pytest.mark.filterwarnings("ignore:EdDSA is deprecated")


def reviewed(session, user, article):
    card = seen_card(session, user, article, at=utcnow() - 2 * mastery.SPACING)
    recall.review(session=session, user=user, card=card, rating=recall.parse_rating("good"), now=utcnow())


def one_to_go(session):
    """lena has read the path asking 10% recall (2 of 20) and recalls 1; a new card on the second waits."""
    ask_recall(session, share=10)
    lena = follower(session)
    read_all(session, lena)
    first, second = required(session, lena)[:2]
    reviewed(session, lena, first)
    card = seen_card(session, lena, second, at=utcnow() - 2 * mastery.SPACING, prompt="Second?")
    return lena, second, card


def test_the_path_page_says_the_recall_asked_and_links_what_is_missing(session, make_client):
    _, second, _ = one_to_go(session)
    page = make_client("lena").get("/paths/api-designer").get_data(as_text=True)
    assert "This path asks recall too: <strong>1 of 20 articles recalled (need 10%)</strong>" in page
    assert "1 more to go; the certificate waits for them." in page
    assert f'href="/articles/{second.slug}#recall-cards"' in page
    assert "no card recalled a day after its first review yet" in page
    assert "You finished this path" not in page


def test_a_path_asking_reading_only_shows_no_recall_card(session, make_client):
    follower(session)
    assert "This path asks recall too" not in make_client("lena").get("/paths/api-designer").get_data(as_text=True)


def test_the_review_completing_the_recall_earns_the_certificate_without_javascript(session, make_client):
    lena, _, card = one_to_go(session)
    client = make_client("lena")
    response = client.post(f"/review/{card.id}", data={"rating": "good"})
    assert response.status_code == 303
    page = client.get("/review").get_data(as_text=True)
    assert "Read and recalled: your certificate for “" in page
    [credential] = session.exec(select(Credential).where(Credential.user_id == lena.id)).all()
    certificate = client.get(f"/credentials/{credential.public_id}").get_data(as_text=True)
    assert "Read and recalled" in certificate and "Articles recalled</dt><dd>2 (read and recalled)" in certificate
    path_page = client.get("/paths/api-designer").get_data(as_text=True)
    assert "You finished this path" in path_page and "You recall enough" in path_page


def test_the_review_completing_the_recall_shows_the_certificate_in_the_fragment(session, make_client):
    lena, _, card = one_to_go(session)
    response = make_client("lena").post(f"/review/{card.id}", data={"rating": "good"}, headers=HX)
    fragment = response.get_data(as_text=True)
    [credential] = session.exec(select(Credential).where(Credential.user_id == lena.id)).all()
    assert response.status_code == 200 and "<strong>Read and recalled:</strong>" in fragment
    assert f'href="/credentials/{credential.public_id}"' in fragment


def test_the_verify_page_says_read_and_recalled(session, make_client):
    lena, _, card = one_to_go(session)
    client = make_client("lena")
    client.post(f"/review/{card.id}", data={"rating": "good"})
    credential = session.exec(select(Credential).where(Credential.user_id == lena.id)).one()
    page = client.post("/credentials/verify", data={"jwt": credential.jwt}).get_data(as_text=True)
    assert "Valid" in page and "Read and recalled: " in page


def test_mentors_see_recall_health_beside_percent_done(session, make_client):
    factories.mentor_of(session, "mona", "lena")
    lena = factories.user(session, "lena")
    assignments.assign_path(session=session, mentor=factories.user(session, "mona"), usernames=["lena"],
                            path=factories.path(session, "api-designer"), due_on=None, note="", today=date.today())
    for article in required(session, lena)[:5]:
        reviewed(session, lena, article)
    recall.suspend_card(session=session, card=session.exec(select(RecallCard)).first())
    mona = make_client("mona")
    overview = mona.get("/mentor/").get_data(as_text=True)
    assert "Recall 20% <span class=\"muted\">(4 of 20 at 90%)</span>" in overview
    mentee = mona.get("/mentor/mentees/lena").get_data(as_text=True)
    assert "Recall 20%" in mentee
    one_path = mona.get("/mentor/mentees/lena/paths/api-designer").get_data(as_text=True)
    assert "Recall 20% <span class=\"muted\">(4 of 20 at 90%)</span>" in one_path
    [row] = list(csv.DictReader(io.StringIO(mona.get("/mentor/overview.csv").get_data(as_text=True))))
    assert (row["recall_percent"], row["recalled"], row["recall_threshold"]) == ("20", "4", "90")
