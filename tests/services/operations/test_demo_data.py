"""The synthetic data set for benchmarks: the size asked for, and as consistent as if made through the app."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func
from sqlmodel import select

from tracker.models import Assignment, Mentorship, Progress, ProgressEvent, Role, User, as_utc
from tracker.services.errors import Invalid
from tracker.services.operations import demo_data

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def test_the_data_set_has_the_size_asked_for_and_progress_agrees_with_the_event_log(session):
    made = demo_data.generate(session=session, users=200, events=5_000, seed=7, now=NOW)
    assert (made.users, made.events) == (200, 5_000)
    prefix = demo_data.prefix_for(7)
    ids = set(session.exec(select(User.id).where(User.username.startswith(prefix))))
    assert session.exec(select(func.count()).select_from(ProgressEvent)
                        .where(ProgressEvent.user_id.in_(ids))).one() == 5_000
    mentors = session.exec(select(User.id).where(User.id.in_(ids), User.role == Role.mentor)).all()
    assert len(mentors) == 2
    for mentor in mentors:  # 50-200 mentees each, as teams have
        assert 50 <= session.exec(select(func.count()).select_from(Mentorship)
                                  .where(Mentorship.mentor_id == mentor)).one() <= 200
    assert made.assignments == session.exec(select(func.count()).select_from(Assignment)
                                            .where(Assignment.learner_id.in_(ids))).one() > 0
    # each article's state is the last event's, and it changed then
    last = {}
    for event in session.exec(select(ProgressEvent).where(ProgressEvent.user_id.in_(ids))
                              .order_by(ProgressEvent.created_at, ProgressEvent.id)):
        last[(event.user_id, event.article_id)] = (event.state, event.created_at)
    rows = {(p.user_id, p.article_id): (p.state, p.updated_at)
            for p in session.exec(select(Progress).where(Progress.user_id.in_(ids)))}
    assert rows == last
    assert all(as_utc(at) <= NOW for _, at in rows.values())


def test_a_seed_is_generated_once_and_bad_sizes_are_refused(session):
    demo_data.generate(session=session, users=20, events=100, seed=3, now=NOW)
    with pytest.raises(Invalid, match="load3-… exist already"):
        demo_data.generate(session=session, users=20, events=100, seed=3, now=NOW)
    with pytest.raises(Invalid, match="--users: at least 2"):
        demo_data.generate(session=session, users=1, events=100, seed=4, now=NOW)


def test_the_command_prints_what_it_made(runner):
    result = runner.invoke(args=["demo-data", "--users", "30", "--events", "400", "--seed", "11"])
    assert result.exit_code == 0, result.output
    assert "Made 30 users" in result.output and "400 events" in result.output
    again = runner.invoke(args=["demo-data", "--users", "30", "--events", "400", "--seed", "11"])
    assert again.exit_code == 1 and "exist already" in again.output
