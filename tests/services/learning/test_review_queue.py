"""The review queue within daily limits, undo of the last rating, suspend and bury, review time, statistics."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlmodel import select

from tests import factories
from tracker.models import ActivityDay, CardReview, RecallCard, as_utc
from tracker.services.errors import Conflict, Invalid
from tracker.services.learning import recall, review_stats
from tracker.services.people import accounts

START = datetime(2026, 3, 2, 15, tzinfo=UTC)  # 10:00 in New York


def cards(session, count, username="lena", *, reviewed=False, at=START - timedelta(days=1)):
    """`count` cards due at `at`: new ones, or (reviewed) cards in FSRS's review state."""
    user, article = factories.user(session, username), factories.article(session, "http-protocol")
    rows = [RecallCard(user_id=user.id, article_id=article.id, prompt=f"Q{n}", answer=f"A{n}",
                       due=at + timedelta(seconds=n), created_at=at - timedelta(days=9),
                       **({"state": 2, "step": None, "stability": 5.0, "difficulty": 5.0,
                           "last_review": at - timedelta(days=5)} if reviewed else {})) for n in range(count)]
    session.add_all(rows)
    session.commit()
    return rows


def rate(session, card, rating, now, username="lena", **extra):
    return recall.review(session=session, user=factories.user(session, username), card=card,
                         rating=recall.parse_rating(rating), now=now, **extra)


def test_the_queue_serves_new_cards_and_reviews_within_the_daily_limits(session):
    lena = factories.user(session, "lena")
    cards(session, 300, reviewed=True)
    cards(session, 30)
    counts = recall.due_counts(session=session, user=lena, now=START)
    assert (counts.now, counts.beyond_limits, counts.limits_reached) == (220, 110, ("new cards", "reviews"))
    served = recall.due_cards(session=session, user=lena, now=START)
    assert len(served) == 220 and sum(1 for card in served if card.last_review is None) == 20


def test_first_reviews_use_up_the_new_card_limit_of_the_learners_day(session):
    lena = factories.user(session, "lena")
    accounts.update_settings(session=session, user=lena, time_zone="America/New_York", new_cards_per_day=2)
    first, second, third = cards(session, 3)
    yesterday = datetime(2026, 3, 2, 4, 30, tzinfo=UTC)  # 23:30 on Mar 1 in New York
    rate(session, first, "good", yesterday)
    rate(session, second, "good", START)
    left = recall.allowance(session=session, user=lena, now=START)
    assert (left.new_done, left.new_left) == (1, 1)  # yesterday's (in New York) first review is not today's
    assert [c.id for c in recall.due_cards(session=session, user=lena, now=START) if c.last_review is None] == [
        third.id]
    rate(session, third, "good", START)
    assert recall.allowance(session=session, user=lena, now=START).new_left == 0


def test_a_zero_limit_holds_every_review_back_but_never_learning_steps(session):
    lena = factories.user(session, "lena")
    accounts.update_settings(session=session, user=lena, new_cards_per_day=0, reviews_per_day=0)
    [known] = cards(session, 1, reviewed=True)
    [new] = cards(session, 1)
    known.state, known.step = 3, 0  # relearning: a step in progress is never held back
    session.add(known)
    session.commit()
    assert [c.id for c in recall.due_cards(session=session, user=lena, now=START)] == [known.id]
    assert recall.due_counts(session=session, user=lena, now=START).beyond_limits == 1
    assert new.id


@pytest.mark.parametrize("value", [-1, 10_000, 2.5, True])
def test_a_daily_limit_out_of_range_changes_nothing(session, value):
    lena = factories.user(session, "lena")
    with pytest.raises(Invalid, match="New cards per day"):
        accounts.update_settings(session=session, user=lena, new_cards_per_day=value, reviews_per_day=50)
    session.refresh(lena)
    assert (lena.new_cards_per_day, lena.reviews_per_day) == (20, 200)


def test_pages_of_the_queue_follow_each_other_without_gaps_or_repeats(session):
    lena = factories.user(session, "lena")
    made = cards(session, 45, reviewed=True)
    seen, after = [], None
    while True:
        page = recall.due_cards(session=session, user=lena, now=START, limit=20, after=after)
        seen += [card.id for card in page]
        if len(page) < 20:
            break
        after = (as_utc(page[-1].due), page[-1].id)
    assert seen == [card.id for card in made]


def test_next_intervals_grow_with_the_rating_and_leave_the_card_unchanged(session):
    lena = factories.user(session, "lena")
    [card] = cards(session, 1, reviewed=True)
    before = (card.state, card.stability, as_utc(card.due))
    due = recall.next_intervals(user=lena, card=card, now=START)
    assert due["again"] < due["hard"] < due["good"] < due["easy"]
    assert recall.interval_label(due["again"] - START) == "10m"
    assert recall.interval_label(due["good"] - START).endswith("d")
    session.refresh(card)
    assert (card.state, card.stability, as_utc(card.due)) == before
    assert session.exec(select(CardReview)).all() == []


