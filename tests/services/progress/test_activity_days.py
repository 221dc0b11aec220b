"""The per-day activity rows: counted with each change and review, in the learner's zone at the time, and kept
as the days lived (a move to another zone or a deleted card changes none); what the migration and a rebuild
make from the logs is what counting on write would have made."""

from __future__ import annotations

from datetime import UTC, date, datetime

import fsrs
from sqlmodel import select

from tests import factories
from tracker import db
from tracker.models import ActivityDay, ProgressState
from tracker.services.learning import recall
from tracker.services.people import accounts
from tracker.services.progress import activity_days
from tracker.services.progress import marks as progress


def rows_of(session, user) -> dict[date, tuple[int, int]]:
    session.expire_all()
    return {row.day: (row.changes, row.reviews)
            for row in session.exec(select(ActivityDay).where(ActivityDay.user_id == user.id))}


def lived_day(session):
    """Lena in Tokyo: two changes and a reset one evening (UTC), a review the next morning."""
    lena = factories.user(session, "lena")
    accounts.set_time_zone(session=session, user=lena, time_zone="Asia/Tokyo")
    article = factories.article(session, "http-protocol")
    for hour, state in ((14, ProgressState.in_progress), (15, ProgressState.done), (16, ProgressState.not_started)):
        progress.write_mark(session=session, user=lena, article=article, state=state,
                              at=datetime(2026, 3, 10, hour, tzinfo=UTC))  # 23:00, 00:00 and 01:00 in Tokyo
    card = recall.create_card(session=session, user=lena, article=article, prompt="Why?", answer="Because.")
    recall.review(session=session, user=lena, card=card, rating=fsrs.Rating.Good,
                  now=datetime(2026, 3, 11, 1, tzinfo=UTC))
    return lena


def test_changes_and_reviews_count_on_their_day_in_the_learners_zone_and_resets_do_not(session):
    lena = lived_day(session)
    assert rows_of(session, lena) == {date(2026, 3, 10): (1, 0), date(2026, 3, 11): (1, 1)}


def test_rebuilding_from_the_logs_gives_what_counting_gave_and_a_move_leaves_the_days_lived(session):
    lena = lived_day(session)
    counted = rows_of(session, lena)
    activity_days.rebuild(session=session, users=[lena])
    session.commit()
    assert rows_of(session, lena) == counted
    accounts.set_time_zone(session=session, user=lena, time_zone="UTC")
    assert rows_of(session, lena) == counted  # Tokyo's days, as she lived them
    activity_days.rebuild(session=session, users=[lena])  # only data written in bulk is counted again
    session.commit()
    assert rows_of(session, lena) == {date(2026, 3, 10): (2, 0), date(2026, 3, 11): (0, 1)}


def test_a_skip_is_no_activity_on_write_nor_when_counted_again(session):
    lena = factories.user(session, "lena")
    progress.write_mark(session=session, user=lena, article=factories.article(session, "http-protocol"),
                        state=ProgressState.skipped, at=datetime(2026, 3, 10, 9, tzinfo=UTC))
    assert rows_of(session, lena) == {}
    activity_days.rebuild(session=session, users=[lena])
    session.commit()
    assert rows_of(session, lena) == {}


def test_the_migration_fills_the_rows_from_the_logs(app, session):
    lena = lived_day(session)
    counted = rows_of(session, lena)
    session.close()
    engine = app.extensions["tracker.engine"]
    db.downgrade(engine, "0013")
    db.upgrade(engine)
    assert rows_of(session, lena) == counted


def test_deleting_a_card_leaves_the_days_it_was_reviewed_on(session):
    lena = lived_day(session)
    counted = rows_of(session, lena)
    card = session.exec(select(recall.RecallCard).where(recall.RecallCard.user_id == lena.id)).one()
    recall.delete_card(session=session, card=card)
    assert rows_of(session, lena) == counted == {date(2026, 3, 10): (1, 0), date(2026, 3, 11): (1, 1)}
