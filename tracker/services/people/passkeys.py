"""Passkeys (WebAuthn): registered from the account page, used as the second factor or to sign in alone.

Every ceremony starts with a random challenge, stored (as its SHA-256) with its purpose, its account and a
short expiry; answering it deletes the row in one conditional DELETE, so a challenge is used at most once,
even by two requests racing. The caller also keeps the challenge in the browser's session and passes it back:
a response is checked against the challenge that this browser was given. User verification is required, the
relying party is the public URL's host and the origin the public URL; the signature counter must grow
whenever the authenticator keeps one.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidJSONStructure, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from tracker.models import Passkey, PasskeyChallenge, User, utcnow
from tracker.services.errors import Invalid, NotFound
from tracker.services.people import accounts
from tracker.services.people.second_factor import policy_covers, standing

CHALLENGE_LIFETIME = timedelta(minutes=5)
PURPOSES = ("register", "second-step", "sign-in")
NAME_MAX = 80


class PasskeyError(Invalid):
    """A passkey ceremony or request was refused; the message is fit to show."""


class WrongPassword(PasskeyError):
    """The account's password, asked before deleting a passkey, was not right (counted as a guess)."""


@dataclass(frozen=True)
class RelyingParty:
    """Who passkeys are made for: the public URL's host (the RP ID) and the origin pages are served from."""

    rp_id: str
    origin: str
    name: str = "Tracker"


def _digest(challenge: bytes) -> str:
    return hashlib.sha256(challenge).hexdigest()


def _new_challenge(session: Session, *, purpose: str, user: User | None, now: datetime) -> bytes:
    challenge = secrets.token_bytes(32)
    session.exec(delete(PasskeyChallenge).where(col(PasskeyChallenge.expires_at) < now))  # the stale ones go
    session.add(PasskeyChallenge(challenge_hash=_digest(challenge), purpose=purpose,
                                 user_id=user.id if user else None, expires_at=now + CHALLENGE_LIFETIME))
    session.commit()
    return challenge


def _consume_challenge(session: Session, *, challenge: bytes, purpose: str, user: User | None, now: datetime) -> None:
    """The challenge is spent: deleted if it is this purpose's and this account's and not expired; PasskeyError
    when there was no such challenge (already used, expired, or never given). Commits."""
    statement = delete(PasskeyChallenge).where(col(PasskeyChallenge.challenge_hash) == _digest(challenge),
                                               col(PasskeyChallenge.purpose) == purpose,
                                               col(PasskeyChallenge.expires_at) > now)
    if user is not None:
        statement = statement.where(col(PasskeyChallenge.user_id) == user.id)
    spent = session.exec(statement).rowcount
    session.commit()
    if spent != 1:
        raise PasskeyError("That passkey request expired or was already answered. Try again.")


def _user_handle(user: User) -> bytes:
    return bytes.fromhex(user.public_id)  # random and stable, and names no one


def registration_options(*, session: Session, user: User, party: RelyingParty,
                         now: datetime | None = None) -> tuple[str, str]:
    """Options for navigator.credentials.create (JSON) and their challenge (base64url, for the browser's
    session): a discoverable credential with user verification, none of the user's own twice. Commits."""
    challenge = _new_challenge(session, purpose="register", user=user, now=now or utcnow())
    own = session.exec(select(Passkey).where(Passkey.user_id == user.id)).all()
    options = generate_registration_options(
        rp_id=party.rp_id, rp_name=party.name, user_name=user.username, user_id=_user_handle(user),
        user_display_name=user.name, challenge=challenge,
        authenticator_selection=AuthenticatorSelectionCriteria(resident_key=ResidentKeyRequirement.REQUIRED,
                                                               user_verification=UserVerificationRequirement.REQUIRED),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id)) for p in own])
    return options_to_json(options), bytes_to_base64url(challenge)


