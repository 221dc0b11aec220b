"""Choosing a group's members by hand: usernames pasted or uploaded (all or nothing), a member joining or leaving
one at a time, pages of members, and the counts the group lists show. Groups provisioned over SCIM keep the
members their identity provider gives them: here only their managers can be chosen."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from tracker.models import Group, GroupMember, GroupSource, User
from tracker.services import access
from tracker.services.errors import Conflict, Invalid, NotFound
from tracker.services.teams.groups import add_member, find_group, remove_member, set_manager

NAMES_MAX = 1000          # usernames in one paste or upload
TEXT_MAX = 200_000        # characters of a paste or an upload
PER_PAGE = 25
SEARCH_MAX = 64
_SEPARATORS = re.compile(r"[\s,;]+")


class MembershipManagedElsewhere(Conflict):
    """The group's members come from the identity provider (SCIM): they are not chosen here."""


class UnknownUsernames(Invalid):
    """Some of the usernames given are nobody's; nothing was written. `unknown` is [(line, name)]."""

    def __init__(self, unknown: list[tuple[int, str]]):
        shown = "; ".join(f"line {line}: “{name}”" for line, name in unknown[:20])
        more = f" and {len(unknown) - 20} more" if len(unknown) > 20 else ""
        super().__init__(f"No account has {'this username' if len(unknown) == 1 else 'these usernames'} "
                         f"({shown}{more}). Nobody was added.",
                         unknown=[{"line": line, "username": name} for line, name in unknown])
        self.unknown = unknown


@dataclass(frozen=True)
class Additions:
    """What adding a list of usernames to a group would do: who joins, who is already in it."""

    group: Group
    joining: list[User] = field(default_factory=list)
    already: list[User] = field(default_factory=list)


@dataclass(frozen=True)
class MemberPage:
    """One page of a group's members (managers first, then by username), with the search that chose them."""

    rows: list[tuple[GroupMember, User]]
    total: int
    page: int
    per_page: int
    q: str = ""

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def hand_managed(group: Group) -> bool:
    """Whether the group's members are chosen in the tracker (not by the identity provider's provisioning)."""
    return group.source != GroupSource.scim


def require_hand_managed(group: Group) -> None:
    """MembershipManagedElsewhere (409) for a group whose members the identity provider provisions."""
    if not hand_managed(group):
        raise MembershipManagedElsewhere(f"The identity provider manages who is in {group.name}: change its "
                                         "members there. Its managers can still be named here.")


def read_usernames(text: str) -> list[tuple[int, str]]:
    """The usernames in a paste or a CSV file, each with its line number (from 1), first mention only.

    A CSV whose first row has a `username` column gives that column; anything else gives every word, words being
    separated by spaces, commas or semicolons (so one name a line, or several)."""
    if len(text) > TEXT_MAX:
        raise Invalid(f"That is more than {TEXT_MAX:,} characters; add at most {NAMES_MAX} people at a time.")
    lines = text.splitlines()
    found: list[tuple[int, str]] = []
    header = next(csv.reader([lines[0]]), []) if lines else []
    column = next((i for i, cell in enumerate(header) if cell.strip().lower() in {"username", "user name"}), None)
    if column is not None:
        for number, row in enumerate(csv.reader(io.StringIO("\n".join(lines[1:]))), start=2):
            if column < len(row) and row[column].strip():
                found.append((number, row[column].strip()))
    else:
        for number, line in enumerate(lines, start=1):
            found += [(number, word) for word in _SEPARATORS.split(line) if word]
    seen: set[str] = set()
    unique = []
    for number, name in found:
        if name.lower() not in seen:
            seen.add(name.lower())
            unique.append((number, name))
    if not unique:
        raise Invalid("Give at least one username, one a line (or a CSV with a “username” column).")
    if len(unique) > NAMES_MAX:
        raise Invalid(f"That is {len(unique):,} usernames; add at most {NAMES_MAX} at a time.")
    return unique


def plan_additions(*, session: Session, group: Group, text: str) -> Additions:
    """Who adding the usernames in `text` would put in the group; UnknownUsernames (naming each line) when any
    is nobody's. Writes nothing."""
    require_hand_managed(group)
    names = read_usernames(text)
    wanted = {name.lower() for _, name in names}
    users = {u.username: u for u in session.exec(select(User).where(col(User.username).in_(wanted)))}
    unknown = [(line, name) for line, name in names if name.lower() not in users]
    if unknown:
        raise UnknownUsernames(unknown)
    current = set(session.exec(select(GroupMember.user_id).where(GroupMember.group_id == group.id)))
    ordered = [users[name.lower()] for _, name in names]
    return Additions(group=group, joining=[u for u in ordered if u.id not in current],
                     already=[u for u in ordered if u.id in current])


def add_usernames(*, session: Session, group: Group, text: str, actor: User | None = None,
                  actor_label: str = "") -> Additions:
    """Add everyone named in `text` to the group, or nobody when any name is unknown (UnknownUsernames). Those
    already in it stay as they are. Does not commit."""
    additions = plan_additions(session=session, group=group, text=text)
    for user in additions.joining:
        add_member(session=session, group=group, user=user, actor=actor, actor_label=actor_label)
    return additions


def join(*, session: Session, group: Group, user: User, manager: bool | None = None,
         actor: User | None = None, actor_label: str = "") -> bool:
    """Put `user` in the group (True when they were not in it), and make them a manager or not when `manager`
    is given. In a provisioned group only the manager flag of an existing member can change. Does not commit."""
    membership = session.exec(select(GroupMember.id).where(GroupMember.group_id == group.id,
                                                           GroupMember.user_id == user.id)).first()
    joined = False
    if membership is None:
        require_hand_managed(group)
        joined = add_member(session=session, group=group, user=user, is_manager=bool(manager), actor=actor,
                            actor_label=actor_label)
    elif manager is not None:
        set_manager(session=session, group=group, user=user, is_manager=manager, actor=actor,
                    actor_label=actor_label)
    return joined


