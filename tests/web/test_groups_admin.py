"""Admin: groups made, edited and deleted, members added by paste or upload (all or nothing), removed, made
managers, as a full page without JavaScript and as HTMX fragments; provisioned groups keep their members."""

from __future__ import annotations

import io
from datetime import date
from functools import partial

from sqlmodel import col, select

from tests import factories
from tests.queries import statements
from tracker.models import Assignment, AuditEvent, Group, GroupMember, GroupSource, User
from tracker.services import teams
from tracker.services.mentoring import assignments

HX = {"HX-Request": "true", "HX-Target": "group-roster"}


def make_group(session, name="Platform team", *members: str, source=GroupSource.local, managers=()) -> Group:
    group = teams.create_group(session=session, name=name, source=source)
    for username in members:
        teams.add_member(session=session, group=group, user=factories.user(session, username),
                         is_manager=username in managers, source=source)
    session.commit()
    return group


def member_names(session, slug: str) -> list[str]:
    session.expire_all()
    group = teams.get_group(session=session, slug=slug)
    return sorted(u.username for _, u in teams.members(session=session, group=group))


def test_an_admin_makes_a_group_and_sees_it_listed_with_its_member_count(make_client, session):
    ada = make_client("ada")
    made = ada.post("/admin/groups", data={"name": "Platform team", "idp_name": "platform"})
    assert made.status_code == 303 and made.headers["Location"] == "/admin/groups/platform-team"
    page = ada.get("/admin/groups/platform-team").get_data(as_text=True)
    assert "The group Platform team is made" in page and "No members yet." in page
    listing = ada.get("/admin/groups").get_data(as_text=True)
    assert "Platform team" in listing and "<code>platform</code>" in listing and 'aria-current="page">Groups' in listing
    created = session.exec(select(AuditEvent).where(AuditEvent.kind == "group_created")).one()
    assert created.actor_label == "ada"


