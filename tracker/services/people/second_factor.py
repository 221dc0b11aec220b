"""A second factor after the password: an authenticator app (TOTP, RFC 6238) and its recovery codes.

The app's secret is sealed with AES-GCM under a key derived from the tracker's secret key (the caller passes
that key in) and is shown only while enrolment is unfinished. A code counts within one 30-second step either
side of now, and once: the step of the last accepted code is stored and an older or equal step is refused,
in one conditional UPDATE, so two requests racing with the same code cannot both pass. Recovery codes carry
80 random bits each, so a SHA-256 of each is enough (nothing to brute-force); using one is the same kind of
conditional UPDATE. Failed attempts are counted from the security log, per account, whoever sends them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pyotp
import segno
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from tracker.models import (
    Passkey,
    RecoveryCode,
    Role,
    SecurityEvent,
    SecurityEventKind,
    TotpFactor,
    User,
    utcnow,
)
from tracker.services.errors import DomainError, Invalid
from tracker.services.people import accounts

ISSUER = "Tracker"
STEP_SECONDS = 30
DRIFT_STEPS = 1                     # codes of the step before and after now are accepted too
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper without doubt
RECOVERY_LENGTH = 24                # 24 symbols of 31: about 119 bits, enough for a plain hash (ASVS 6.5.2)
PENDING_LIFETIME = timedelta(minutes=5)   # between the password and the second step
FAILURES_ALLOWED = 5                # wrong codes per account ...
FAILURE_WINDOW = timedelta(minutes=15)    # ... in this window, then the second step waits
ROLES_A_POLICY_COVERS = (Role.mentor, Role.admin)


class SecondFactorError(Invalid):
    """A second-factor request was refused; the message is fit to show."""


class WrongPassword(SecondFactorError):
    """The account's password, asked before changing its second factor, was not right (counted as a guess)."""


class WrongCode(SecondFactorError):
    """The code was not right (or was used already)."""


class TooManyFailures(DomainError):
    """Too many wrong codes for this account lately: the second step waits."""

    status = 429


@dataclass(frozen=True)
class Enrolment:
    """An authenticator app being added: its secret, the otpauth URI and a QR code of it (SVG data URI)."""

    secret: str
    uri: str
    qr_code: str

    @property
    def grouped_secret(self) -> str:
        """The secret in groups of four, for typing by hand."""
        return " ".join(self.secret[i:i + 4] for i in range(0, len(self.secret), 4))


@dataclass(frozen=True)
class Standing:
    """What protects an account after its password."""

    app: bool = False
    enrolling: bool = False
    recovery_codes_left: int = 0
    passkeys: list[Passkey] = field(default_factory=list)

    @property
    def protected(self) -> bool:
        return self.app or bool(self.passkeys)


# ---------------------------------------------------------------- sealing the secret

def sealing_key(secret_key: str) -> bytes:
    """The AES-256 key that seals authenticator secrets, derived from the tracker's secret key."""
    return hmac.new(secret_key.encode("utf-8"), b"tracker second factor: totp secrets v1", hashlib.sha256).digest()


def _seal(secret: str, key: bytes) -> str:
    nonce = secrets.token_bytes(12)
    return base64.urlsafe_b64encode(nonce + AESGCM(key).encrypt(nonce, secret.encode("ascii"), b"totp")).decode()


def _unseal(sealed: str, key: bytes) -> str:
    raw = base64.urlsafe_b64decode(sealed.encode("ascii"))
    try:
        return AESGCM(key).decrypt(raw[:12], raw[12:], b"totp").decode("ascii")
    except InvalidTag:
        raise SecondFactorError("This authenticator app cannot be read with the tracker's current secret key; "
                                "use a recovery code or a passkey, then set the app up again.") from None


# ---------------------------------------------------------------- standing

def standing(*, session: Session, user: User) -> Standing:
    """The user's second factors: the app (confirmed or being set up), recovery codes left, passkeys."""
    factor, left = session.exec(  # the app and its recovery codes left, in one statement
        select(TotpFactor, func.count(col(RecoveryCode.id))).select_from(User)
        .outerjoin(TotpFactor, col(TotpFactor.user_id) == User.id)
        .outerjoin(RecoveryCode, (col(RecoveryCode.user_id) == User.id) & col(RecoveryCode.used_at).is_(None))
        .where(col(User.id) == user.id).group_by(col(TotpFactor.id))).one()
    passkeys = list(session.exec(select(Passkey).where(Passkey.user_id == user.id).order_by(col(Passkey.id))))
    return Standing(app=factor is not None and factor.confirmed_at is not None,
                    enrolling=factor is not None and factor.confirmed_at is None,
                    recovery_codes_left=left, passkeys=passkeys)


