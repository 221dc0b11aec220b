"""Completion credentials: an Open Badges 3.0 credential, signed as a VC-JWT, for each path a learner finishes.

A learner who has read (marked done) every required article of a path they follow or were assigned gets one
credential for it: a skipped article finishes the path's bar but earns nothing, and the credential says how many
articles were read, of how many, in which version of the path. A credential is issued once per learner and path:
a revoked one is never issued again by a mark. A path assigned to recur (see `mentoring.recurrence`) earns one
credential per period instead: it carries the period it was earned in and expires (`validUntil`) when the next
period begins; finishing the next period earns the next one, and the earlier stays as the record of its own
(a revoked one is never issued again for its period). The credential is a W3C Verifiable Credential 2.0
`OpenBadgeCredential`, secured as Open Badges 3.0's JSON Web Token proof format asks: a compact JWS (ES256,
`typ` "JWT", `kid` the URL of the signing key) whose payload is the credential itself plus the JWT claims iss,
jti, sub, nbf and iat. It names its bit in the revocation status list (`credentialStatus`), the schema it
follows (`credentialSchema`) and the achievement's badge image. The keys are in the data dir
(`signing_keys`); their public halves are the site's JWKS, so anyone can verify a credential without asking
the tracker.

When a learner deletes their account, their credentials stay as status-only records (`keep_status_only`):
what verifying needs, nothing about the person.
"""
from __future__ import annotations

import base64
import binascii
import functools
import json
import uuid
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from joserfc.errors import SecurityWarning
from sqlalchemy import BindParameter, bindparam, exists, or_, update
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from tracker.models import (
    Article,
    Assignment,
    Credential,
    LearningPath,
    PathFollow,
    PathItem,
    PathSection,
    PathStatus,
    ProgressState,
    SecurityEventKind,
    User,
    WebhookEventType,
    as_utc,
    new_uuid,
)
from tracker.services import access
from tracker.services.curriculum.queries import PathEntry, path_entries
from tracker.services.errors import Conflict, Invalid, NotAllowed, NotFound
from tracker.services.learning import mastery
from tracker.services.learning.mastery import Recall
from tracker.services.mentoring.recurrence import Period, current_period
from tracker.services.people import security_log
from tracker.services.progress.marks import Tally, states_for, tally
from tracker.services.records import outbox as xapi_outbox
from tracker.services.records.signing_keys import Issuer, sign, subject_id
from tracker.services.records.status_list import status_entry
from tracker.services.webhooks import events as webhook_events

MEDIA_TYPE = "application/vc+jwt"
CONTEXTS = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
TYPES = ["VerifiableCredential", "OpenBadgeCredential"]
SCHEMA = {"id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
          "type": "1EdTechJsonSchemaValidator2019"}
JWT_CLAIMS = ("iss", "jti", "sub", "nbf", "iat", "exp")
TOKEN_MAX = 20_000  # far above any credential this tracker signs (about 2 KB)
REASON_MAX = 300    # the column's size

# Credentials signed before ES256 carry "EdDSA" (RFC 9864 prefers "Ed25519"); joserfc warns each time one is
# verified, which here is keeping old credentials valid, not a mistake.
warnings.filterwarnings("ignore", message="EdDSA is deprecated", category=SecurityWarning)


# ---------------------------------------------------------------- issuing

def _due_paths(session: Session, user: User, article: Article | None,
               among: Sequence[int] | None = None, recall_only: bool = False) -> list[LearningPath]:
    """The paths the user follows or was assigned (no drafts), holding `article` if given, only those asking
    recall too if `recall_only`, for which they were never issued a credential (a revoked one included:
    revoking sticks)."""
    params = {"user_id": user.id} | ({"article_id": article.id} if article is not None else {}) | (
        {"among": list(among)} if among is not None else {})
    return list(session.exec(_due_query(article is not None, among is not None, recall_only), params=params).all())


