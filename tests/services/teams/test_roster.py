"""Choosing members by hand: usernames read from a paste or a CSV, all or nothing, clashes of two admins at once,
a replayed confirmation, and provisioned groups left to the identity provider."""

from __future__ import annotations

import threading
import time

import pytest
from sqlmodel import Session, select

from tests import factories
from tracker.models import AuditEvent, GroupMember, GroupSource
from tracker.services import teams
from tracker.services.errors import Conflict, Invalid


def test_a_paste_gives_each_name_once_with_its_line():
    assert teams.read_usernames("lena\n\nleo, mona;ada  LENA\n") == [(1, "lena"), (3, "leo"), (3, "mona"),
                                                                      (3, "ada")]


def test_a_csv_with_a_username_column_gives_that_column_with_the_files_line_numbers():
    text = 'name,Username,email\n"Lena, L.",lena,l@example.com\n\nLeo,leo,\n'
    assert teams.read_usernames(text) == [(2, "lena"), (4, "leo")]


def test_nothing_to_add_and_too_much_to_add_are_refused_with_a_reason():
    with pytest.raises(Invalid, match="at least one username"):
        teams.read_usernames(" \n ,, \n")
    with pytest.raises(Invalid, match="at most 1000"):
        teams.read_usernames("\n".join(f"user{i}" for i in range(1001)))


def test_one_unknown_name_adds_nobody_and_every_unknown_line_is_named(session):
    group = teams.create_group(session=session, name="Platform team")
    session.commit()
    with pytest.raises(teams.UnknownUsernames) as refused:
        teams.add_usernames(session=session, group=group, text="lena\nghost\nleo\nspook")
    assert refused.value.unknown == [(2, "ghost"), (4, "spook")]
    assert refused.value.details["unknown"] == [{"line": 2, "username": "ghost"}, {"line": 4, "username": "spook"}]
    session.rollback()
    assert session.exec(select(GroupMember)).all() == []


def test_a_replayed_addition_changes_nothing_the_second_time(session):
    group = teams.create_group(session=session, name="Platform team")
    with teams.one_change(session=session):
        first = teams.add_usernames(session=session, group=group, text="lena leo")
    with teams.one_change(session=session):
        again = teams.add_usernames(session=session, group=group, text="lena leo")
    assert [u.username for u in first.joining] == ["lena", "leo"]
    assert (again.joining, [u.username for u in again.already]) == ([], ["lena", "leo"])
    assert len(session.exec(select(AuditEvent).where(AuditEvent.kind == "member_added")).all()) == 2


def at_the_same_moment(engine, first_change, second_change) -> None:
    """Two admins' changes, the second checked while the first is written but not yet committed: the first
    commits, the second must end as a Conflict."""
    written = threading.Event()
    failures: list[BaseException] = []

    def first() -> None:
        try:
            with Session(engine) as own, teams.one_change(session=own):
                first_change(own)
                written.set()
                time.sleep(0.5)  # the second admin's request is checked meanwhile, and waits on the write
        except BaseException as exc:  # reported below, in the test's own thread
            failures.append(exc)
            written.set()

    thread = threading.Thread(target=first)
    thread.start()
    assert written.wait(10)
    try:
        with Session(engine) as own, pytest.raises(Conflict, match="nothing was saved"), \
                teams.one_change(session=own):
            second_change(own)
    finally:
        thread.join(10)
    assert failures == []


def test_two_admins_taking_the_same_address_at_once_leave_one_group_and_a_conflict(app, session):
    def make(own):
        teams.create_group(session=own, name="Platform team", description=f"by {id(own)}")

    at_the_same_moment(app.extensions["tracker.engine"], make, make)
    assert [g.slug for g in teams.list_groups(session=session)] == ["platform-team"]
    assert len(session.exec(select(AuditEvent).where(AuditEvent.kind == "group_created")).all()) == 1


def test_two_admins_adding_the_same_person_at_once_keep_one_membership(app, session):
    group = teams.create_group(session=session, name="Platform team")
    session.commit()

    def add(own):
        teams.join(session=own, group=teams.get_group(session=own, slug="platform-team"),
                   user=factories.user(own, "lena"))

    at_the_same_moment(app.extensions["tracker.engine"], add, add)
    session.expire_all()
    assert [u.username for _, u in teams.members(session=session, group=group)] == ["lena"]
    assert len(session.exec(select(AuditEvent).where(AuditEvent.kind == "member_added")).all()) == 1


def test_a_provisioned_groups_members_are_not_chosen_here_but_its_managers_are(session):
    group = teams.create_group(session=session, name="Engineering", source=GroupSource.scim)
    teams.add_member(session=session, group=group, user=factories.user(session, "lena"), source=GroupSource.scim)
    with pytest.raises(teams.MembershipManagedElsewhere):
        teams.plan_additions(session=session, group=group, text="leo")
    with pytest.raises(teams.MembershipManagedElsewhere):
        teams.leave(session=session, group=group, user=factories.user(session, "lena"))
    with pytest.raises(teams.MembershipManagedElsewhere):
        teams.join(session=session, group=group, user=factories.user(session, "leo"))
    teams.join(session=session, group=group, user=factories.user(session, "lena"), manager=True)
    assert session.exec(select(GroupMember.is_manager)).all() == [True]


def test_a_member_page_searches_and_counts_what_it_matched(session):
    group = teams.create_group(session=session, name="Cohort")
    for learner in factories.add_learners(session, "cohort", 12):
        teams.add_member(session=session, group=group, user=learner)
    teams.add_member(session=session, group=group, user=factories.user(session, "mona"), is_manager=True)
    page = teams.member_page(session=session, group=group, page=1, per_page=5)
    assert (page.total, page.pages, page.rows[0][1].username) == (13, 3, "mona")
    found = teams.member_page(session=session, group=group, q="COHORT01")
    assert (found.total, [u.username for _, u in found.rows]) == (2, ["cohort010", "cohort011"])
    assert teams.member_page(session=session, group=group, q="100%").total == 0
