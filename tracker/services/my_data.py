"""A person's own data: exporting all of it as one JSON document, and deleting the account with all of it.

`PERSONAL_TABLES` lists every table with a column referencing `user.id` and where the export puts its
rows; a test walks the schema and fails when a table is missing from it, so a new table cannot be
forgotten by the export. Deletion relies on the foreign keys (ON DELETE CASCADE, or SET NULL where
other people's records stay: assignments a mentor made, path versions an admin saved, the security
log), and a test walks every table after a deletion to check that nothing still points at the account.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_serializer
from sqlalchemy import delete, func, or_, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from tracker import metrics
from tracker.models import (
    ApiToken,
    Article,
    Assignment,
    CardReview,
    Credential,
    DeviceSession,
    Installation,
    LearningPath,
    Mentorship,
    Note,
    NoteReply,
    Notification,
    PathFollow,
    PathVersion,
    Progress,
    ProgressEvent,
    RecallCard,
    Role,
    SecurityEvent,
    Source,
    StudyPlan,
    SuggestedCard,
    User,
    XapiOutbox,
    as_utc,
)
from tracker.services import access, accounts
from tracker.services.errors import Invalid, NotAllowed
from tracker.services.plans import plan_days
from tracker.services.time_zones import today_for

SCHEMA_VERSION = 1
log = logging.getLogger("tracker.security")

# Every table with a column referencing user.id -> the fields of `DataExport` holding its rows about the user.
PERSONAL_TABLES: dict[str, tuple[str, ...]] = {
    "user": ("account",),
    "progress": ("progress",),
    "progress_event": ("progress_events",),
    "note": ("notes",),
    "note_reply": ("replies_written",),
    "path_follow": ("path_follows",),
    "mentorship": ("mentorships",),
    "assignment": ("assignments", "assignments_made"),
    "notification": ("notifications",),
    "user_session": ("sessions",),
    "api_token": ("api_tokens",),
    "security_event": ("security_events",),
    "installation": ("account.first_administrator",),
    "path_version": ("path_versions_saved",),
    "credential": ("credentials",),
    "xapi_outbox": ("xapi_statements.count",),
    "recall_card": ("recall_cards",),
    "card_review": ("card_reviews",),
    "study_plan": ("study_plans",),
    "suggested_card": ("cards_suggested",),
}


# ---------------------------------------------------------------- the document

def utc_text(moment: datetime) -> str:
    """A stored time as ISO 8601 in UTC with a 'Z' (SQLite hands times back without their zone)."""
    return as_utc(moment).isoformat().replace("+00:00", "Z")


class Record(BaseModel):
    """Base of every part of an export: times as `utc_text` gives them."""

    model_config = ConfigDict(extra="forbid")

    @field_serializer("*", when_used="json")
    def _utc(self, value):
        return utc_text(value) if isinstance(value, datetime) else value


class AccountRecord(Record):
    username: str
    display_name: str
    role: Role
    is_active: bool
    time_zone: str
    email: str
    email_notifications: str
    digest_sent_on: date | None
    created_at: datetime
    public_id: str = Field(description="the opaque id records that leave the app (xAPI, credentials) carry")
    first_administrator: bool = Field(description="this account was created by the tracker's first-run setup")


class ProgressRecord(Record):
    article_slug: str
    article_title: str
    source: str
    state: str
    updated_at: datetime


class EventRecord(Record):
    article_slug: str
    state: str
    created_at: datetime
    path_slug: str | None = Field(description="the path the change was made on, when it was made on a path page")


class ReplyRecord(Record):
    author: str
    body: str
    created_at: datetime


class NoteRecord(Record):
    article_slug: str
    body: str
    takeaway: str | None = Field(default=None, description="what you would tell a colleague about the article")
    shared: bool
    created_at: datetime
    updated_at: datetime
    replies: list[ReplyRecord]


class WrittenReplyRecord(Record):
    learner: str
    article_slug: str
    body: str
    created_at: datetime


class FollowRecord(Record):
    path_slug: str
    created_at: datetime


class MentorshipRecord(Record):
    mentor: str
    learner: str
    status: str
    created_at: datetime
    responded_at: datetime | None


class AssignmentRecord(Record):
    learner: str
    path_slug: str
    assigned_by: str | None = Field(description="null: the mentor's account was deleted")
    due_on: date | None
    note: str
    created_at: datetime
    withdrawn_at: datetime | None


class NotificationRecord(Record):
    kind: str
    message: str
    link: str
    created_at: datetime
    read_at: datetime | None
    emailed_at: datetime | None


class SessionRecord(Record):
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ended_at: datetime | None
    remember: bool
    address: str
    user_agent: str


class TokenRecord(Record):
    name: str
    hint: str
    scope: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class SecurityEventRecord(Record):
    kind: str
    created_at: datetime
    address: str
    detail: str


class PathVersionRecord(Record):
    path_slug: str
    version: int
    status: str
    created_at: datetime
    changes: list[str]


class CredentialRecord(Record):
    public_id: str
    path_slug: str
    path_title: str
    path_version: int
    articles_read: int
    issued_at: datetime
    shared: bool
    revoked_at: datetime | None
    revoked_reason: str
    jwt: str = Field(description="the signed credential (VC-JWT) as issued")


class XapiSummary(Record):
    count: int = Field(description="xAPI statements about you the tracker wrote")
    sent: int = Field(description="of which the Learning Record Store accepted")


class RecallCardRecord(Record):
    id: int = Field(description="what `card_reviews` refer to")
    article_slug: str
    prompt: str
    answer: str
    created_at: datetime
    state: int = Field(description="FSRS state: 1 learning, 2 review, 3 relearning")
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None


class CardReviewRecord(Record):
    card_id: int
    rating: int = Field(description="1 again, 2 hard, 3 good, 4 easy")
    reviewed_at: datetime
    review_duration_ms: int | None


class StudyPlanRecord(Record):
    path_slug: str
    weekdays: list[int] = Field(description="0 Monday ... 6 Sunday")
    cue: str
    minutes: int = Field(description="reading minutes on each planned day")
    created_at: datetime
    updated_at: datetime


class SuggestedCardRecord(Record):
    path_slug: str
    article_slug: str
    prompt: str
    answer: str
    created_at: datetime


class DataExport(Record):
    """Everything the tracker holds about one account (never a password or token hash)."""

    schema_version: int = Field(description="1; raised when a field changes meaning or goes away")
    exported_at: datetime
    account: AccountRecord
    progress: list[ProgressRecord] = Field(description="your state on every article you touched")
    progress_events: list[EventRecord] = Field(description="every change of state, oldest first")
    notes: list[NoteRecord] = Field(description="your notes, with your mentors' replies")
    replies_written: list[WrittenReplyRecord] = Field(description="as a mentor: your replies to mentees' notes")
    path_follows: list[FollowRecord]
    mentorships: list[MentorshipRecord] = Field(description="as mentor and as learner")
    assignments: list[AssignmentRecord] = Field(description="paths assigned to you")
    assignments_made: list[AssignmentRecord] = Field(description="as a mentor: paths you assigned")
    notifications: list[NotificationRecord]
    sessions: list[SessionRecord] = Field(description="browsers you signed in on")
    api_tokens: list[TokenRecord]
    security_events: list[SecurityEventRecord] = Field(description="sign-ins, failed attempts on your username, "
                                                                   "and changes to your account")
    path_versions_saved: list[PathVersionRecord] = Field(description="as an admin: path versions you saved")
    credentials: list[CredentialRecord]
    xapi_statements: XapiSummary
    recall_cards: list[RecallCardRecord] = Field(default_factory=list, description="your recall cards and their "
                                                                                   "FSRS schedule")
    card_reviews: list[CardReviewRecord] = Field(default_factory=list, description="every review of your cards, "
                                                                                   "oldest first")
    study_plans: list[StudyPlanRecord] = Field(default_factory=list, description="your weekly plans")
    cards_suggested: list[SuggestedCardRecord] = Field(default_factory=list,
                                                       description="as a mentor: cards you suggested to mentees")


class LearnerRef(Record):
    username: str
    display_name: str


class MenteeExport(Record):
    """What a mentor may see of a mentee, as one document: no private notes, sessions or settings."""

    schema_version: int
    exported_at: datetime
    exported_by: str
    learner: LearnerRef
    progress: list[ProgressRecord]
    progress_events: list[EventRecord]
    shared_notes: list[NoteRecord]
    assignments: list[AssignmentRecord] = Field(description="those the exporting mentor made (an admin: all)")


def export_filename(*, user: User, now: datetime) -> str:
    """`tracker-<username>-<date>.json`, the date in the user's time zone."""
    return f"tracker-{user.username}-{today_for(user, now).isoformat()}.json"


