"""Groups API: admins change groups with a read-write token; managers read their own group only; nobody else
learns a group exists; every change audited; provisioned groups keep their members."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from tests import factories
from tracker.models import Assignment, AuditEvent, Group, GroupMember, GroupSource, TokenScope, User
from tracker.services import teams
from tracker.services.mentoring import assignments
from tracker.services.people import tokens


def bearer(session, username: str, scope: TokenScope | None = None) -> dict[str, str]:
    """A token of `username`: an admin's has the admin scope, anyone else's can write, unless `scope` says."""
    user = factories.user(session, username)
    scope = scope or (TokenScope.admin if user.role == "admin" else TokenScope.write)
    raw, _ = tokens.create_token(session=session, user=user, name="test", scope=scope)
    return {"Authorization": f"Bearer {raw}"}


def make_group(session, name: str, *members: str, managers=(), source=GroupSource.local) -> Group:
    group = teams.create_group(session=session, name=name, source=source)
    for username in members:
        teams.add_member(session=session, group=group, user=factories.user(session, username),
                         is_manager=username in managers, source=source)
    session.commit()
    return group


def names(session, slug: str) -> list[str]:
    session.expire_all()
    group = teams.get_group(session=session, slug=slug)
    return sorted(u.username for _, u in teams.members(session=session, group=group))


def test_an_admin_token_makes_changes_and_deletes_a_group(client, session):
    ada = bearer(session, "ada")
    made = client.post("/api/v1/groups", json={"name": "Platform team", "idp_name": "platform"}, headers=ada)
    assert made.status_code == 201
    assert made.get_json() | {"created_at": None, "updated_at": None} == {
        "slug": "platform-team", "name": "Platform team", "description": "", "source": "local",
        "idp_name": "platform", "members": 0, "version": 1, "created_at": None, "updated_at": None}
    changed = client.patch("/api/v1/groups/platform-team", json={"description": "Runs it", "idp_name": None},
                           headers=ada)
    assert changed.status_code == 200
    assert (changed.get_json()["description"], changed.get_json()["idp_name"]) == ("Runs it", None)
    assert [g["slug"] for g in client.get("/api/v1/groups", headers=ada).get_json()["items"]] == ["platform-team"]
    assert client.delete("/api/v1/groups/platform-team", headers=ada).status_code == 204
    assert client.get("/api/v1/groups/platform-team", headers=ada).status_code == 404
    kinds = [e.kind for e in session.exec(select(AuditEvent).where(AuditEvent.actor_label == "ada")
                                          .order_by(AuditEvent.id))]
    assert kinds == ["group_created", "group_changed", "group_deleted"]


def test_a_duplicate_address_is_refused_naming_it(client, session):
    make_group(session, "Platform team")
    refused = client.post("/api/v1/groups", json={"name": "Platform", "slug": "Platform-Team"},
                          headers=bearer(session, "ada"))
    assert refused.status_code == 400
    assert refused.get_json()["error"]["message"] == "A group with the address “platform-team” already exists."
    assert len(session.exec(select(Group)).all()) == 1


def test_members_are_put_made_managers_listed_and_removed(client, session):
    make_group(session, "Platform team")
    ada = bearer(session, "ada")
    put = client.put("/api/v1/groups/platform-team/members/lena", headers=ada)
    assert put.status_code == 200 and put.get_json()["joined"] is True and put.get_json()["manager"] is False
    again = client.put("/api/v1/groups/platform-team/members/lena", json={"manager": True}, headers=ada)
    assert again.get_json()["joined"] is False and again.get_json()["manager"] is True
    client.put("/api/v1/groups/platform-team/members/leo", json={}, headers=ada)
    listed = client.get("/api/v1/groups/platform-team/members?per_page=1", headers=ada).get_json()
    assert (listed["total"], [m["username"] for m in listed["items"]]) == (2, ["lena"])  # managers first
    searched = client.get("/api/v1/groups/platform-team/members?q=LE", headers=ada).get_json()
    assert [m["username"] for m in searched["items"]] == ["lena", "leo"]
    assert client.delete("/api/v1/groups/platform-team/members/leo", headers=ada).status_code == 204
    assert client.delete("/api/v1/groups/platform-team/members/leo", headers=ada).status_code == 404
    assert names(session, "platform-team") == ["lena"]
    assert client.put("/api/v1/groups/platform-team/members/ghost", headers=ada).status_code == 404


def test_a_manager_token_reads_its_group_but_not_another_and_changes_nothing(client, session):
    make_group(session, "Platform team", "mona", "lena", managers=("mona",))
    make_group(session, "Data team", "leo")
    mona = bearer(session, "mona")
    assert [g["slug"] for g in client.get("/api/v1/groups", headers=mona).get_json()["items"]] == ["platform-team"]
    assert client.get("/api/v1/groups/platform-team", headers=mona).get_json()["members"] == 2
    members = client.get("/api/v1/groups/platform-team/members", headers=mona).get_json()["items"]
    assert [(m["username"], m["manager"]) for m in members] == [("mona", True), ("lena", False)]
    assert client.get("/api/v1/groups/data-team", headers=mona).status_code == 404
    assert client.get("/api/v1/groups/data-team/members", headers=mona).status_code == 404
    assert client.put("/api/v1/groups/platform-team/members/leo", headers=mona).status_code == 403
    assert client.delete("/api/v1/groups/platform-team/members/lena", headers=mona).status_code == 403
    assert client.patch("/api/v1/groups/platform-team", json={"name": "Mine"}, headers=mona).status_code == 403
    assert names(session, "platform-team") == ["lena", "mona"]


def test_a_learner_is_told_nothing_and_changes_nothing(client, session):
    make_group(session, "Platform team", "lena")
    lena = bearer(session, "lena")
    assert client.get("/api/v1/groups", headers=lena).get_json()["items"] == []
    assert client.get("/api/v1/groups/platform-team", headers=lena).status_code == 404
    assert client.get("/api/v1/groups/no-such-group", headers=lena).status_code == 404
    assert client.post("/api/v1/groups", json={"name": "Mine"}, headers=lena).status_code == 403
    assert client.delete("/api/v1/groups/platform-team", headers=lena).status_code == 403
    assert client.get("/api/v1/groups").status_code == 401
    assert len(session.exec(select(Group)).all()) == 1


def test_an_admins_read_only_token_cannot_change_groups(client, session):
    make_group(session, "Platform team")
    read = bearer(session, "ada", TokenScope.read)
    assert client.get("/api/v1/groups/platform-team", headers=read).status_code == 200
    refused = client.put("/api/v1/groups/platform-team/members/lena", headers=read)
    assert refused.status_code == 403 and "read-only" in refused.get_json()["error"]["message"]
    assert names(session, "platform-team") == []


def test_a_provisioned_groups_members_are_not_changed_but_managers_are_named(client, session):
    make_group(session, "Engineering", "lena", source=GroupSource.scim)
    ada = bearer(session, "ada")
    added = client.put("/api/v1/groups/engineering/members/leo", headers=ada)
    assert added.status_code == 409 and "identity provider manages" in added.get_json()["error"]["message"]
    assert client.delete("/api/v1/groups/engineering/members/lena", headers=ada).status_code == 409
    named = client.put("/api/v1/groups/engineering/members/lena", json={"manager": True}, headers=ada)
    assert named.status_code == 200 and named.get_json()["manager"] is True
    assert names(session, "engineering") == ["lena"]


def test_deleting_a_group_keeps_its_members_accounts_and_assignments(client, session):
    make_group(session, "Platform team", "lena", "leo")
    factories.mentor_of(session, "mona", "lena")
    assignments.assign_path(session=session, mentor=factories.user(session, "mona"), usernames=["lena"],
                            path=factories.path(session, "api-designer"), today=date(2026, 1, 5))
    assert client.delete("/api/v1/groups/platform-team", headers=bearer(session, "ada")).status_code == 204
    session.expire_all()
    assert session.exec(select(GroupMember)).all() == []
    assert {"lena", "leo"} <= {u.username for u in session.exec(select(User))}
    assert len(session.exec(select(Assignment)).all()) == 1


def test_bad_bodies_and_queries_are_400s_that_say_why(client, session):
    make_group(session, "Platform team")
    ada = bearer(session, "ada")
    extra = client.put("/api/v1/groups/platform-team/members/lena", json={"manager": True, "role": "x"}, headers=ada)
    assert extra.status_code == 400 and "role" in extra.get_json()["error"]["message"]
    assert client.put("/api/v1/groups/platform-team/members/lena", data="manager", headers=ada).status_code == 400
    assert client.post("/api/v1/groups", json={"name": ""}, headers=ada).status_code == 400
    assert client.patch("/api/v1/groups/platform-team", json={"name": None}, headers=ada).status_code == 400
    paged = client.get("/api/v1/groups/platform-team/members?page=0", headers=ada)
    assert paged.status_code == 400 and paged.get_json()["error"]["message"].startswith("page:")
    assert names(session, "platform-team") == []
