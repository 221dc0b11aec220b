"""Accounts: usernames, the password policy, hashing (Argon2id) and sign-in checks."""

from __future__ import annotations

import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from tracker.models import EmailFrequency, Installation, Role, User, utcnow
from tracker.services.audit.log import AuditKind, record
from tracker.services.errors import Invalid, NotAllowed, NotFound
from tracker.services.learning.recall import check_daily_limit, check_retention
from tracker.services.notifications.mail import check_address, pass_over_pending
from tracker.services.people.passwords import PasswordPolicy, password_problem, personal_words
from tracker.services.people.sessions import Ended, end_all_access, end_all_sessions
from tracker.services.people.time_zones import check_zone, detected_zone

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,30}[a-z0-9]$")


class _Hashing:
    """The Argon2id parameters in use, and a hash to verify against when a username is unknown (so both
    answers take the same time). `configure_hashing` replaces them; the defaults are argon2-cffi's."""

    hasher = PasswordHasher()
    dummy_hash = hasher.hash(secrets.token_hex(16))


def configure_hashing(*, time_cost: int, memory_kib: int, parallelism: int) -> None:
    """Use these Argon2id parameters for new hashes; older hashes are upgraded at the next sign-in."""
    hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)
    if hasher.check_needs_rehash(_Hashing.dummy_hash):
        _Hashing.hasher, _Hashing.dummy_hash = hasher, hasher.hash(secrets.token_hex(16))


class AccountError(Invalid):
    """A request about an account was refused; the message is fit to show the user."""


class UsernameTaken(AccountError):
    """Someone has that username already (an answer sign-up limits count: it tells who has an account)."""


class WrongCurrentPassword(AccountError):
    """The current password given to confirm a change is not the account's."""


def normalise_username(username: str) -> str:
    """Usernames are case-insensitive: stored and compared lower-case."""
    candidate = username.strip().lower()
    if not USERNAME_RE.match(candidate):
        raise AccountError("Usernames are 3–32 characters: letters, digits, '.', '_' or '-', "
                           "starting and ending with a letter or digit.")
    return candidate


def check_password(password: str, *, policy: PasswordPolicy, username: str = "", display_name: str = "",
                   email: str | None = None) -> None:
    """Refuse short, over-long, easily guessed and breached passwords, knowing the site's words and the
    person's own (see `passwords.password_problem`). The password is used exactly as typed."""
    problem = password_problem(password, policy=policy,
                               words=personal_words(username=username, display_name=display_name, email=email))
    if problem is not None:
        raise AccountError(problem)


def _check_new_password(password: str, *, policy: PasswordPolicy, user: User) -> None:
    check_password(password, policy=policy, username=user.username, display_name=user.display_name,
                   email=user.email)


def hash_password(password: str) -> str:
    return _Hashing.hasher.hash(password)


def create_user(*, session: Session, username: str, password: str, policy: PasswordPolicy,
                role: Role = Role.learner, display_name: str = "", time_zone: str | None = None,
                actor: User | None = None, actor_label: str = "", signed_up: bool = False) -> User:
    """Create an account after checking the username and the password `policy`. `time_zone` is what the
    browser reported (UTC when it is missing or unknown). The audit log names who made it: `actor` (an
    admin), `actor_label` (the command line, the demo), or the new user themselves when `signed_up`. Commits."""
    username = normalise_username(username)
    check_password(password, policy=policy, username=username, display_name=display_name)
    if get_user(session=session, username=username) is not None:
        raise UsernameTaken(f"The username '{username}' is taken.")
    user = User(username=username, password_hash=hash_password(password), role=Role(role),
                display_name=display_name.strip()[:80], time_zone=detected_zone(time_zone))
    session.add(user)
    try:
        session.flush()
        record(session=session, kind=AuditKind.user_created, actor=user if signed_up else actor,
               actor_label=actor_label, subject=user,
               detail=f"as {Role(user.role).value}" + (", signed up" if signed_up else ""))
        session.commit()
    except IntegrityError:
        session.rollback()
        raise UsernameTaken(f"The username '{username}' is taken.") from None
    return user