def as_json(document: Record) -> str:
    return document.model_dump_json(indent=2) + "\n"


# ---------------------------------------------------------------- reading the parts

def progress_records(*, session: Session, user: User) -> list[ProgressRecord]:
    """Every progress row of the user with its article and source, most recent first."""
    rows = session.exec(select(Progress, Article.slug, Article.title, Source.name)
                        .join(Article, Article.id == Progress.article_id).join(Source, Source.id == Article.source_id)
                        .where(Progress.user_id == user.id).order_by(Progress.updated_at.desc(), Progress.id.desc()))
    return [ProgressRecord(article_slug=slug, article_title=title, source=source, state=record.state.value,
                           updated_at=record.updated_at) for record, slug, title, source in rows]


def _events(session: Session, user: User) -> list[EventRecord]:
    rows = session.exec(select(ProgressEvent, Article.slug, LearningPath.slug)
                        .join(Article, Article.id == ProgressEvent.article_id)
                        .outerjoin(LearningPath, LearningPath.id == ProgressEvent.path_id)
                        .where(ProgressEvent.user_id == user.id)
                        .order_by(ProgressEvent.created_at, ProgressEvent.id))
    return [EventRecord(article_slug=article, state=event.state.value, created_at=event.created_at, path_slug=path)
            for event, article, path in rows]