def test_a_taken_address_is_refused_with_what_was_typed_kept(make_client, session):
    make_group(session, "Platform team")
    answer = make_client("ada").post("/admin/groups", data={"name": "Platform  Team", "description": "second"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert "A group with the address “platform-team” already exists." in page and "second</textarea>" in page
    assert len(session.exec(select(Group)).all()) == 1


def test_a_group_without_a_name_is_refused(make_client, session):
    answer = make_client("ada").post("/admin/groups", data={"name": "  "})
    assert answer.status_code == 400 and "Give the group a name." in answer.get_data(as_text=True)
    assert session.exec(select(Group)).all() == []


def test_three_pasted_names_with_one_unknown_add_nobody_and_name_its_line(make_client, session):
    make_group(session)
    ada = make_client("ada")
    answer = ada.post("/admin/groups/platform-team/members/preview", data={"usernames": "lena\nnobody-here\nleo"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert "line 2: “nobody-here”" in page and "Nobody was added." in page and 'role="alert"' in page
    assert "lena\nnobody-here\nleo</textarea>" in page  # the list kept to fix
    # and the same list applied directly is refused whole
    applied = ada.post("/admin/groups/platform-team/members", data={"usernames": "lena nobody-here leo"})
    assert applied.status_code == 400 and "nobody-here" in applied.get_data(as_text=True)
    assert member_names(session, "platform-team") == []
    assert session.exec(select(AuditEvent).where(AuditEvent.kind == "member_added")).all() == []


def test_an_unknown_name_in_an_htmx_preview_is_an_alert_naming_its_line(make_client, session):
    make_group(session)
    answer = make_client("ada").post("/admin/groups/platform-team/members/preview",
                                     data={"usernames": "lena, mona\nleo\nghost"}, headers=HX)
    fragment = answer.get_data(as_text=True)
    assert answer.status_code == 400 and answer.headers["HX-Retarget"] == "#alerts"
    assert 'role="alert"' in fragment and "line 3: “ghost”" in fragment
    assert member_names(session, "platform-team") == []


def test_a_preview_then_its_confirmation_adds_the_members_as_the_admin(make_client, session):
    make_group(session, "Platform team", "leo")
    ada = make_client("ada")
    preview = ada.post("/admin/groups/platform-team/members/preview", data={"usernames": "lena\nLEO\nmona\n"})
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "2 people join" in page and "Already in it, unchanged: leo." in page
    assert member_names(session, "platform-team") == ["leo"]  # a preview writes nothing
    applied = ada.post("/admin/groups/platform-team/members", data={"usernames": "lena mona"})
    assert applied.status_code == 303
    assert "2 people join Platform team." in ada.get(applied.headers["Location"]).get_data(as_text=True)
    assert member_names(session, "platform-team") == ["lena", "leo", "mona"]
    added = session.exec(select(AuditEvent).where(AuditEvent.kind == "member_added", AuditEvent.actor_label == "ada"))
    assert sorted(e.subject_label for e in added) == ["lena", "mona"]


def test_an_uploaded_csv_with_a_username_column_is_previewed_and_applied_with_htmx(make_client, session):
    make_group(session)
    ada = make_client("ada")
    csv = b"name,username\nLena,lena\nMona,mona\n"
    preview = ada.post("/admin/groups/platform-team/members/preview", headers=HX,
                       data={"usernames": "", "file": (io.BytesIO(csv), "people.csv")},
                       content_type="multipart/form-data")
    fragment = preview.get_data(as_text=True)
    assert preview.status_code == 200 and fragment.lstrip().startswith('<div id="group-roster"')
    assert "2 people join" in fragment and "lena, mona" in fragment
    applied = ada.post("/admin/groups/platform-team/members", data={"usernames": "lena mona"}, headers=HX)
    assert applied.status_code == 200 and "2 people join Platform team." in applied.get_data(as_text=True)
    assert member_names(session, "platform-team") == ["lena", "mona"]


def test_an_unknown_name_in_a_csv_is_named_by_its_line_in_the_file(make_client, session):
    make_group(session)
    csv = b"username\nlena\n\nzed\n"
    answer = make_client("ada").post("/admin/groups/platform-team/members/preview",
                                     data={"file": (io.BytesIO(csv), "people.csv")},
                                     content_type="multipart/form-data")
    assert answer.status_code == 400 and "line 4: “zed”" in answer.get_data(as_text=True)


def test_removing_a_member_and_making_one_a_manager_answer_the_roster_with_htmx(make_client, session):
    make_group(session, "Platform team", "lena", "leo")
    ada = make_client("ada")
    made = ada.post("/admin/groups/platform-team/members/lena/manager", data={"manager": "1"}, headers=HX)
    fragment = made.get_data(as_text=True)
    assert made.status_code == 200 and "lena now manages Platform team." in fragment
    assert "Unmake manager: lena" in fragment
    removed = ada.post("/admin/groups/platform-team/members/leo/remove", headers=HX)
    assert removed.status_code == 200 and "leo is no longer in Platform team." in removed.get_data(as_text=True)
    assert member_names(session, "platform-team") == ["lena"]
    assert session.exec(select(GroupMember.is_manager)).all() == [True]
    unmade = ada.post("/admin/groups/platform-team/members/lena/manager", data={"manager": "0"})
    assert unmade.status_code == 303
    session.expire_all()
    assert session.exec(select(GroupMember.is_manager)).all() == [False]


def test_removing_someone_not_in_the_group_is_a_visible_404(make_client, session):
    make_group(session, "Platform team", "lena")
    answer = make_client("ada").post("/admin/groups/platform-team/members/leo/remove", headers=HX)
    assert answer.status_code == 404 and "leo is not in Platform team." in answer.get_data(as_text=True)
    assert answer.headers["HX-Retarget"] == "#alerts"


def test_a_provisioned_group_keeps_its_members_but_takes_managers(make_client, session):
    make_group(session, "Engineering", "lena", "leo", source=GroupSource.scim)
    ada = make_client("ada")
    page = ada.get("/admin/groups/engineering").get_data(as_text=True)
    assert "The identity provider manages who is in this group" in page
    assert "Remove lena" not in page and "Add members" not in page
    refused = ada.post("/admin/groups/engineering/members/leo/remove")
    assert refused.status_code == 409 and "identity provider manages" in refused.get_data(as_text=True)
    pasted = ada.post("/admin/groups/engineering/members/preview", data={"usernames": "mona"})
    assert pasted.status_code == 409 and "add and remove its members there" not in pasted.get_data(as_text=True)
    assert "change its members there" in pasted.get_data(as_text=True)
    assert ada.post("/admin/groups/engineering/members/lena/manager", data={"manager": "1"}).status_code == 303
    assert member_names(session, "engineering") == ["lena", "leo"]
    assert session.exec(select(GroupMember.is_manager).join(User, col(User.id) == GroupMember.user_id)
                        .where(User.username == "lena")).one() is True


def test_editing_details_saves_and_a_taken_provider_group_is_refused(make_client, session):
    make_group(session, "Platform team")
    other = make_group(session, "Data team")
    teams.rename_group(session=session, group=other, idp_name="data")
    session.commit()
    ada = make_client("ada")
    taken = ada.post("/admin/groups/platform-team", data={"name": "Platform", "idp_name": "data"})
    assert taken.status_code == 400
    assert "Another group is mapped to that provider group." in taken.get_data(as_text=True)
    assert "<h1>Platform team</h1>" in taken.get_data(as_text=True)  # the stored name, not the one typed
    saved = ada.post("/admin/groups/platform-team", data={"name": "Platform", "description": "Runs the platform",
                                                           "idp_name": "platform"})
    assert saved.status_code == 303
    session.expire_all()
    group = teams.get_group(session=session, slug="platform-team")
    assert (group.name, group.description, group.idp_name) == ("Platform", "Runs the platform", "platform")


def test_the_members_are_searched_and_paged(make_client, session):
    group = make_group(session)
    for learner in factories.add_learners(session, "cohort", 30):
        teams.add_member(session=session, group=group, user=learner)
    session.commit()
    ada = make_client("ada")
    first = ada.get("/admin/groups/platform-team").get_data(as_text=True)
    assert "Page 1 of 2" in first and "cohort000" in first and "cohort029" not in first
    second = ada.get("/admin/groups/platform-team?page=2").get_data(as_text=True)
    assert "cohort029" in second and "cohort000" not in second
    found = ada.get("/admin/groups/platform-team?q=t01", headers={"HX-Request": "true", "HX-Target": "group-members"})
    fragment = found.get_data(as_text=True)
    assert fragment.lstrip().startswith('<section class="card" id="group-members"')
    assert "cohort010" in fragment and "cohort020" not in fragment and "(10 matching" in fragment


def test_deleting_a_group_needs_its_address_and_keeps_members_and_assignments(make_client, session):
    make_group(session, "Platform team", "lena", "leo")
    factories.mentor_of(session, "mona", "lena")
    assignments.assign_path(session=session, mentor=factories.user(session, "mona"), usernames=["lena"],
                            path=factories.path(session, "api-designer"), today=date(2026, 1, 5))
    ada = make_client("ada")
    refused = ada.post("/admin/groups/platform-team/delete", data={"confirm": "platform"})
    assert refused.status_code == 303 and refused.headers["Location"] == "/admin/groups/platform-team"
    assert "Type “platform-team” to confirm; nothing was deleted." in ada.get(refused.headers["Location"]).get_data(
        as_text=True)
    assert len(session.exec(select(Group)).all()) == 1
    deleted = ada.post("/admin/groups/platform-team/delete", data={"confirm": "platform-team"})
    assert deleted.status_code == 303 and deleted.headers["Location"] == "/admin/groups"
    assert "Its members keep their accounts" in ada.get("/admin/groups").get_data(as_text=True)
    session.expire_all()
    assert session.exec(select(Group)).all() == [] and session.exec(select(GroupMember)).all() == []
    assert {"lena", "leo"} <= {u.username for u in session.exec(select(User))}
    assert len(session.exec(select(Assignment)).all()) == 1
    assert session.exec(select(AuditEvent).where(AuditEvent.kind == "group_deleted")).one().actor_label == "ada"


def test_learners_and_mentors_cannot_reach_the_group_pages(make_client, session):
    make_group(session, "Platform team", "lena", managers=("lena",))
    for name in ("lena", "mona"):
        browser = make_client(name)
        assert browser.get("/admin/groups").status_code == 403
        assert browser.post("/admin/groups/platform-team/members/preview", data={"usernames": "leo"}).status_code == 403
    assert member_names(session, "platform-team") == ["lena"]


def test_a_users_groups_show_on_the_admin_users_page_and_on_their_account_page(make_client, session):
    make_group(session, "Platform team", "lena", managers=("lena",))
    make_group(session, "Spring cohort", "lena")
    users = make_client("ada").get("/admin/users?q=lena").get_data(as_text=True)
    assert 'href="/admin/groups/platform-team">Platform team</a> <span class="muted small">(manager)' in users
    assert "Spring cohort" in users
    account = make_client("lena").get("/account").get_data(as_text=True)
    assert "Your groups" in account and "Platform team <span class=\"muted\">(you manage it)" in account
    assert "Your groups" not in make_client("leo").get("/account").get_data(as_text=True)


def test_a_page_posted_without_its_csrf_token_changes_nothing(make_client, session):
    make_group(session, "Platform team", "lena")
    answer = make_client("ada").post("/admin/groups/platform-team/members/lena/remove", csrf=False)
    assert answer.status_code == 400
    assert member_names(session, "platform-team") == ["lena"]


def test_a_group_page_makes_the_same_statements_for_three_members_as_for_sixty(app, make_client, session):
    small = make_group(session, "Small team", "lena", "leo", "mona")
    large = make_group(session, "Large team")
    for learner in factories.add_learners(session, "crowd", 60):
        teams.add_member(session=session, group=large, user=learner)
    session.commit()
    ada = make_client("ada")
    counts = [statements(app, partial(ada.get, f"/admin/groups/{group.slug}"), warm=True) for group in (small, large)]
    assert counts[0] == counts[1] <= 5, counts  # the group, the count and the page of members, and who asks
    assert statements(app, partial(ada.get, "/admin/groups"), warm=True) <= 4
