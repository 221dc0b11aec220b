"""Groups and their members. The one place memberships change, so that each change is audited and versioned."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterable

from sqlalchemy import func
from sqlmodel import Session, col, select

from tracker.models import Group, GroupMember, GroupSource, User, utcnow
from tracker.services.audit import AuditKind, record
from tracker.services.errors import Invalid, NotFound
from tracker.services.teams import assignment_rules

NAME_MAX = 120
SLUG_MAX = 64
DESCRIPTION_MAX = 2000
IDP_NAME_MAX = 255


class GroupError(Invalid):
    """A group's name, slug or mapping is refused."""


def slugify(name: str) -> str:
    """A group's address from its name: lower-case ASCII letters, digits and single hyphens."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:SLUG_MAX].strip("-")


def _touch(group: Group) -> None:
    group.version += 1
    group.updated_at = utcnow()


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise GroupError("Give the group a name.")
    if len(name) > NAME_MAX:
        raise GroupError(f"A group's name is at most {NAME_MAX} characters.")
    return name


def _check_texts(description: str | None, idp_name: str | None) -> None:
    if description is not None and len(description.strip()) > DESCRIPTION_MAX:
        raise GroupError(f"A group's description is at most {DESCRIPTION_MAX} characters.", field="description")
    if idp_name is not None and len(idp_name) > IDP_NAME_MAX:
        raise GroupError(f"A provider group name is at most {IDP_NAME_MAX} characters.", field="idp_name")


def create_group(*, session: Session, name: str, slug: str | None = None, description: str = "",
                 source: GroupSource = GroupSource.local, external_id: str | None = None,
                 idp_name: str | None = None, actor: User | None = None, actor_label: str = "") -> Group:
    """Make a group; a taken slug, external id or provider name is refused. Does not commit."""
    name = _clean_name(name)
    _check_texts(description, idp_name)
    slug = slugify(slug or name)
    if not slug:
        raise GroupError("A group's name needs at least one letter or digit.")
    if session.exec(select(Group.id).where(Group.slug == slug)).first() is not None:
        raise GroupError(f"A group with the address “{slug}” already exists.", field="slug")
    if external_id and session.exec(select(Group.id).where(Group.external_id == external_id)).first():
        raise GroupError("Another group has that external id.", field="external_id")
    if idp_name and session.exec(select(Group.id).where(Group.idp_name == idp_name)).first():
        raise GroupError("Another group is mapped to that provider group.", field="idp_name")
    group = Group(name=name, slug=slug, description=description.strip(), source=source,
                  external_id=external_id or None, idp_name=idp_name or None, public_id=str(uuid.uuid4()))
    session.add(group)
    session.flush()
    record(session=session, kind=AuditKind.group_created, actor=actor, actor_label=actor_label, group=group,
           detail=f"{group.name} ({source.value})")
    return group


def rename_group(*, session: Session, group: Group, name: str | None = None, description: str | None = None,
                 idp_name: str | None = None, external_id: str | None = None, actor: User | None = None,
                 actor_label: str = "") -> Group:
    """Change a group's name, description or mappings (None keeps each). Does not commit."""
    _check_texts(description, idp_name)
    changes = []
    if name is not None and _clean_name(name) != group.name:
        changes.append(f"name: {group.name} → {_clean_name(name)}")
        group.name = _clean_name(name)
    if description is not None and description.strip() != group.description:
        group.description = description.strip()
        changes.append("description")
    if idp_name is not None and (idp_name or None) != group.idp_name:
        taken = session.exec(select(Group.id).where(Group.idp_name == idp_name, Group.id != group.id)).first()
        if idp_name and taken:
            raise GroupError("Another group is mapped to that provider group.", field="idp_name")
        group.idp_name = idp_name or None
        changes.append(f"provider group: {idp_name or 'none'}")
    if external_id is not None and (external_id or None) != group.external_id:
        group.external_id = external_id or None
        changes.append("external id")
    if changes:
        _touch(group)
        session.add(group)
        record(session=session, kind=AuditKind.group_changed, actor=actor, actor_label=actor_label, group=group,
               detail="; ".join(changes))
    return group


def delete_group(*, session: Session, group: Group, actor: User | None = None, actor_label: str = "") -> None:
    """Delete a group and its memberships. Assignments its rules made stay with the learners. Does not commit."""
    record(session=session, kind=AuditKind.group_deleted, actor=actor, actor_label=actor_label,
           detail=f"{group.name} ({group.slug}), {member_count(session=session, group=group)} members")
    session.delete(group)
    session.flush()


def get_group(*, session: Session, slug: str) -> Group:
    """The group at `slug`, or NotFound."""
    group = find_group(session=session, slug=slug)
    if group is None:
        raise NotFound("There is no such group.")
    return group