def _notes(session: Session, user: User, *, shared_only: bool = False) -> list[NoteRecord]:
    query = (select(Note, Article.slug).join(Article, Article.id == Note.article_id).where(Note.user_id == user.id)
             .order_by(Note.created_at, Note.id))
    if shared_only:
        query = query.where(Note.shared.is_(True))
    rows = session.exec(query).all()
    replies: dict[int, list[ReplyRecord]] = {note.id: [] for note, _ in rows}
    if replies:
        for reply, author in session.exec(select(NoteReply, User.username).join(User, User.id == NoteReply.author_id)
                                          .where(NoteReply.note_id.in_(list(replies)))
                                          .order_by(NoteReply.created_at, NoteReply.id)):
            replies[reply.note_id].append(ReplyRecord(author=author, body=reply.body, created_at=reply.created_at))
    return [NoteRecord(article_slug=slug, body=note.body, takeaway=note.takeaway, shared=note.shared, created_at=note.created_at,
                       updated_at=note.updated_at, replies=replies[note.id]) for note, slug in rows]


def _replies_written(session: Session, user: User) -> list[WrittenReplyRecord]:
    rows = session.exec(select(NoteReply, User.username, Article.slug).join(Note, Note.id == NoteReply.note_id)
                        .join(User, User.id == Note.user_id).join(Article, Article.id == Note.article_id)
                        .where(NoteReply.author_id == user.id).order_by(NoteReply.created_at, NoteReply.id))
    return [WrittenReplyRecord(learner=learner, article_slug=slug, body=reply.body, created_at=reply.created_at)
            for reply, learner, slug in rows]


def _assignments(session: Session, *conditions) -> list[AssignmentRecord]:
    learner, mentor = aliased(User), aliased(User)
    rows = session.exec(select(Assignment, learner.username, mentor.username, LearningPath.slug)
                        .join(learner, learner.id == Assignment.learner_id)
                        .outerjoin(mentor, mentor.id == Assignment.mentor_id)
                        .join(LearningPath, LearningPath.id == Assignment.path_id)
                        .where(*conditions).order_by(Assignment.created_at, Assignment.id))
    return [AssignmentRecord(learner=learner_name, path_slug=slug, assigned_by=mentor_name, due_on=a.due_on,
                             note=a.note, created_at=a.created_at, withdrawn_at=a.withdrawn_at)
            for a, learner_name, mentor_name, slug in rows]


