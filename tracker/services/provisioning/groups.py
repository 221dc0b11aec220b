"""Groups over SCIM: tracker groups (tracker.services.teams) read as SCIM Group resources and written from
them. The SCIM id is the group's public id and its version the ETag; displayName is its name, externalId the
client's id. Members are users by their SCIM id; every join and leave goes through `teams.add_member` /
`teams.remove_member` (source scim, actor "scim"), so what a join sets off happens for provisioned members
too. A change is audited (`provisioned`) in its own transaction."""

from __future__ import annotations

from typing import Any

from scim2_models import (
    InvalidValueException,
    NotFoundException,
    PatchOp,
    SearchRequest,
    UniquenessException,
)
from sqlalchemy import ColumnElement, exists, func
from sqlmodel import Session, col, select

from tracker.models import Group, GroupMember, GroupSource, User
from tracker.services import teams
from tracker.services.audit import AuditKind, record
from tracker.services.provisioning import common, filters, schema
from tracker.services.provisioning.users import ACTOR
from tracker.services.provisioning.users import location as user_location
from tracker.services.teams.groups import NAME_MAX, SLUG_MAX


def _has_member(value: Any):
    return exists().where(col(GroupMember.group_id) == Group.id, col(GroupMember.user_id) == User.id,
                          col(User.public_id) == str(value))


FILTER_COLUMNS: filters.Columns = {
    "id": lambda v: col(Group.public_id) == str(v),
    "displayname": lambda v: func.lower(col(Group.name)) == str(v).lower(),
    "externalid": lambda v: col(Group.external_id) == str(v),
    "members.value": _has_member,
}


def location(base_url: str, group: Group) -> str:
    return f"{base_url}/Groups/{group.public_id}"


def member_users(*, session: Session, group: Group) -> list[User]:
    """The group's members, in the order they joined."""
    return list(session.exec(select(User).join(GroupMember, col(GroupMember.user_id) == User.id)
                             .where(GroupMember.group_id == group.id).order_by(col(GroupMember.id))))


def to_resource(*, session: Session, group: Group, base_url: str, with_members: bool = True) -> schema.Group:
    """The SCIM view of a group; `with_members=False` leaves the members out (and unread) for clients that
    exclude them."""
    members = None
    if with_members:
        members = [schema.Member(value=u.public_id, ref=user_location(base_url, u), type="User")
                   for u in member_users(session=session, group=group)] or None
    return schema.Group(
        id=group.public_id, external_id=group.external_id, display_name=group.name, members=members,
        meta=common.meta(resource_type="Group", location=location(base_url, group), created=group.created_at,
                         modified=group.updated_at, version=group.version))


def get_group(*, session: Session, scim_id: str) -> Group:
    """The group with this SCIM id; NotFoundException (404) otherwise."""
    group = teams.find_group(session=session, public_id=scim_id)
    if group is None:
        raise NotFoundException(detail=f"There is no group with id {scim_id[:64]}.")
    return group


def search_groups(*, session: Session, search: SearchRequest[Any],
                  page: common.Page | None = None) -> tuple[int, list[Group], common.Page]:
    """The groups a search finds, how many in all, and the page shown (`page`, or the one the search asks
    for)."""
    where: list[ColumnElement[bool]] = []
    if search.filter is not None:
        where.append(filters.condition(search.filter, FILTER_COLUMNS))
    total = session.exec(select(func.count(col(Group.id))).where(*where)).one()
    page = page or common.page_of(search)
    found = list(session.exec(select(Group).where(*where).order_by(col(Group.id))
                              .offset(page.offset).limit(page.limit))) if page.limit else []
    return total, found, page


def _wanted_members(session: Session, members: list[schema.Member] | None) -> dict[int, User]:
    """The users `members` names, by id; invalidValue for anything that is not a provisionable user."""
    ids = []
    for member in members or []:
        if member.type not in (None, "User"):
            raise InvalidValueException(detail="Only users can be members of a group here (no nested groups).")
        value = member.value or (str(member.ref).rstrip("/").rsplit("/", 1)[-1] if member.ref else "")
        if not value:
            raise InvalidValueException(detail="Each member needs the value of a user's id.")
        ids.append(value)
    found: dict[str, User] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        found |= {u.public_id: u for u in session.exec(select(User).where(col(User.public_id).in_(chunk),
                                                                          col(User.deprovisioned_at).is_(None)))}
    missing = [value for value in ids if value not in found]
    if missing:
        raise InvalidValueException(detail=f"There is no user with id {missing[0][:64]}; nothing was changed.")
    return {found[value].id: found[value] for value in ids}


