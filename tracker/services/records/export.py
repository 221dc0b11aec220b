"""A person's own data, all of it as one JSON document (deleting it: tracker.services.records.deletion).

`PERSONAL_TABLES` lists every table with a column referencing `user.id` and where the export puts its
rows; a test walks the schema and fails when a table is missing from it, so a new table cannot be
forgotten by the export.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, SQLColumnExpression, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, SQLModel, col, select

from tracker.models import (
    ActivityDay,
    ApiToken,
    Article,
    Assignment,
    AssignmentRule,
    AuditEvent,
    CardReview,
    Credential,
    DeviceSession,
    ExternalIdentity,
    Group,
    GroupMember,
    Installation,
    LearningPath,
    Mentorship,
    Note,
    NoteReply,
    Notification,
    Passkey,
    PasskeyChallenge,
    PathFollow,
    PathVersion,
    Progress,
    ProgressEvent,
    RecallCard,
    RecoveryCode,
    RuleRun,
    SectionFold,
    SecurityEvent,
    Source,
    StreakWeek,
    StudyPlan,
    StudyPlanVersion,
    SuggestedCard,
    TotpFactor,
    User,
    XapiOutbox,
)
from tracker.services import access
from tracker.services.curriculum.format import dump_path_definition
from tracker.services.curriculum.queries import path_definition
from tracker.services.learning import notes
from tracker.services.learning.plans import plan_days
from tracker.services.people import security_log
from tracker.services.people.time_zones import today_for
from tracker.services.records.export_schema import (
    SCHEMA_VERSION,
    AccountRecord,
    ActivityDayRecord,
    AssignmentRecord,
    AssignmentRuleRecord,
    AuditRecord,
    AuthenticatorAppRecord,
    CardReviewRecord,
    CredentialRecord,
    DataExport,
    EventRecord,
    FoldedSectionRecord,
    FollowRecord,
    GroupMembershipRecord,
    LearnerRef,
    MenteeExport,
    MentorshipRecord,
    NoteRecord,
    NotificationRecord,
    OwnPathRecord,
    PasskeyRecord,
    PathVersionRecord,
    ProgressRecord,
    ProviderAccountRecord,
    RecallCardRecord,
    Record,
    RecoveryCodeRecord,
    ReplyRecord,
    ResourceRecord,
    RuleRunRecord,
    SecurityEventRecord,
    SessionRecord,
    StreakWeekRecord,
    StudyPlanRecord,
    StudyPlanVersionRecord,
    SuggestedCardRecord,
    TokenRecord,
    WrittenReplyRecord,
    XapiSummary,
)
from tracker.services.teams.assignment_rules import describe_due

log = logging.getLogger("tracker.security")

Model = TypeVar("Model", bound=SQLModel)
Condition = ColumnElement[bool] | bool  # what `where` takes: a comparison of a column with a value is typed bool

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
    "activity_day": ("activity_days",),
    "study_plan_version": ("plan_versions",),
    "streak_week": ("streak_weeks",),
    "suggested_card": ("cards_suggested",),
    "totp_factor": ("authenticator_apps",),
    "recovery_code": ("recovery_codes",),
    "passkey": ("passkeys",),
    "passkey_challenge": ("passkey_requests",),
    "group_member": ("groups",),
    "audit_event": ("audit_events",),
    "external_identity": ("provider_accounts",),
    "assignment_rule": ("assignment_rules_made",),
    "rule_run": ("rule_runs_started",),
    "article": ("resources",),  # a learner's own resources (catalog articles have no owner)
    "learning_path": ("own_paths",),
    "section_fold": ("folded_sections",),  # a learner's own paths (curated paths have no owner)
}


def export_filename(*, user: User, now: datetime) -> str:
    """`tracker-<username>-<date>.json`, the date in the user's time zone."""
    return f"tracker-{user.username}-{today_for(user, now).isoformat()}.json"


def as_json(document: Record) -> str:
    return document.model_dump_json(indent=2) + "\n"


# ---------------------------------------------------------------- reading the parts

def _mentors_see() -> ColumnElement[bool]:
    """Rows on catalog articles, or on the learner's own resources they shared with their mentors."""
    return or_(col(Article.owner_id).is_(None), col(Article.shared_with_mentors).is_(True))