@functools.cache  # built once per shape: building a statement costs more than running it (one per mark)
def _due_query(holding_article: bool, among: bool, recall_only: bool = False) -> SelectOfScalar[LearningPath]:
    user_id: BindParameter[int] = bindparam("user_id")
    followed = select(PathFollow.path_id).where(PathFollow.user_id == user_id)
    assigned = select(Assignment.path_id).where(Assignment.learner_id == user_id,
                                                col(Assignment.withdrawn_at).is_(None))
    # A credential holds its path unless the path is assigned to recur and the credential is of another period.
    other_period = exists().where(col(Assignment.learner_id) == user_id, col(Assignment.path_id) == Credential.path_id,
                                  col(Assignment.withdrawn_at).is_(None), col(Assignment.recur_months).is_not(None),
                                  col(Assignment.period_started_on).is_not(None),
                                  or_(col(Credential.period_started_on).is_(None),
                                      col(Credential.period_started_on) != Assignment.period_started_on))
    held = select(Credential.path_id).where(Credential.user_id == user_id, col(Credential.path_id).is_not(None),
                                            ~other_period)
    query = select(LearningPath).where(or_(col(LearningPath.id).in_(followed), col(LearningPath.id).in_(assigned)),
                                       LearningPath.status != PathStatus.draft, col(LearningPath.id).not_in(held),
                                       col(LearningPath.owner_id).is_(None))  # personal paths issue nothing
    if holding_article:
        query = query.where(col(LearningPath.id).in_(
            select(PathSection.path_id).join(PathItem, col(PathItem.section_id) == PathSection.id)
            .where(PathItem.article_id == bindparam("article_id"))))
    if among:
        query = query.where(col(LearningPath.id).in_(bindparam("among", expanding=True)))
    if recall_only:
        query = query.where(col(LearningPath.mastery_percent).is_not(None))
    return query.order_by(col(LearningPath.position), col(LearningPath.id))


@dataclass(frozen=True)
class Finished:
    path: LearningPath
    tally: Tally
    articles_read: int
    recall: Recall | None = None  # a path asking recall too: the recall it found, met


def _finished(session: Session, user: User, paths: Sequence[LearningPath], now: datetime) -> list[Finished]:
    """The paths the user has finished at `now`: every required article read and, on a path that asks recall
    too, the recall it asks held at that moment (`mastery`)."""
    entries = path_entries(session=session, path_ids=[p.id for p in paths])
    states = states_for(session=session, user=user,
                        article_ids={e.article_id for group in entries.values() for e in group})
    read = [(path, tally(entries[path.id], states)) for path in paths]
    asking = [path for path, counted in read if counted.read_all and path.mastery_percent is not None]
    cards = mastery.cards_on(session=session, learner=user,
                             article_ids={e.article_id for p in asking for e in entries[p.id]}) if asking else []
    finished = []
    for path, counted in read:
        if not counted.read_all:
            continue
        recall = mastery.recall_of(path=path, entries=entries[path.id], learner=user, cards=cards, now=now) \
            if path.mastery_percent is not None else None
        if recall is None or recall.met:
            finished.append(Finished(path=path, tally=counted, articles_read=_read_count(entries[path.id], states),
                                     recall=recall))
    return finished


def read_every_required(entries: Sequence[PathEntry], states: dict[int, ProgressState]) -> bool:
    """The rule a credential asks: every required article of the path read (done), as each section's rule counts
    them (`tally`); a skipped one is not read."""
    return tally(entries, states).read_all


def _read_count(entries: Sequence[PathEntry], states: dict[int, ProgressState]) -> int:
    """Articles of the path (optional ones too) the learner marked done."""
    return len({e.article_id for e in entries if states.get(e.article_id) is ProgressState.done})


