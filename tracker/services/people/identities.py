"""Sign-in through an OpenID Connect provider: accounts linked by the provider's issuer and subject, made on
first sign-in, and kept in step with the provider's groups (roles and tracker groups) at every sign-in.

The ID token was validated before anything here runs (signature, issuer, audience, expiry, nonce): these
functions decide what the claims mean for the tracker's accounts.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from tracker.models import ExternalIdentity, Group, GroupSource, Role, User, utcnow
from tracker.services.audit import AuditKind, record
from tracker.services.errors import Invalid, NotAllowed, NotFound
from tracker.services.notifications.mail import check_address
from tracker.services.people.accounts import USERNAME_RE, get_user
from tracker.services.people.sessions import end_all_sessions
from tracker.services.people.time_zones import detected_zone
from tracker.services.teams import create_group, slugify, sync_user_groups

ACTOR = "oidc"  # the audit log's actor for what the provider's claims changed
GROUPS_MAX = 500  # more provider groups than this in one token are not read (nobody is in so many on purpose)
USERNAME_MAX = 32


class SignInRefused(NotAllowed):
    """The provider vouched for someone the tracker will not sign in; the message says why and what to do."""


class DeactivatedAccount(SignInRefused):
    """The provider vouched for the owner of a deactivated account."""


class ClaimsRefused(Invalid):
    """The provider's claims lack what the tracker needs (an email address to make or link an account)."""


@dataclass(frozen=True)
class DirectoryPolicy:
    """What the operator set: the provider, its groups claim, the groups that give roles, whether unknown groups
    become tracker groups, and the break-glass administrators no mapping may lower."""

    issuer: str
    provider_name: str
    groups_claim: str = "groups"
    admin_groups: frozenset[str] = frozenset()
    mentor_groups: frozenset[str] = frozenset()
    create_groups: bool = False
    break_glass: frozenset[str] = frozenset()

    @property
    def maps_roles(self) -> bool:
        return bool(self.admin_groups or self.mentor_groups)

    def role_for(self, groups: frozenset[str]) -> Role | None:
        """The role the provider's groups give, or None when no mapping is configured."""
        if not self.maps_roles:
            return None
        if groups & self.admin_groups:
            return Role.admin
        if groups & self.mentor_groups:
            return Role.mentor
        return Role.learner


@dataclass(frozen=True)
class ProviderClaims:
    """Who the provider says signed in."""

    issuer: str
    subject: str
    email: str = ""
    email_verified: bool = False
    name: str = ""
    username_hint: str = ""
    zone: str | None = None
    groups: frozenset[str] = frozenset()


@dataclass(frozen=True)
class SignedIn:
    """The account to sign in, and what this sign-in changed."""

    user: User
    created: bool = False
    linked: bool = False
    role_change: tuple[Role, Role] | None = None
    joined: tuple[str, ...] = ()
    left: tuple[str, ...] = ()


@dataclass(frozen=True)
class LinkNeeded:
    """An account with the provider's (verified) email exists: its owner must prove it before it is linked."""

    user: User
    claims: ProviderClaims = field(repr=False)


