"""Notifications in the API: your in-app notifications (reading them, marking them read) and the mentoring
invitations you answer; a mentor's invitation itself is in `mentoring`."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from flask_login import login_required
from pydantic import BaseModel, ConfigDict, Field

from tracker.api.blueprint import bp
from tracker.api.schemas import MentorshipPublic, Public, respond
from tracker.db import get_session
from tracker.http.auth import require_account
from tracker.http.inputs import json_body
from tracker.http.openapi import documented
from tracker.models import NotificationKind, User
from tracker.services.mentoring import mentorships
from tracker.services.notifications import in_app as notifications


class NotificationPublic(Public):
    id: int
    kind: NotificationKind
    message: str
    link: str = Field(description="the page it is about, as a path on this site (\"\" when none)")
    created_at: datetime
    read: bool
    read_at: datetime | None = None


class InvitationPublic(Public):
    id: int = Field(description="answer it with POST /me/invitations/{id}")
    mentor: str = Field(description="the inviting mentor's username")
    mentor_name: str
    invited_at: datetime


class NotificationsPublic(Public):
    unread: int = Field(description="how many are unread: the number the header's badge shows")
    items: list[NotificationPublic] = Field(description="the latest 50, newest first")
    invitations: list[InvitationPublic] = Field(description="mentoring invitations waiting for your answer")


class ReadPublic(Public):
    marked: int = Field(description="how many were marked read by this request")
    unread: int = Field(description="how many are still unread")


class InvitationAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["accept", "decline"]


@bp.get("/me/notifications")
@login_required
@documented(summary="Your notifications, the unread count and the invitations waiting for you",
            response=NotificationsPublic)
def my_notifications():
    session = get_session()
    user = require_account()
    items = notifications.recent(session=session, user=user)
    return respond(NotificationsPublic(
        unread=notifications.unread_count(session=session, user=user),
        items=[NotificationPublic(id=n.id, kind=n.kind, message=n.message, link=n.link, created_at=n.created_at,
                                  read=n.read_at is not None, read_at=n.read_at) for n in items],
        invitations=[InvitationPublic(id=m.id, mentor=mentor.username, mentor_name=mentor.name,
                                      invited_at=m.created_at)
                     for m, mentor in mentorships.pending_invitations(session=session, learner=user)]))


def _read(notification_id: int | None):
    session = get_session()
    user = require_account()
    marked = notifications.mark_read(session=session, user=user, notification_id=notification_id)
    return respond(ReadPublic(marked=marked, unread=notifications.unread_count(session=session, user=user)))


@bp.post("/me/notifications/read")
@login_required
@documented(summary="Mark every notification read", response=ReadPublic)
def read_all_notifications():
    return _read(None)


@bp.post("/me/notifications/<id:notification_id>/read")
@login_required
@documented(summary="Mark one notification read", response=ReadPublic, errors=(404,))
def read_notification(notification_id: int):
    """An unknown notification, someone else's, or one already read answers 404."""
    return _read(notification_id)


@bp.post("/me/invitations/<id:mentorship_id>")
@login_required
@documented(summary="Accept or decline a mentoring invitation", body=InvitationAnswer, response=MentorshipPublic,
            errors=(404,))
def answer_invitation(mentorship_id: int):
    """Accepting lets the mentor follow your progress and shared notes. An invitation already answered, or not
    yours, answers 404."""
    body = json_body(InvitationAnswer, hint='send {"decision": "accept"} or {"decision": "decline"}')
    session = get_session()
    learner = require_account()
    mentorship = mentorships.respond(session=session, learner=learner, mentorship_id=mentorship_id,
                                     accept=body.decision == "accept")
    mentor = session.get_one(User, mentorship.mentor_id)
    return respond(MentorshipPublic(mentor=mentor.username, learner=learner.username, status=mentorship.status))