def issue_due(*, session: Session, user: User, now: datetime, issuer: Issuer | Callable[[], Issuer],
              article: Article | None = None, recall_only: bool = False) -> list[Credential]:
    """Issue a credential for every path the user follows or was assigned, has finished, and holds no standing
    credential for; with `article`, only the paths holding it (after a mark, nothing else can have changed);
    with `recall_only`, only the paths asking recall too (after a review: reading did not change). A path that
    asks recall is finished when reading is complete and the recall it asks holds at `now`; its credential
    says "read and recalled". Commits when it issues; returns the new credentials.

    Cheap when nothing is due: a single query when every path holding the article already has its credential
    (or none is followed), a few more to tally the others; the issuer (and its key) is only asked for when
    something is signed. Two marks finishing a path at once issue one credential: the user's row is locked
    before the decision is taken again.
    """
    paths = _due_paths(session, user, article, recall_only=recall_only)
    if not paths:
        return []
    finished = _finished(session, user, paths, now)
    if not finished:
        return []
    # Serialise issuing per learner (a row lock on PostgreSQL, the write lock on SQLite), then look again.
    session.exec(update(User).where(col(User.id) == user.id).values(public_id=col(User.public_id)))
    still_due = {p.id for p in _due_paths(session, user, None, among=[f.path.id for f in finished])}
    signer = issuer() if callable(issuer) else issuer
    moment = now.astimezone(UTC).replace(microsecond=0)
    periods = _periods(session, user, [f.path.id for f in finished])
    issued = []
    for done in finished:
        if done.path.id not in still_due:
            continue
        period = periods.get(done.path.id)
        credential = Credential(public_id=uuid.uuid4().hex, user_id=user.id, path_id=done.path.id,
                                path_slug=done.path.slug, path_title=done.path.title, path_version=done.path.version,
                                articles_read=done.articles_read, issued_at=moment, jwt="",
                                period_started_on=period.started_on if period else None,
                                valid_until=period.ends_at if period else None,
                                recalled=done.recall is not None,
                                articles_recalled=done.recall.recalled if done.recall is not None else 0)
        session.add(credential)
        session.flush()  # the row's id is its bit in the status list: unique without a race between learners
        credential.status_index = credential.id
        credential.jwt = sign(issuer=signer, claims=credential_claims(
            issuer=signer, credential=credential, user=user, path=done.path, required=done.tally.total,
            recall=done.recall))
        session.add(credential)
        issued.append(credential)
        webhook_events.record(session=session, event_type=WebhookEventType.credential_issued, now=moment,
                              data=_event_data(credential, user))
    session.commit()
    return issued


def _periods(session: Session, user: User, path_ids: list[int]) -> dict[int, Period]:
    """The current period of each of these paths that the user has assigned to recur."""
    rows = session.exec(select(Assignment).where(Assignment.learner_id == user.id,
                                                 col(Assignment.path_id).in_(path_ids),
                                                 col(Assignment.withdrawn_at).is_(None),
                                                 col(Assignment.recur_months).is_not(None))).all()
    return {a.path_id: period for a in rows if (period := current_period(a, user)) is not None}


def is_expired(credential: Credential, now: datetime) -> bool:
    """Whether the credential's validUntil has passed (a recurring assignment's period ended)."""
    return credential.valid_until is not None and as_utc(credential.valid_until) <= now


def _event_data(credential: Credential, user: User | None) -> dict[str, Any]:
    """What a webhook event says about a credential."""
    return {"credential": credential.public_id, "path": credential.path_slug, "path_title": credential.path_title,
            "learner": webhook_events.learner(user) if user is not None else None,
            "issued_at": as_utc(credential.issued_at).isoformat(),
            "revoked_at": as_utc(credential.revoked_at).isoformat() if credential.revoked_at else None,
            "reason": credential.revoked_reason or None}


