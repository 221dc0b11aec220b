"""Groups over SCIM: members added and removed the ways Entra ID and Okta send them, through the teams service."""

from __future__ import annotations

from scim2_models import Group, GroupMember, ListResponse, PatchOp, PatchOperation, SearchRequest, User
from sqlmodel import Session, col, select

from tests.scim.conftest import is_scim_error, patch_body
from tracker.models import AuditEvent, GroupSource
from tracker.models import Group as Team
from tracker.models import GroupMember as Membership
from tracker.models import User as Account


def members_of(session: Session, name: str) -> dict[str, GroupSource]:
    session.expire_all()
    team = session.exec(select(Team).where(Team.name == name)).one()
    rows = session.exec(select(Account.username, Membership.source)
                        .join(Membership, col(Membership.user_id) == Account.id).where(Membership.group_id == team.id))
    return {username: GroupSource(source) for username, source in rows}


def people(scim, *names: str) -> list[str]:
    return [scim.create(User(user_name=name, active=True)).id for name in names]


def test_a_group_is_created_with_members_and_found_by_its_name(scim, session):
    ids = people(scim, "alan", "grace")
    created = scim.create(Group(display_name="Cohort 7", external_id="okta-g1",
                                members=[GroupMember(value=i) for i in ids]))
    assert created.meta.version == 'W/"3"'  # made, then two members joined
    assert members_of(session, "Cohort 7") == {"alan": GroupSource.scim, "grace": GroupSource.scim}
    team = session.exec(select(Team).where(Team.name == "Cohort 7")).one()
    assert (team.public_id, team.external_id, team.source) == (created.id, "okta-g1", GroupSource.scim)
    found = scim.query(Group, query_parameters=SearchRequest(filter='displayName eq "cohort 7"'))
    assert isinstance(found, ListResponse) and [g.id for g in found.resources or []] == [created.id]
    joined = session.exec(select(AuditEvent.kind, AuditEvent.actor_label).where(AuditEvent.group_id == team.id)
                          .order_by(col(AuditEvent.id))).all()
    assert joined == [("group_created", "scim"), ("member_added", "scim"), ("member_added", "scim"),
                      ("provisioned", "scim")]


def test_members_come_and_go_as_entra_id_and_okta_send_them(scim, raw, session):
    alan, grace, lena_less = people(scim, "alan", "grace", "ada-lovelace")
    group_id = scim.create(Group(display_name="Platform")).id
    # Entra ID: Add with a list of values; Remove naming the member in the value
    added = raw("PATCH", f"/Groups/{group_id}", json=patch_body(
        {"op": "Add", "path": "members", "value": [{"value": alan}, {"value": grace}, {"value": lena_less}]}))
    assert added.status_code == 204 and added.headers["ETag"] == 'W/"4"'
    removed = raw("PATCH", f"/Groups/{group_id}", json=patch_body(
        {"op": "Remove", "path": "members", "value": [{"value": alan}]}))
    assert removed.status_code == 204
    # Okta: remove by a value filter in the path
    scim.modify(Group, group_id, PatchOp[Group](operations=[
        PatchOperation(op="remove", path=f'members[value eq "{grace}"]')]))
    assert members_of(session, "Platform") == {"ada-lovelace": GroupSource.scim}
    # a member asked for by a filter, as Entra ID checks before it adds
    found = raw("GET", "/Groups", query_string={"filter": f'id eq "{group_id}" and members[value eq "{lena_less}"]',
                                                 "excludedAttributes": "members"}).get_json()
    assert found["totalResults"] == 1 and "members" not in found["Resources"][0]
    # replacing every member at once
    scim.modify(Group, group_id, PatchOp[Group](operations=[
        PatchOperation(op="replace", path="members", value=[GroupMember(value=alan)])]))
    assert members_of(session, "Platform") == {"alan": GroupSource.scim}


def test_a_group_patch_naming_an_unknown_member_adds_no_one(scim, raw, session):
    alan = people(scim, "alan")[0]
    group_id = scim.create(Group(display_name="Platform")).id
    refused = raw("PATCH", f"/Groups/{group_id}", json=patch_body(
        {"op": "replace", "path": "displayName", "value": "Renamed"},
        {"op": "add", "path": "members", "value": [{"value": alan}, {"value": "no-such-user"}]}))
    assert is_scim_error(refused, 400, "invalidValue")
    assert members_of(session, "Platform") == {}
    assert session.exec(select(Team).where(Team.name == "Renamed")).first() is None


def test_a_stale_if_match_on_a_group_is_refused(scim, raw):
    group_id = scim.create(Group(display_name="Platform")).id
    rename = patch_body({"op": "replace", "path": "displayName", "value": "Core platform"})
    assert raw("PATCH", f"/Groups/{group_id}", headers={"If-Match": 'W/"1"'}, json=rename).status_code == 204
    assert is_scim_error(raw("PATCH", f"/Groups/{group_id}", headers={"If-Match": 'W/"1"'}, json=rename), 412)
    assert raw("GET", f"/Groups/{group_id}").headers["ETag"] == 'W/"2"'


def test_every_provisioning_change_is_in_the_audit_log_by_scim(scim, session):
    alan = people(scim, "alan")[0]
    group_id = scim.create(Group(display_name="Platform")).id
    scim.modify(Group, group_id, PatchOp[Group](operations=[
        PatchOperation(op="add", path="members", value=[GroupMember(value=alan)])]))
    scim.delete(Group, group_id)
    session.expire_all()
    entries = session.exec(select(AuditEvent.actor_label, AuditEvent.subject_label, AuditEvent.detail)
                           .where(AuditEvent.kind == "provisioned").order_by(col(AuditEvent.id))).all()
    assert entries == [("scim", "alan", "created: userName alan"), ("scim", "", "group Platform: created"),
                       ("scim", "", "group Platform: 1 member added"), ("scim", "", "group Platform deleted")]


def test_deleting_a_group_keeps_its_members_accounts(scim, session):
    alan = people(scim, "alan")[0]
    group_id = scim.create(Group(display_name="Platform", members=[GroupMember(value=alan)])).id
    scim.delete(Group, group_id)
    session.expire_all()
    assert session.exec(select(Team).where(Team.name == "Platform")).first() is None
    assert session.exec(select(Account).where(Account.username == "alan")).one().is_active


def test_two_groups_with_the_same_name_get_their_own_addresses(scim, session):
    scim.create(Group(display_name="Cohort"))
    scim.create(Group(display_name="Cohort"))
    assert sorted(session.exec(select(Team.slug).where(Team.name == "Cohort"))) == ["cohort", "cohort-2"]