def _mentorships(session: Session, user: User) -> list[MentorshipRecord]:
    mentor, learner = aliased(User), aliased(User)
    rows = session.exec(select(Mentorship, mentor.username, learner.username)
                        .join(mentor, mentor.id == Mentorship.mentor_id).join(learner, learner.id == Mentorship.learner_id)
                        .where(or_(Mentorship.mentor_id == user.id, Mentorship.learner_id == user.id))
                        .order_by(Mentorship.created_at, Mentorship.id))
    return [MentorshipRecord(mentor=mentor_name, learner=learner_name, status=m.status.value,
                             created_at=m.created_at, responded_at=m.responded_at)
            for m, mentor_name, learner_name in rows]


def _about(user: User):
    """Security events about the user: linked to the account, or naming it (failed sign-ins on the username)."""
    return or_(SecurityEvent.user_id == user.id, SecurityEvent.username == user.username)


def _rows(session: Session, model, *conditions, order) -> list:
    return list(session.exec(select(model).where(*conditions).order_by(*order)))


# ---------------------------------------------------------------- exports

def export_account(*, session: Session, user: User, now: datetime) -> DataExport:
    """Everything the tracker holds about `user`, for the user themselves (or the operator). Reads only."""
    first_admin = session.exec(select(Installation.id).where(Installation.admin_id == user.id)).first() is not None
    versions = session.exec(select(PathVersion, LearningPath.slug).join(LearningPath, LearningPath.id == PathVersion.path_id)
                            .where(PathVersion.author_id == user.id).order_by(PathVersion.created_at, PathVersion.id))
    outbox = session.exec(select(func.count(XapiOutbox.id), func.count(XapiOutbox.sent_at))
                          .where(XapiOutbox.user_id == user.id)).one()
    return DataExport(
        schema_version=SCHEMA_VERSION, exported_at=now,
        account=AccountRecord(username=user.username, display_name=user.display_name, role=user.role,
                              is_active=user.is_active, time_zone=user.time_zone, email=user.email,
                              email_notifications=user.email_notifications.value, digest_sent_on=user.digest_sent_on,
                              created_at=user.created_at, public_id=user.public_id, first_administrator=first_admin),
        progress=progress_records(session=session, user=user),
        progress_events=_events(session, user),
        notes=_notes(session, user),
        replies_written=_replies_written(session, user),
        path_follows=[FollowRecord(path_slug=slug, created_at=follow.created_at) for follow, slug in session.exec(
            select(PathFollow, LearningPath.slug).join(LearningPath, LearningPath.id == PathFollow.path_id)
            .where(PathFollow.user_id == user.id).order_by(PathFollow.created_at))],
        mentorships=_mentorships(session, user),
        assignments=_assignments(session, Assignment.learner_id == user.id),
        assignments_made=_assignments(session, Assignment.mentor_id == user.id),
        notifications=[NotificationRecord(kind=n.kind.value, message=n.message, link=n.link, created_at=n.created_at,
                                          read_at=n.read_at, emailed_at=n.emailed_at)
                       for n in _rows(session, Notification, Notification.user_id == user.id,
                                      order=(Notification.created_at, Notification.id))],
        sessions=[SessionRecord(created_at=s.created_at, last_seen_at=s.last_seen_at, expires_at=s.expires_at,
                                ended_at=s.ended_at, remember=s.remember, address=s.address, user_agent=s.user_agent)
                  for s in _rows(session, DeviceSession, DeviceSession.user_id == user.id,
                                 order=(DeviceSession.created_at, DeviceSession.id))],
        api_tokens=[TokenRecord(name=t.name, hint=t.hint, scope=t.scope.value, created_at=t.created_at,
                                last_used_at=t.last_used_at, expires_at=t.expires_at, revoked_at=t.revoked_at)
                    for t in _rows(session, ApiToken, ApiToken.user_id == user.id,
                                   order=(ApiToken.created_at, ApiToken.id))],
        security_events=[SecurityEventRecord(kind=e.kind.value, created_at=e.created_at, address=e.address,
                                             detail=e.detail)
                         for e in _rows(session, SecurityEvent, _about(user),
                                        order=(SecurityEvent.created_at, SecurityEvent.id))],
        path_versions_saved=[PathVersionRecord(path_slug=slug, version=v.version, status=v.status.value,
                                               created_at=v.created_at, changes=v.summary.splitlines())
                             for v, slug in versions],
        credentials=[CredentialRecord(public_id=c.public_id, path_slug=c.path_slug, path_title=c.path_title,
                                      path_version=c.path_version, articles_read=c.articles_read,
                                      issued_at=c.issued_at, shared=c.shared, revoked_at=c.revoked_at,
                                      revoked_reason=c.revoked_reason, jwt=c.jwt)
                     for c in _rows(session, Credential, Credential.user_id == user.id,
                                    order=(Credential.issued_at, Credential.id))],
        xapi_statements=XapiSummary(count=outbox[0], sent=outbox[1]),
        recall_cards=[RecallCardRecord(id=c.id, article_slug=slug, prompt=c.prompt, answer=c.answer,
                                       created_at=c.created_at, state=c.state, step=c.step, stability=c.stability,
                                       difficulty=c.difficulty, due=c.due, last_review=c.last_review)
                      for c, slug in session.exec(select(RecallCard, Article.slug)
                                                  .join(Article, Article.id == RecallCard.article_id)
                                                  .where(RecallCard.user_id == user.id)
                                                  .order_by(RecallCard.created_at, RecallCard.id))],
        card_reviews=[CardReviewRecord(card_id=r.card_id, rating=r.rating, reviewed_at=r.reviewed_at,
                                       review_duration_ms=r.review_duration_ms)
                      for r in _rows(session, CardReview, CardReview.user_id == user.id,
                                     order=(CardReview.reviewed_at, CardReview.id))],
        study_plans=[StudyPlanRecord(path_slug=slug, weekdays=plan_days(p.weekdays), cue=p.cue, minutes=p.minutes,
                                     created_at=p.created_at, updated_at=p.updated_at)
                     for p, slug in session.exec(select(StudyPlan, LearningPath.slug)
                                                 .join(LearningPath, LearningPath.id == StudyPlan.path_id)
                                                 .where(StudyPlan.user_id == user.id).order_by(StudyPlan.id))],
        cards_suggested=[SuggestedCardRecord(path_slug=path_slug, article_slug=article_slug, prompt=c.prompt,
                                             answer=c.answer, created_at=c.created_at)
                         for c, path_slug, article_slug in session.exec(
                             select(SuggestedCard, LearningPath.slug, Article.slug)
                             .join(LearningPath, LearningPath.id == SuggestedCard.path_id)
                             .join(Article, Article.id == SuggestedCard.article_id)
                             .where(SuggestedCard.mentor_id == user.id).order_by(SuggestedCard.id))],
    )