def progress_records(*, session: Session, user: User, for_mentor: bool = False) -> list[ProgressRecord]:
    """Every progress row of the user with its article and source, most recent first (`for_mentor`: none on a
    resource of theirs they did not share)."""
    rows = session.exec(select(Progress, Article.slug, Article.title, Source.name)
                        .join(Article, col(Article.id) == Progress.article_id)
                        .join(Source, col(Source.id) == Article.source_id)
                        .where(Progress.user_id == user.id, *((_mentors_see(),) if for_mentor else ()))
                        .order_by(col(Progress.updated_at).desc(), col(Progress.id).desc()))
    return [ProgressRecord(article_slug=slug, article_title=title, source=source, state=record.state.value,
                           updated_at=record.updated_at) for record, slug, title, source in rows]


def _events(session: Session, user: User, *, viewer: User | None = None) -> list[EventRecord]:
    """Every progress event of the user, oldest first. For `viewer` (a mentor's export), none on a resource they
    did not share, and no path named that the viewer may not see (a personal path kept to themselves)."""
    rows = session.exec(select(ProgressEvent, Article.slug, LearningPath)
                        .join(Article, col(Article.id) == ProgressEvent.article_id)
                        .outerjoin(LearningPath, col(LearningPath.id) == ProgressEvent.path_id)
                        .where(ProgressEvent.user_id == user.id, *((_mentors_see(),) if viewer is not None else ()))
                        .order_by(col(ProgressEvent.created_at), col(ProgressEvent.id)))
    shown: dict[int, bool] = {}

    def named(path: LearningPath | None) -> str | None:
        if path is None:
            return None
        if viewer is not None and path.id not in shown:
            shown[path.id] = access.can_see_path(viewer, path, session=session)
        return path.slug if viewer is None or shown[path.id] else None

    return [EventRecord(article_slug=article, state=event.state.value, created_at=event.created_at,
                        path_slug=named(path)) for event, article, path in rows]


def _notes(session: Session, user: User, *, shared_only: bool = False) -> list[NoteRecord]:
    query = (select(Note, Article.slug).join(Article, col(Article.id) == Note.article_id)
             .where(Note.user_id == user.id).order_by(col(Note.created_at), col(Note.id)))
    if shared_only:  # what mentors see: each part only when its own flag shares it
        query = query.where(or_(col(Note.shared).is_(True), col(Note.takeaway_shared).is_(True)), _mentors_see())
    rows = session.exec(query).all()
    replies: dict[int, list[ReplyRecord]] = {note.id: [] for note, _ in rows}
    if replies:
        for reply, author in session.exec(select(NoteReply, User.username)
                                          .join(User, col(User.id) == NoteReply.author_id)
                                          .where(col(NoteReply.note_id).in_(list(replies)))
                                          .order_by(col(NoteReply.created_at), col(NoteReply.id))):
            replies[reply.note_id].append(ReplyRecord(author=author, body=reply.body, created_at=reply.created_at))
    return [NoteRecord(article_slug=slug, body=body, takeaway=takeaway, shared=note.shared,
                       takeaway_shared=note.takeaway_shared, created_at=note.created_at, updated_at=note.updated_at,
                       replies=replies[note.id])
            for note, slug in rows
            for body, takeaway in [notes.shown_to_mentors(note) if shared_only else (note.body, note.takeaway)]]


def _replies_written(session: Session, user: User) -> list[WrittenReplyRecord]:
    rows = session.exec(select(NoteReply, User.username, Article.slug).join(Note, col(Note.id) == NoteReply.note_id)
                        .join(User, col(User.id) == Note.user_id).join(Article, col(Article.id) == Note.article_id)
                        .where(NoteReply.author_id == user.id).order_by(col(NoteReply.created_at), col(NoteReply.id)))
    return [WrittenReplyRecord(learner=learner, article_slug=slug, body=reply.body, created_at=reply.created_at)
            for reply, learner, slug in rows]


def _assignments(session: Session, *conditions: Condition) -> list[AssignmentRecord]:
    learner, mentor = aliased(User), aliased(User)
    rows = session.exec(select(Assignment, learner.username, mentor.username, LearningPath.slug)
                        .join(learner, col(Assignment.learner_id) == learner.id)
                        .outerjoin(mentor, col(Assignment.mentor_id) == mentor.id)
                        .join(LearningPath, col(LearningPath.id) == Assignment.path_id)
                        .where(*conditions).order_by(col(Assignment.created_at), col(Assignment.id)))
    return [AssignmentRecord(learner=learner_name, path_slug=slug, assigned_by=mentor_name, due_on=a.due_on,
                             note=a.note, created_at=a.created_at, withdrawn_at=a.withdrawn_at,
                             recur_months=a.recur_months, period_started_on=a.period_started_on)
            for a, learner_name, mentor_name, slug in rows]


