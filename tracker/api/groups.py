"""Groups (teams or cohorts) in the API: admins make, change and delete them and choose their members and
managers; a group's managers may read it and its members. Anyone else is told there is no such group.

Every change goes through `tracker.services.teams`, which writes the audit log with the admin as the actor.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from flask import request
from flask_login import login_required
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tracker.api.blueprint import bp
from tracker.api.schemas import Items, Public, respond
from tracker.db import get_session
from tracker.http.auth import require_account, role_required
from tracker.http.inputs import json_body
from tracker.http.openapi import documented
from tracker.models import Group, GroupMember, GroupSource, Role, User
from tracker.services import access, teams
from tracker.services.errors import Invalid, NotAllowed
from tracker.services.people import accounts
from tracker.services.teams import groups as group_rules
from tracker.services.teams import roster

TEXT_GUARD = 4 * group_rules.DESCRIPTION_MAX  # the service says what is too long; this stops absurd input


class GroupPublic(Public):
    """A group, with how many members it has."""

    slug: str = Field(description="its address, lower-case")
    name: str
    description: str
    source: GroupSource = Field(description="local: made here; scim: provisioned by the identity provider (its "
                                            "members are chosen there); oidc: made from a sign-in claim")
    idp_name: str | None = Field(description="the identity provider's group name that maps here, if any")
    members: int = Field(description="how many people are in it")
    version: int = Field(description="renewed by every change to the group or its members")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, group: Group, members: int) -> GroupPublic:
        return cls(slug=group.slug, name=group.name, description=group.description, source=group.source,
                   idp_name=group.idp_name, members=members, version=group.version, created_at=group.created_at,
                   updated_at=group.updated_at)


class MemberPublic(Public):
    username: str
    name: str
    manager: bool = Field(description="whether they manage the group")
    source: GroupSource = Field(description="how they joined: local (here), scim or oidc")
    joined_at: datetime

    @classmethod
    def of(cls, membership: GroupMember, user: User) -> MemberPublic:
        return cls(username=user.username, name=user.name, manager=membership.is_manager, source=membership.source,
                   joined_at=membership.joined_at)


class MembershipPublic(MemberPublic):
    joined: bool = Field(description="true when this request put them in the group")


class MemberPage(Public):
    items: list[MemberPublic]
    total: int = Field(description="members matching `q`")
    page: int
    per_page: int


class MemberQuery(BaseModel):
    """Which members to list: those whose username or name contains `q`, a page at a time."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    q: str = Field(default="", max_length=roster.SEARCH_MAX)
    page: int = Field(default=1, ge=1, le=100_000)
    per_page: int = Field(default=roster.PER_PAGE, ge=1, le=200)

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> MemberQuery:
        try:
            return cls.model_validate({key: value for key, value in args.items() if value != ""})
        except ValidationError as exc:
            error = exc.errors()[0]
            raise Invalid(f"{error['loc'][0]}: {error['msg']}") from None


class GroupBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=TEXT_GUARD)
    slug: str | None = Field(default=None, max_length=TEXT_GUARD,
                             description="its address; made from the name when left out")
    description: str = Field(default="", max_length=TEXT_GUARD)
    idp_name: str | None = Field(default=None, max_length=TEXT_GUARD,
                                 description="the identity provider's group name that maps here")