def credential_claims(*, issuer: Issuer, credential: Credential, user: User, path: LearningPath,
                      required: int, recall: Recall | None = None) -> dict[str, Any]:
    """The OpenBadgeCredential as it is signed: the VC 2.0 document plus the VC-JWT claims. With `recall` (a path
    that asks recall too, met), its name, criteria and evidence say "read and recalled"."""
    url = issuer.credential_url(credential.public_id)
    subject = subject_id(user)
    issued_at = credential.issued_at
    if credential.status_index is None:
        raise ValueError("a credential is signed once it has its status index")
    body = {
        "@context": CONTEXTS,
        "id": url,
        "type": TYPES,
        "issuer": {"id": issuer.url, "type": ["Profile"], "name": issuer.name, "url": issuer.url},
        "validFrom": _timestamp(issued_at),
        "awardedDate": _timestamp(issued_at),
        "name": f"{'Read and recalled' if recall is not None else 'Completed'}: {path.title}",
        "credentialSubject": {
            "id": subject,
            "type": ["AchievementSubject"],
            "achievement": {
                "id": issuer.path_url(path.slug),
                "type": ["Achievement"],
                "name": path.title,
                "description": path.summary or path.outcome or path.title,
                "image": {"id": issuer.badge_url(path.slug), "type": "Image",
                          "caption": f"Badge for completing the path “{path.title}”"},
                "criteria": {"narrative": f"Read every required article of version {path.version} "
                                          f"of the path ({required} article{'' if required == 1 else 's'})"
                                          + (_recall_criteria(recall) if recall is not None else "")},
            },
        },
        "evidence": [{
            "type": ["Evidence"],
            "name": f"Articles read: {path.title}, version {path.version}",
            "narrative": f"Read {credential.articles_read} article{'' if credential.articles_read == 1 else 's'} "
                         f"of the path, {required} of {required} required ones, none of them skipped.",
        }, *([_recall_evidence(path, recall)] if recall is not None else [])],
        "credentialSchema": [SCHEMA],
        "credentialStatus": status_entry(issuer=issuer, index=credential.status_index),
    }
    seconds = int(issued_at.timestamp())
    claims = {"iss": issuer.url, "jti": url, "sub": subject, "nbf": seconds, "iat": seconds}
    if credential.valid_until is not None:  # VC 2.0 validUntil; VC-JWT carries it as exp too
        until = as_utc(credential.valid_until)
        body = _after(body, "validFrom", "validUntil", _timestamp(until))
        claims["exp"] = int(until.timestamp())
    return body | claims


def _recall_criteria(recall: Recall) -> str:
    return (f", and recall at least {recall.share}% of them on the day of issue: a reviewed recall card on the "
            f"article with an FSRS retrievability of {recall.threshold}% or more")


def _recall_evidence(path: LearningPath, recall: Recall) -> dict[str, Any]:
    """The evidence of recall: how many required articles the learner recalled when the credential was issued."""
    return {"type": ["Evidence"], "name": f"Articles recalled: {path.title}, version {path.version}",
            "narrative": f"Read and recalled: {recall.recalled} of {recall.required} required articles recalled "
                         f"on the day of issue (the path asks {recall.needed}, {recall.share}%), each with a "
                         f"reviewed recall card at an FSRS retrievability of {recall.threshold}% or more."}


def _after(body: dict[str, Any], key: str, new_key: str, value: Any) -> dict[str, Any]:
    """The document with `new_key` placed right after `key` (for readers: validFrom, then validUntil)."""
    placed: dict[str, Any] = {}
    for name, item in body.items():
        placed[name] = item
        if name == key:
            placed[new_key] = value
    return placed


def document(credential: Credential) -> dict[str, Any]:
    """The credential as a VC 2.0 JSON document: the signed payload without the JWT claims (unsecured: for
    reading; `enveloped` is the document that carries its proof)."""
    parts = credential.jwt.split(".")
    claims = (decode_part(parts[1]) if len(parts) == 3 else None) or {}
    return {name: value for name, value in claims.items() if name not in JWT_CLAIMS}


def enveloped(credential: Credential) -> dict[str, Any]:
    """The credential as a JSON document with its proof: a VC 2.0 `EnvelopedVerifiableCredential` whose id is a
    data: URL holding the VC-JWT exactly as issued, so its signature is the proof any verifier checks."""
    return {"@context": [CONTEXTS[0]], "id": f"data:{MEDIA_TYPE},{credential.jwt}",
            "type": "EnvelopedVerifiableCredential"}


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------- reading, sharing, revoking

