"""Learners' notes on articles, shared with mentors or private, and mentors' replies.

A note's body and its takeaway are shared each by its own flag (`shared`, `takeaway_shared`): what mentors see of a
note is decided by `shown_to_mentors` alone."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import Enum, auto
from typing import Final

from sqlalchemy import bindparam, or_
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
    """Create, update or (with an empty body) delete the user's note on an article; `shared` shares its body
    with mentors (never its takeaway, which has its own flag). Commits."""
    return _store(session=session, user=user, article=article, shared=shared, body=_checked(body))


def save_takeaway(*, session: Session, user: User, article: Article, text: str, shared: bool) -> Note | None:
    """Set (or, empty, remove) the takeaway of the user's note on an article: what they would tell a
    colleague. `shared` shares the takeaway alone with mentors (the note's body keeps its own flag). Commits."""
    text = " ".join((text or "").split())
    if len(text) > TAKEAWAY_MAX:
        raise NoteError(f"The takeaway is {len(text)} characters long; keep it to one to three sentences "
                        f"(at most {TAKEAWAY_MAX}). Nothing was saved.")
    return _store(session=session, user=user, article=article, takeaway_shared=shared, takeaway=text or None)


class _Keep(Enum):
    """A part of the note the request leaves out: kept as it is."""

    KEEP = auto()


_KEEP: Final = _Keep.KEEP


def shown_to_mentors(note: Note) -> tuple[str, str | None]:
    """The body and the takeaway of a note as the learner's mentors may see them: each only when its own flag
    shares it ("" and None otherwise). Every mentor view, the mentee export and the notifications go by this."""
    return (note.body if note.shared else "", note.takeaway if note.takeaway_shared else None)


def seen_by_mentors(note: Note) -> bool:
    """Whether the learner's mentors see anything of the note."""
    return any(shown_to_mentors(note))


def _store(*, session: Session, user: User, article: Article, shared: bool | _Keep = _KEEP,
           takeaway_shared: bool | _Keep = _KEEP, body: str | _Keep = _KEEP,
           takeaway: str | _Keep | None = _KEEP) -> Note | None:
    """Write the parts given of the user's note; a note with neither a body nor a takeaway is deleted. Commits."""
    note = session.exec(select(Note).where(Note.user_id == user.id, Note.article_id == article.id)).one_or_none()
    new_body = (note.body if note else "") if body is _KEEP else body
    new_takeaway = (note.takeaway if note else None) if takeaway is _KEEP else takeaway
    new_shared = (note.shared if note else False) if shared is _KEEP else shared
    new_takeaway_shared = (note.takeaway_shared if note else False) if takeaway_shared is _KEEP else takeaway_shared
    if not new_body and not new_takeaway:
        if note is not None:
            session.delete(note)
            session.commit()
        return None
    before = shown_to_mentors(note) if note is not None else ("", None)
    if note is None:
        note = Note(user_id=user.id, article_id=article.id, body=new_body)
    _fill(note, new_body, new_takeaway, new_shared, new_takeaway_shared)
    session.add(note)
    try:
        session.commit()
    except IntegrityError:  # the same note saved twice at once: keep the later text
        session.rollback()
        note = session.exec(select(Note).where(Note.user_id == user.id, Note.article_id == article.id)).one()
        _fill(note, new_body, new_takeaway, new_shared, new_takeaway_shared)
        session.commit()
    after = shown_to_mentors(note)
    private = article.owner_id is not None and not article.shared_with_mentors  # a resource only its owner sees
    if any(after) and after != before and not private:  # mentors hear of what they can see, and of nothing else
        _tell_mentors(session, user, article, note)
    return note


def _fill(note: Note, body: str, takeaway: str | None, shared: bool, takeaway_shared: bool) -> None:
    note.body, note.takeaway, note.shared, note.takeaway_shared = body, takeaway, shared, takeaway_shared
    note.updated_at = utcnow()


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
    """A note as the learner's mentors see it: `body` and `takeaway` are what its flags share (never read the
    note's own fields in a mentor's view)."""

    note: Note
    article: Article
    replies: list[tuple[NoteReply, User]]
    body: str = ""
    takeaway: str | None = None


def shared_notes(*, session: Session, learner: User) -> list[SharedNote]:
    """The learner's notes their mentors see something of, newest first, with replies (two queries); each holds
    only the parts shared."""
    rows = session.exec(select(Note, Article).join(Article, col(Article.id) == Note.article_id)
                        .where(Note.user_id == learner.id,
                               or_(col(Note.shared).is_(True), col(Note.takeaway_shared).is_(True)),
                               # a note on the learner's own resource: only once the resource is shared too
                               or_(col(Article.owner_id).is_(None), col(Article.shared_with_mentors).is_(True)))
                        .order_by(col(Note.updated_at).desc())).all()
    replies: dict[int, list[tuple[NoteReply, User]]] = {note.id: [] for note, _ in rows}
    if replies:
        for reply, author in session.exec(select(NoteReply, User).join(User, col(User.id) == NoteReply.author_id)
                                          .where(col(NoteReply.note_id).in_(list(replies)))
                                          .order_by(col(NoteReply.created_at))):
            replies[reply.note_id].append((reply, author))
    return [SharedNote(note=n, article=a, replies=replies[n.id], body=shown_to_mentors(n)[0],
                       takeaway=shown_to_mentors(n)[1]) for n, a in rows]


def replies_to(*, session: Session, note: Note) -> list[tuple[NoteReply, User]]:
    return list(session.exec(select(NoteReply, User).join(User, col(User.id) == NoteReply.author_id)
                             .where(NoteReply.note_id == note.id).order_by(col(NoteReply.created_at))))


def reply(*, session: Session, mentor: User, note_id: int, body: str) -> NoteReply:
    """A mentor answers a shared note of one of their mentees; the learner is notified. Commits."""
    note = session.get(Note, note_id)
    learner = session.get(User, note.user_id) if note else None
    if (note is None or not seen_by_mentors(note) or learner is None
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