def leave(*, session: Session, group: Group, user: User, actor: User | None = None, actor_label: str = "") -> None:
    """Take `user` out of a group whose members are chosen here; NotFound when they are not in it. Their account,
    progress and assignments stay. Does not commit."""
    require_hand_managed(group)
    if not remove_member(session=session, group=group, user=user, actor=actor, actor_label=actor_label):
        raise NotFound(f"{user.username} is not in {group.name}.")


@contextmanager
def one_change(*, session: Session) -> Iterator[None]:
    """A change to groups, committed at the end of the block. A clash with a change made at the same moment (the
    same address taken, the same person added twice), found at any flush or at the commit, is a Conflict with
    nothing of this change written; any other error leaves the rollback to the caller."""
    try:
        yield
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict("Someone changed this group at the same moment (the same address or member); nothing was "
                       "saved. Reload and try again.") from None


def member_page(*, session: Session, group: Group, q: str = "", page: int = 1,
                per_page: int = PER_PAGE) -> MemberPage:
    """One page of the group's members whose username or name contains `q`: managers first, then by username."""
    q = q.strip()[:SEARCH_MAX]
    page = max(1, page)
    query = (select(GroupMember, User).join(User, col(User.id) == GroupMember.user_id)
             .where(GroupMember.group_id == group.id))
    counted = select(func.count()).select_from(GroupMember).join(User, col(User.id) == GroupMember.user_id) \
        .where(GroupMember.group_id == group.id)
    if q:
        match = (col(User.username).icontains(q, autoescape=True)
                 | col(User.display_name).icontains(q, autoescape=True))
        query, counted = query.where(match), counted.where(match)
    total = session.exec(counted).one()
    rows = session.exec(query.order_by(col(GroupMember.is_manager).desc(), col(User.username))
                        .offset((page - 1) * per_page).limit(per_page))
    return MemberPage(rows=[(m, u) for m, u in rows], total=total, page=page, per_page=per_page, q=q)


def membership_of(*, session: Session, group: Group, user: User) -> GroupMember:
    """The user's membership of the group, or NotFound."""
    found = session.exec(select(GroupMember).where(GroupMember.group_id == group.id,
                                                   GroupMember.user_id == user.id)).first()
    if found is None:
        raise NotFound(f"{user.username} is not in {group.name}.")
    return found


def member_counts(*, session: Session, groups: Iterable[Group]) -> dict[int, int]:
    """Each group's number of members, in one query."""
    ids = [g.id for g in groups]
    if not ids:
        return {}
    counts = session.exec(select(GroupMember.group_id, func.count()).where(col(GroupMember.group_id).in_(ids))
                          .group_by(col(GroupMember.group_id)))
    return {gid: 0 for gid in ids} | {gid: count for gid, count in counts}


def groups_of_users(*, session: Session, user_ids: Iterable[int]) -> dict[int, list[tuple[Group, bool]]]:
    """Each user's groups by name, with whether they manage it, in one query."""
    ids = list(user_ids)
    found: dict[int, list[tuple[Group, bool]]] = defaultdict(list)
    if ids:
        for user_id, manager, group in session.exec(
                select(GroupMember.user_id, GroupMember.is_manager, Group)
                .join(Group, col(Group.id) == GroupMember.group_id)
                .where(col(GroupMember.user_id).in_(ids)).order_by(col(Group.name))):
            found[user_id].append((group, manager))
    return dict(found)


def managed_groups(*, session: Session, user: User) -> list[Group]:
    """The groups `user` manages, by name."""
    return list(session.exec(select(Group).join(GroupMember, col(GroupMember.group_id) == Group.id)
                             .where(GroupMember.user_id == user.id, GroupMember.is_manager == True)  # noqa: E712
                             .order_by(col(Group.name))))


def group_for(*, session: Session, viewer: User | None, slug: str) -> Group:
    """The group at `slug` when `viewer` may see it (admins, its managers); NotFound otherwise, the same answer
    as for a group that does not exist."""
    group = find_group(session=session, slug=slug)
    if group is None or not access.can_manage_group(session=session, viewer=viewer, group=group):
        raise NotFound("There is no such group.")
    return group


def membership_user(*, session: Session, group: Group, username: str) -> User:
    """The member of the group with this username; NotFound when there is none."""
    user = session.exec(select(User).join(GroupMember, col(GroupMember.user_id) == User.id)
                        .where(GroupMember.group_id == group.id,
                               User.username == username.strip().lower()[:64])).first()
    if user is None:
        raise NotFound(f"{username.strip()[:64]} is not in {group.name}.")
    return user


def members_named(*, session: Session, group: Group, usernames: Iterable[str]) -> list[User]:
    """The group's members with these usernames, in the order given; NotFound naming every one who is not in it
    (so that taking several out is all or nothing)."""
    wanted = [name.strip().lower()[:64] for name in usernames if name.strip()]
    found = {u.username: u for u in session.exec(
        select(User).join(GroupMember, col(GroupMember.user_id) == User.id)
        .where(GroupMember.group_id == group.id, col(User.username).in_(wanted)))}
    missing = [name for name in dict.fromkeys(wanted) if name not in found]
    if missing:
        raise NotFound(f"Not in {group.name}: {', '.join(missing)}. Nobody was taken out.")
    return [found[name] for name in dict.fromkeys(wanted)]
