"""Learners' notes: saved, shared or private, deleted when emptied; mentors reply to shared ones only."""

import pytest

from tests import factories
from tracker.services.learning import notes
from tracker.services.mentoring.mentorships import NotYourMentee


def test_a_note_is_created_updated_and_deleted_by_emptying_it(session):
    lena, article = factories.user(session, "lena"), factories.article(session, "http-protocol")
    note = notes.save_note(session=session, user=lena, article=article, body="First\r\nthoughts", shared=False)
    assert note.body == "First\nthoughts"
    again = notes.save_note(session=session, user=lena, article=article, body="Second", shared=True)
    assert again.id == note.id and again.shared
    assert notes.save_note(session=session, user=lena, article=article, body="   ", shared=True) is None
    assert notes.note_for(session=session, user=lena, article=article) is None


def test_a_note_over_the_limit_is_refused_and_says_how_long_it_was(session):
    with pytest.raises(notes.NoteError, match="2001 characters long; the limit is 2000"):
        notes.save_note(session=session, user=factories.user(session, "lena"),
                        article=factories.article(session, "http-protocol"), body="x" * 2001, shared=False)


def test_mentors_reply_to_shared_notes_of_their_mentees_only(session):
    lena, article = factories.user(session, "lena"), factories.article(session, "http-protocol")
    private = notes.save_note(session=session, user=lena, article=article, body="Private", shared=False)
    mona = factories.user(session, "mona")
    factories.mentor_of(session, "mona", "lena")
    with pytest.raises(NotYourMentee):
        notes.reply(session=session, mentor=mona, note_id=private.id, body="Hi")
    shared = notes.save_note(session=session, user=lena, article=article, body="Shared", shared=True)
    notes.reply(session=session, mentor=mona, note_id=shared.id, body="Good point")
    assert [r.body for r, _ in notes.replies_to(session=session, note=shared)] == ["Good point"]
    assert [s.note.id for s in notes.shared_notes(session=session, learner=lena)] == [shared.id]


def test_a_reply_to_a_note_that_does_not_exist_is_not_found(session):
    with pytest.raises(NotYourMentee):
        notes.reply(session=session, mentor=factories.user(session, "mona"), note_id=987654, body="Hi")
