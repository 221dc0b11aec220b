"""Users over SCIM: tracker accounts read as SCIM User resources and written from them.

userName is the username (lower-case), displayName the display name (or, without one, the name the client
sends), the primary email the account's email, timezone its zone, active whether it may sign in, externalId
the client's own id. A provisioned account gets an unusable password: its person signs in through the
identity provider. Every change is audited (`provisioned`, by "scim") in its own transaction, and bumps the
account's version, which is its ETag.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any, Literal

from scim2_models import (
    ForbiddenException,
    GroupMembership,
    InvalidValueException,
    NotFoundException,
    PatchOp,
    SearchRequest,
    UniquenessException,
)
from sqlalchemy import ColumnElement, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from tracker.models import Group, GroupMember, Role, SecurityEventKind, User, utcnow
from tracker.services.audit import AuditKind, record
from tracker.services.errors import Invalid
from tracker.services.people import accounts, security_log, tokens
from tracker.services.people.time_zones import check_zone
from tracker.services.provisioning import common, filters, schema
from tracker.services.records import deletion

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.@+-]{0,62}[a-z0-9]$")
# Not an Argon2 hash: no password matches it, so the account signs in through the identity provider only.
UNUSABLE_PASSWORD = "!provisioned"
ACTOR = "scim"
DeleteMode = Literal["deactivate", "delete"]

FILTER_COLUMNS: filters.Columns = {
    "id": lambda v: col(User.public_id) == str(v),
    "username": lambda v: col(User.username) == str(v).strip().lower(),
    "externalid": lambda v: col(User.external_id) == str(v),
    "displayname": lambda v: func.lower(col(User.display_name)) == str(v).lower(),
    "emails.value": lambda v: func.lower(col(User.email)) == str(v).lower(),
    "active": lambda v: col(User.is_active).is_(v is True or str(v).lower() == "true"),
}


def location(base_url: str, user: User) -> str:
    return f"{base_url}/Users/{user.public_id}"


def to_resources(*, session: Session, users: list[User], base_url: str) -> list[schema.User]:
    """The SCIM view of these accounts, with the groups each is in (one query for them all)."""
    memberships: dict[int, list[Group]] = defaultdict(list)
    if users:
        rows = session.exec(select(GroupMember.user_id, Group).join(Group, col(Group.id) == GroupMember.group_id)
                            .where(col(GroupMember.user_id).in_([u.id for u in users])).order_by(col(Group.name)))
        for user_id, group in rows:
            memberships[user_id].append(group)
    return [_resource(user, memberships[user.id], base_url) for user in users]


def to_resource(*, session: Session, user: User, base_url: str) -> schema.User:
    return to_resources(session=session, users=[user], base_url=base_url)[0]


def _resource(user: User, groups: list[Group], base_url: str) -> schema.User:
    email = [schema.Email(value=user.email, type=user.email_type or None)] if user.email else None
    return schema.User(
        id=user.public_id, external_id=user.external_id, user_name=user.username,
        display_name=user.display_name or None,
        timezone=None if user.time_zone == "UTC" else user.time_zone,  # UTC: the tracker's default, no zone set
        active=user.is_active, emails=email,
        groups=[GroupMembership(value=g.public_id, display=g.name, ref=f"{base_url}/Groups/{g.public_id}",
                                type="direct") for g in groups] or None,
        meta=common.meta(resource_type="User", location=location(base_url, user), created=user.created_at,
                         modified=user.updated_at, version=user.version))


def get_user(*, session: Session, scim_id: str) -> User:
    """The provisionable account with this SCIM id; NotFoundException (404) otherwise."""
    user = session.exec(select(User).where(User.public_id == scim_id,
                                           col(User.deprovisioned_at).is_(None))).one_or_none()
    if user is None:
        raise NotFoundException(detail=f"There is no user with id {scim_id[:64]}.")
    return user


def search_users(*, session: Session, search: SearchRequest[Any],
                 page: common.Page | None = None) -> tuple[int, list[User], common.Page]:
    """The accounts a search finds (the deprovisioned ones left out), how many in all, and the page shown
    (`page`, or the one the search asks for)."""
    where: list[ColumnElement[bool]] = [col(User.deprovisioned_at).is_(None)]
    if search.filter is not None:
        where.append(filters.condition(search.filter, FILTER_COLUMNS))
    total = session.exec(select(func.count(col(User.id))).where(*where)).one()
    page = page or common.page_of(search)
    found = list(session.exec(select(User).where(*where).order_by(col(User.id))
                              .offset(page.offset).limit(page.limit))) if page.limit else []
    return total, found, page


def _username(value: str | None) -> str:
    name = (value or "").strip().lower()
    if not USERNAME_RE.match(name):
        raise InvalidValueException(
            detail="userName is 2–64 characters: letters, digits, '.', '_', '-', '@' or '+', starting and ending "
                   "with a letter or digit.")
    return name


def _display_name(resource: schema.User) -> str:
    if resource.display_name:
        return common.text(resource.display_name, name="displayName", limit=80)
    name = resource.name
    if name is None:
        return ""
    whole = name.formatted or " ".join(part for part in (name.given_name, name.family_name) if part)
    return common.text(whole, name="name.formatted", limit=80)


def _email(resource: schema.User) -> tuple[str, str]:
    found = [e for e in resource.emails or [] if e.value]
    if not found:
        return "", ""
    # `primary` is not kept (the account has one address), but it still picks which address that is.
    chosen = next((e for e in found if e.unknown_attributes.get("primary") in (True, "true", "True")), found[0])
    kind = common.text(str(chosen.type) if chosen.type else "", name="emails.type", limit=16)
    return str(chosen.value).strip()[:254], kind


def _zone(resource: schema.User) -> str:
    if not resource.timezone:
        return "UTC"
    try:
        return check_zone(resource.timezone)
    except Invalid as exc:
        raise InvalidValueException(detail=f"timezone: {exc.message}") from None


def _taken(session: Session, user: User, **where: Any) -> bool:
    query = select(User.id).where(*[getattr(User, key) == value for key, value in where.items()])
    if user.id is not None:
        query = query.where(col(User.id) != user.id)
    return session.exec(query).first() is not None


def _keep_an_administrator(session: Session, user: User) -> None:
    """Provisioning may not take the tracker's last active administrator away."""
    if not user.is_active or not user.has_role(Role.admin):
        return
    others = session.exec(select(func.count(col(User.id))).where(
        User.role == Role.admin, col(User.is_active).is_(True), col(User.id) != user.id)).one()
    if not others:
        raise ForbiddenException(detail=f"{user.username} is the tracker's last active administrator; make "
                                        "someone else an administrator first. Nothing was changed.")