class AccountDeactivated(NotAllowed):
    """The password is right but an administrator deactivated the account."""


def create_first_admin(*, session: Session, username: str, password: str, policy: PasswordPolicy,
                       display_name: str = "", time_zone: str | None = None) -> User:
    """The administrator of a fresh install: exactly one, however many requests race (the single
    `installation` row is written in the same transaction). NotFound once an administrator exists. Commits."""
    require_no_administrator(session=session)
    username = normalise_username(username)
    check_password(password, policy=policy, username=username, display_name=display_name)
    user = User(username=username, password_hash=hash_password(password), role=Role.admin,
                display_name=display_name.strip()[:80], time_zone=detected_zone(time_zone))
    session.add(user)
    try:
        session.flush()
        session.add(Installation(id=1, admin_id=user.id))
        record(session=session, kind=AuditKind.user_created, actor=user, subject=user,
               detail="as admin, the first administrator at setup")
        session.commit()
    except IntegrityError:
        session.rollback()
        raise NotFound("Setup is done: an administrator already exists.") from None
    return user


def authenticate(*, session: Session, username: str, password: str) -> User | None:
    """The active user with these credentials, or None; AccountDeactivated when the password is right for
    a deactivated account (only its owner can know that). Upgrades outdated hashes on the way."""
    user = get_user(session=session, username=username)
    if user is None:
        _verify(_Hashing.dummy_hash, password)
        return None
    if not _verify(user.password_hash, password):
        return None
    if not user.is_active:
        raise AccountDeactivated("This account is deactivated. Ask an administrator to reactivate it.")
    if _Hashing.hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.commit()
    return user


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _Hashing.hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def user_count(*, session: Session) -> int:
    return session.exec(select(func.count(col(User.id)))).one()


def confirm_password(*, user: User, password: str) -> None:
    """Refuse unless `password` is the user's own: asked again before what a stolen session must not do."""
    if not _verify(user.password_hash, password):
        raise AccountError("The password is not right.")


def change_password(*, session: Session, user: User, current: str, new: str, policy: PasswordPolicy) -> Ended:
    """Replace the password after checking the current one; ends every session of the user (the caller
    signs the current device in again) and revokes their API tokens. Commits."""
    if not _verify(user.password_hash, current):
        raise WrongCurrentPassword("The current password is not right.")
    _check_new_password(new, policy=policy, user=user)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    ended = end_all_access(session=session, user=user)
    session.commit()
    return ended


def set_password(*, session: Session, user: User, password: str, policy: PasswordPolicy) -> Ended:
    """Set a password without asking for the old one (demo accounts, administrators); ends the user's
    sessions and revokes their API tokens. Commits."""
    _check_new_password(password, policy=policy, user=user)
    user.password_hash = hash_password(password)
    ended = end_all_access(session=session, user=user)
    session.commit()
    return ended


def get_user(*, session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == username.strip().lower())).one_or_none()


def require_user(*, session: Session, username: str) -> User:
    """The user with this username, or NotFound."""
    user = get_user(session=session, username=username)
    if user is None:
        raise NotFound(f"There is no user called '{username.strip()}'.")
    return user


def has_administrator(*, session: Session) -> bool:
    """Whether the tracker has an administrator: until then only first-run setup makes accounts."""
    return session.exec(select(col(User.id)).where(User.role == Role.admin).limit(1)).first() is not None


def require_no_administrator(*, session: Session) -> None:
    """First-run setup exists only while there is no administrator; NotFound afterwards."""
    if has_administrator(session=session):
        raise NotFound("Setup is done: an administrator already exists.")


