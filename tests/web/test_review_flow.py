"""The review page within limits, with intervals, undo, bury and suspend, review time and statistics: without
JavaScript (forms and 303s) and with HTMX (the `review` block in place; refusals in the alert area)."""

import re
from datetime import timedelta

import pytest
import time_machine
from sqlmodel import select

from tests import factories
from tracker.models import CardReview, RecallCard, utcnow

HX = {"HX-Request": "true", "HX-Target": "review"}


@pytest.fixture
def lena(make_client):
    return make_client("lena")


def many(session, count, username="lena"):
    user, article = factories.user(session, username), factories.article(session, "http-protocol")
    session.add_all([RecallCard(user_id=user.id, article_id=article.id, prompt=f"Question {n}", answer=f"A{n}",
                                due=utcnow() - timedelta(hours=1, seconds=-n)) for n in range(count)])
    session.commit()


def revealed(client):
    page = client.get("/review").get_data(as_text=True)
    card_id = re.search(r'name="reveal" value="(\d+)"', page).group(1)
    shown = re.search(r'name="shown" value="([^"]+)"', page).group(1)
    return card_id, client.get(f"/review?reveal={card_id}&shown={shown}").get_data(as_text=True)


def form_value(page, name):
    return re.search(rf'name="{name}" value="([^"]*)"', page).group(1)


def test_five_hundred_due_cards_show_the_daily_limit_everywhere(lena, session):
    many(session, 500)
    review = lena.get("/review").get_data(as_text=True)
    assert "20 cards due now" in review and "500 cards" not in review
    assert "Daily limit reached for new cards: 480 more cards due beyond it" in review
    assert review.count('class="prewrap recall-prompt"') == 1  # one card at a time
    assert re.search(r'<a href="/review">20 cards due now</a>', lena.get("/").get_data(as_text=True))
    assert lena.get("/api/v1/me/reviews/due").get_json()["due_now"] == 20


def test_the_account_page_sets_the_daily_limits_and_refuses_nonsense_keeping_them(lena, session):
    assert lena.post("/account/review-limits", data={"new_cards": "5", "reviews": "50"}).status_code == 303
    assert "up to 5 new cards and 50 reviews" in lena.get("/account").get_data(as_text=True)
    refused = lena.post("/account/review-limits", data={"new_cards": "-3", "reviews": "50"})
    assert refused.status_code == 400 and "New cards per day: a whole number from 0 to 9999" in refused.get_data(
        as_text=True) and 'aria-invalid="true"' in refused.get_data(as_text=True)
    lena_row = factories.user(session, "lena")
    session.refresh(lena_row)
    assert (lena_row.new_cards_per_day, lena_row.reviews_per_day) == (5, 50)


def test_the_rating_buttons_say_when_the_card_comes_back(lena, session):
    many(session, 1)
    _, page = revealed(lena)
    waits = re.findall(r'>(Again|Hard|Good|Easy) <span class="rating-interval"><span class="visually-hidden">, back '
                       r'in </span><time datetime="[^"]+">([^<]+)</time>', page)
    assert waits == [("Again", "1m"), ("Hard", "6m"), ("Good", "10m"), ("Easy", waits[3][1])]
    assert waits[3][1].endswith("d")


def test_a_rating_records_the_time_since_the_card_was_first_shown(lena, session):
    many(session, 1)
    with time_machine.travel(utcnow(), tick=False) as clock:
        card_id, page = revealed(lena)
        clock.shift(7.5)
        assert lena.post(f"/review/{card_id}", data={"rating": "good", "shown": form_value(page, "shown")}
                         ).status_code == 303
    assert session.exec(select(CardReview.review_duration_ms)).one() == 7500


def test_a_tampered_or_borrowed_shown_field_is_refused_and_nothing_is_written(lena, session):
    many(session, 2)
    card_id, page = revealed(lena)
    shown = form_value(page, "shown")
    other = session.exec(select(RecallCard.id).where(RecallCard.id != int(card_id))).first()
    tampered = lena.post(f"/review/{card_id}", data={"rating": "good", "shown": shown[:-2] + "xx"})
    borrowed = lena.post(f"/review/{other}", data={"rating": "good", "shown": shown})
    assert tampered.status_code == borrowed.status_code == 400
    assert "altered" in tampered.get_data(as_text=True) and "another card" in borrowed.get_data(as_text=True)
    assert session.exec(select(CardReview)).all() == []