def _slug_for(session: Session, name: str) -> str:
    """A free address for a new group: its name's, or with -2, -3 ... after it."""
    base = teams.slugify(name) or "group"
    slug, n = base, 1
    while teams.find_group(session=session, slug=slug) is not None:
        n += 1
        slug = f"{base[:SLUG_MAX - len(str(n)) - 1]}-{n}"
    return slug


def _check_external_id(session: Session, group: Group | None, external_id: str | None) -> str | None:
    external_id = (external_id or "").strip() or None
    if external_id is None:
        return None
    if len(external_id) > 255:
        raise InvalidValueException(detail="externalId is at most 255 characters.")
    query = select(Group.id).where(Group.external_id == external_id)
    if group is not None:
        query = query.where(col(Group.id) != group.id)
    if session.exec(query).first() is not None:
        raise UniquenessException(detail="Another group has that externalId.")
    return external_id


def _name(resource: schema.Group) -> str:
    name = common.text(resource.display_name, name="displayName", limit=NAME_MAX)
    if not name:
        raise InvalidValueException(detail="A group needs a displayName.")
    return name


def _sync_members(session: Session, group: Group, wanted: dict[int, User]) -> tuple[int, int]:
    """Make the group's members exactly `wanted`, one add_member / remove_member each. Returns (added,
    removed)."""
    current = {user.id: user for user in member_users(session=session, group=group)}
    added = removed = 0
    for user_id, user in wanted.items():
        if user_id not in current:
            added += teams.add_member(session=session, group=group, user=user, source=GroupSource.scim,
                                      actor_label=ACTOR)
    for user_id, user in current.items():
        if user_id not in wanted:
            removed += teams.remove_member(session=session, group=group, user=user, actor_label=ACTOR)
    return added, removed


def _membership_note(added: int, removed: int) -> list[str]:
    return ([f"{added} member{'s' if added != 1 else ''} added"] if added else []) + \
        ([f"{removed} member{'s' if removed != 1 else ''} removed"] if removed else [])


def _audit(session: Session, group: Group, changes: list[str]) -> None:
    if changes:
        record(session=session, kind=AuditKind.provisioned, actor_label=ACTOR, group=group,
               detail=f"group {group.name}: " + "; ".join(changes))


def create_group(*, session: Session, resource: schema.Group) -> Group:
    """Provision a group with its members. Commits."""
    name = _name(resource)
    external_id = _check_external_id(session, None, resource.external_id)
    wanted = _wanted_members(session, resource.members)
    group = teams.create_group(session=session, name=name, slug=_slug_for(session, name), source=GroupSource.scim,
                               external_id=external_id, actor_label=ACTOR)
    added, _ = _sync_members(session, group, wanted)
    _audit(session, group, ["created", *_membership_note(added, 0)])
    session.commit()
    return group


def _write(session: Session, group: Group, resource: schema.Group) -> list[str]:
    name = _name(resource)
    external_id = _check_external_id(session, group, resource.external_id)
    wanted = _wanted_members(session, resource.members)
    changes = []
    if name != group.name:
        changes.append(f"name: {group.name} → {name}")
    if external_id != group.external_id:
        changes.append(f"externalId: {group.external_id or '–'} → {external_id or '–'}")
    if changes:
        teams.rename_group(session=session, group=group, name=name, external_id=external_id or "",
                           actor_label=ACTOR)
    changes += _membership_note(*_sync_members(session, group, wanted))
    return changes


def replace_group(*, session: Session, group: Group, resource: schema.Group, if_match: str | None = None) -> Group:
    """Make the group exactly what `resource` says, members included (PUT); 412 when If-Match names another
    version. Commits."""
    common.check_if_match(group.version, if_match)
    _audit(session, group, _write(session, group, resource))
    session.commit()
    return group


def patch_group(*, session: Session, group: Group, patch: PatchOp[schema.Group], base_url: str,
                if_match: str | None = None) -> Group:
    """Apply PATCH operations to the group, all or none (members added and removed by value, as Entra ID and
    Okta send them); 412 when If-Match names another version. Commits."""
    common.check_if_match(group.version, if_match)
    current = to_resource(session=session, group=group, base_url=base_url)
    if patch.patch(current, schema.POLICY):
        _audit(session, group, _write(session, group, current))
    session.commit()
    return group


def delete_group(*, session: Session, group: Group, if_match: str | None = None) -> None:
    """Delete the group and its memberships (assignments its rules made stay with the learners). Commits."""
    common.check_if_match(group.version, if_match)
    record(session=session, kind=AuditKind.provisioned, actor_label=ACTOR, detail=f"group {group.name} deleted")
    teams.delete_group(session=session, group=group, actor_label=ACTOR)
    session.commit()