def export_everyone(*, session: Session, now: datetime) -> Iterator[tuple[User, DataExport]]:
    """Every account's export, by username (for the operator's `tracker export --all`). Reads only."""
    for user in session.exec(select(User).order_by(User.username)).all():
        yield user, export_account(session=session, user=user, now=now)


def export_mentee(*, session: Session, viewer: User, learner: User, now: datetime) -> MenteeExport:
    """What `viewer` may see of `learner` (the caller checked `access.can_look_after`): progress, its history,
    shared notes, and the assignments the viewer made (every assignment, for an admin). Reads only."""
    made_by = () if access.is_admin(viewer) else (Assignment.mentor_id == viewer.id,)
    return MenteeExport(
        schema_version=SCHEMA_VERSION, exported_at=now, exported_by=viewer.username,
        learner=LearnerRef(username=learner.username, display_name=learner.display_name),
        progress=progress_records(session=session, user=learner),
        progress_events=_events(session, learner),
        shared_notes=_notes(session, learner, shared_only=True),
        assignments=_assignments(session, Assignment.learner_id == learner.id, *made_by),
    )


# ---------------------------------------------------------------- deleting an account

class WrongPassword(NotAllowed):
    """The password given to confirm a deletion is not the account's."""


class LastAdministrator(NotAllowed):
    """Deleting this account would leave the tracker without an active administrator."""