def get_user_by_id(*, session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


# ---------------------------------------------------------------- administration

def list_users(*, session: Session, q: str = "", limit: int = 200) -> list[User]:
    """Users whose username or display name contains `q`, by username."""
    query = select(User)
    if q.strip():
        word = q.strip()
        query = query.where(col(User.username).icontains(word, autoescape=True)
                            | col(User.display_name).icontains(word, autoescape=True))
    return list(session.exec(query.order_by(User.username).limit(limit)))


def set_role(*, session: Session, admin: User, user: User, role: Role) -> None:
    """Change a user's role. An admin cannot demote themselves (someone must stay admin). Commits."""
    if user.id == admin.id and role is not Role.admin:
        raise AccountError("You cannot take the admin role from yourself; ask another admin.")
    if user.role != role:
        record(session=session, kind=AuditKind.role_changed, actor=admin, subject=user,
               detail=f"{Role(user.role).value} → {role.value}")
        user.role = role
        end_all_sessions(session=session, user=user)  # signed-in pages were built for the old role
    session.commit()


def set_active(*, session: Session, admin: User, user: User, active: bool) -> Ended:
    """Deactivate (sign-in refused, open sessions end, API tokens revoked for good, data kept) or reactivate
    an account (its tokens stay revoked). Commits."""
    if user.id == admin.id and not active:
        raise AccountError("You cannot deactivate your own account.")
    if user.is_active != active:
        record(session=session, kind=AuditKind.user_reactivated if active else AuditKind.user_deactivated,
               actor=admin, subject=user)
    ended = change_active(session=session, user=user, active=active)
    session.commit()
    return ended


def change_active(*, session: Session, user: User, active: bool) -> Ended:
    """What `set_active` does, for any caller that judged it allowed (an administrator, the provisioning
    client): deactivating ends every signed-in device and revokes every API token at once. Does not commit."""
    user.is_active = active
    session.add(user)
    return (Ended(devices=end_all_sessions(session=session, user=user), tokens=0) if active
            else end_all_access(session=session, user=user))


def set_temporary_password(*, session: Session, user: User, password: str, policy: PasswordPolicy) -> Ended:
    """Set a password the user must change at their next sign-in; ends their sessions and revokes their API
    tokens. Commits."""
    _check_new_password(password, policy=policy, user=user)
    user.password_hash = hash_password(password)
    user.must_change_password = True
    ended = end_all_access(session=session, user=user)
    session.commit()
    return ended



def update_settings(*, session: Session, user: User, time_zone: str | None = None, email: str | None = None,
                    frequency: EmailFrequency | str | None = None, email_offered: bool = True,
                    desired_retention: float | None = None, new_cards_per_day: int | None = None,
                    reviews_per_day: int | None = None) -> User:
    """Change the user's settings; None keeps a setting as it is. Everything is checked before anything is
    written (one refusal, nothing changed). Days, due dates and the streak follow the time zone from now on.
    Email needs an address and a tracker that sends mail; turning it on does not send what arrived before
    (those stay in the app). The desired retention reschedules each card at its next review; the daily limits
    apply to the review queue at once. Commits."""
    zone = check_zone(time_zone) if time_zone is not None else user.time_zone
    retention = check_retention(desired_retention) if desired_retention is not None else user.desired_retention
    new_cards = (check_daily_limit("New cards per day", new_cards_per_day) if new_cards_per_day is not None
                 else user.new_cards_per_day)
    reviews = (check_daily_limit("Reviews per day", reviews_per_day) if reviews_per_day is not None
               else user.reviews_per_day)
    address = check_address(email) if email is not None else user.email
    chosen = EmailFrequency(frequency) if frequency is not None else user.email_notifications
    if chosen is not EmailFrequency.off:
        if not email_offered:
            raise Invalid("This tracker does not send email: notifications stay in the app.")
        if not address:
            raise Invalid("Give an email address to receive notifications by email.")
    if user.email_notifications == EmailFrequency.off and chosen is not EmailFrequency.off:
        pass_over_pending(session=session, user=user, now=utcnow())
    user.time_zone, user.email, user.email_notifications = zone, address, chosen
    user.desired_retention = retention
    user.new_cards_per_day, user.reviews_per_day = new_cards, reviews
    session.add(user)  # days already counted stay the days lived; the new zone counts the days from now on
    session.commit()
    return user


def set_time_zone(*, session: Session, user: User, time_zone: str) -> User:
    return update_settings(session=session, user=user, time_zone=time_zone)
