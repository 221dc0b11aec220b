"""A group's overview: who may see it, what it counts (the mentor's numbers, member by member), filters, pages,
the CSV, the fragment and the JSON, and a fixed number of statements however many members a page shows."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest

from tests import factories
from tests.queries import statements
from tracker.models import ProgressState, Role, User
from tracker.services.mentoring import assignments
from tracker.services.mentoring import standings as assignment_views
from tracker.services.people import accounts
from tracker.services.people.passwords import PasswordPolicy
from tracker.services.progress import marks as progress
from tracker.services.teams import groups
from tracker.services.teams import overview as group_overviews

HX = {"HX-Request": "true", "HX-Target": "group-table"}


def person(session, username: str, role: Role = Role.learner) -> User:
    return accounts.create_user(session=session, username=username, password="correct horse battery staple",
                                role=role, policy=PasswordPolicy())


@pytest.fixture
def teams(session):
    """Blue: gina manages it (a learner, no mentor), lena and leo are in it; mona assigned lena API Designer (due in
    30 days), ada assigned leo Production Services. Red: rita manages it, with sam."""
    gina, rita, sam = person(session, "gina"), person(session, "rita"), person(session, "sam")
    blue = groups.create_group(session=session, name="Blue team")
    red = groups.create_group(session=session, name="Red team")
    groups.add_member(session=session, group=blue, user=gina, is_manager=True)
    for name in ("lena", "leo"):
        groups.add_member(session=session, group=blue, user=factories.user(session, name))
    groups.add_member(session=session, group=red, user=rita, is_manager=True)
    groups.add_member(session=session, group=red, user=sam)
    session.commit()
    factories.mentor_of(session, "mona", "lena")
    factories.mentor_of(session, "ada", "leo")
    today = date.today()
    assignments.assign_path(session=session, mentor=factories.user(session, "mona"), usernames=["lena"],
                            path=factories.path(session, "api-designer"), due_on=today + timedelta(days=30),
                            today=today)
    assignments.assign_path(session=session, mentor=factories.user(session, "ada"), usernames=["leo"],
                            path=factories.path(session, "production-services"), today=today)
    progress.write_mark(session=session, user=factories.user(session, "lena"),
                        article=factories.article(session, "http-protocol"), state=ProgressState.done)
    group_overviews.forget_kept()
    return {"blue": blue.slug, "red": red.slug}


def test_a_manager_who_is_no_mentor_sees_her_group(make_client, teams):
    page = make_client("gina").get("/groups/blue-team").get_data(as_text=True)
    assert "Blue team" in page and "API Designer" in page and "Production Services" in page
    assert '<a href="/mentor/mentees/lena">' in page and '<a href="/mentor/mentees/leo">' in page
    assert "Groups</a>" in page  # the header offers the groups to their managers


def test_the_badge_brings_the_groups_link_to_managers_only(make_client, teams):
    """A page costs no query for the link: the badge's answer (loaded by every page) brings it out of band."""
    assert 'id="groups-link" hx-swap-oob="true"' in make_client("gina").get("/notifications/badge").get_data(
        as_text=True)
    assert "groups-link" not in make_client("lena").get("/notifications/badge").get_data(as_text=True)
    assert 'href="/groups/"' in make_client("ada").get("/").get_data(as_text=True)  # admins: on every page


@pytest.mark.parametrize("url", ["/groups/red-team", "/groups/red-team.csv", "/groups/red-team?format=csv",
                                 "/api/v1/groups/red-team/overview", "/groups/no-such-team"])
def test_a_manager_of_one_group_gets_not_found_for_another(make_client, teams, url):
    assert make_client("gina").get(url).status_code == 404


@pytest.mark.parametrize("who", ["lena", "mona"])
def test_members_and_mentors_who_do_not_manage_the_group_get_not_found(make_client, teams, who):
    assert make_client(who).get("/groups/blue-team").status_code == 404
    assert make_client(who).get("/api/v1/groups/blue-team/overview").status_code == 404


def test_signed_out_visitors_are_asked_to_sign_in(make_client, teams):
    assert make_client().get("/groups/blue-team").status_code == 302
    assert make_client().get("/api/v1/groups/blue-team/overview").status_code == 401


def test_the_group_list_shows_managed_groups_and_admins_see_all(make_client, teams):
    mine = make_client("gina").get("/groups/").get_data(as_text=True)
    assert "Blue team" in mine and "Red team" not in mine
    every = make_client("ada").get("/groups/").get_data(as_text=True)
    assert "Blue team" in every and "Red team" in every
    assert "You manage no group" in make_client("lena").get("/groups/").get_data(as_text=True)
    assert "Groups</a>" not in make_client("lena").get("/").get_data(as_text=True)


def test_a_group_manager_opens_a_members_page_read_only(make_client, teams):
    page = make_client("gina").get("/mentor/mentees/lena")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "API Designer" in text and "Change due date" not in text
    assert make_client("gina").get("/mentor/mentees/lena/paths/api-designer").status_code == 200
    assert make_client("gina").get("/mentor/mentees/sam").status_code == 404  # not in her group
    assert make_client("gina").get("/mentor/").status_code == 403             # the mentor's own overview


