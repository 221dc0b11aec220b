"""Mentorships: invitations accepted or declined, admin links, and who counts as a mentee."""

import pytest

from tests import factories
from tracker.models import MentorshipStatus
from tracker.services.errors import NotFound
from tracker.services.mentoring import mentorships


def test_an_invitation_becomes_a_mentorship_only_when_accepted(session):
    mona, lena = factories.user(session, "mona"), factories.user(session, "lena")
    invitation = mentorships.invite(session=session, mentor=mona, learner=lena, username="lena")
    assert mentorships.mentees(session=session, mentor=mona) == []
    assert [m.id for m, _ in mentorships.pending_invitations(session=session, learner=lena)] == [invitation.id]
    mentorships.respond(session=session, learner=lena, mentorship_id=invitation.id, accept=True)
    assert [u.username for u in mentorships.mentees(session=session, mentor=mona)] == ["lena"]


def test_only_the_invited_learner_can_answer_and_only_once(session):
    mona, lena, leo = (factories.user(session, n) for n in ("mona", "lena", "leo"))
    invitation = mentorships.invite(session=session, mentor=mona, learner=lena, username="lena")
    with pytest.raises(NotFound):
        mentorships.respond(session=session, learner=leo, mentorship_id=invitation.id, accept=True)
    assert mentorships.respond(session=session, learner=lena, mentorship_id=invitation.id,
                               accept=False).status == MentorshipStatus.declined
    with pytest.raises(NotFound):
        mentorships.respond(session=session, learner=lena, mentorship_id=invitation.id, accept=True)


def test_invitations_to_nobody_or_oneself_are_refused(session):
    mona = factories.user(session, "mona")
    with pytest.raises(mentorships.MentoringError, match="no user called 'ghost'"):
        mentorships.invite(session=session, mentor=mona, learner=None, username="ghost")
    with pytest.raises(mentorships.MentoringError, match="yourself"):
        mentorships.invite(session=session, mentor=mona, learner=mona, username="mona")


def test_admins_link_mentors_only_and_unlinking_nothing_is_not_found(session):
    mona, lena, leo = (factories.user(session, n) for n in ("mona", "lena", "leo"))
    with pytest.raises(mentorships.MentoringError, match="is not a mentor"):
        mentorships.link(session=session, mentor=leo, learner=lena)
    mentorships.link(session=session, mentor=mona, learner=lena)
    mentorships.unlink(session=session, mentor=mona, learner=lena)
    with pytest.raises(NotFound):
        mentorships.unlink(session=session, mentor=mona, learner=lena)
    with pytest.raises(mentorships.UnknownUser):
        mentorships.resolve_pair(session=session, mentor_name="mona", learner_name="ghost")


def test_a_mentee_is_found_for_their_mentor_and_for_admins_only(session):
    factories.mentor_of(session, "mona", "lena")
    for viewer in ("mona", "ada"):
        assert mentorships.get_mentee(session=session, viewer=factories.user(session, viewer),
                                      username="LENA").username == "lena"
    with pytest.raises(mentorships.NotYourMentee):
        mentorships.get_mentee(session=session, viewer=factories.user(session, "mona"), username="leo")