def find_group(*, session: Session, slug: str | None = None, public_id: str | None = None,
               idp_name: str | None = None) -> Group | None:
    """A group by one of its keys, or None."""
    query = select(Group)
    if slug is not None:
        query = query.where(Group.slug == slug.lower())
    elif public_id is not None:
        query = query.where(Group.public_id == public_id)
    elif idp_name is not None:
        query = query.where(Group.idp_name == idp_name)
    else:
        return None
    return session.exec(query).first()


def list_groups(*, session: Session) -> list[Group]:
    """Every group, by name."""
    return list(session.exec(select(Group).order_by(col(Group.name), col(Group.id))))


def members(*, session: Session, group: Group) -> list[tuple[GroupMember, User]]:
    """The group's members with their accounts, managers first, then by username."""
    return [(m, u) for m, u in session.exec(
        select(GroupMember, User).join(User, col(User.id) == GroupMember.user_id)
        .where(GroupMember.group_id == group.id)
        .order_by(col(GroupMember.is_manager).desc(), col(User.username)))]


def member_count(*, session: Session, group: Group) -> int:
    return session.exec(select(func.count()).select_from(GroupMember)
                        .where(GroupMember.group_id == group.id)).one()


def user_groups(*, session: Session, user: User) -> list[Group]:
    """The groups the user is in, by name."""
    return list(session.exec(select(Group).join(GroupMember, col(GroupMember.group_id) == Group.id)
                             .where(GroupMember.user_id == user.id).order_by(col(Group.name))))


def _membership(session: Session, group: Group, user: User) -> GroupMember | None:
    return session.exec(select(GroupMember).where(GroupMember.group_id == group.id,
                                                  GroupMember.user_id == user.id)).first()


def add_member(*, session: Session, group: Group, user: User, source: GroupSource = GroupSource.local,
               is_manager: bool = False, actor: User | None = None, actor_label: str = "") -> bool:
    """Put the user in the group, with the paths of its rules; False when they were already in it (nothing
    changes). Does not commit."""
    if _membership(session, group, user) is not None:
        return False
    member = GroupMember(group_id=group.id, user_id=user.id, source=source, is_manager=is_manager)
    session.add(member)
    _touch(group)
    session.add(group)
    session.flush()
    record(session=session, kind=AuditKind.member_added, actor=actor, actor_label=actor_label, subject=user,
           group=group, detail=f"as {'manager' if is_manager else 'member'}, from {source.value}")
    assignment_rules.member_joined(session=session, group=group, user=user, member=member, now=utcnow())
    return True


def remove_member(*, session: Session, group: Group, user: User, actor: User | None = None,
                  actor_label: str = "") -> bool:
    """Take the user out of the group, withdrawing what its rules gave them; False when they were not in it. Does
    not commit."""
    membership = _membership(session, group, user)
    if membership is None:
        return False
    session.delete(membership)
    _touch(group)
    session.add(group)
    session.flush()
    record(session=session, kind=AuditKind.member_removed, actor=actor, actor_label=actor_label, subject=user,
           group=group)
    assignment_rules.member_left(session=session, group=group, user=user, now=utcnow())
    return True


def set_manager(*, session: Session, group: Group, user: User, is_manager: bool, actor: User | None = None,
                actor_label: str = "") -> bool:
    """Make a member a manager of the group or not; False when nothing changed. Does not commit."""
    membership = _membership(session, group, user)
    if membership is None:
        raise NotFound(f"{user.username} is not in {group.name}.")
    if membership.is_manager == is_manager:
        return False
    membership.is_manager = is_manager
    session.add(membership)
    _touch(group)
    session.add(group)
    record(session=session, kind=AuditKind.manager_changed, actor=actor, actor_label=actor_label, subject=user,
           group=group, detail="now a manager" if is_manager else "no longer a manager")
    return True


def sync_user_groups(*, session: Session, user: User, groups: Iterable[Group], source: GroupSource,
                     actor_label: str) -> tuple[list[Group], list[Group]]:
    """Make the user's memberships that came from `source` exactly `groups` (memberships from elsewhere are
    left alone). Returns (joined, left). Does not commit."""
    wanted = {g.id: g for g in groups}
    current = {m.group_id: m for m in session.exec(select(GroupMember).where(GroupMember.user_id == user.id))}
    joined = [g for gid, g in wanted.items() if gid not in current]
    left = [session.get_one(Group, gid) for gid, m in current.items() if m.source == source and gid not in wanted]
    for group in joined:
        add_member(session=session, group=group, user=user, source=source, actor_label=actor_label)
    for group in left:
        remove_member(session=session, group=group, user=user, actor_label=actor_label)
    return joined, left
