"""Every change the audit log covers writes exactly one entry, naming who acted and whom it concerns, in the
change's own transaction: a change refused or rolled back leaves none."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session, col, select

from tests import factories
from tests.conftest import PASSWORD
from tracker.models import AuditEvent, PathStatus, Role, utcnow
from tracker.services.audit import AuditKind
from tracker.services.errors import NotAllowed
from tracker.services.mentoring import assignments, mentorships
from tracker.services.people import accounts
from tracker.services.people.passwords import PasswordPolicy
from tracker.services.progress import follows
from tracker.services.progress.marks import ProgressError
from tracker.services.records import deletion

TODAY = utcnow().date()
DUE = TODAY + timedelta(days=30)


def entries(session: Session, *kinds: AuditKind) -> list[AuditEvent]:
    """The entries of these kinds, oldest first, as stored now."""
    session.expire_all()
    return list(session.exec(select(AuditEvent).where(col(AuditEvent.kind).in_([k.value for k in kinds]))
                             .order_by(col(AuditEvent.id))))


def who(event: AuditEvent) -> tuple[str, str, str]:
    return event.kind, event.actor_label, event.subject_label


def assign(session: Session, *learners: str, due_on: date | assignments._Keep | None = assignments.KEEP,
           slug="api-designer", preview=False):
    return assignments.assign_path(session=session, mentor=factories.user(session, "mona"), usernames=list(learners),
                                   path=factories.path(session, slug), due_on=due_on, today=TODAY, preview=preview)


# ---------------------------------------------------------------- enrolments

def test_assigning_a_path_enrols_each_mentee_once_with_the_mentor_as_actor_and_the_due_date(session):
    factories.mentor_of(session, "mona", "lena", "leo")
    assign(session, "lena", "leo", due_on=DUE)
    found = entries(session, AuditKind.enrolled)
    assert [who(e) for e in found] == [("enrolled", "mona", "lena"), ("enrolled", "mona", "leo")]
    path = factories.path(session, "api-designer")
    assert {e.path_id for e in found} == {path.id}
    assert all(e.actor_id == factories.user(session, "mona").id for e in found)
    assert all(DUE.strftime("%b %-d, %Y") in e.detail for e in found)


def test_assigning_again_records_a_moved_due_date_once_and_nothing_when_nothing_changes(session):
    factories.mentor_of(session, "mona", "lena")
    assign(session, "lena", due_on=DUE)
    assign(session, "lena", due_on=DUE + timedelta(days=7))
    assign(session, "lena", due_on=DUE + timedelta(days=7))
    assign(session, "lena")
    assert len(entries(session, AuditKind.enrolled)) == 1
    (moved,) = entries(session, AuditKind.due_date_changed)
    assert who(moved) == ("due_date_changed", "mona", "lena")
    assert moved.detail == f"{DUE:%b %-d, %Y} → {DUE + timedelta(days=7):%b %-d, %Y}"


def test_a_refused_assignment_writes_no_entry_for_anyone(session):
    factories.mentor_of(session, "mona", "lena")
    with pytest.raises(assignments.NotAMentee):
        assign(session, "lena", "leo", due_on=DUE)  # leo is not mona's mentee: all or nothing
    assert entries(session, AuditKind.enrolled) == []
    assert assignments.assigned_path_ids(session=session, learner=factories.user(session, "lena")) == set()


def test_a_preview_rolls_its_entries_back_with_its_assignments(session):
    factories.mentor_of(session, "mona", "lena", "leo")
    outcomes = assign(session, "lena", "leo", due_on=DUE, preview=True)
    assert [o.created for o in outcomes] == [True, True]  # the entries were written, then rolled back
    assert entries(session, AuditKind.enrolled) == []


def test_a_draft_path_cannot_be_assigned_and_leaves_no_entry(session):
    factories.mentor_of(session, "mona", "lena")
    path = factories.path(session, "api-designer")
    path.status = PathStatus.archived
    session.add(path)
    session.commit()
    with pytest.raises(Exception, match="only published paths"):
        assign(session, "lena", due_on=DUE)
    assert entries(session, AuditKind.enrolled) == []


def test_withdrawing_unenrols_and_assigning_again_enrols_anew(session):
    factories.mentor_of(session, "mona", "lena")
    (outcome,) = assign(session, "lena", due_on=DUE)
    assignments.withdraw(session=session, mentor=factories.user(session, "ada"), assignment_id=outcome.assignment.id)
    assign(session, "lena")
    unenrolled, = entries(session, AuditKind.unenrolled)
    assert who(unenrolled) == ("unenrolled", "ada", "lena")  # an admin withdrew it
    enrolled = entries(session, AuditKind.enrolled)
    assert [e.detail for e in enrolled] == [f"due {DUE:%b %-d, %Y}", "no due date; assigned again after a withdrawal"]


def test_moving_a_due_date_is_one_entry_and_keeping_it_none(session):
    factories.mentor_of(session, "mona", "lena")
    (outcome,) = assign(session, "lena", due_on=DUE)
    mona = factories.user(session, "mona")
    assignments.change_due_date(session=session, mentor=mona, assignment_id=outcome.assignment.id, due_on=None,
                                today=TODAY)
    assignments.change_due_date(session=session, mentor=mona, assignment_id=outcome.assignment.id, due_on=None,
                                today=TODAY)
    (moved,) = entries(session, AuditKind.due_date_changed)
    assert moved.detail == f"{DUE:%b %-d, %Y} → none"
    with pytest.raises(Exception, match="in the past"):
        assignments.change_due_date(session=session, mentor=mona, assignment_id=outcome.assignment.id,
                                    due_on=TODAY - timedelta(days=1), today=TODAY)
    assert len(entries(session, AuditKind.due_date_changed)) == 1


# ---------------------------------------------------------------- follows

def test_following_is_recorded_once_however_often_it_is_pressed_and_the_learner_is_the_actor(session):
    lena, path = factories.user(session, "lena"), factories.path(session, "api-designer")
    follows.follow_path(session=session, user=lena, path=path)
    follows.follow_path(session=session, user=lena, path=path)
    follows.unfollow_path(session=session, user=lena, path=path)
    follows.unfollow_path(session=session, user=lena, path=path)
    found = entries(session, AuditKind.followed, AuditKind.unfollowed)
    assert [who(e) for e in found] == [("followed", "lena", "lena"), ("unfollowed", "lena", "lena")]
    assert {e.path_id for e in found} == {path.id}


def test_a_path_that_cannot_be_followed_leaves_no_entry(session):
    lena, path = factories.user(session, "lena"), factories.path(session, "api-designer")
    path.status = PathStatus.archived
    session.add(path)
    session.commit()
    with pytest.raises(ProgressError):
        follows.follow_path(session=session, user=lena, path=path)
    assert entries(session, AuditKind.followed) == []


# ---------------------------------------------------------------- accounts

def test_an_account_made_by_sign_up_names_its_owner_as_actor_and_one_from_the_command_line_says_so(session):
    sam = accounts.create_user(session=session, username="sam", password=PASSWORD, policy=PasswordPolicy(),
                               signed_up=True)
    accounts.create_user(session=session, username="kim", password=PASSWORD, policy=PasswordPolicy(),
                         role=Role.mentor, actor_label="command line")
    found = [e for e in entries(session, AuditKind.user_created) if e.subject_label in {"sam", "kim"}]
    assert [(who(e), e.detail) for e in found] == [(("user_created", "sam", "sam"), "as learner, signed up"),
                                                   (("user_created", "command line", "kim"), "as mentor")]
    assert found[0].actor_id == sam.id and found[1].actor_id is None


def test_a_taken_username_writes_no_entry(session):
    before = len(entries(session, AuditKind.user_created))
    with pytest.raises(accounts.UsernameTaken):
        accounts.create_user(session=session, username="Lena", password=PASSWORD, policy=PasswordPolicy())
    assert len(entries(session, AuditKind.user_created)) == before


def test_a_role_change_says_from_what_to_what_and_an_unchanged_or_refused_one_says_nothing(session):
    ada, lena = factories.user(session, "ada"), factories.user(session, "lena")
    accounts.set_role(session=session, admin=ada, user=lena, role=Role.mentor)
    accounts.set_role(session=session, admin=ada, user=lena, role=Role.mentor)
    with pytest.raises(accounts.AccountError):
        accounts.set_role(session=session, admin=ada, user=ada, role=Role.learner)
    (changed,) = entries(session, AuditKind.role_changed)
    assert (who(changed), changed.detail) == (("role_changed", "ada", "lena"), "learner → mentor")


def test_deactivating_and_reactivating_are_one_entry_each(session):
    ada, leo = factories.user(session, "ada"), factories.user(session, "leo")
    accounts.set_active(session=session, admin=ada, user=leo, active=False)
    accounts.set_active(session=session, admin=ada, user=leo, active=False)
    accounts.set_active(session=session, admin=ada, user=leo, active=True)
    with pytest.raises(accounts.AccountError):
        accounts.set_active(session=session, admin=ada, user=ada, active=False)
    found = entries(session, AuditKind.user_deactivated, AuditKind.user_reactivated)
    assert [who(e) for e in found] == [("user_deactivated", "ada", "leo"), ("user_reactivated", "ada", "leo")]


def test_a_deleted_account_keeps_its_name_in_the_log_but_no_link_to_it(session):
    factories.mentor_of(session, "mona", "lena")
    assign(session, "lena", due_on=DUE)
    lena_id = factories.user(session, "lena").id
    deletion.delete_user(session=session, admin=factories.user(session, "ada"), user=factories.user(session, "lena"))
    (deleted,) = entries(session, AuditKind.user_deleted)
    assert who(deleted) == ("user_deleted", "ada", "lena")
    assert deleted.subject_id is None and deleted.detail == "was learner, by admin ada"
    (enrolled,) = entries(session, AuditKind.enrolled)
    assert (enrolled.subject_id, enrolled.subject_label) == (None, "lena")
    assert session.exec(select(AuditEvent).where(AuditEvent.subject_id == lena_id)).first() is None


def test_deleting_ones_own_account_names_oneself_as_the_actor_even_after_the_account_is_gone(session):
    deletion.delete_own_account(session=session, user=factories.user(session, "leo"), password=PASSWORD)
    (deleted,) = entries(session, AuditKind.user_deleted)
    assert who(deleted) == ("user_deleted", "leo", "leo")
    assert (deleted.actor_id, deleted.subject_id) == (None, None)


def test_deleting_the_last_administrator_is_refused_and_its_entry_rolls_back_with_it(session):
    with pytest.raises(NotAllowed):
        deletion.delete_own_account(session=session, user=factories.user(session, "ada"), password=PASSWORD)
    assert entries(session, AuditKind.user_deleted) == []
    assert factories.user(session, "ada").is_active


# ---------------------------------------------------------------- mentorships

def test_linking_and_unlinking_a_mentor_names_the_admin_and_the_mentor(session):
    ada, mona, lena = (factories.user(session, n) for n in ("ada", "mona", "lena"))
    mentorships.link(session=session, mentor=mona, learner=lena, actor=ada)
    mentorships.link(session=session, mentor=mona, learner=lena, actor=ada)  # already: nothing changes
    mentorships.unlink(session=session, mentor=mona, learner=lena, actor=ada)
    with pytest.raises(mentorships.MentoringError):
        mentorships.link(session=session, mentor=lena, learner=mona, actor=ada)  # lena is no mentor
    found = entries(session, AuditKind.mentor_linked, AuditKind.mentor_unlinked)
    assert [(who(e), e.detail) for e in found] == [(("mentor_linked", "ada", "lena"), "mentor mona"),
                                                   (("mentor_unlinked", "ada", "lena"), "mentor mona")]


def test_an_accepted_invitation_links_with_the_learner_as_actor_and_a_declined_one_writes_nothing(session):
    mona, lena, leo = (factories.user(session, n) for n in ("mona", "lena", "leo"))
    accepted = mentorships.invite(session=session, mentor=mona, learner=lena, username="lena")
    declined = mentorships.invite(session=session, mentor=mona, learner=leo, username="leo")
    mentorships.respond(session=session, learner=lena, mentorship_id=accepted.id, accept=True)
    mentorships.respond(session=session, learner=leo, mentorship_id=declined.id, accept=False)
    (linked,) = entries(session, AuditKind.mentor_linked)
    assert (who(linked), linked.detail) == (("mentor_linked", "lena", "lena"), "mentor mona, an invitation accepted")