def add_passkey(*, session: Session, user: User, name: str, credential: str, challenge: str, party: RelyingParty,
                now: datetime | None = None) -> Passkey:
    """Register the credential the browser made for `challenge` under `name`. Commits."""
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise PasskeyError(f"Name the passkey in 1–{NAME_MAX} characters, e.g. “work laptop”.")
    now = now or utcnow()
    expected = _challenge_bytes(challenge)
    _consume_challenge(session, challenge=expected, purpose="register", user=user, now=now)
    try:
        verified = verify_registration_response(credential=credential, expected_challenge=expected,
                                                expected_rp_id=party.rp_id, expected_origin=party.origin,
                                                require_user_verification=True)
    except (InvalidRegistrationResponse, InvalidJSONStructure, ValueError, KeyError) as exc:
        raise PasskeyError(f"The passkey was not accepted: {str(exc)[:120]}") from None
    credential_id = bytes_to_base64url(verified.credential_id)
    if session.exec(select(Passkey).where(Passkey.credential_id == credential_id)).first() is not None:
        raise PasskeyError("This passkey is registered already.")
    try:
        transports = ",".join(t for t in json.loads(credential).get("response", {}).get("transports", [])
                              if t in {member.value for member in AuthenticatorTransport})
    except (ValueError, AttributeError):
        transports = ""
    passkey = Passkey(user_id=user.id, name=name, credential_id=credential_id,
                      public_key=bytes_to_base64url(verified.credential_public_key),
                      sign_count=verified.sign_count, transports=transports[:200], created_at=now)
    session.add(passkey)
    session.commit()
    return passkey


def authentication_options(*, session: Session, party: RelyingParty, user: User | None = None,
                           now: datetime | None = None) -> tuple[str, str]:
    """Options for navigator.credentials.get (JSON) and their challenge: for the second step, the user's own
    passkeys; to sign in with a passkey alone, any discoverable one. User verification required. Commits."""
    purpose = "second-step" if user is not None else "sign-in"
    challenge = _new_challenge(session, purpose=purpose, user=user, now=now or utcnow())
    allowed = ([PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id))
                for p in session.exec(select(Passkey).where(Passkey.user_id == user.id))] if user else [])
    options = generate_authentication_options(rp_id=party.rp_id, challenge=challenge, allow_credentials=allowed,
                                              user_verification=UserVerificationRequirement.REQUIRED)
    return options_to_json(options), bytes_to_base64url(challenge)


def verify_passkey(*, session: Session, credential: str, challenge: str, party: RelyingParty,
                   user: User | None = None, now: datetime | None = None) -> tuple[User, Passkey]:
    """The account a passkey assertion proves (it must be `user`'s when given), after the challenge is spent,
    the signature, origin, RP ID and user verification checked and the counter moved on. Commits."""
    now = now or utcnow()
    expected = _challenge_bytes(challenge)
    _consume_challenge(session, challenge=expected, purpose="second-step" if user else "sign-in", user=user, now=now)
    try:
        raw_id = str(json.loads(credential).get("rawId") or json.loads(credential).get("id") or "")
    except (ValueError, AttributeError):
        raw_id = ""
    passkey = session.exec(select(Passkey).where(Passkey.credential_id == raw_id)).first() if raw_id else None
    if passkey is None or (user is not None and passkey.user_id != user.id):
        raise PasskeyError("This passkey is not registered for this account.")
    owner = session.get(User, passkey.user_id)
    if owner is None or not owner.is_active:
        raise PasskeyError("This passkey is not registered for this account.")
    try:
        verified = verify_authentication_response(
            credential=credential, expected_challenge=expected, expected_rp_id=party.rp_id,
            expected_origin=party.origin, credential_public_key=base64url_to_bytes(passkey.public_key),
            credential_current_sign_count=passkey.sign_count, require_user_verification=True)
    except (InvalidAuthenticationResponse, InvalidJSONStructure, ValueError, KeyError) as exc:
        raise PasskeyError(f"The passkey was not accepted: {str(exc)[:160]}") from None
    passkey.sign_count, passkey.last_used_at = verified.new_sign_count, now
    session.commit()
    return owner, passkey


def remove_passkey(*, session: Session, user: User, passkey_id: int, password: str, required: bool,
                   reauthenticated: bool = False) -> Passkey:
    """Delete one of the user's passkeys after the password (or `reauthenticated`: confirmed at the identity
    provider just now); refused when the instance's policy needs a second
    factor and none would remain. NotFound for anyone else's. Commits."""
    passkey = session.get(Passkey, passkey_id)
    if passkey is None or passkey.user_id != user.id:
        raise NotFound("No such passkey.")
    if not (reauthenticated and not password) and \
            accounts.authenticate(session=session, username=user.username, password=password) is None:
        raise WrongPassword("The password is not right.")
    now_standing = standing(session=session, user=user)
    if policy_covers(user, required=required) and not now_standing.app and len(now_standing.passkeys) == 1:
        raise PasskeyError("Your role needs a second factor on this tracker: keep this passkey until another "
                           "passkey or an authenticator app is set up.")
    session.delete(passkey)
    session.commit()
    return passkey


def _challenge_bytes(challenge: str) -> bytes:
    try:
        return base64url_to_bytes(challenge)
    except ValueError:
        raise PasskeyError("That passkey request expired or was already answered. Try again.") from None