def has_second_factor(*, session: Session, user: User) -> bool:
    """Whether signing in as `user` asks for more than the password (a confirmed app or a passkey)."""
    app = session.exec(select(TotpFactor.id).where(TotpFactor.user_id == user.id,
                                                   col(TotpFactor.confirmed_at).is_not(None))).first()
    return app is not None or session.exec(select(Passkey.id).where(Passkey.user_id == user.id)).first() is not None


def policy_covers(user: User, *, required: bool) -> bool:
    """Whether the instance's policy (`required`) makes a second factor compulsory for this user's role."""
    return required and Role(user.role) in ROLES_A_POLICY_COVERS


def _factor(session: Session, user: User) -> TotpFactor | None:
    return session.exec(select(TotpFactor).where(TotpFactor.user_id == user.id)).one_or_none()


# ---------------------------------------------------------------- enrolment

def begin_app(*, session: Session, user: User, key: bytes) -> Enrolment:
    """Start adding an authenticator app: a new secret, not in use until `confirm_app`. Starting again
    replaces an unfinished one. Commits."""
    factor = _factor(session, user)
    if factor is not None and factor.confirmed_at is not None:
        raise SecondFactorError("An authenticator app is already set up. Remove it first to set up another.")
    secret = pyotp.random_base32()  # 160 bits, as RFC 4226 recommends
    if factor is None:
        factor = TotpFactor(user_id=user.id, secret_sealed="")
    factor.secret_sealed, factor.created_at, factor.last_step = _seal(secret, key), utcnow(), 0
    session.add(factor)
    session.commit()
    return _enrolment(user, secret)


def enrolment(*, session: Session, user: User, key: bytes) -> Enrolment | None:
    """The unfinished enrolment (its secret may be shown until it is confirmed), or None."""
    factor = _factor(session, user)
    if factor is None or factor.confirmed_at is not None:
        return None
    return _enrolment(user, _unseal(factor.secret_sealed, key))


def _enrolment(user: User, secret: str) -> Enrolment:
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
    return Enrolment(secret=secret, uri=uri, qr_code=segno.make(uri, error="m").svg_data_uri(scale=4, border=2))


def confirm_app(*, session: Session, user: User, key: bytes, code: str, now: datetime | None = None) -> list[str]:
    """Finish adding the app with a code it shows; returns ten new recovery codes (shown once). Commits."""
    factor = _factor(session, user)
    if factor is None or factor.confirmed_at is not None:
        raise SecondFactorError("There is no authenticator app being set up. Start again.")
    step = _matching_step(factor, key=key, code=code, now=now or utcnow())
    if step is None:
        raise WrongCode("That code is not right. Check the app shows this tracker's entry and the device's "
                        "clock is right, then type the code it shows now.")
    factor.confirmed_at, factor.last_step = now or utcnow(), step
    codes = _replace_recovery_codes(session, user)
    session.commit()
    return codes


def cancel_enrolment(*, session: Session, user: User) -> None:
    """Drop an unfinished enrolment (a confirmed app stays). Commits."""
    session.exec(delete(TotpFactor).where(col(TotpFactor.user_id) == user.id,
                                          col(TotpFactor.confirmed_at).is_(None)))
    session.commit()


def remove_app(*, session: Session, user: User, key: bytes, password: str, code: str, required: bool,
               now: datetime | None = None, reauthenticated: bool = False) -> None:
    """Turn the authenticator app off after the password (or `reauthenticated`: confirmed at the identity
    provider just now) and a code (or a recovery code); its recovery codes
    go with it. Refused when the instance's policy needs a second factor and no passkey would remain. Commits."""
    if _factor(session, user) is None:
        raise SecondFactorError("There is no authenticator app to remove.")
    if not (reauthenticated and not password) and \
            accounts.authenticate(session=session, username=user.username, password=password) is None:
        raise WrongPassword("The password is not right.")
    check_code(session=session, user=user, key=key, code=code, now=now)
    if policy_covers(user, required=required) and not standing(session=session, user=user).passkeys:
        raise SecondFactorError("Your role needs a second factor on this tracker: add a passkey before removing "
                                "the authenticator app.")
    session.exec(delete(TotpFactor).where(col(TotpFactor.user_id) == user.id))
    session.exec(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))
    session.commit()