@dataclass(frozen=True)
class CredentialView:
    credential: Credential
    learner: User | None  # None: a status-only record, kept after the learner deleted their account

    @property
    def revoked(self) -> bool:
        return self.credential.revoked_at is not None


def decode_part(part: str) -> Any:
    """A base64url JSON segment of a JWS, or None when it is not one."""
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        return json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        return None


def by_public_id(session: Session, public_id: str) -> CredentialView | None:
    """The credential with its learner; a status-only record (the learner deleted their account) has none."""
    row = session.exec(select(Credential, User).join(User, col(User.id) == Credential.user_id, isouter=True)
                       .where(Credential.public_id == public_id[:64])).first()
    return CredentialView(credential=row[0], learner=row[1]) if row else None


def visible_credential(*, session: Session, viewer: User | None, public_id: str) -> CredentialView:
    """The credential and its learner if `viewer` may see it (`can_view_credential`); NotFound otherwise,
    so a private certificate looks exactly like one that does not exist (and a status-only record has no
    certificate page: it holds nothing to show)."""
    view = by_public_id(session, public_id)
    if view is None or view.learner is None or not access.can_view_credential(viewer, view.credential):
        raise NotFound("There is no such certificate, or its owner has not shared it.")
    return view


def keep_status_only(*, session: Session, user: User, now: datetime) -> int:
    """Before `user`'s account is deleted: turn their credentials into status-only records that keep what
    verifying a shared credential needs (public id, status bit, path title and version, issue and revocation
    dates and reason) and drop what was theirs (the signed JWT naming them, the link to the account, the
    number of articles read, sharing). Does not commit (part of the deletion's transaction); how many."""
    result = session.exec(update(Credential).where(col(Credential.user_id) == user.id).values(
        user_id=None, jwt="", articles_read=0, articles_recalled=0, shared=False, holder_deleted_at=now))
    return int(result.rowcount or 0)


def set_sharing(*, session: Session, viewer: User, public_id: str, shared: bool) -> Credential:
    """Make the certificate page public (or private again). Only its owner may; commits."""
    credential = visible_credential(session=session, viewer=viewer, public_id=public_id).credential
    if not access.can_share_credential(viewer, credential):
        raise NotAllowed("Only the learner who earned this certificate can share it or make it private.")
    credential.shared = shared
    session.add(credential)
    session.commit()
    return credential


def _reason(reason: str, why: str) -> str:
    reason = " ".join(reason.split())
    if not reason:
        raise Invalid(f"Reason: say why {why}.")
    if len(reason) > REASON_MAX:
        raise Invalid(f"Reason: at most {REASON_MAX} characters ({len(reason)} given).")
    return reason


def _credential(session: Session, credential_id: int) -> Credential:
    credential = session.get(Credential, credential_id)
    if credential is None:
        raise NotFound("There is no such credential.")
    return credential


def revoke(*, session: Session, admin: User, credential_id: int, reason: str, now: datetime,
           site: str) -> Credential:
    """Revoke a credential with a reason verifiers are shown, and queue the xAPI statement voiding its
    `completed` one (once: a second revoke is refused, and the voiding statement's id is fixed by the voided
    one). Admins only; commits. No mark issues the path's credential to the learner again."""
    if not access.can_revoke_credential(admin):
        raise NotAllowed("Only admins revoke credentials.")
    reason = _reason(reason, "the credential is revoked; verifiers are shown it")
    credential = _credential(session, credential_id)
    # Only if it still stands: of two admins revoking at once, one wins and the other is told.
    won = session.exec(update(Credential).where(col(Credential.id) == credential.id,
                                                col(Credential.revoked_at).is_(None))
                       .values(revoked_at=now, revoked_reason=reason).returning(col(Credential.id))).first()
    session.refresh(credential)
    if won is None:
        session.rollback()
        raise Conflict(f"This credential was already revoked on {credential.revoked_at:%B %-d, %Y}.")
    xapi_outbox.queue_credential(session=session, credential=credential, site=site, now=now)
    webhook_events.record(session=session, event_type=WebhookEventType.credential_revoked, now=now,
                          data=_event_data(credential, session.get(User, credential.user_id)
                                           if credential.user_id is not None else None))
    session.commit()
    return credential


