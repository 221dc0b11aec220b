"""Learners' notes on articles, shared with mentors or private, and mentors' replies."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import Enum, auto
from typing import Final

from sqlalchemy import bindparam
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from tracker.models import Article, Note, NoteReply, NotificationKind, User, utcnow
from tracker.services import access
from tracker.services.errors import Invalid
from tracker.services.mentoring.mentorships import NotYourMentee, mentors_of
from tracker.services.notifications import in_app as notifications

NOTE_MAX = 2000
TAKEAWAY_MAX = 500  # one to three sentences


class NoteError(Invalid):
    """A note was refused; the message is fit to show."""


def _checked(body: str) -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if len(body) > NOTE_MAX:
        raise NoteError(f"The note is {len(body)} characters long; the limit is {NOTE_MAX}. Nothing was saved.")
    return body


def save_note(*, session: Session, user: User, article: Article, body: str, shared: bool) -> Note | None:
    """Create, update or (with an empty body) delete the user's note on an article. Commits."""
    return _store(session=session, user=user, article=article, shared=shared, body=_checked(body))


def save_takeaway(*, session: Session, user: User, article: Article, text: str, shared: bool) -> Note | None:
    """Set (or, empty, remove) the takeaway of the user's note on an article: what they would tell a
    colleague. Shared with mentors when the note is. Commits."""
    text = " ".join((text or "").split())
    if len(text) > TAKEAWAY_MAX:
        raise NoteError(f"The takeaway is {len(text)} characters long; keep it to one to three sentences "
                        f"(at most {TAKEAWAY_MAX}). Nothing was saved.")
    return _store(session=session, user=user, article=article, shared=shared, takeaway=text or None)


class _Keep(Enum):
    """A part of the note the request leaves out: kept as it is."""

    KEEP = auto()


_KEEP: Final = _Keep.KEEP


def _store(*, session: Session, user: User, article: Article, shared: bool, body: str | _Keep = _KEEP,
           takeaway: str | _Keep | None = _KEEP) -> Note | None:
    """Write the parts given of the user's note; a note with neither a body nor a takeaway is deleted. Commits."""
    note = session.exec(select(Note).where(Note.user_id == user.id, Note.article_id == article.id)).one_or_none()
    new_body = (note.body if note else "") if body is _KEEP else body
    new_takeaway = (note.takeaway if note else None) if takeaway is _KEEP else takeaway
    if not new_body and not new_takeaway:
        if note is not None:
            session.delete(note)
            session.commit()
        return None
    news = shared and (note is None or not note.shared or note.body != new_body or note.takeaway != new_takeaway)
    if note is None:
        note = Note(user_id=user.id, article_id=article.id, body=new_body, takeaway=new_takeaway, shared=shared)
    else:
        note.body, note.takeaway, note.shared, note.updated_at = new_body, new_takeaway, shared, utcnow()
    session.add(note)
    try:
        session.commit()
    except IntegrityError:  # the same note saved twice at once: keep the later text
        session.rollback()
        note = session.exec(select(Note).where(Note.user_id == user.id, Note.article_id == article.id)).one()
        note.body, note.takeaway, note.shared, note.updated_at = new_body, new_takeaway, shared, utcnow()
        session.commit()
    if news:
        _tell_mentors(session, user, article, note)
    return note


def _tell_mentors(session: Session, learner: User, article: Article, note: Note) -> None:
    """A shared note (new, newly shared, or rewritten) reaches the learner's mentors. Commits."""
    for mentor in mentors_of(session=session, learner=learner):
        notifications.notify(session=session, user=mentor, kind=NotificationKind.shared_note,
                             key=f"shared_note:{note.id}:{note.updated_at.isoformat()}",
                             message=f"{learner.name} shared a note on “{article.title}”.",
                             link=f"/mentor/mentees/{learner.username}#note-{note.id}")
    session.commit()


def note_for(*, session: Session, user: User, article: Article) -> Note | None:
    return session.exec(_my_notes(among=False), params={"user_id": user.id, "article_id": article.id}).one_or_none()


@functools.cache  # built once: building a statement costs more than running it
def _my_notes(among: bool = True) -> SelectOfScalar[Note]:
    """The user's notes on the articles `ids` (`among`), or on the article `article_id`."""
    mine = select(Note).where(Note.user_id == bindparam("user_id"))
    return mine.where(col(Note.article_id).in_(bindparam("ids", expanding=True)) if among
                      else col(Note.article_id) == bindparam("article_id"))


@dataclass
class SharedNote:
    note: Note
    article: Article
    replies: list[tuple[NoteReply, User]]


def shared_notes(*, session: Session, learner: User) -> list[SharedNote]:
    """The learner's notes shared with their mentors, newest first, with replies (two queries)."""
    rows = session.exec(select(Note, Article).join(Article, col(Article.id) == Note.article_id)
                        .where(Note.user_id == learner.id, col(Note.shared).is_(True))
                        .order_by(col(Note.updated_at).desc())).all()
    replies: dict[int, list[tuple[NoteReply, User]]] = {note.id: [] for note, _ in rows}
    if replies:
        for reply, author in session.exec(select(NoteReply, User).join(User, col(User.id) == NoteReply.author_id)
                                          .where(col(NoteReply.note_id).in_(list(replies)))
                                          .order_by(col(NoteReply.created_at))):
            replies[reply.note_id].append((reply, author))
    return [SharedNote(note=n, article=a, replies=replies[n.id]) for n, a in rows]


def replies_to(*, session: Session, note: Note) -> list[tuple[NoteReply, User]]:
    return list(session.exec(select(NoteReply, User).join(User, col(User.id) == NoteReply.author_id)
                             .where(NoteReply.note_id == note.id).order_by(col(NoteReply.created_at))))


def reply(*, session: Session, mentor: User, note_id: int, body: str) -> NoteReply:
    """A mentor answers a shared note of one of their mentees; the learner is notified. Commits."""
    note = session.get(Note, note_id)
    learner = session.get(User, note.user_id) if note else None
    if (note is None or not note.shared or learner is None
            or not access.can_look_after(session=session, viewer=mentor, learner=learner)):
        raise NotYourMentee("No such note.")
    body = _checked(body)
    if not body:
        raise NoteError("Write a reply first.")
    answer = NoteReply(note_id=note.id, author_id=mentor.id, body=body)
    session.add(answer)
    session.flush()
    article = session.get_one(Article, note.article_id)
    notifications.notify(session=session, user=learner, kind=NotificationKind.reply, key=f"reply:{answer.id}",
                         message=f"{mentor.name} replied to your note on “{article.title}”.",
                         link=f"/articles/{article.slug}/note")
    session.commit()
    return answer



def author_of(*, session: Session, note_id: int) -> User | None:
    note = session.get(Note, note_id)
    return session.get(User, note.user_id) if note else None


def notes_for(*, session: Session, user: User, article_ids: list[int]) -> dict[int, Note]:
    """The user's notes on these articles, by article id (one query)."""
    if not article_ids:
        return {}
    return {n.article_id: n for n in session.exec(_my_notes(), params={"user_id": user.id, "ids": list(article_ids)})}