def renew_recovery_codes(*, session: Session, user: User, password: str, reauthenticated: bool = False) -> list[str]:
    """Ten new recovery codes after the password (or `reauthenticated`: confirmed at the identity provider just
    now); every earlier one stops working. Commits."""
    if not standing(session=session, user=user).app:
        raise SecondFactorError("Recovery codes come with an authenticator app: set one up first.")
    if not (reauthenticated and not password) and \
            accounts.authenticate(session=session, username=user.username, password=password) is None:
        raise WrongPassword("The password is not right.")
    codes = _replace_recovery_codes(session, user)
    session.commit()
    return codes


def _replace_recovery_codes(session: Session, user: User) -> list[str]:
    session.exec(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))
    codes = ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
             for _ in range(RECOVERY_CODES)]
    now = utcnow()
    session.add_all(RecoveryCode(user_id=user.id, code_hash=_digest(code), created_at=now) for code in codes)
    return ["-".join(code[i:i + 4] for i in range(0, RECOVERY_LENGTH, 4)) for code in codes]


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode("ascii")).hexdigest()


# ---------------------------------------------------------------- checking codes

def check_code(*, session: Session, user: User, key: bytes, code: str, now: datetime | None = None) -> str:
    """Accept a code from the app or a recovery code, each once; returns which ("app" or "recovery code").
    WrongCode otherwise. Commits what it uses up."""
    typed = "".join(code.split()).replace("-", "").lower()
    if typed.isdigit() and len(typed) == 6:
        factor = _factor(session, user)
        if factor is not None and factor.confirmed_at is not None:
            step = _matching_step(factor, key=key, code=typed, now=now or utcnow())
            # Conditional: a step already used (by this request's twin too) matches no row.
            if step is not None and session.exec(
                    update(TotpFactor).where(col(TotpFactor.id) == factor.id, col(TotpFactor.last_step) < step)
                    .values(last_step=step)).rowcount == 1:
                session.commit()
                return "app"
            session.rollback()
    elif len(typed) == RECOVERY_LENGTH and typed.isalnum() and typed.isascii():
        used = session.exec(update(RecoveryCode).where(col(RecoveryCode.user_id) == user.id,
                                                       col(RecoveryCode.code_hash) == _digest(typed),
                                                       col(RecoveryCode.used_at).is_(None))
                            .values(used_at=now or utcnow())).rowcount
        session.commit()
        if used == 1:
            return "recovery code"
    raise WrongCode("That code is not right, or it was used already. Type the code your authenticator app "
                    "shows now, or one of your recovery codes.")


def _matching_step(factor: TotpFactor, *, key: bytes, code: str, now: datetime) -> int | None:
    """The 30-second step around `now` whose code is `code` and is newer than the last one used, or None."""
    typed = "".join(code.split())
    if not (typed.isdigit() and len(typed) == 6):
        return None
    totp = pyotp.TOTP(_unseal(factor.secret_sealed, key))
    current = int(now.timestamp()) // STEP_SECONDS
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if step > factor.last_step and hmac.compare_digest(totp.generate_otp(step), typed):
            return step
    return None


def recent_failures(*, session: Session, user: User, now: datetime | None = None) -> int:
    """Wrong second-factor attempts on this account within the failure window, from every address."""
    since = (now or utcnow()) - FAILURE_WINDOW
    return session.exec(select(func.count(col(SecurityEvent.id))).where(
        SecurityEvent.user_id == user.id, SecurityEvent.kind == SecurityEventKind.second_factor_failed,
        col(SecurityEvent.created_at) >= since)).one()


def check_attempts_left(*, session: Session, user: User, now: datetime | None = None) -> None:
    """TooManyFailures once the account had FAILURES_ALLOWED wrong codes within the window."""
    if recent_failures(session=session, user=user, now=now) >= FAILURES_ALLOWED:
        minutes = int(FAILURE_WINDOW.total_seconds() // 60)
        raise TooManyFailures(f"Too many wrong codes for this account. Try again in {minutes} minutes.")
