"""Accounts: usernames, the password policy, sign-in checks, hashing parameters."""

import pytest

from tests import factories
from tests.conftest import PASSWORD
from tracker.services.errors import NotFound
from tracker.services.people import accounts, sessions
from tracker.services.people.passwords import PasswordPolicy


def test_usernames_are_case_insensitive_and_checked():
    assert accounts.normalise_username("  Lena.K ") == "lena.k"
    for bad in ("ab", "-lena", "lena!", "x" * 33):
        with pytest.raises(accounts.AccountError):
            accounts.normalise_username(bad)


@pytest.mark.parametrize("password", ["short", "password123", "x" * 1025])
def test_weak_or_absurd_passwords_are_refused(password):
    with pytest.raises(accounts.AccountError):
        accounts.check_password(password, policy=PasswordPolicy(), username="lena")


def test_sign_in_is_refused_for_wrong_passwords_unknown_and_deactivated_users(session):
    assert accounts.authenticate(session=session, username="LENA", password=PASSWORD).username == "lena"
    assert accounts.authenticate(session=session, username="lena", password="wrong password") is None
    assert accounts.authenticate(session=session, username="nobody", password=PASSWORD) is None
    lena = factories.user(session, "lena")
    lena.is_active = False
    session.commit()
    with pytest.raises(accounts.AccountDeactivated, match="deactivated"):
        accounts.authenticate(session=session, username="lena", password=PASSWORD)
    assert accounts.authenticate(session=session, username="lena", password="wrong password") is None


def test_changing_the_password_ends_every_session(session):
    lena = factories.user(session, "lena")
    policy = sessions.SessionPolicy()
    token, _ = sessions.start_session(session=session, user=lena, remember=True, policy=policy)
    with pytest.raises(accounts.AccountError):
        accounts.change_password(session=session, user=lena, current="wrong", new="a brand new passphrase",
                                 policy=PasswordPolicy())
    assert sessions.resume_session(session=session, token=token, policy=policy) is not None
    accounts.change_password(session=session, user=lena, current=PASSWORD, new="a brand new passphrase",
                                 policy=PasswordPolicy())
    assert sessions.resume_session(session=session, token=token, policy=policy) is None
    assert accounts.authenticate(session=session, username="lena", password="a brand new passphrase")


def test_hashes_made_with_older_parameters_are_upgraded_at_sign_in(session):
    lena = factories.user(session, "lena")
    old_hash = lena.password_hash
    accounts.configure_hashing(time_cost=2, memory_kib=16, parallelism=1)
    try:
        assert accounts.authenticate(session=session, username="lena", password=PASSWORD)
        session.refresh(lena)
        assert lena.password_hash != old_hash and "t=2" in lena.password_hash
    finally:
        accounts.configure_hashing(time_cost=1, memory_kib=8, parallelism=1)


def test_an_admin_cannot_demote_or_deactivate_themselves(session):
    ada = factories.user(session, "ada")
    with pytest.raises(accounts.AccountError):
        accounts.set_active(session=session, admin=ada, user=ada, active=False)
    with pytest.raises(accounts.AccountError):
        accounts.set_role(session=session, admin=ada, user=ada, role=accounts.Role.learner)


def test_unknown_users_are_not_found(session):
    with pytest.raises(NotFound):
        accounts.require_user(session=session, username="nobody")
    with pytest.raises(NotFound):
        accounts.require_no_administrator(session=session)