def _mentorships(session: Session, user: User) -> list[MentorshipRecord]:
    mentor, learner = aliased(User), aliased(User)
    rows = session.exec(select(Mentorship, mentor.username, learner.username)
                        .join(mentor, col(Mentorship.mentor_id) == mentor.id)
                        .join(learner, col(Mentorship.learner_id) == learner.id)
                        .where(or_(col(Mentorship.mentor_id) == user.id, col(Mentorship.learner_id) == user.id))
                        .order_by(col(Mentorship.created_at), col(Mentorship.id)))
    return [MentorshipRecord(mentor=mentor_name, learner=learner_name, status=m.status.value,
                             created_at=m.created_at, responded_at=m.responded_at)
            for m, mentor_name, learner_name in rows]


def _rows(session: Session, model: type[Model], *conditions: Condition,
          order: Sequence[SQLColumnExpression[Any]]) -> list[Model]:
    return list(session.exec(select(model).where(*conditions).order_by(*order)))


# ---------------------------------------------------------------- exports

def export_account(*, session: Session, user: User, now: datetime) -> DataExport:
    """Everything the tracker holds about `user`, for the user themselves (or the operator). Reads only.

    Long on purpose: one field per personal table (PERSONAL_TABLES), side by side with the document it fills.
    """
    first_admin = session.exec(select(Installation.id).where(Installation.admin_id == user.id)).first() is not None
    versions = session.exec(select(PathVersion, LearningPath.slug)
                            .join(LearningPath, col(LearningPath.id) == PathVersion.path_id)
                            .where(PathVersion.author_id == user.id)
                            .order_by(col(PathVersion.created_at), col(PathVersion.id)))
    outbox = session.exec(select(func.count(col(XapiOutbox.id)), func.count(col(XapiOutbox.sent_at)))
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
            select(PathFollow, LearningPath.slug).join(LearningPath, col(LearningPath.id) == PathFollow.path_id)
            .where(PathFollow.user_id == user.id).order_by(col(PathFollow.created_at)))],
        mentorships=_mentorships(session, user),
        assignments=_assignments(session, Assignment.learner_id == user.id),
        assignments_made=_assignments(session, Assignment.mentor_id == user.id),
        notifications=[NotificationRecord(kind=n.kind.value, message=n.message, link=n.link, created_at=n.created_at,
                                          read_at=n.read_at, emailed_at=n.emailed_at)
                       for n in _rows(session, Notification, Notification.user_id == user.id,
                                      order=(col(Notification.created_at), col(Notification.id)))],
        sessions=[SessionRecord(created_at=s.created_at, last_seen_at=s.last_seen_at, expires_at=s.expires_at,
                                ended_at=s.ended_at, remember=s.remember, address=s.address, user_agent=s.user_agent)
                  for s in _rows(session, DeviceSession, DeviceSession.user_id == user.id,
                                 order=(col(DeviceSession.created_at), col(DeviceSession.id)))],
        api_tokens=[TokenRecord(name=t.name, hint=t.hint, scope=t.scope.value, created_at=t.created_at,
                                last_used_at=t.last_used_at, expires_at=t.expires_at, revoked_at=t.revoked_at)
                    for t in _rows(session, ApiToken, ApiToken.user_id == user.id,
                                   order=(col(ApiToken.created_at), col(ApiToken.id)))],
        security_events=[SecurityEventRecord(kind=e.kind.value, created_at=e.created_at, address=e.address,
                                             detail=e.detail)
                         for e in _rows(session, SecurityEvent, security_log.about(user),
                                        order=(col(SecurityEvent.created_at), col(SecurityEvent.id)))],
        path_versions_saved=[PathVersionRecord(path_slug=slug, version=v.version, status=v.status.value,
                                               created_at=v.created_at, changes=v.summary.splitlines())
                             for v, slug in versions],
        credentials=[CredentialRecord(public_id=c.public_id, path_slug=c.path_slug, path_title=c.path_title,
                                      path_version=c.path_version, articles_read=c.articles_read,
                                      issued_at=c.issued_at, shared=c.shared, revoked_at=c.revoked_at,
                                      revoked_reason=c.revoked_reason, period_started_on=c.period_started_on,
                                      valid_until=c.valid_until, recalled=c.recalled,
                                      articles_recalled=c.articles_recalled, jwt=c.jwt)
                     for c in _rows(session, Credential, Credential.user_id == user.id,
                                    order=(col(Credential.issued_at), col(Credential.id)))],
        xapi_statements=XapiSummary(count=outbox[0], sent=outbox[1]),
        recall_cards=[RecallCardRecord(id=c.id, article_slug=slug, prompt=c.prompt, answer=c.answer,
                                       created_at=c.created_at, state=c.state, step=c.step, stability=c.stability,
                                       difficulty=c.difficulty, due=c.due, last_review=c.last_review)
                      for c, slug in session.exec(select(RecallCard, Article.slug)
                                                  .join(Article, col(Article.id) == RecallCard.article_id)
                                                  .where(RecallCard.user_id == user.id)
                                                  .order_by(col(RecallCard.created_at), col(RecallCard.id)))],
        card_reviews=[CardReviewRecord(card_id=r.card_id, rating=r.rating, reviewed_at=r.reviewed_at,
                                       review_duration_ms=r.review_duration_ms)
                      for r in _rows(session, CardReview, CardReview.user_id == user.id,
                                     order=(col(CardReview.reviewed_at), col(CardReview.id)))],
        study_plans=[StudyPlanRecord(path_slug=slug, weekdays=plan_days(p.weekdays), cue=p.cue, minutes=p.minutes,
                                     created_at=p.created_at, updated_at=p.updated_at)
                     for p, slug in session.exec(select(StudyPlan, LearningPath.slug)
                                                 .join(LearningPath, col(LearningPath.id) == StudyPlan.path_id)
                                                 .where(StudyPlan.user_id == user.id).order_by(col(StudyPlan.id)))],
        activity_days=[ActivityDayRecord(day=d.day, changes=d.changes, reviews=d.reviews)
                       for d in _rows(session, ActivityDay, ActivityDay.user_id == user.id,
                                      order=(col(ActivityDay.day),))],
        plan_versions=[StudyPlanVersionRecord(path_slug=slug, starts=v.starts, weekdays=plan_days(v.weekdays),
                                              cue=v.cue, minutes=v.minutes, made_at=v.made_at)
                       for v, slug in session.exec(select(StudyPlanVersion, LearningPath.slug)
                                                   .join(LearningPath, col(LearningPath.id) == StudyPlanVersion.path_id)
                                                   .where(StudyPlanVersion.user_id == user.id)
                                                   .order_by(col(StudyPlanVersion.path_id),
                                                             col(StudyPlanVersion.starts)))],
        streak_weeks=[StreakWeekRecord(monday=w.monday, active_days=w.active_days, needed=w.needed,
                                       judged_at=w.judged_at)
                      for w in _rows(session, StreakWeek, StreakWeek.user_id == user.id,
                                     order=(col(StreakWeek.monday),))],
        cards_suggested=[SuggestedCardRecord(path_slug=path_slug, article_slug=article_slug, prompt=c.prompt,
                                             answer=c.answer, created_at=c.created_at)
                         for c, path_slug, article_slug in session.exec(
                             select(SuggestedCard, LearningPath.slug, Article.slug)
                             .join(LearningPath, col(LearningPath.id) == SuggestedCard.path_id)
                             .join(Article, col(Article.id) == SuggestedCard.article_id)
                             .where(SuggestedCard.mentor_id == user.id).order_by(col(SuggestedCard.id)))],
        authenticator_apps=[AuthenticatorAppRecord(created_at=f.created_at, confirmed_at=f.confirmed_at)
                            for f in _rows(session, TotpFactor, TotpFactor.user_id == user.id,
                                           order=(col(TotpFactor.id),))],
        recovery_codes=[RecoveryCodeRecord(created_at=c.created_at, used_at=c.used_at)
                        for c in _rows(session, RecoveryCode, RecoveryCode.user_id == user.id,
                                       order=(col(RecoveryCode.id),))],
        passkeys=[PasskeyRecord(name=p.name, created_at=p.created_at, last_used_at=p.last_used_at,
                                transports=p.transports)
                  for p in _rows(session, Passkey, Passkey.user_id == user.id, order=(col(Passkey.id),))],
        passkey_requests=len(_rows(session, PasskeyChallenge, PasskeyChallenge.user_id == user.id,
                                   order=(col(PasskeyChallenge.id),))),
        groups=[GroupMembershipRecord(group=g.slug, group_name=g.name, manager=m.is_manager, source=m.source.value,
                                      joined_at=m.joined_at)
                for m, g in session.exec(select(GroupMember, Group).join(Group, col(Group.id) == GroupMember.group_id)
                                         .where(GroupMember.user_id == user.id).order_by(col(Group.slug)))],
        assignment_rules_made=[
            AssignmentRuleRecord(group=g.slug, path_slug=p.slug, due=describe_due(r), note=r.note, enabled=r.enabled,
                                 created_at=r.created_at)
            for r, g, p in session.exec(select(AssignmentRule, Group, LearningPath)
                                        .join(Group, col(Group.id) == AssignmentRule.group_id)
                                        .join(LearningPath, col(LearningPath.id) == AssignmentRule.path_id)
                                        .where(AssignmentRule.created_by == user.id).order_by(col(AssignmentRule.id)))],
        rule_runs_started=[RuleRunRecord(rule=r.rule_label, status=r.status.value, queued_at=r.queued_at,
                                         assigned=r.assigned, withdrawn=r.withdrawn, due_changed=r.due_changed,
                                         unchanged=r.unchanged)
                           for r in _rows(session, RuleRun, RuleRun.started_by_id == user.id,
                                          order=(col(RuleRun.id),))],
        audit_events=[AuditRecord(kind=e.kind, at=e.at, actor=e.actor_label, subject=e.subject_label,
                                  detail=e.detail)
                      for e in _rows(session, AuditEvent, or_(col(AuditEvent.subject_id) == user.id,
                                                              col(AuditEvent.actor_id) == user.id),
                                     order=(col(AuditEvent.at), col(AuditEvent.id)))],
        provider_accounts=[ProviderAccountRecord(issuer=i.issuer, subject=i.subject, email=i.email,
                                                 linked_at=i.linked_at, last_sign_in_at=i.last_sign_in_at)
                           for i in _rows(session, ExternalIdentity, ExternalIdentity.user_id == user.id,
                                          order=(col(ExternalIdentity.linked_at), col(ExternalIdentity.id)))],
        resources=_resources(session, user),
        own_paths=_own_paths(session, user),
        folded_sections=[FoldedSectionRecord(path_slug=slug, section=fold.section_key, folded_at=fold.folded_at)
                         for fold, slug in session.exec(
                             select(SectionFold, LearningPath.slug)
                             .join(LearningPath, col(LearningPath.id) == SectionFold.path_id)
                             .where(SectionFold.user_id == user.id)
                             .order_by(col(LearningPath.slug), col(SectionFold.section_key)))],
    )