def test_statuses_and_percents_match_the_mentors_view(session, make_client, teams):
    answer = make_client("gina").get("/api/v1/groups/blue-team/overview").get_json()
    now = datetime.now(UTC)
    for member in answer["items"]:
        learner = factories.user(session, member["username"])
        mentor_view = {row.path.slug: row for row in
                       assignment_views.learner_assignments(session=session, learner=learner, now=now)}
        assert {cell["path"] for cell in member["cells"]} == set(mentor_view)
        for cell in member["cells"]:
            row = mentor_view[cell["path"]]
            assert (cell["percent"], cell["status"], cell["done"], cell["total"]) == (
                row.tally.percent, row.status.value, row.tally.done, row.tally.total)
    counted = sum(answer["counts"].values())
    assert counted == 2 and answer["members"] == 3


def test_filters_by_path_status_and_name(make_client, teams):
    gina = make_client("gina")
    by_path = gina.get("/api/v1/groups/blue-team/overview?path=api-designer").get_json()
    assert [m["username"] for m in by_path["items"]] == ["lena"] and [p["slug"] for p in by_path["paths"]] == [
        "api-designer"]
    by_name = gina.get("/api/v1/groups/blue-team/overview?q=LE").get_json()
    assert [m["username"] for m in by_name["items"]] == ["lena", "leo"]
    status = by_path["items"][0]["cells"][0]["status"]
    by_status = gina.get(f"/api/v1/groups/blue-team/overview?status={status}").get_json()
    assert "lena" in [m["username"] for m in by_status["items"]] and "gina" not in [
        m["username"] for m in by_status["items"]]
    assert gina.get("/api/v1/groups/blue-team/overview?sort=sideways").status_code == 400
    assert gina.get("/groups/blue-team?status=lost").status_code == 400


def test_the_filter_answers_a_fragment_and_pushes_its_address(make_client, teams):
    response = make_client("gina").get("/groups/blue-team?path=api-designer", headers=HX)
    text = response.get_data(as_text=True)
    assert response.headers["HX-Push-Url"] == "/groups/blue-team?path=api-designer"
    assert "<html" not in text and "lena" in text and "Production Services" not in text
    assert "Accept" not in response.headers.get("Vary", "") and "HX-Request" in response.headers["Vary"]


def test_the_csv_holds_the_whole_filtered_table_safe_for_spreadsheets(session, make_client, teams):
    lena = factories.user(session, "lena")
    lena.display_name = "=HYPERLINK(1)"
    session.add(lena)
    session.commit()
    for url in ("/groups/blue-team.csv?q=le", "/groups/blue-team?format=csv&q=le"):
        response = make_client("gina").get(url)
        assert response.mimetype == "text/csv"
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
        assert rows[0][:2] == ["member", "name"] and "API Designer: status" in rows[0]
        assert [row[0] for row in rows[1:]] == ["lena", "leo"]
        assert rows[1][1] == "'=HYPERLINK(1)"


def test_members_are_paged_fifty_at_a_time(session, make_client, teams):
    group = groups.get_group(session=session, slug="blue-team")
    for learner in factories.add_learners(session, "member", 60):
        groups.add_member(session=session, group=group, user=learner)
    session.commit()
    gina = make_client("gina")
    first = gina.get("/api/v1/groups/blue-team/overview").get_json()
    second = gina.get("/api/v1/groups/blue-team/overview?page=2").get_json()
    assert (first["total"], first["pages"], len(first["items"]), len(second["items"])) == (63, 2, 50, 13)
    assert not {m["username"] for m in first["items"]} & {m["username"] for m in second["items"]}
    page = gina.get("/groups/blue-team?page=2", headers=HX).get_data(as_text=True)
    assert 'hx-push-url="true"' in page and "51–63 of 63 members" in page
    by_status = gina.get("/api/v1/groups/blue-team/overview?sort=status&page=2").get_json()
    assert len(by_status["items"]) == 13


def test_the_overview_page_makes_the_same_statements_for_five_and_fifty_members(app, session, make_client, teams):
    group = groups.get_group(session=session, slug="blue-team")
    mona = factories.user(session, "mona")
    gina = make_client("gina")
    counts = []
    for size in (5, 50):
        learners = factories.add_learners(session, f"m{size}x", size)
        for learner in learners:
            groups.add_member(session=session, group=group, user=learner)
        session.commit()
        factories.mentor_of(session, "mona", *[u.username for u in learners])
        assignments.assign_path(session=session, mentor=mona, usernames=[u.username for u in learners],
                                path=factories.path(session, "api-designer"), today=date.today())
        counts.append(statements(app, lambda: gina.get("/groups/blue-team?sort=name"), warm=True))
    assert counts[0] == counts[1] <= 16, counts
