"""Completion credentials: an Open Badges 3.0 credential, signed as a VC-JWT, for each path a learner finishes.

A learner who has settled (done or skipped) every required article of a path they follow or were assigned
gets one credential for it; a new one only if the earlier one was revoked. The credential is a W3C
Verifiable Credential 2.0 `OpenBadgeCredential`, secured as VC-JOSE-COSE describes: a compact JWS (EdDSA
over Ed25519, `typ` "vc+jwt") whose payload is the credential itself plus the JWT claims iss, jti, sub, nbf
and iat. The signing key is a private JWK in the data dir, created on first use; its public half is the
site's JWKS, so anyone can verify a credential without asking the tracker.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import os
import secrets
import uuid
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError, SecurityWarning
from joserfc.jwk import KeySet, OKPKey
from sqlalchemy import or_, update
from sqlmodel import Session, select

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
    User,
)
from tracker.services import access
from tracker.services.errors import Conflict, Invalid, NotAllowed, NotFound
from tracker.services.path_queries import PathEntry, path_entries
from tracker.services.progress import Tally, states_for, tally

ISSUER_NAME = "Learning-path tracker"
KEY_FILE = "credential_key.json"
MEDIA_TYPE = "application/vc+jwt"
ALGORITHM = "EdDSA"
CONTEXTS = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
TYPES = ["VerifiableCredential", "OpenBadgeCredential"]
JWT_CLAIMS = ("iss", "jti", "sub", "nbf", "iat", "exp")
TOKEN_MAX = 20_000  # far above any credential this tracker signs (about 2 KB)
REASON_MAX = 300    # the column's size

# RFC 9864 prefers the fully specified "Ed25519" name, but VC-JOSE-COSE and Open Badges verifiers expect
# "EdDSA"; joserfc warns on every use of the older name, which here is a choice, not a mistake.
warnings.filterwarnings("ignore", message="EdDSA is deprecated", category=SecurityWarning)


class CredentialKeyError(RuntimeError):
    """The signing key file exists but holds no usable key: an operator's problem, never the visitor's."""


# ---------------------------------------------------------------- the issuer and its key

@dataclass(frozen=True)
class Issuer:
    """This tracker as an issuer: its public address (the issuer's id), its name, and where its key is kept.
    Building one reads nothing; the key is loaded (or created) the first time it signs or is published."""

    url: str
    data_dir: Path
    name: str = ISSUER_NAME

    @property
    def key(self) -> OKPKey:
        return signing_key(self.data_dir)

    def credential_url(self, public_id: str) -> str:
        return f"{self.url}/credentials/{public_id}"

    def path_url(self, slug: str) -> str:
        return f"{self.url}/paths/{slug}"

    def jwks(self) -> dict[str, Any]:
        """The public key set verifiers fetch from /.well-known/jwks.json."""
        return {"keys": [self.key.as_dict(private=False)]}


def signing_key(data_dir: Path) -> OKPKey:
    """The Ed25519 key credentials are signed with, kept in the data dir as a private JWK readable by the owner
    only, and created on first use.

    Several processes may sign the first credential at once: the key is written under a temporary name and
    linked into place with an exclusive create, so exactly one key wins and every process reads that one.
    """
    key_file = Path(data_dir) / KEY_FILE
    for _ in range(5):
        try:
            stat = key_file.stat()
        except FileNotFoundError:
            _create_key(key_file)
            continue
        return _read_key(str(key_file), stat.st_mtime_ns, stat.st_ino)
    raise CredentialKeyError(f"cannot create the credential signing key {key_file}")


def _create_key(key_file: Path) -> None:
    key = OKPKey.generate_key("Ed25519", private=True)
    jwk = key.as_dict(private=True) | {"kid": key.thumbprint(), "alg": ALGORITHM, "use": "sig"}
    candidate = key_file.with_name(f".{key_file.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(jwk, handle)
        handle.write("\n")
    try:
        os.link(candidate, key_file)  # atomic, and fails if another process won
    except FileExistsError:
        pass
    finally:
        candidate.unlink()


@functools.lru_cache(maxsize=8)
def _read_key(key_file: str, _mtime_ns: int, _inode: int) -> OKPKey:
    """The key in `key_file`, read once per version of the file (the stat values are the cache key)."""
    try:
        jwk = json.loads(Path(key_file).read_text(encoding="utf-8"))
        key = OKPKey.import_key(jwk)
    except (OSError, ValueError, TypeError, JoseError) as exc:
        raise CredentialKeyError(f"{key_file} holds no usable Ed25519 key ({exc}); restore it from a backup "
                                 "(a new key would make every credential issued so far unverifiable)") from None
    if not key.is_private or key.as_dict(private=False).get("crv") != "Ed25519":
        raise CredentialKeyError(f"{key_file} is not an Ed25519 private key")
    return key


def subject_id(user: User) -> str:
    """The learner as a credential names them: a URN made from their opaque public id, never a name or email."""
    return f"urn:uuid:{uuid.UUID(hex=user.public_id)}"


# ---------------------------------------------------------------- who may do what

def can_view_credential(viewer: User | None, credential: Credential) -> bool:
    """Its owner always; everyone else only once the owner shared it (revoked ones stay visible as revoked)."""
    return credential.shared or (viewer is not None and viewer.id == credential.user_id)


def can_share_credential(viewer: User | None, credential: Credential) -> bool:
    """Only the learner decides who sees their certificate."""
    return viewer is not None and viewer.id == credential.user_id


def can_revoke_credential(viewer: User | None) -> bool:
    return access.is_admin(viewer)


# ---------------------------------------------------------------- issuing

def _due_paths(session: Session, user: User, article: Article | None, among: Sequence[int] | None = None):
    """The paths the user follows or was assigned (no drafts), holding `article` if given, for which they
    hold no credential that stands."""
    followed = select(PathFollow.path_id).where(PathFollow.user_id == user.id)
    assigned = select(Assignment.path_id).where(Assignment.learner_id == user.id, Assignment.withdrawn_at.is_(None))
    held = select(Credential.path_id).where(Credential.user_id == user.id, Credential.revoked_at.is_(None),
                                            Credential.path_id.is_not(None))
    query = select(LearningPath).where(or_(LearningPath.id.in_(followed), LearningPath.id.in_(assigned)),
                                       LearningPath.status != PathStatus.draft, LearningPath.id.not_in(held))
    if article is not None:
        query = query.where(LearningPath.id.in_(
            select(PathSection.path_id).join(PathItem, PathItem.section_id == PathSection.id)
            .where(PathItem.article_id == article.id)))
    if among is not None:
        query = query.where(LearningPath.id.in_(list(among)))
    return list(session.exec(query.order_by(LearningPath.position, LearningPath.id)).all())


@dataclass(frozen=True)
class Finished:
    path: LearningPath
    tally: Tally
    articles_read: int


def _finished(session: Session, user: User, paths: Sequence[LearningPath]) -> list[Finished]:
    entries = path_entries(session=session, path_ids=[p.id for p in paths])
    states = states_for(session=session, user=user,
                        article_ids={e.card.article.id for group in entries.values() for e in group})
    finished = []
    for path in paths:
        counted = tally(entries[path.id], states)
        if counted.complete:
            finished.append(Finished(path=path, tally=counted, articles_read=_read_count(entries[path.id], states)))
    return finished


def _read_count(entries: Sequence[PathEntry], states: dict[int, ProgressState]) -> int:
    """Articles of the path (optional ones too) the learner marked done."""
    return len({e.card.article.id for e in entries if states.get(e.card.article.id) is ProgressState.done})


def issue_due(*, session: Session, user: User, now: datetime, issuer: Issuer | Callable[[], Issuer],
              article: Article | None = None) -> list[Credential]:
    """Issue a credential for every path the user follows or was assigned, has finished, and holds no standing
    credential for; with `article`, only the paths holding it (after a mark, nothing else can have changed).
    Commits when it issues; returns the new credentials.

    Cheap when nothing is due: a single query when every path holding the article already has its credential
    (or none is followed), a few more to tally the others; the issuer (and its key) is only asked for when
    something is signed. Two marks finishing a path at once issue one credential: the user's row is locked
    before the decision is taken again.
    """
    paths = _due_paths(session, user, article)
    if not paths:
        return []
    finished = _finished(session, user, paths)
    if not finished:
        return []
    # Serialise issuing per learner (a row lock on PostgreSQL, the write lock on SQLite), then look again.
    session.exec(update(User).where(User.id == user.id).values(public_id=User.public_id))
    still_due = {p.id for p in _due_paths(session, user, None, among=[f.path.id for f in finished])}
    signer = issuer() if callable(issuer) else issuer
    moment = now.astimezone(UTC).replace(microsecond=0)
    issued = []
    for done in finished:
        if done.path.id not in still_due:
            continue
        credential = Credential(public_id=uuid.uuid4().hex, user_id=user.id, path_id=done.path.id,
                                path_slug=done.path.slug, path_title=done.path.title, path_version=done.path.version,
                                articles_read=done.articles_read, issued_at=moment, jwt="")
        credential.jwt = sign(issuer=signer, claims=credential_claims(
            issuer=signer, credential=credential, user=user, path=done.path, required=done.tally.total))
        session.add(credential)
        issued.append(credential)
    session.commit()
    return issued


def credential_claims(*, issuer: Issuer, credential: Credential, user: User, path: LearningPath,
                      required: int) -> dict[str, Any]:
    """The OpenBadgeCredential as it is signed: the VC 2.0 document plus the VC-JWT claims."""
    url = issuer.credential_url(credential.public_id)
    subject = subject_id(user)
    issued_at = credential.issued_at
    body = {
        "@context": CONTEXTS,
        "id": url,
        "type": TYPES,
        "issuer": {"id": issuer.url, "type": ["Profile"], "name": issuer.name},
        "validFrom": _timestamp(issued_at),
        "name": f"Completed: {path.title}",
        "credentialSubject": {
            "id": subject,
            "type": ["AchievementSubject"],
            "achievement": {
                "id": issuer.path_url(path.slug),
                "type": ["Achievement"],
                "name": path.title,
                "description": path.summary or path.outcome or path.title,
                "criteria": {"narrative": f"Read or skipped every required article of version {path.version} "
                                          f"of the path ({required} article{'' if required == 1 else 's'})"},
            },
        },
    }
    seconds = int(issued_at.timestamp())
    return body | {"iss": issuer.url, "jti": url, "sub": subject, "nbf": seconds, "iat": seconds}


def sign(*, issuer: Issuer, claims: dict[str, Any]) -> str:
    """The claims as a VC-JWT: a compact JWS signed with the issuer's key."""
    key = issuer.key
    header = {"alg": ALGORITHM, "typ": "vc+jwt", "cty": "vc", "kid": key.kid}
    payload = json.dumps(claims, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return jws.serialize_compact(header, payload, key, algorithms=[ALGORITHM])


def document(credential: Credential) -> dict[str, Any]:
    """The credential as a VC 2.0 JSON document: the signed payload without the JWT claims."""
    claims = _decode_part(credential.jwt.split(".")[1]) or {}
    return {name: value for name, value in claims.items() if name not in JWT_CLAIMS}


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------- reading, sharing, revoking

@dataclass(frozen=True)
class CredentialView:
    credential: Credential
    learner: User

    @property
    def revoked(self) -> bool:
        return self.credential.revoked_at is not None


def _by_public_id(session: Session, public_id: str) -> CredentialView | None:
    row = session.exec(select(Credential, User).join(User, User.id == Credential.user_id)
                       .where(Credential.public_id == public_id[:64])).first()
    return CredentialView(credential=row[0], learner=row[1]) if row else None


def visible_credential(*, session: Session, viewer: User | None, public_id: str) -> CredentialView:
    """The credential and its learner if `viewer` may see it (`can_view_credential`); NotFound otherwise,
    so a private certificate looks exactly like one that does not exist."""
    view = _by_public_id(session, public_id)
    if view is None or not can_view_credential(viewer, view.credential):
        raise NotFound("There is no such certificate, or its owner has not shared it.")
    return view


def set_sharing(*, session: Session, viewer: User, public_id: str, shared: bool) -> Credential:
    """Make the certificate page public (or private again). Only its owner may; commits."""
    credential = visible_credential(session=session, viewer=viewer, public_id=public_id).credential
    if not can_share_credential(viewer, credential):
        raise NotAllowed("Only the learner who earned this certificate can share it or make it private.")
    credential.shared = shared
    session.add(credential)
    session.commit()
    return credential


def revoke(*, session: Session, admin: User, credential_id: int, reason: str, now: datetime) -> Credential:
    """Revoke a credential with a reason verifiers are shown. Admins only; commits. The learner may then earn
    a new one by finishing the path again."""
    if not can_revoke_credential(admin):
        raise NotAllowed("Only admins revoke credentials.")
    reason = " ".join(reason.split())
    if not reason:
        raise Invalid("Reason: say why the credential is revoked; verifiers are shown it.")
    if len(reason) > REASON_MAX:
        raise Invalid(f"Reason: at most {REASON_MAX} characters ({len(reason)} given).")
    credential = session.get(Credential, credential_id)
    if credential is None:
        raise NotFound("There is no such credential.")
    if credential.revoked_at is not None:
        raise Conflict(f"This credential was already revoked on {credential.revoked_at:%B %-d, %Y}.")
    credential.revoked_at, credential.revoked_reason = now, reason
    session.add(credential)
    session.commit()
    return credential


def my_credentials(*, session: Session, user: User | None) -> list[Credential]:
    """The user's credentials, newest first (revoked ones included)."""
    if user is None:
        return []
    return list(session.exec(select(Credential).where(Credential.user_id == user.id)
                             .order_by(Credential.issued_at.desc(), Credential.id.desc())).all())


def credential_for_path(*, session: Session, user: User | None, path: LearningPath) -> Credential | None:
    """The user's standing credential for the path, else their latest revoked one, else None."""
    if user is None:
        return None
    return session.exec(select(Credential).where(Credential.user_id == user.id, Credential.path_id == path.id)
                        .order_by(Credential.revoked_at.is_not(None), Credential.issued_at.desc())).first()


def all_credentials(*, session: Session, username: str = "", limit: int = 200) -> list[CredentialView]:
    """Credentials with their learners for the admin list, newest first, optionally one learner's."""
    query = select(Credential, User).join(User, User.id == Credential.user_id)
    if username.strip():
        query = query.where(User.username == username.strip().lower())
    rows = session.exec(query.order_by(Credential.issued_at.desc(), Credential.id.desc()).limit(limit)).all()
    return [CredentialView(credential=credential, learner=learner) for credential, learner in rows]


# ---------------------------------------------------------------- verifying

@dataclass(frozen=True)
class Verification:
    """What verifying a credential found. `claims` is the signed payload when the signature holds (also for a
    revoked or expired credential, so the verifier sees what it was); `record` is this tracker's row."""

    valid: bool
    reason: str
    claims: dict[str, Any] | None = None
    record: Credential | None = None

    def described(self) -> dict[str, str]:
        """What the signed payload says, for people: the achievement, the issuer, since when, and its id."""
        claims = self.claims or {}
        achievement = _member(_member(claims, "credentialSubject"), "achievement")
        facts = {"Achievement": achievement.get("name"), "Criteria": _member(achievement, "criteria").get("narrative"),
                 "Issuer": _member(claims, "issuer").get("name"), "Valid from": claims.get("validFrom"),
                 "Credential id": claims.get("id")}
        return {label: str(value) for label, value in facts.items() if value}


def _member(parent: dict[str, Any], name: str) -> dict[str, Any]:
    value = parent.get(name)
    return value if isinstance(value, dict) else {}


def _decode_part(part: str) -> Any:
    """A base64url JSON segment of a JWS, or None when it is not one."""
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        return json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        return None


def _record_named(session: Session, claims: Any) -> Credential | None:
    """The stored credential a payload claims to be (by its jti), if any."""
    if not isinstance(claims, dict) or not isinstance(claims.get("jti"), str):
        return None
    public_id = claims["jti"].rstrip("/").rsplit("/", 1)[-1]
    view = _by_public_id(session, public_id) if public_id else None
    return view.credential if view else None


def _moment(value: Any) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def verify(*, session: Session, token: str, issuer: Issuer, now: datetime) -> Verification:
    """Check a credential JWT against this tracker's published keys and its records of revocation.

    Every answer names one reason: malformed, unsupported algorithm, unknown key, bad signature, tampered
    (signed content changed), not on record, revoked (with the date and reason), expired, not yet valid, valid.
    """
    token = "".join(token.split())  # line breaks from a paste
    if not token:
        return Verification(False, "empty: paste or upload a credential JWT")
    if len(token) > TOKEN_MAX:
        return Verification(False, f"too long to be a credential from this tracker ({len(token)} characters)")
    parts = token.split(".")
    if len(parts) != 3 or not all(parts):
        return Verification(False, "malformed: a VC-JWT has three base64url parts separated by dots")
    header = _decode_part(parts[0])
    if not isinstance(header, dict):
        return Verification(False, "malformed: the header is not base64url-encoded JSON")
    if header.get("alg") != ALGORITHM:
        return Verification(False, f"unsupported algorithm {str(header.get('alg'))[:20]!r}: "
                                   f"this tracker signs with {ALGORITHM} (Ed25519)")
    keys = issuer.jwks()
    kid = header.get("kid")
    if not isinstance(kid, str) or kid not in {key.get("kid") for key in keys["keys"]}:
        return Verification(False, "unknown key: it was not signed with a key this tracker publishes "
                                   "at /.well-known/jwks.json")
    try:
        signed = jws.deserialize_compact(token, KeySet.import_key_set(keys), algorithms=[ALGORITHM])
    except (JoseError, ValueError, TypeError):
        claims = _decode_part(parts[1])
        record = _record_named(session, claims)
        if record is not None and record.jwt.split(".")[1] != parts[1]:
            return Verification(False, "tampered: the content was changed after it was signed "
                                       "(it no longer matches its signature)")
        return Verification(False, "bad signature: the signature does not match the content and this "
                                   "tracker's key")
    try:
        claims = json.loads(signed.payload.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        claims = None
    if not isinstance(claims, dict) or not set(TYPES) <= set(claims.get("type") or []):
        return Verification(False, "not an Open Badges credential: the signed payload is no OpenBadgeCredential")
    record = _record_named(session, claims)
    if record is None:
        return Verification(False, "not on record: this tracker signed it, but no longer keeps it (the learner's "
                                   "account may have been deleted)", claims)
    if record.revoked_at is not None:
        return Verification(False, f"revoked on {record.revoked_at:%B %-d, %Y}: {record.revoked_reason}",
                            claims, record)
    expires, starts = _moment(claims.get("exp")), _moment(claims.get("nbf"))
    if expires is not None and expires <= now:
        return Verification(False, f"expired on {expires:%B %-d, %Y}", claims, record)
    if starts is not None and starts > now:
        return Verification(False, f"not valid before {starts:%B %-d, %Y %H:%M} UTC", claims, record)
    return Verification(True, f"valid: {issuer.name} issued it on {record.issued_at:%B %-d, %Y} for finishing "
                              f"“{record.path_title}” (version {record.path_version})", claims, record)