def test_a_double_click_on_a_rating_counts_once(lena, session):
    many(session, 1)
    card_id, page = revealed(lena)
    data = {"rating": "good", "shown": form_value(page, "shown")}
    assert lena.post(f"/review/{card_id}", data=data).status_code == 303
    again = lena.post(f"/review/{card_id}", data=data, headers=HX)
    assert again.status_code == 409 and again.headers["HX-Retarget"] == "#alerts"
    assert "rated already" in again.get_data(as_text=True)
    assert len(session.exec(select(CardReview)).all()) == 1


def test_htmx_rating_swaps_in_the_next_card_and_undo_brings_the_first_back(lena, session):
    many(session, 2)
    card_id, page = revealed(lena)
    answer = lena.post(f"/review/{card_id}", data={"rating": "again", "shown": form_value(page, "shown")}, headers=HX)
    fragment = answer.get_data(as_text=True)
    assert answer.status_code == 200 and fragment.strip().startswith('<div id="review"') and "<html" not in fragment
    assert "Question 1" in fragment and "Last rating: Again on “Question 0”" in fragment
    undone = lena.post("/review/undo", data={"review": form_value(fragment, "review")}, headers=HX)
    assert undone.status_code == 200 and "Rating undone" in undone.get_data(as_text=True)
    assert session.exec(select(CardReview)).all() == []
    twice = lena.post("/review/undo", data={"review": form_value(fragment, "review")}, headers=HX)
    assert twice.status_code == 409 and "no rating to undo" in twice.get_data(as_text=True)


def test_undo_without_javascript_and_not_of_someone_elses_rating(lena, make_client, session):
    many(session, 1)
    card_id, page = revealed(lena)
    lena.post(f"/review/{card_id}", data={"rating": "good", "shown": form_value(page, "shown")})
    review_id = session.exec(select(CardReview.id)).one()
    assert make_client("leo").post("/review/undo", data={"review": review_id}).status_code == 409
    response = lena.post("/review/undo", data={"review": review_id})
    assert response.status_code == 303 and "Rating undone" in lena.get("/review").get_data(as_text=True)


def test_bury_and_suspend_from_the_review_screen_and_unsuspend_from_the_card_list(lena, make_client, session):
    many(session, 2)
    first = re.search(r'data-card-id="(\d+)"', lena.get("/review").get_data(as_text=True)).group(1)
    assert lena.post(f"/review/{first}/bury").status_code == 303
    page = lena.get("/review").get_data(as_text=True)
    assert "Buried until tomorrow" in page and "1 card due now" in page
    second = re.search(r'data-card-id="(\d+)"', page).group(1)
    fragment = lena.post(f"/review/{second}/suspend", headers=HX).get_data(as_text=True)
    assert "Suspended: “Question 1”" in fragment and "Nothing to review" in fragment
    article = lena.get("/articles/http-protocol").get_data(as_text=True)
    assert "<strong class=\"badge\">Suspended</strong>" in article and "Unsuspend" in article
    assert lena.post(f"/cards/{second}/suspend", data={"suspended": "0"}).status_code == 303
    assert "1 card due now" in lena.get("/review").get_data(as_text=True)
    leo = make_client("leo")
    for url in (f"/review/{first}/bury", f"/review/{first}/suspend", f"/cards/{first}/suspend"):
        assert leo.post(url).status_code == 404, url


def test_the_statistics_page_shows_reviews_retention_forecast_and_states(lena, session):
    many(session, 2)
    card_id, page = revealed(lena)
    lena.post(f"/review/{card_id}", data={"rating": "good", "shown": form_value(page, "shown")})
    assert 'href="/review/stats"' in lena.get("/review").get_data(as_text=True)
    assert 'href="/review/stats"' in lena.get("/").get_data(as_text=True)
    stats = lena.get("/review/stats").get_data(as_text=True)
    assert "<h1>Review statistics</h1>" in stats and "<script" not in stats.split("<main")[-1]
    assert re.search(r'<th scope="row">New \(never reviewed\)</th><td>1</td>', stats)
    assert re.search(r'<th scope="row">Learning</th><td>1</td>', stats)
    assert stats.count('<svg class="bar stat-bar"') == 60
    assert "No reviews of cards past their learning steps" in stats


def test_a_mentor_sees_a_mentees_reviews_and_retention(make_client, session):
    factories.mentor_of(session, "mona", "lena")
    many(session, 1)
    page = make_client("mona").get("/mentor/mentees/lena").get_data(as_text=True)
    assert "Reviews: 0 in the last 7 days · true retention" in page