# Where usernames appear in the security log's details of *other* accounts' events: admins' actions
# ("mentor, by ada") and the URL of a refused request (/mentor/mentees/lena, /admin/users/lena).
_NAME_IN_DETAIL = r"(?:(?<=\bby )|(?<=/mentees/)|(?<=/users/)){name}(?=[/#?:\s,]|$)"
DELETED_NAME = "[deleted account]"


def delete_own_account(*, session: Session, user: User, password: str) -> None:
    """Delete the user's account and everything personal once the password is confirmed; WrongPassword
    otherwise, LastAdministrator for the only admin. All or nothing. Commits."""
    if not password:
        raise Invalid("Type your password to confirm.")
    if accounts.authenticate(session=session, username=user.username, password=password) is None:
        raise WrongPassword("The password is not right; nothing was deleted.")
    erase_account(session=session, user=user, by="the account's owner")


def delete_user(*, session: Session, admin: User, user: User) -> None:
    """An administrator deletes someone else's account and everything personal in it. Commits."""
    if user.id == admin.id:
        raise NotAllowed("Delete your own account from your account page: it asks for your password.")
    erase_account(session=session, user=user, by=f"admin {admin.username}")


def erase_account(*, session: Session, user: User, by: str) -> None:
    """Delete `user` with their progress, history, notes, replies, follows, mentorships, assignments as a
    learner, notifications, sessions, tokens, credentials and xAPI outbox rows (ON DELETE CASCADE), and the
    notifications telling mentors about them.
    What stays is other people's: assignments the user made (mentor set to null), path versions they saved
    (author set to null), and the security log, which keeps the kind and time of each event about them but
    no link, name, address or detail. One transaction; LastAdministrator (nothing deleted) when no other
    active admin would remain. `by` says who asked, in the log line (which names no one else). Commits."""
    was_admin = user.has_role(Role.admin)
    try:
        if was_admin:  # PostgreSQL: two admins deleting themselves at once take turns (SQLite has one writer)
            session.exec(select(User.id).where(User.role == Role.admin).with_for_update()).all()
        _forget_in_security_log(session, user)
        # Notifications to mentors about this learner point at their mentee page, which goes with the account.
        mentee_page = f"/mentor/mentees/{user.username}"
        session.exec(delete(Notification).where(or_(Notification.link == mentee_page,
                                                     Notification.link.startswith(mentee_page + "/", autoescape=True),
                                                     Notification.link.startswith(mentee_page + "#", autoescape=True))))
        session.exec(delete(User).where(User.id == user.id))
        # Counted inside the writing transaction, after the delete: what would really remain.
        if was_admin and not session.exec(select(func.count(User.id)).where(
                User.role == Role.admin, User.is_active.is_(True))).one():
            raise LastAdministrator("You are the last administrator: make someone else an admin first, so the "
                                    "tracker is not left without one. Nothing was deleted.")
        session.commit()
    except BaseException:
        session.rollback()
        raise
    metrics.security_event("account_deleted")
    log.info(json.dumps({"event": "account_deleted", "by": by}, ensure_ascii=True))


def _forget_in_security_log(session: Session, user: User) -> None:
    """Events about the user keep their kind and time only; other events' details stop naming them."""
    session.exec(update(SecurityEvent).where(_about(user)).values(username="", address="", detail=""))
    pattern = re.compile(_NAME_IN_DETAIL.format(name=re.escape(user.username)))
    for event in session.exec(select(SecurityEvent).where(SecurityEvent.detail.contains(user.username,
                                                                                        autoescape=True))):
        cleaned = pattern.sub(DELETED_NAME, event.detail)[:300]
        if cleaned != event.detail:
            event.detail = cleaned
            session.add(event)
    session.flush()