class GroupChange(BaseModel):
    """What to change; a field left out stays as it is (`idp_name: null` removes the mapping)."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=TEXT_GUARD)
    description: str | None = Field(default=None, max_length=TEXT_GUARD)
    idp_name: str | None = Field(default=None, max_length=TEXT_GUARD)


class MembershipBody(BaseModel):
    """Optional: `{"manager": true}` makes the member a manager, `false` stops it; left out, it stays."""

    model_config = ConfigDict(extra="forbid")
    manager: bool | None = None


def _administrator() -> User:
    admin = require_account()
    if not access.can_administer_groups(admin):
        raise NotAllowed("Only administrators manage groups.")
    return admin


def _public(group: Group) -> GroupPublic:
    counts = teams.member_counts(session=get_session(), groups=[group])
    return GroupPublic.of(group, counts.get(group.id, 0))


@bp.get("/groups")
@login_required
@documented(summary="The groups you may see: every group for admins, the groups you manage for anyone else",
            response=Items[GroupPublic])
def group_list():
    session = get_session()
    viewer = require_account()
    groups = (teams.list_groups(session=session) if access.can_administer_groups(viewer)
              else teams.managed_groups(session=session, user=viewer))
    counts = teams.member_counts(session=session, groups=groups)
    return respond(Items[GroupPublic](items=[GroupPublic.of(g, counts.get(g.id, 0)) for g in groups]))


@bp.post("/groups")
@role_required(Role.admin)
@documented(summary="Make a group (admins)", body=GroupBody, response=GroupPublic, status=201, errors=(409,))
def create_group():
    """A taken address or provider group name is refused (400, naming the field)."""
    admin = _administrator()
    body = json_body(GroupBody)
    session = get_session()
    with teams.one_change(session=session):
        group = teams.create_group(session=session, name=body.name, slug=body.slug, description=body.description,
                                   idp_name=(body.idp_name or "").strip() or None, actor=admin)
    return respond(_public(group), 201)


@bp.get("/groups/<slug>")
@login_required
@documented(summary="A group (admins, and its managers)", response=GroupPublic, errors=(404,))
def group_detail(slug: str):
    return respond(_public(teams.group_for(session=get_session(), viewer=require_account(), slug=slug)))


@bp.patch("/groups/<slug>")
@role_required(Role.admin)
@documented(summary="Rename a group, describe it or map it to a provider group (admins)", body=GroupChange,
            response=GroupPublic, errors=(404, 409))
def update_group(slug: str):
    admin = _administrator()
    body = json_body(GroupChange)
    session = get_session()
    group = teams.get_group(session=session, slug=slug)
    given = body.model_fields_set
    if "name" in given and body.name is None:
        raise Invalid("name: a group keeps a name")
    with teams.one_change(session=session):
        teams.rename_group(session=session, group=group, name=body.name, description=body.description,
                           idp_name=(body.idp_name or "").strip() if "idp_name" in given else None,
                           actor=admin)
    return respond(_public(group))


@bp.delete("/groups/<slug>")
@role_required(Role.admin)
@documented(summary="Delete a group; its members keep their accounts and assignments (admins)", status=204,
            errors=(404, 409))
def delete_group(slug: str):
    admin = _administrator()
    session = get_session()
    with teams.one_change(session=session):
        teams.delete_group(session=session, group=teams.get_group(session=session, slug=slug), actor=admin)
    return "", 204


@bp.get("/groups/<slug>/members")
@login_required
@documented(summary="A group's members, managers first, a page at a time (admins, and its managers)",
            query=MemberQuery, response=MemberPage, errors=(404,))
def group_members(slug: str):
    session = get_session()
    group = teams.group_for(session=session, viewer=require_account(), slug=slug)
    query = MemberQuery.from_args(request.args)
    page = teams.member_page(session=session, group=group, q=query.q, page=query.page, per_page=query.per_page)
    return respond(MemberPage(items=[MemberPublic.of(m, u) for m, u in page.rows], total=page.total,
                              page=page.page, per_page=page.per_page))


@bp.put("/groups/<slug>/members/<username>")
@role_required(Role.admin)
@documented(summary="Put someone in a group, or make a member a manager or not (admins)", body=MembershipBody,
            response=MembershipPublic, errors=(404, 409))
def put_member(slug: str, username: str):
    """Idempotent: a member stays a member (`"joined": false`). In a group provisioned over SCIM only the
    `manager` flag of an existing member can change (409 otherwise)."""
    admin = _administrator()
    body = json_body(MembershipBody) if request.get_data(cache=True).strip() else MembershipBody()
    session = get_session()
    group = teams.get_group(session=session, slug=slug)
    user = accounts.require_user(session=session, username=username[:64])
    with teams.one_change(session=session):
        joined = teams.join(session=session, group=group, user=user, manager=body.manager, actor=admin)
    membership = teams.membership_of(session=session, group=group, user=user)
    return respond(MembershipPublic(**MemberPublic.of(membership, user).model_dump(), joined=joined))


@bp.delete("/groups/<slug>/members/<username>")
@role_required(Role.admin)
@documented(summary="Take someone out of a group; their account and assignments stay (admins)", status=204,
            errors=(404, 409))
def delete_member(slug: str, username: str):
    admin = _administrator()
    session = get_session()
    group = teams.get_group(session=session, slug=slug)
    user = teams.membership_user(session=session, group=group, username=username)
    with teams.one_change(session=session):
        teams.leave(session=session, group=group, user=user, actor=admin)
    return "", 204