def _own_paths(session: Session, user: User) -> list[OwnPathRecord]:
    upstream = aliased(LearningPath)
    rows = session.exec(select(LearningPath, upstream.slug)
                        .outerjoin(upstream, col(upstream.id) == LearningPath.forked_from_id)
                        .where(LearningPath.owner_id == user.id).order_by(col(LearningPath.id))).all()
    return [OwnPathRecord(slug=p.slug, title=p.title, version=p.version, copied_from=slug,
                          copied_version=p.forked_version, shared_with_mentors=p.shared_with_mentors,
                          definition=dump_path_definition(path_definition(session=session, path=p)),
                          created_at=p.created_at)
            for p, slug in rows]


def _resources(session: Session, user: User) -> list[ResourceRecord]:
    beside = aliased(Article)
    return [ResourceRecord(slug=r.slug, title=r.title, url=r.url or "", minutes=r.reading_minutes,
                           shared_with_mentors=r.shared_with_mentors, beside=slug, created_at=r.created_at,
                           updated_at=r.updated_at)
            for r, slug in session.exec(select(Article, beside.slug)
                                        .outerjoin(beside, col(beside.id) == Article.attached_to_id)
                                        .where(Article.owner_id == user.id).order_by(col(Article.id)))]


def export_everyone(*, session: Session, now: datetime) -> Iterator[tuple[User, DataExport]]:
    """Every account's export, by username (for the operator's `tracker export --all`). Reads only."""
    for user in session.exec(select(User).order_by(col(User.username))).all():
        yield user, export_account(session=session, user=user, now=now)


def export_mentee(*, session: Session, viewer: User, learner: User, now: datetime) -> MenteeExport:
    """What `viewer` may see of `learner` (the caller checked `access.can_look_after`): progress, its history,
    shared notes, and the assignments the viewer made (every assignment, for an admin). Reads only."""
    made_by = () if access.is_admin(viewer) else (Assignment.mentor_id == viewer.id,)
    return MenteeExport(
        schema_version=SCHEMA_VERSION, exported_at=now, exported_by=viewer.username,
        learner=LearnerRef(username=learner.username, display_name=learner.display_name),
        progress=progress_records(session=session, user=learner, for_mentor=True),
        progress_events=_events(session, learner, viewer=viewer),
        shared_notes=_notes(session, learner, shared_only=True),
        assignments=_assignments(session, Assignment.learner_id == learner.id, *made_by),
    )


# ---------------------------------------------------------------- deleting an account