class _Write:
    """One provisioning change to an account: what it changed (for the audit log) and whether access ended."""

    def __init__(self) -> None:
        self.changes: list[str] = []
        self.ended: accounts.Ended | None = None
        self.reactivated = False


def _write(session: Session, user: User, resource: schema.User) -> _Write:
    """Make the account what `resource` says (everything checked before anything is set). Does not commit."""
    username = _username(resource.user_name)
    if (user.id is None or username != user.username) and _taken(session, user, username=username):
        raise UniquenessException(detail=f"The userName {username} is taken.")
    external_id = (resource.external_id or "").strip() or None
    if external_id is not None and len(external_id) > 255:
        raise InvalidValueException(detail="externalId is at most 255 characters.")
    if (user.id is None or external_id != user.external_id) and external_id is not None and \
            _taken(session, user, external_id=external_id):
        raise UniquenessException(detail="Another user has that externalId.")
    display_name, zone, (email, email_type) = _display_name(resource), _zone(resource), _email(resource)
    active = True if resource.active is None else bool(resource.active)
    if not active and user.id is not None:
        _keep_an_administrator(session, user)

    write = _Write()
    for label, field, value in (("userName", "username", username), ("externalId", "external_id", external_id),
                                ("displayName", "display_name", display_name), ("timezone", "time_zone", zone),
                                ("email", "email", email), ("email type", "email_type", email_type)):
        if getattr(user, field) != value:
            write.changes.append(f"{label}: {getattr(user, field) or '–'} → {value or '–'}")
            setattr(user, field, value)
    if user.id is None:
        user.is_active = active
    elif active != user.is_active:
        write.changes.append("active" if active else "deactivated")
        write.ended = accounts.change_active(session=session, user=user, active=active)
        write.reactivated = active
    if write.changes and user.id is not None:
        user.version += 1
        user.updated_at = utcnow()
    session.add(user)
    return write


