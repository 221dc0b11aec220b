"""Signed-in devices: idle timeout, absolute lifetime, remember-me, ending one or all."""

from datetime import UTC, datetime, timedelta

import pytest

from tests import factories
from tracker.services.errors import NotFound
from tracker.services.people import sessions

POLICY = sessions.SessionPolicy(idle=timedelta(minutes=30), max_age=timedelta(days=1), remember=timedelta(days=10))
START = datetime(2026, 11, 25, 9, tzinfo=UTC)


def started(session, remember=False, user="lena"):
    return sessions.start_session(session=session, user=factories.user(session, user), remember=remember,
                                  policy=POLICY, now=START)


def test_an_idle_session_ends_but_activity_keeps_it_alive(session):
    token, _ = started(session)
    assert sessions.resume_session(session=session, token=token, policy=POLICY, now=START + timedelta(minutes=25))
    assert sessions.resume_session(session=session, token=token, policy=POLICY, now=START + timedelta(minutes=50))
    assert sessions.resume_session(session=session, token=token, policy=POLICY,
                                   now=START + timedelta(minutes=50 + 31)) is None


def test_no_session_outlives_its_absolute_end(session):
    token, _ = started(session)
    moment = START
    while moment < START + timedelta(days=1) - timedelta(minutes=20):
        moment += timedelta(minutes=20)
        assert sessions.resume_session(session=session, token=token, policy=POLICY, now=moment)
    assert sessions.resume_session(session=session, token=token, policy=POLICY,
                                   now=START + timedelta(days=1, minutes=1)) is None


def test_a_remembered_session_survives_idleness_until_its_own_end(session):
    token, _ = started(session, remember=True)
    assert sessions.resume_session(session=session, token=token, policy=POLICY, now=START + timedelta(days=9))
    assert sessions.resume_session(session=session, token=token, policy=POLICY, now=START + timedelta(days=10)) is None


def test_ending_one_device_or_all_of_them(session):
    first, record = started(session)
    second, _ = started(session)
    lena = factories.user(session, "lena")
    with pytest.raises(NotFound):
        sessions.end_session(session=session, user=factories.user(session, "leo"), session_id=record.id)
    sessions.end_session(session=session, user=lena, session_id=record.id)
    assert sessions.resume_session(session=session, token=first, policy=POLICY, now=START) is None
    assert sessions.resume_session(session=session, token=second, policy=POLICY, now=START)
    assert sessions.end_all_sessions(session=session, user=lena) == 1
    session.commit()
    assert sessions.resume_session(session=session, token=second, policy=POLICY, now=START) is None


def test_only_a_hash_of_the_token_is_stored(session):
    token, record = started(session)
    assert token not in record.token_hash and len(record.token_hash) == 64
    assert sessions.resume_session(session=session, token=token + "x", policy=POLICY, now=START) is None