def _claim(raw: Mapping[str, Any], name: str) -> Any:
    """A claim by name, or by a dotted path into nested claims (Keycloak's realm_access.roles)."""
    if name in raw:
        return raw[name]
    value: Any = raw
    for part in name.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _text(value: Any, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def read_claims(raw: Mapping[str, Any], *, groups_claim: str) -> ProviderClaims:
    """The claims the tracker uses, from the validated ID token merged with the userinfo answer. Refuses a
    token without issuer or subject; a value of the wrong type counts as absent."""
    issuer, subject = _text(raw.get("iss"), 255), _text(raw.get("sub"), 255)
    if not issuer or not subject:
        raise ClaimsRefused("The identity provider's answer names nobody (no issuer or subject).")
    verified = raw.get("email_verified")
    if isinstance(verified, str):  # some providers send the JSON string "true"
        verified = verified.lower() == "true"
    groups = _claim(raw, groups_claim)
    if isinstance(groups, str):
        groups = [groups]
    names = frozenset(g.strip()[:255] for g in (groups if isinstance(groups, list) else [])[:GROUPS_MAX]
                      if isinstance(g, str) and g.strip())
    zone = _text(raw.get("zoneinfo"), 64)
    return ProviderClaims(issuer=issuer, subject=subject, email=_text(raw.get("email"), 254),
                          email_verified=verified is True, name=_text(raw.get("name"), 80),
                          username_hint=_text(raw.get("preferred_username"), 254),
                          zone=detected_zone(zone) if zone else None, groups=names)


def require_provider(*, configured: bool) -> None:
    """NotFound when no identity provider is configured: its addresses do not exist then."""
    if not configured:
        raise NotFound("Sign-in through an identity provider is not set up on this tracker.")


def find_identity(*, session: Session, issuer: str, subject: str) -> ExternalIdentity | None:
    return session.exec(select(ExternalIdentity).where(ExternalIdentity.issuer == issuer,
                                                       ExternalIdentity.subject == subject)).first()


class ReauthenticationRefused(NotAllowed):
    """The provider's answer does not confirm the signed-in account (another provider account, or too old)."""


def confirm_reauthentication(*, session: Session, user: User, claims: ProviderClaims, auth_time: Any,
                             started: float, now: float, max_age: float, provider: str) -> None:
    """Check that the provider has just asked `user` again: the ID token's `auth_time` is no older than `max_age`
    seconds, and not earlier than when the confirmation was started (`started`, a Unix time, as `now`), and its
    issuer and subject are the ones linked to `user`. ReauthenticationRefused otherwise. Nothing is linked or
    changed either way; does not commit."""
    identity = find_identity(session=session, issuer=claims.issuer, subject=claims.subject)
    if identity is None or identity.user_id != user.id:
        raise ReauthenticationRefused(f"You signed in at {provider} as someone else than the account linked to "
                                      f"{user.username}. Nothing was confirmed or linked; confirm again with the "
                                      f"{provider} account you sign in with.")
    if isinstance(auth_time, bool) or not isinstance(auth_time, (int, float)):
        raise ReauthenticationRefused(f"{provider} did not say when you signed in there, so this cannot count as "
                                      "confirming who you are. Type your password instead, or ask your "
                                      "administrator.")
    if auth_time < int(started) or now - auth_time > max_age:
        raise ReauthenticationRefused(f"{provider} did not ask you to sign in again just now, so this does not "
                                      "confirm who you are. Try again.")


def identities_of(*, session: Session, user: User) -> list[ExternalIdentity]:
    """The provider accounts linked to the user, oldest first."""
    return list(session.exec(select(ExternalIdentity).where(ExternalIdentity.user_id == user.id)
                             .order_by(col(ExternalIdentity.linked_at), col(ExternalIdentity.id))))


def _usable_email(claims: ProviderClaims, provider: str) -> str:
    if not claims.email:
        raise ClaimsRefused(f"{provider} did not tell the tracker your email address, which it needs to make or "
                            "find your account. Ask your administrator to release the email claim (the 'email' "
                            "scope) to the tracker.")
    try:
        return check_address(claims.email)
    except Invalid:
        raise ClaimsRefused(f"{provider} gave an email address the tracker cannot use ({claims.email}).") from None


def _accounts_with_email(session: Session, email: str) -> list[User]:
    return list(session.exec(select(User).where(func.lower(col(User.email)) == email.lower()).order_by(col(User.id))))


def sign_in_through_provider(*, session: Session, claims: ProviderClaims, policy: DirectoryPolicy,
                             now: datetime | None = None) -> SignedIn | LinkNeeded:
    """Who signs in for these claims: the linked account; else a new account made for them (just in time); else,
    when an account has the same email and the provider verified it, LinkNeeded (nothing written: its owner must
    confirm). Refuses a deactivated account, an unverified email that an account already has, and a first
    sign-in without an email. Roles and groups follow the provider's groups. Commits when it signs someone in;
    writes nothing when it refuses."""
    now = now or utcnow()
    for attempt in range(2):
        try:
            return _sign_in(session, claims, policy, now)
        except IntegrityError:
            # Another sign-in of the same person (or a group of the same name) was made at the same moment:
            # start again from what it wrote.
            session.rollback()
            if attempt:
                raise
    raise AssertionError("unreachable")


def _returning(session: Session, identity: ExternalIdentity, claims: ProviderClaims, policy: DirectoryPolicy,
               now: datetime) -> SignedIn:
    """A person signing in again through the account linked to them."""
    user = session.get_one(User, identity.user_id)
    _check_active(user)
    identity.last_sign_in_at = now
    session.add(identity)
    return _signed_in(session, user, claims, policy, created=False, linked=False)


def _sign_in(session: Session, claims: ProviderClaims, policy: DirectoryPolicy,
             now: datetime) -> SignedIn | LinkNeeded:
    identity = find_identity(session=session, issuer=claims.issuer, subject=claims.subject)
    if identity is not None:
        return _returning(session, identity, claims, policy, now)
    email = _usable_email(claims, policy.provider_name)
    existing = _accounts_with_email(session, email)
    if existing:
        # A first sign-in of the same person may have committed its account since the look above: theirs.
        identity = find_identity(session=session, issuer=claims.issuer, subject=claims.subject)
        if identity is not None:
            return _returning(session, identity, claims, policy, now)
        if not claims.email_verified:
            raise SignInRefused(f"An account with the email {email} already exists here, and {policy.provider_name} "
                                "has not verified that this address is yours, so the two are not linked. Verify "
                                f"your email at {policy.provider_name}, or sign in with your password and ask an "
                                "administrator.")
        if len(existing) > 1:
            raise SignInRefused(f"Several accounts here have the email {email}; an administrator must say which "
                                "one is yours before you can sign in this way.")
        _check_active(existing[0])
        return LinkNeeded(user=existing[0], claims=claims)
    user = User(username=_free_username(session, claims.username_hint or email.partition("@")[0]),
                password_hash=_unusable_password(), role=Role.learner, display_name=claims.name, email=email,
                time_zone=claims.zone or "UTC", created_at=now)
    session.add(user)
    session.flush()
    record(session=session, kind=AuditKind.user_created, actor_label=ACTOR, subject=user,
           detail=f"on first sign-in through {policy.provider_name}")
    _link(session, user, claims, policy, now, detail="on first sign-in")
    return _signed_in(session, user, claims, policy, created=True, linked=True)


def link_and_sign_in(*, session: Session, user: User, claims: ProviderClaims, policy: DirectoryPolicy,
                     now: datetime | None = None) -> SignedIn:
    """Link the provider account to `user`, whose owner has just proved it (their password, and their second
    factor when they have one), and sign them in. Refuses when that provider account was linked to another
    account meanwhile, or the account was deactivated. Commits."""
    now = now or utcnow()
    _check_active(user)
    identity = find_identity(session=session, issuer=claims.issuer, subject=claims.subject)
    if identity is not None and identity.user_id != user.id:
        raise SignInRefused(f"This {policy.provider_name} account is already linked to another account here.")
    try:
        if identity is None:
            _link(session, user, claims, policy, now, detail="confirmed by the account's owner")
        return _signed_in(session, user, claims, policy, created=False, linked=identity is None)
    except IntegrityError:
        session.rollback()
        raise SignInRefused(f"This {policy.provider_name} account was linked at the same moment; sign in "
                            "again.") from None


def _check_active(user: User) -> None:
    if not user.is_active:
        raise DeactivatedAccount("This account is deactivated. Ask an administrator to reactivate it.")


def _link(session: Session, user: User, claims: ProviderClaims, policy: DirectoryPolicy, now: datetime, *,
          detail: str) -> None:
    session.add(ExternalIdentity(user_id=user.id, issuer=claims.issuer, subject=claims.subject,
                                 email=claims.email[:254], linked_at=now, last_sign_in_at=now))
    session.flush()
    record(session=session, kind=AuditKind.oidc_linked, actor=user, subject=user,
           detail=f"{policy.provider_name} account {claims.subject[:100]} ({claims.email}), {detail}")


def _signed_in(session: Session, user: User, claims: ProviderClaims, policy: DirectoryPolicy, *, created: bool,
               linked: bool) -> SignedIn:
    role_change = _follow_role(session, user, claims, policy)
    joined, left = _follow_groups(session, user, claims, policy)
    record(session=session, kind=AuditKind.oidc_sign_in, actor=user, subject=user,
           detail=f"through {policy.provider_name}" + (", account created" if created else ""))
    session.commit()
    return SignedIn(user=user, created=created, linked=linked, role_change=role_change,
                    joined=tuple(g.name for g in joined), left=tuple(g.name for g in left))


def _follow_role(session: Session, user: User, claims: ProviderClaims,
                 policy: DirectoryPolicy) -> tuple[Role, Role] | None:
    """Raise or lower the role to what the provider's groups say (when a mapping is configured); a break-glass
    administrator is never lowered."""
    wanted, current = policy.role_for(claims.groups), Role(user.role)
    if wanted is None or wanted is current:
        return None
    if current is Role.admin and user.username in policy.break_glass:
        return None
    user.role = wanted
    session.add(user)
    end_all_sessions(session=session, user=user)  # pages open elsewhere were built for the old role
    record(session=session, kind=AuditKind.role_changed, actor_label=ACTOR, subject=user,
           detail=f"{current.value} → {wanted.value}, from the groups at {policy.provider_name}")
    return current, wanted


def _follow_groups(session: Session, user: User, claims: ProviderClaims,
                   policy: DirectoryPolicy) -> tuple[list[Group], list[Group]]:
    """Join the tracker groups mapped to the provider's groups (Group.idp_name), making the missing ones when the
    operator chose so, and leave those joined through the provider that the claim no longer names."""
    groups = list(session.exec(select(Group).where(col(Group.idp_name).in_(sorted(claims.groups))))) \
        if claims.groups else []
    if policy.create_groups:
        known = {g.idp_name for g in groups}
        groups += [_provider_group(session, name) for name in sorted(claims.groups - known)]
    return sync_user_groups(session=session, user=user, groups=groups, source=GroupSource.oidc, actor_label=ACTOR)


def _provider_group(session: Session, name: str) -> Group:
    base = slugify(name)[:56].strip("-") or "group"
    slug, n = base, 1
    while session.exec(select(Group.id).where(Group.slug == slug)).first() is not None:
        n += 1
        slug = f"{base}-{n}"
    return create_group(session=session, name=" ".join(name.split())[:120] or slug, slug=slug,
                        source=GroupSource.oidc, idp_name=name, actor_label=ACTOR)


def _free_username(session: Session, hint: str) -> str:
    """A username from the provider's preferred_username or the email's local part, made valid and unique."""
    ascii_hint = unicodedata.normalize("NFKD", hint.strip().partition("@")[0]).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9_.-]+", "-", ascii_hint.lower())
    base = base.strip("._-")[:USERNAME_MAX].strip("._-")
    if len(base) < 3:
        base = (base + "-user").strip("-") if base else "user"
    candidate, n = base, 1
    while not USERNAME_RE.match(candidate) or get_user(session=session, username=candidate) is not None:
        n += 1
        suffix = f"-{n}"
        candidate = base[:USERNAME_MAX - len(suffix)].rstrip("._-") + suffix
    return candidate


def _unusable_password() -> str:
    """A value no password matches (not an Argon2 hash): the account signs in through the provider only, until
    an administrator sets a password."""
    return "!provider-only:" + secrets.token_hex(16)
