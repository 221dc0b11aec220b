"""What the provider's claims mean for accounts: the claims read defensively, usernames made valid and unique,
roles from groups with the break-glass administrators kept, and concurrent first sign-ins making one account."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import Session, func, select

from tests import factories
from tracker.models import ExternalIdentity, Role, User
from tracker.services.people import identities

ISSUER = "https://id.example.com"
POLICY = identities.DirectoryPolicy(issuer=ISSUER, provider_name="Example ID")


def claims(subject: str = "p-1", **more) -> identities.ProviderClaims:
    return identities.ProviderClaims(issuer=ISSUER, subject=subject, **more)


def test_claims_of_the_wrong_type_count_as_absent_and_groups_come_from_any_claim_path():
    read = identities.read_claims({"iss": ISSUER, "sub": "42", "email": ["x@example.com"], "email_verified": "true",
                                   "zoneinfo": "Mars/Olympus", "realm_access": {"roles": ["admins", 7, " "]}},
                                  groups_claim="realm_access.roles")
    assert (read.email, read.email_verified, read.zone, read.groups) == ("", True, "UTC", frozenset({"admins"}))
    single = identities.read_claims({"iss": ISSUER, "sub": "42", "groups": "staff", "email_verified": 1},
                                    groups_claim="groups")
    assert single.groups == {"staff"} and single.email_verified is False  # only true (or "true") is true
    with pytest.raises(identities.ClaimsRefused):
        identities.read_claims({"iss": ISSUER}, groups_claim="groups")


def test_usernames_come_from_the_preferred_username_or_the_email_and_are_made_unique(session: Session):
    made = [identities.sign_in_through_provider(session=session, policy=POLICY,
                                                claims=claims(f"s{n}", email=f"lena{n}@example.com",
                                                              username_hint=hint))
            for n, hint in enumerate(["Lena", "lena", "", "Ünïcode Name!", "x"])]
    names = [outcome.user.username for outcome in made if isinstance(outcome, identities.SignedIn)]
    assert names == ["lena-2", "lena-3", "lena2", "unicode-name", "x-user"]  # "lena" is taken by the test data


def test_the_break_glass_admin_keeps_the_role_whatever_the_groups(session: Session):
    policy = identities.DirectoryPolicy(issuer=ISSUER, provider_name="Example ID", admin_groups=frozenset({"a"}),
                                        break_glass=frozenset({"ada"}))
    ada = factories.user(session, "ada")
    outcome = identities.link_and_sign_in(session=session, user=ada, claims=claims("ada", email="ada@x.example"),
                                          policy=policy)
    assert outcome.role_change is None and ada.role is Role.admin
    mona = factories.user(session, "mona")
    lowered = identities.link_and_sign_in(session=session, user=mona, claims=claims("mona", email="m@x.example"),
                                          policy=policy)
    assert lowered.role_change == (Role.mentor, Role.learner)


def test_a_provider_account_linked_to_someone_cannot_be_linked_to_another(session: Session):
    identities.link_and_sign_in(session=session, user=factories.user(session, "lena"), claims=claims("p-9"),
                                policy=POLICY)
    with pytest.raises(identities.SignInRefused, match="already linked to another account"):
        identities.link_and_sign_in(session=session, user=factories.user(session, "leo"), claims=claims("p-9"),
                                    policy=POLICY)


def test_two_first_sign_ins_of_one_person_at_once_make_one_account(app, session: Session):
    engine = app.extensions["tracker.engine"]

    def first_sign_in(_: int) -> int:
        with Session(engine) as own:
            outcome = identities.sign_in_through_provider(session=own, policy=POLICY,
                                                          claims=claims("racer", email="racer@example.com"))
            assert isinstance(outcome, identities.SignedIn)
            return outcome.user.id

    with ThreadPoolExecutor(max_workers=4) as pool:
        ids = set(pool.map(first_sign_in, range(4)))
    assert len(ids) == 1
    assert session.exec(select(func.count()).select_from(ExternalIdentity)).one() == 1
    assert session.exec(select(func.count()).select_from(User).where(User.email == "racer@example.com")).one() == 1