def test_undo_restores_the_card_exactly_and_takes_the_review_out_of_the_day(session):
    lena = factories.user(session, "lena")
    [card] = cards(session, 1, reviewed=True)
    state = (card.state, card.step, card.stability, card.difficulty, as_utc(card.due), as_utc(card.last_review))
    rate(session, card, "again", START)
    assert session.exec(select(ActivityDay.reviews)).one() == 1
    undone = recall.undo_review(session=session, user=lena, now=START + timedelta(minutes=1))
    assert (undone.state, undone.step, undone.stability, undone.difficulty, as_utc(undone.due),
            as_utc(undone.last_review)) == state
    assert session.exec(select(CardReview)).all() == []
    assert session.exec(select(ActivityDay.reviews)).one() == 0


def test_undo_works_once(session):
    lena = factories.user(session, "lena")
    first, second = cards(session, 2, reviewed=True)
    rate(session, first, "good", START)
    rate(session, second, "good", START)
    recall.undo_review(session=session, user=lena, now=START)
    with pytest.raises(Conflict, match="no rating to undo"):
        recall.undo_review(session=session, user=lena, now=START)  # not the review before it
    assert [r.card_id for r in session.exec(select(CardReview))] == [first.id]


def test_a_learner_cannot_undo_someone_elses_review(session):
    [card] = cards(session, 1, reviewed=True)
    rate(session, card, "good", START)
    review_id = session.exec(select(CardReview.id)).one()
    with pytest.raises(Conflict):
        recall.undo_review(session=session, user=factories.user(session, "leo"), now=START, review_id=review_id)
    assert session.exec(select(CardReview.id)).one() == review_id


def test_undo_of_a_rating_followed_by_another_is_refused(session):
    lena = factories.user(session, "lena")
    first, second = cards(session, 2, reviewed=True)
    rate(session, first, "good", START)
    offered = recall.undoable_review(session=session, user=lena, now=START).id
    rate(session, second, "again", START)
    with pytest.raises(Conflict, match="no longer your last rating"):
        recall.undo_review(session=session, user=lena, now=START, review_id=offered)
    assert len(session.exec(select(CardReview)).all()) == 2


def test_yesterdays_rating_cannot_be_undone(session):
    lena = factories.user(session, "lena")
    [card] = cards(session, 1, reviewed=True)
    rate(session, card, "good", START)
    with pytest.raises(Conflict):
        recall.undo_review(session=session, user=lena, now=START + timedelta(days=1))


def test_a_second_rating_of_the_state_seen_is_refused(session):
    [card] = cards(session, 1, reviewed=True)
    seen = card.last_review
    rate(session, card, "good", START, seen_last_review=seen)
    with pytest.raises(Conflict, match="rated already"):
        rate(session, card, "good", START, seen_last_review=seen)
    assert len(session.exec(select(CardReview)).all()) == 1


def test_suspended_cards_leave_the_queue_until_unsuspended(session):
    lena = factories.user(session, "lena")
    [card] = cards(session, 1)
    recall.suspend_card(session=session, card=card)
    assert recall.due_cards(session=session, user=lena, now=START) == []
    assert recall.due_counts(session=session, user=lena, now=START).now == 0
    with pytest.raises(Conflict, match="suspended"):
        rate(session, card, "good", START)
    recall.suspend_card(session=session, card=card, suspended=False)
    assert [c.id for c in recall.due_cards(session=session, user=lena, now=START)] == [card.id]


def test_a_buried_card_comes_back_at_the_start_of_the_learners_next_day(session):
    lena = factories.user(session, "lena")
    accounts.update_settings(session=session, user=lena, time_zone="America/New_York")
    [card] = cards(session, 1)
    recall.bury_card(session=session, user=lena, card=card, now=START)
    midnight = datetime(2026, 3, 3, 5, tzinfo=UTC)  # Mar 3 00:00 in New York
    assert recall.due_cards(session=session, user=lena, now=midnight - timedelta(seconds=1)) == []
    assert recall.next_due(session=session, user=lena, now=START) == midnight
    assert [c.id for c in recall.due_cards(session=session, user=lena, now=midnight)] == [card.id]


@pytest.mark.parametrize("shown_seconds_ago, kept", [(4.2, 4200), (600, 60_000), (-5, None)])
def test_the_review_time_is_kept_and_capped_at_a_minute(session, shown_seconds_ago, kept):
    [card] = cards(session, 1)
    duration = recall.review_duration(START - timedelta(seconds=shown_seconds_ago), START)
    rate(session, card, "good", START, duration_ms=duration)
    assert session.exec(select(CardReview.review_duration_ms)).one() == kept


def test_statistics_count_reviews_per_day_true_retention_forecast_and_states(session):
    lena = factories.user(session, "lena")
    known = cards(session, 4, reviewed=True)
    [new, suspended] = cards(session, 2)
    recall.suspend_card(session=session, card=suspended)
    with time_machine.travel(START, tick=False):
        for card, rating in zip(known, ["good", "good", "hard", "again"], strict=True):
            rate(session, card, rating, START - timedelta(days=2))
        stats = review_stats.review_statistics(session=session, user=lena, now=START)
    assert stats.true_retention == 0.75 and stats.retention_reviews == 4
    assert [count for _, count in stats.reviews_per_day][-3:] == [4, 0, 0] and len(stats.reviews_per_day) == 30
    assert stats.by_state == {"new": 1, "learning": 1, "review": 3, "suspended": 1}
    assert len(stats.forecast) == 30 and stats.forecast_total(30) + stats.due_today == 5
    summary = review_stats.review_summary(session=session, learner=lena, now=START)
    assert (summary.reviews_7d, summary.true_retention) == (4, 0.75)
    assert new.id