def regrant(*, session: Session, admin: User, credential_id: int, reason: str, now: datetime, site: str,
            address: str = "") -> Credential:
    """Give a revoked credential back, by an admin's explicit decision: the revocation is cleared, a fresh
    xAPI `completed` statement (under a new id; the old one stays voided) is queued, and the security log
    records the admin, the learner and the reason. Admins only; commits. A credential that stands is a
    Conflict, and nothing changes."""
    if not access.can_regrant_credential(admin):
        raise NotAllowed("Only admins re-grant credentials.")
    reason = _reason(reason, "the credential is given back; the security log keeps it")
    credential = _credential(session, credential_id)
    won = session.exec(update(Credential).where(col(Credential.id) == credential.id,
                                                col(Credential.revoked_at).is_not(None))
                       .values(revoked_at=None, revoked_reason="", statement_id=new_uuid())
                       .returning(col(Credential.id))).first()
    if won is None:
        session.rollback()
        raise Conflict("This credential is not revoked; there is nothing to re-grant.")
    session.refresh(credential)
    learner = session.exec(select(User).where(col(User.id) == credential.user_id)).one()
    xapi_outbox.queue_credential(session=session, credential=credential, site=site, now=now)
    security_log.record(session=session, kind=SecurityEventKind.credential_regranted, user=admin, address=address,
                        detail=f"{learner.username}'s credential for “{credential.path_title}” "
                               f"({credential.public_id}): {reason}", at=now)  # commits the re-grant with it
    return credential


def my_credentials(*, session: Session, user: User | None) -> list[Credential]:
    """The user's credentials, newest first (revoked ones included)."""
    if user is None:
        return []
    return list(session.exec(_credentials_of(), params={"user_id": user.id}).all())


@functools.cache  # built once: building a statement costs more than running it
def _credentials_of() -> SelectOfScalar[Credential]:
    return (select(Credential).where(Credential.user_id == bindparam("user_id"))
            .order_by(col(Credential.issued_at).desc(), col(Credential.id).desc()))


def credential_for_path(*, session: Session, user: User | None, path: LearningPath) -> Credential | None:
    """The user's standing credential for the path, else their latest revoked one, else None."""
    if user is None:
        return None
    return session.exec(select(Credential).where(Credential.user_id == user.id, Credential.path_id == path.id)
                        .order_by(col(Credential.revoked_at).is_not(None), col(Credential.issued_at).desc())).first()


def newer_path_version(*, session: Session, credential: Credential) -> int | None:
    """The path's current version when it is later than the one the credential names (what its holder is told;
    the credential stays valid for its own version), else None."""
    if credential.path_id is None:
        return None
    version = session.exec(select(LearningPath.version).where(LearningPath.id == credential.path_id)).first()
    return version if version is not None and version > credential.path_version else None


def all_credentials(*, session: Session, username: str = "", limit: int = 200) -> list[CredentialView]:
    """Credentials with their learners for the admin list, newest first, optionally one learner's; status-only
    records (the learner deleted the account) come with no learner, so an admin can still revoke them."""
    query = select(Credential, User).outerjoin(User, col(User.id) == Credential.user_id)
    if username.strip():
        query = query.where(User.username == username.strip().lower())
    rows = session.exec(query.order_by(col(Credential.issued_at).desc(), col(Credential.id).desc())
                        .limit(limit)).all()
    return [CredentialView(credential=credential, learner=learner) for credential, learner in rows]


# ---------------------------------------------------------------- verifying