def _audit(session: Session, user: User, detail: str) -> None:
    record(session=session, kind=AuditKind.provisioned, actor_label=ACTOR, subject=user, detail=detail)


def _commit(session: Session, user: User, write: _Write, verb: str) -> None:
    """Audit and commit a write, then log what ended the account's access (the security log commits its own)."""
    try:
        if write.changes:
            session.flush()
            _audit(session, user, f"{verb}: " + "; ".join(write.changes))
        session.commit()
    except IntegrityError:  # another request took the userName or externalId in the meantime
        session.rollback()
        raise UniquenessException(detail="The userName or externalId was taken meanwhile; nothing was changed.") \
            from None
    if write.ended is not None and not write.reactivated:
        security_log.record(session=session, kind=SecurityEventKind.deactivated, user=user,
                            detail="by the provisioning client")
        if write.ended.tokens:
            security_log.record(session=session, kind=SecurityEventKind.tokens_revoked, user=user,
                                detail=tokens.describe_revocation(write.ended.tokens,
                                                                  "deactivated by the provisioning client"))
    elif write.reactivated:
        security_log.record(session=session, kind=SecurityEventKind.reactivated, user=user,
                            detail="by the provisioning client")


def create_user(*, session: Session, resource: schema.User) -> User:
    """Provision an account; a userName taken is refused (409), except by an account deleted over SCIM and kept,
    which comes back with its data. Commits."""
    username = _username(resource.user_name)
    kept = session.exec(select(User).where(User.username == username,
                                           col(User.deprovisioned_at).is_not(None))).one_or_none()
    if kept is not None:
        kept.deprovisioned_at = None
        write = _write(session, kept, resource)
        write.changes.insert(0, "the account kept at its deletion is back")
        kept.version += 1
        kept.updated_at = utcnow()
        _commit(session, kept, write, "provisioned again")
        return kept
    user = User(username=username, password_hash=UNUSABLE_PASSWORD, provisioned=True, role=Role.learner)
    write = _write(session, user, resource)
    write.changes.insert(0, f"userName {username}" + ("" if user.is_active else ", inactive"))
    _commit(session, user, write, "created")
    return user


def replace_user(*, session: Session, user: User, resource: schema.User, if_match: str | None = None) -> User:
    """Make the account exactly what `resource` says (PUT); 412 when If-Match names another version. Commits."""
    common.check_if_match(user.version, if_match)
    _commit(session, user, _write(session, user, resource), "replaced")
    return user


def patch_user(*, session: Session, user: User, patch: PatchOp[schema.User], base_url: str,
               if_match: str | None = None) -> User:
    """Apply PATCH operations to the account, all or none; 412 when If-Match names another version. Commits."""
    common.check_if_match(user.version, if_match)
    current = to_resource(session=session, user=user, base_url=base_url)
    if not patch.patch(current, schema.POLICY):
        return user
    _commit(session, user, _write(session, user, current), "changed")
    return user


def delete_user(*, session: Session, user: User, mode: DeleteMode, if_match: str | None = None) -> None:
    """Deprovision the account. "deactivate": it is kept, deactivated with its data, and SCIM no longer shows
    it; "delete": it is deleted with everything personal, as its owner's own deletion does. Either way its
    sessions and API tokens end at once. Commits."""
    common.check_if_match(user.version, if_match)
    _keep_an_administrator(session, user)
    if mode == "delete":
        _audit(session, user, "deleted with its data")
        session.flush()
        deletion.erase_account(session=session, user=user, by="the provisioning client")
        return
    write = _Write()
    write.changes.append("deprovisioned: deactivated, data kept"
                         + (f", externalId {user.external_id} released" if user.external_id else ""))
    if user.is_active:
        write.ended = accounts.change_active(session=session, user=user, active=False)
    user.deprovisioned_at = utcnow()
    user.external_id = None
    user.version += 1
    user.updated_at = utcnow()
    session.add(user)
    _commit(session, user, write, "deleted")
