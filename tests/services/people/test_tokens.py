"""Personal API tokens: shown once, stored hashed, revocable by their owner only."""

import pytest

from tests import factories
from tracker.services.errors import NotFound
from tracker.services.people import tokens


def test_a_token_signs_its_owner_in_until_revoked(session):
    lena = factories.user(session, "lena")
    raw, record = tokens.create_token(session=session, user=lena, name="script")
    assert raw.startswith("trk_") and record.token_hash != raw and record.hint == raw[:8]
    assert tokens.user_for_token(session=session, raw=raw).id == lena.id
    tokens.revoke_token(session=session, user=lena, token_id=record.id)
    assert tokens.user_for_token(session=session, raw=raw) is None


def test_nobody_can_revoke_someone_else_s_token(session):
    _, record = tokens.create_token(session=session, user=factories.user(session, "lena"), name="script")
    with pytest.raises(NotFound):
        tokens.revoke_token(session=session, user=factories.user(session, "leo"), token_id=record.id)
    assert tokens.list_tokens(session=session, user=factories.user(session, "lena"))


def test_tokens_of_deactivated_users_and_malformed_tokens_sign_nobody_in(session):
    lena = factories.user(session, "lena")
    raw, _ = tokens.create_token(session=session, user=lena, name="script")
    assert tokens.user_for_token(session=session, raw="trk_" + "x" * 300) is None
    assert tokens.user_for_token(session=session, raw=raw.removeprefix("trk_")) is None
    lena.is_active = False
    session.commit()
    assert tokens.user_for_token(session=session, raw=raw) is None


def test_a_token_needs_a_name(session):
    with pytest.raises(tokens.TokenError):
        tokens.create_token(session=session, user=factories.user(session, "lena"), name="  ")
