"""Verifying a credential the way any verifier would: the JWT's signature against the key its `kid` names among
the issuer's published keys (ES256 with a key URL, or EdDSA with a bare thumbprint for credentials issued
before), its claims, and the tracker's own record (revoked, expired, the holder's account deleted). The record
is what the published status list is computed from, so both always agree."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey
from sqlmodel import Session

from tracker.models import (
    Credential,
)
from tracker.services.records.credentials import TOKEN_MAX, TYPES, by_public_id, decode_part
from tracker.services.records.signing_keys import ALGORITHM, ALGORITHMS, LEGACY_ALGORITHM, Issuer


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
        facts = {"Credential": claims.get("name"),
                 "Achievement": achievement.get("name"), "Criteria": _member(achievement, "criteria").get("narrative"),
                 "Issuer": _member(claims, "issuer").get("name"), "Valid from": claims.get("validFrom"),
                 "Valid until": claims.get("validUntil"), "Credential id": claims.get("id")}
        return {label: str(value) for label, value in facts.items() if value}


def _member(parent: dict[str, Any], name: str) -> dict[str, Any]:
    value = parent.get(name)
    return value if isinstance(value, dict) else {}




def _record_named(session: Session, claims: Any) -> Credential | None:
    """The stored credential a payload claims to be (by its jti), if any."""
    if not isinstance(claims, dict) or not isinstance(claims.get("jti"), str):
        return None
    public_id = claims["jti"].rstrip("/").rsplit("/", 1)[-1]
    view = by_public_id(session, public_id) if public_id else None
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
    Long on purpose: the checks run in the order a verifier must take them, each ending in its own answer.
    """
    token = "".join(token.split())  # line breaks from a paste
    if not token:
        return Verification(False, "empty: paste or upload a credential JWT")
    if len(token) > TOKEN_MAX:
        return Verification(False, f"too long to be a credential from this tracker ({len(token)} characters)")
    parts = token.split(".")
    if len(parts) != 3 or not all(parts):
        return Verification(False, "malformed: a VC-JWT has three base64url parts separated by dots")
    header = decode_part(parts[0])
    if not isinstance(header, dict):
        return Verification(False, "malformed: the header is not base64url-encoded JSON")
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        return Verification(False, f"unsupported algorithm {str(alg)[:20]!r}: this tracker signs with "
                                   f"{ALGORITHM} (P-256), and signed with {LEGACY_ALGORITHM} (Ed25519) before")
    kid = header.get("kid")
    key = next((k for k in issuer.ring.keys if isinstance(kid, str) and issuer.kid(k) == kid), None)
    if key is None:
        return Verification(False, "unknown key: it was not signed with a key this tracker publishes "
                                   "at /.well-known/jwks.json")
    key_alg = ALGORITHM if isinstance(key, ECKey) else LEGACY_ALGORITHM
    if alg != key_alg:
        return Verification(False, f"bad signature: the key it names signs with {key_alg}, not {alg}")
    try:
        signed = jws.deserialize_compact(token, key, algorithms=[alg])
    except (JoseError, ValueError, TypeError):
        claims = decode_part(parts[1])
        record = _record_named(session, claims)
        kept = record.jwt.split(".") if record is not None else []
        if len(kept) == 3 and kept[1] != parts[1]:
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
        return Verification(False, "not on record: this tracker signed it, but keeps no record of it "
                                   "any more", claims)
    deleted = "" if record.holder_deleted_at is None else (
        "; the holder’s account was since deleted (this tracker keeps only the credential’s status)")
    if record.revoked_at is not None:
        return Verification(False, f"revoked on {record.revoked_at:%B %-d, %Y}: {record.revoked_reason}{deleted}",
                            claims, record)
    expires, starts = _moment(claims.get("exp")), _moment(claims.get("nbf"))
    if expires is not None and expires <= now:
        return Verification(False, f"expired on {expires:%B %-d, %Y}", claims, record)
    if starts is not None and starts > now:
        return Verification(False, f"not valid before {starts:%B %-d, %Y %H:%M} UTC", claims, record)
    # A later version of the path never makes it invalid: it says which version was finished.
    return Verification(True, f"valid: {issuer.name} issued it on {record.issued_at:%B %-d, %Y} for finishing "
                              f"version {record.path_version} of “{record.path_title}”{deleted}", claims, record)
