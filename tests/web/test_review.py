"""Recall cards on the article page, the review page without JavaScript, and the dashboard's due count."""

import re
from datetime import timedelta

import pytest

from tests import factories
from tracker.models import utcnow
from tracker.services.learning import recall


@pytest.fixture
def lena(make_client):
    return make_client("lena")


def add(client, prompt="Which methods are safe?", answer="GET, HEAD, OPTIONS"):
    return client.post("/articles/http-protocol/cards", data={"prompt": prompt, "answer": answer})


def test_a_learner_adds_and_deletes_cards_on_the_article_page(lena, session):
    page = lena.get("/articles/http-protocol").get_data(as_text=True)
    assert "Recall cards" in page and "No cards yet" in page and 'name="csrf_token"' in page
    response = add(lena)
    assert response.status_code == 303 and response.headers["Location"].endswith("/articles/http-protocol#recall-cards")
    page = lena.get("/articles/http-protocol").get_data(as_text=True)
    assert "Which methods are safe?" in page and "Card added." in page
    [card] = recall.cards_for_article(session=session, user=factories.user(session, "lena"),
                                      article=factories.article(session, "http-protocol"))
    assert lena.post(f"/cards/{card.id}/delete").status_code == 303
    assert "Which methods are safe?" not in lena.get("/articles/http-protocol").get_data(as_text=True)


def test_an_empty_card_is_refused_with_the_reason(lena):
    response = add(lena, prompt="   ", answer="Kept draft")
    assert response.status_code == 400  # the article page again, with the reason and the draft
    page = response.get_data(as_text=True)
    assert "Prompt: write something" in page and "No cards yet" in page and "Kept draft" in page


def test_another_learners_card_cannot_be_deleted(lena, make_client, session):
    add(lena)
    [card] = recall.due_cards(session=session, user=factories.user(session, "lena"), now=utcnow())
    assert make_client("leo").post(f"/cards/{card.id}/delete").status_code == 404
    assert make_client("leo").post(f"/review/{card.id}", data={"rating": "good"}).status_code == 404


def test_the_review_page_works_without_javascript(lena):
    add(lena, prompt="First question", answer="First answer")
    add(lena, prompt="Second question", answer="Second answer")
    page = lena.get("/review").get_data(as_text=True)
    assert "First question" in page and "First answer" not in page and "Show answer" in page
    card_id = re.search(r'name="reveal" value="(\d+)"', page).group(1)
    page = lena.get(f"/review?reveal={card_id}").get_data(as_text=True)
    assert "First answer" in page
    buttons = re.findall(r'>(Again|Hard|Good|Easy) <span class="rating-interval">.*?<time datetime="[^"]+">([^<]+)'
                         r'</time></span> <kbd>', page)
    assert [label for label, _ in buttons] == ["Again", "Hard", "Good", "Easy"]
    assert dict(buttons)["Again"] == "1m" and dict(buttons)["Good"] == "10m" and dict(buttons)["Easy"].endswith("d")
    response = lena.post(f"/review/{card_id}", data={"rating": "good"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/review")
    page = lena.get("/review").get_data(as_text=True)
    card = page.split('id="review-card"')[1]
    assert "Second question" in card and "First question" not in card
    assert "Last rating: Good on “First question”" in page  # offered for undo
    second = re.search(r'name="reveal" value="(\d+)"', page).group(1)
    lena.post(f"/review/{second}", data={"rating": "easy"})
    page = lena.get("/review").get_data(as_text=True)
    assert "Nothing to review" in page and "The next card is due" in page


def test_a_bad_rating_on_the_review_page_is_a_400(lena, session):
    add(lena)
    [card] = recall.due_cards(session=session, user=factories.user(session, "lena"), now=utcnow())
    assert lena.post(f"/review/{card.id}", data={"rating": "perfect"}).status_code == 400


def test_the_dashboard_shows_cards_due_only_to_learners_with_cards(lena):
    assert "due now</a>" not in lena.get("/").get_data(as_text=True)
    add(lena)
    add(lena, prompt="Another")
    page = lena.get("/").get_data(as_text=True)
    assert re.search(r'<a href="/review">2 cards due now</a></p>', page)
    assert page.count('<span class="forecast-count">') == 7


def test_the_dashboard_and_the_review_page_count_what_is_due_the_same_way(lena, session):
    add(lena)
    add(lena, prompt="Another")
    for card in recall.due_cards(session=session, user=factories.user(session, "lena"), now=utcnow()):
        # "Good" on a new card: its next learning step falls due minutes from now, so later today
        assert lena.post(f"/review/{card.id}", data={"rating": "good"}).status_code in (302, 303)
    assert "Nothing to review." in lena.get("/review").get_data(as_text=True)
    dashboard = lena.get("/").get_data(as_text=True)
    assert re.search(r'<a href="/review">0 cards due now</a>', dashboard)  # not "2 cards due today"
    counts = recall.due_counts(session=session, user=factories.user(session, "lena"), now=utcnow())
    assert counts.now == 0 and counts.later_today in (0, 2)  # 0 only when the day ends within the next minutes
    assert (f", {counts.later_today} more later today" in dashboard) == bool(counts.later_today)


def test_the_dashboard_forecasts_the_next_seven_days(lena, session):
    add(lena)
    add(lena, prompt="Another")
    [first, second] = recall.due_cards(session=session, user=factories.user(session, "lena"), now=utcnow())
    in_two_days = utcnow() + timedelta(days=2)
    first.due, second.due = in_two_days, utcnow() + timedelta(days=30)
    session.add_all([first, second])
    session.commit()
    page = lena.get("/").get_data(as_text=True)
    assert re.search(r'<a href="/review">0 cards due now</a>', page)
    days = re.findall(r'<li( class="has-due")?><span class="forecast-count">(\d+)</span><span class="visually-hidden">'
                      r' due on</span> <time datetime="([\d-]+)">', page)
    assert [(count, day) for _, count, day in days] == [
        ("1" if offset == 2 else "0", (utcnow().date() + timedelta(days=offset)).isoformat()) for offset in range(1, 8)]


def test_the_review_page_is_for_signed_in_people(client):
    assert client.get("/review").status_code == 302
