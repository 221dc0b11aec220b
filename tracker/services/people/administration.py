"""Changes to an account's standing and access, each with its entry in the security log: what the admin pages
and the admin API do to someone's account, and what the owner does to their own tokens and devices.

Pages and the API call these, so a change made either way is decided and recorded the same way.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlmodel import Session

from tracker.models import ApiToken, Role, SecurityEventKind, User
from tracker.services.errors import NotAllowed
from tracker.services.people import accounts, security_log, sessions, tokens
from tracker.services.people.passwords import PasswordPolicy


def _tokens_revoked(session: Session, user: User, count: int, reason: str, address: str) -> None:
    if count:
        security_log.record(session=session, kind=SecurityEventKind.tokens_revoked, user=user, address=address,
                            detail=tokens.describe_revocation(count, reason))


def create_account(*, session: Session, admin: User, username: str, password: str, policy: PasswordPolicy,
                   role: Role = Role.learner, display_name: str = "", time_zone: str | None = None,
                   address: str = "") -> User:
    """An account made by an admin, with a temporary password its owner must change at the first sign-in
    (the admin knows it). The username and password are checked as at sign-up. Commits."""
    user = accounts.create_user(session=session, username=username, password=password, policy=policy, role=role,
                                display_name=display_name, time_zone=time_zone)
    user.must_change_password = True
    session.commit()
    security_log.record(session=session, kind=SecurityEventKind.signed_up, user=user, address=address,
                        detail=f"made by {admin.username}, as {user.role.value}, with a temporary password")
    return user


def change_role(*, session: Session, admin: User, user: User, role: Role, address: str = "") -> None:
    """Give `user` another role (their signed-in devices end; their tokens stay, judged by the new role).
    Commits."""
    accounts.set_role(session=session, admin=admin, user=user, role=role)
    security_log.record(session=session, kind=SecurityEventKind.role_changed, user=user, address=address,
                        detail=f"{role.value}, by {admin.username}")


def change_active(*, session: Session, admin: User, user: User, active: bool,
                  address: str = "") -> sessions.Ended:
    """Deactivate an account (its devices end, its tokens are revoked for good) or reactivate it. Commits."""
    ended = accounts.set_active(session=session, admin=admin, user=user, active=active)
    security_log.record(session=session, kind=SecurityEventKind.reactivated if active
                        else SecurityEventKind.deactivated, user=user, address=address,
                        detail=f"by {admin.username}")
    _tokens_revoked(session, user, ended.tokens, f"deactivated by {admin.username}", address)
    return ended


class PasswordsClosed(NotAllowed):
    """Local passwords are turned off (TRACKER_LOCAL_PASSWORDS) and this account is not a break-glass one."""


def passwords_open_to(*, username: str, local_passwords: bool, break_glass: Collection[str]) -> bool:
    """Whether a password may sign in `username`: always, unless local passwords are off, when only the
    break-glass administrators (named lower-case) may."""
    return local_passwords or username.strip().lower() in break_glass


def give_temporary_password(*, session: Session, admin: User, user: User, password: str, policy: PasswordPolicy,
                            local_passwords: bool, break_glass: Collection[str],
                            address: str = "") -> sessions.Ended:
    """A password `user` must change at the next sign-in; their devices end and their tokens are revoked.
    PasswordsClosed (and nothing changed) when local passwords are off and `user` is not a break-glass
    administrator. Commits."""
    if not passwords_open_to(username=user.username, local_passwords=local_passwords, break_glass=break_glass):
        raise PasswordsClosed(f"{user.username} cannot have a password: Passwords are turned off on this tracker, "
                              "and kept for the break-glass administrators only.")
    ended = accounts.set_temporary_password(session=session, user=user, password=password, policy=policy)
    security_log.record(session=session, kind=SecurityEventKind.temporary_password_set, user=user, address=address,
                        detail=f"by {admin.username}")
    _tokens_revoked(session, user, ended.tokens, f"temporary password set by {admin.username}", address)
    return ended


def revoke_tokens_of(*, session: Session, admin: User, user: User, address: str = "") -> int:
    """Revoke every working API token of `user`: the next request with any of them answers 401. Returns how
    many. Commits."""
    count = tokens.revoke_all_tokens(session=session, user=user)
    session.commit()
    _tokens_revoked(session, user, count, f"revoked by {admin.username}", address)
    return count


def end_access_of(*, session: Session, admin: User, user: User, address: str = "") -> sessions.Ended:
    """Sign `user` out on every device and revoke every API token (the account stays usable with its
    password). Commits."""
    ended = sessions.end_all_access(session=session, user=user)
    session.commit()
    security_log.record(session=session, kind=SecurityEventKind.signed_out_everywhere, user=user, address=address,
                        detail=f"{ended.devices} devices, by {admin.username}")
    _tokens_revoked(session, user, ended.tokens, f"signed out everywhere by {admin.username}", address)
    return ended


def revoke_own_token(*, session: Session, user: User, token_id: int, address: str = "") -> ApiToken:
    """Revoke one of the user's own tokens (NotFound for anyone else's). Commits."""
    token = tokens.revoke_token(session=session, user=user, token_id=token_id)
    security_log.record(session=session, kind=SecurityEventKind.token_revoked, user=user, address=address,
                        detail=f"{token.name} ({token.hint}…)")
    return token


def end_own_session(*, session: Session, user: User, session_id: int, address: str = "") -> None:
    """Sign one of the user's own devices out (NotFound for anyone else's). Commits."""
    sessions.end_session(session=session, user=user, session_id=session_id)
    security_log.record(session=session, kind=SecurityEventKind.session_ended, user=user, address=address)


def sign_out_everywhere(*, session: Session, user: User, address: str = "") -> sessions.Ended:
    """The owner signs out on every device and revokes every API token (the one in use too). Commits."""
    ended = sessions.end_all_access(session=session, user=user)
    session.commit()
    security_log.record(session=session, kind=SecurityEventKind.signed_out_everywhere, user=user, address=address,
                        detail=f"{ended.devices} devices")
    _tokens_revoked(session, user, ended.tokens, "signed out everywhere", address)
    return ended
