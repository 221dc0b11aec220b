"""Notes in the API: your own note on an article (with your mentors' replies), a mentee's shared notes, and a
mentor's reply to one."""

from __future__ import annotations

from datetime import datetime

from flask_login import login_required
from pydantic import BaseModel, ConfigDict, Field

from tracker.api.blueprint import bp
from tracker.api.schemas import Items, Public, respond
from tracker.db import get_session
from tracker.http.auth import require_account, role_required
from tracker.http.inputs import json_body
from tracker.http.openapi import documented
from tracker.models import Article, Note, NoteReply, Role, User
from tracker.services.catalog import articles as catalog
from tracker.services.learning import notes
from tracker.services.mentoring import mentorships


class ReplyPublic(Public):
    id: int
    note_id: int
    author: str = Field(description="the replying mentor's username")
    body: str
    created_at: datetime


class NotePublic(Public):
    """Your note on an article; an article without one answers an empty body and no replies."""

    article: str = Field(description="the article's slug")
    body: str = Field(description='"" when there is no note')
    shared: bool = Field(description="whether your mentors see the body")
    takeaway: str = Field(description='"" when there is none (PUT /me/articles/{slug}/takeaway sets it)')
    takeaway_shared: bool
    id: int | None = Field(default=None, description="null until the note is written")
    updated_at: datetime | None = None
    replies: list[ReplyPublic]


class NoteBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: str = Field(max_length=4 * notes.NOTE_MAX,
                      description=f'at most {notes.NOTE_MAX} characters; "" clears it (a note left with no '
                                  "takeaway either is deleted)")
    shared: bool = Field(default=False, description="share the body with your mentors (the takeaway keeps its own "
                                                    "setting)")


class SharedNotePublic(Public):
    """A mentee's note as their mentors see it: only the parts the learner shared."""

    id: int
    article: str = Field(description="the article's slug")
    title: str = Field(description="the article's title")
    body: str = Field(description='the body, if shared ("" otherwise)')
    takeaway: str | None = Field(description="the takeaway, if shared")
    updated_at: datetime
    replies: list[ReplyPublic]


class ReplyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: str = Field(max_length=4 * notes.NOTE_MAX, description=f"1 to {notes.NOTE_MAX} characters")


def _replies(rows: list[tuple[NoteReply, User]]) -> list[ReplyPublic]:
    return [ReplyPublic(id=reply.id, note_id=reply.note_id, author=author.username, body=reply.body,
                        created_at=reply.created_at) for reply, author in rows]


def _note_public(article: Article, note: Note | None) -> NotePublic:
    if note is None:
        return NotePublic(article=article.slug, body="", shared=False, takeaway="", takeaway_shared=False, replies=[])
    return NotePublic(article=article.slug, id=note.id, body=note.body, shared=note.shared,
                      takeaway=note.takeaway or "", takeaway_shared=note.takeaway_shared, updated_at=note.updated_at,
                      replies=_replies(notes.replies_to(session=get_session(), note=note)))


@bp.get("/me/articles/<slug>/note")
@login_required
@documented(summary="Your note on an article, with your mentors' replies", response=NotePublic, errors=(404,))
def my_note(slug: str):
    session = get_session()
    article = catalog.require_article(session=session, slug=slug, owner=require_account())
    return respond(_note_public(article, notes.note_for(session=session, user=require_account(), article=article)))


@bp.put("/me/articles/<slug>/note")
@login_required
@documented(summary="Write, change or delete your note on an article", body=NoteBody, response=NotePublic,
            errors=(404,))
def put_note(slug: str):
    """Sharing the body tells your mentors what they can now see; an empty body clears it, and a note left with
    neither a body nor a takeaway is deleted."""
    session = get_session()
    article = catalog.require_article(session=session, slug=slug, owner=require_account())
    body = json_body(NoteBody, hint='send a JSON object like {"body": "…", "shared": false}')
    note = notes.save_note(session=session, user=require_account(), article=article, body=body.body,
                           shared=body.shared)
    return respond(_note_public(article, note))


@bp.get("/mentees/<username>/notes")
@role_required(Role.mentor)
@documented(summary="A mentee's shared notes with their replies, newest first (their mentor, or admins)",
            response=Items[SharedNotePublic], errors=(404,))
def mentee_notes(username: str):
    session = get_session()
    learner = mentorships.get_mentee(session=session, viewer=require_account(), username=username)
    return respond(Items[SharedNotePublic](items=[
        SharedNotePublic(id=shared.note.id, article=shared.article.slug, title=shared.article.title, body=shared.body,
                         takeaway=shared.takeaway, updated_at=shared.note.updated_at,
                         replies=_replies(shared.replies))
        for shared in notes.shared_notes(session=session, learner=learner)]))


@bp.post("/notes/<id:note_id>/replies")
@role_required(Role.mentor)
@documented(summary="Reply to a mentee's shared note; they are notified (their mentor, or admins)", body=ReplyBody,
            response=ReplyPublic, status=201, errors=(404,))
def reply_to_note(note_id: int):
    """A note that is not shared, or not a mentee's, answers 404 as an unknown one does."""
    body = json_body(ReplyBody, hint='send a JSON object like {"body": "…"}')
    session = get_session()
    mentor = require_account()
    answer = notes.reply(session=session, mentor=mentor, note_id=note_id, body=body.body)
    return respond(ReplyPublic(id=answer.id, note_id=answer.note_id, author=mentor.username, body=answer.body,
                               created_at=answer.created_at), 201)
