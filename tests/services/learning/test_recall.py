"""Recall cards: written, edited and deleted by their owner only; FSRS schedules them from each rating."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlmodel import select

from tests import factories
from tracker.models import CardReview, as_utc
from tracker.services.errors import Invalid, NotFound
from tracker.services.learning import recall

START = datetime(2026, 3, 2, 9, tzinfo=UTC)


def new_card(session, username="lena", prompt="What does idempotent mean?", answer="Same effect when repeated"):
    return recall.create_card(session=session, user=factories.user(session, username),
                              article=factories.article(session, "http-protocol"), prompt=prompt, answer=answer)


def rate(session, card, rating, now, username="lena"):
    return recall.review(session=session, user=factories.user(session, username), card=card,
                         rating=recall.parse_rating(rating), now=now)


def test_a_card_is_stripped_and_checked_on_both_sides(session):
    card = new_card(session, prompt="  Why?\r\n ", answer=" Because ")
    assert (card.prompt, card.answer) == ("Why?", "Because")
    with pytest.raises(Invalid, match="Prompt: write something"):
        new_card(session, prompt="   ")
    with pytest.raises(Invalid, match="Answer: 501 characters; the limit is 500"):
        new_card(session, answer="x" * 501)
    edited = recall.edit_card(session=session, card=card, answer=" Now ")
    assert (edited.prompt, edited.answer) == ("Why?", "Now")


def test_a_card_is_its_owners_only(session):
    card = new_card(session)
    assert recall.card_of(session=session, user=factories.user(session, "lena"), card_id=card.id).id == card.id
    with pytest.raises(NotFound):
        recall.card_of(session=session, user=factories.user(session, "leo"), card_id=card.id)
    assert recall.cards_for_article(session=session, user=factories.user(session, "leo"),
                                    article=factories.article(session, "http-protocol")) == []


def test_a_card_rated_good_is_due_later_than_one_rated_again(session):
    good, again = new_card(session, prompt="Good one"), new_card(session, prompt="Again one")
    rate(session, good, "good", START)
    rate(session, again, "again", START)
    assert as_utc(again.due) < as_utc(good.due)
    assert as_utc(good.last_review) == START
    assert [r.rating for r in session.exec(select(CardReview).order_by(CardReview.id))] == [3, 1]


def test_intervals_grow_over_successive_good_reviews(session):
    card = new_card(session)
    now, intervals = START, []
    for _ in range(6):
        rate(session, card, "good", now)
        intervals.append(as_utc(card.due) - now)
        now = as_utc(card.due)
    assert all(later > earlier for earlier, later in itertools.pairwise(intervals)), intervals
    assert intervals[-1] > timedelta(days=7)
    assert len(recall.review_logs(session=session, user=factories.user(session, "lena"))) == 6


def test_a_card_becomes_due_when_its_interval_has_passed(session):
    lena = factories.user(session, "lena")
    with time_machine.travel(START, tick=False):
        card = new_card(session)
    assert [c.id for c in recall.due_cards(session=session, user=lena, now=START + timedelta(seconds=1))] == [card.id]
    for _ in range(3):  # through the learning steps into review, days away
        rate(session, card, "good", max(START, as_utc(card.due)))
    due = as_utc(card.due)
    assert due - START > timedelta(days=1)
    assert recall.due_cards(session=session, user=lena, now=due - timedelta(minutes=1)) == []
    assert [c.id for c in recall.due_cards(session=session, user=lena, now=due)] == [card.id]


def test_due_cards_come_oldest_first(session):
    lena = factories.user(session, "lena")
    first, second = new_card(session, prompt="First"), new_card(session, prompt="Second")
    rate(session, first, "again", START)  # due a minute later
    rate(session, second, "again", START - timedelta(minutes=5))
    assert [c.prompt for c in recall.due_cards(session=session, user=lena, now=START + timedelta(hours=1))] == [
        "Second", "First"]


def test_due_counts_follow_the_learners_day_and_forecast_a_week(session):
    lena = factories.user(session, "lena")
    lena.time_zone = "America/New_York"
    session.add(lena)
    session.commit()
    with time_machine.travel(START, tick=False):  # 04:00 in New York
        today, tomorrow = new_card(session, prompt="Today"), new_card(session, prompt="Tomorrow")
        later = new_card(session, prompt="In three days")
    tomorrow.due = datetime(2026, 3, 3, 4, 30, tzinfo=UTC)  # 23:30 on Mar 2 in New York: still today there
    later.due = datetime(2026, 3, 5, 12, tzinfo=UTC)
    session.add_all([tomorrow, later])
    session.commit()
    counts = recall.due_counts(session=session, user=lena, now=START)
    assert counts.today == 2
    assert [day.isoformat() for day, _ in counts.forecast][:2] == ["2026-03-03", "2026-03-04"]
    assert [n for _, n in counts.forecast] == [0, 0, 1, 0, 0, 0, 0]
    assert today.id


def test_deleting_a_card_deletes_its_reviews(session):
    card = new_card(session)
    rate(session, card, "hard", START)
    recall.delete_card(session=session, card=card)
    assert session.exec(select(CardReview)).all() == []


@pytest.mark.parametrize("value", ["", "great", "5", "0", None, True])
def test_unknown_ratings_are_refused(value):
    with pytest.raises(Invalid, match="is not a rating"):
        recall.parse_rating(value)
