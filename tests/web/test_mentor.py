"""Mentor pages: access per role, assignments seen by the learner, CSV, notes, notifications."""

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from tests import factories
from tests.queries import statements
from tracker.models import ProgressState
from tracker.services.learning import notes
from tracker.services.mentoring import assignments, mentorships
from tracker.services.mentoring import standings as assignment_views
from tracker.services.notifications import in_app as notifications
from tracker.services.progress import marks as progress

HX = {"HX-Request": "true"}


@pytest.fixture
def mentored(session):
    """mona mentors lena and has assigned her API Designer; leo is nobody's mentee."""
    factories.mentor_of(session, "mona", "lena")
    assignments.assign_path(session=session, mentor=factories.user(session, "mona"), usernames=["lena"],
                          path=factories.path(session, "api-designer"), due_on=date.today() + timedelta(days=30),
                          note="Start with HTTP.", today=date.today())
    return assignment_views.learner_assignments(session=session, learner=factories.user(session, "lena"),
                                         now=datetime.now(UTC))[0].assignment


MENTOR_PAGES = ["/mentor/", "/mentor/overview.csv", "/mentor/mentees/lena", "/mentor/mentees/lena/paths/api-designer"]


@pytest.mark.parametrize("url", MENTOR_PAGES)
def test_mentor_pages_by_role(make_client, mentored, url):
    assert make_client().get(url).status_code == 302              # anonymous: sign in
    # a learner: the overview needs the mentor role; a mentee's pages answer who may look after her, and no
    # one else learns whether she exists (a group's manager may look after its members without being a mentor)
    assert make_client("leo").get(url).status_code == (404 if "/mentees/" in url else 403)
    assert make_client("mona").get(url).status_code == 200        # the mentor
    assert make_client("ada").get(url).status_code == 200         # an admin


@pytest.mark.parametrize("url", ["/mentor/mentees/leo", "/mentor/mentees/leo/paths/api-designer",
                                 "/mentor/mentees/nobody", "/mentor/mentees/nobody/paths/api-designer"])
def test_a_mentor_cannot_see_someone_who_is_not_their_mentee(make_client, mentored, url):
    response = make_client("mona").get(url)
    assert response.status_code == 404
    assert "is not one of your mentees" in response.get_data(as_text=True)


@pytest.mark.parametrize(("url", "data"), [
    ("/mentor/invite", {"username": "leo"}),
    ("/mentor/assignments", {"learners": "lena", "path": "api-designer"}),
])
def test_mentor_actions_are_refused_to_learners_and_anonymous(make_client, mentored, url, data):
    assert make_client().post(url, data=data).status_code == 401  # signed out: nothing saved, sign in to go on
    assert make_client("leo").post(url, data=data).status_code == 403


def test_changing_and_withdrawing_assignments_is_limited_to_the_learners_mentors(make_client, session, mentored):
    other = f"/mentor/assignments/{mentored.id}/withdraw"
    factories.mentor_of(session, "ada", "leo")
    factories.add_learners(session, "m", 1)
    session.commit()
    # a mentor who is not lena's mentor
    from tracker.models import Role
    stranger = factories.user(session, "m000")
    stranger.role = Role.mentor
    session.add(stranger)
    session.commit()
    assert make_client("m000").post(other).status_code == 404
    assert make_client("lena").post(other).status_code == 403
    moved = make_client("mona").post(f"/mentor/assignments/{mentored.id}/due", data={"due_on": "2099-01-01"})
    assert moved.status_code == 303
    assert make_client("mona").post(other).status_code == 303
    assert make_client("mona").post(other).status_code == 404  # already withdrawn


def test_the_learner_sees_the_assignment_with_mentor_note_due_date_and_days_left(make_client, mentored):
    page = make_client("lena").get("/").get_data(as_text=True)
    assert "API Designer" in page
    assert "Assigned by mona" in page
    assert "“Start with HTTP.”" in page
    assert "30 days left" in page
    assert "Not started" in page and "At risk" not in page  # no activity since it was assigned: no verdict yet


def test_an_overdue_assignment_is_marked_on_the_dashboard(make_client, mentored, session):
    with time_machine.travel(datetime.now(UTC) + timedelta(days=33)):
        page = make_client("lena").get("/").get_data(as_text=True)
    assert "overdue by 3 days" in page
    assert "status-overdue" in page


def test_a_learner_cannot_delete_an_assignment(make_client, mentored):
    response = make_client("lena").delete(f"/api/v1/assignments/{mentored.id}")
    assert response.status_code == 403


def test_overview_lists_each_assignment_with_status_and_filters_in_place(make_client, session, mentored):
    mona = make_client("mona")
    page = mona.get("/mentor/").get_data(as_text=True)
    assert "lena" in page and "API Designer" in page
    fragment = mona.get("/mentor/?status=overdue", headers={**HX, "HX-Target": "overview-table"})
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and "No assignments match." in body
    assert fragment.headers["HX-Push-Url"] == "/mentor/?status=overdue"
    sorted_rows = mona.get("/mentor/?sort=percent&status=&path=", headers={**HX, "HX-Target": "overview-table"})
    assert sorted_rows.headers["HX-Push-Url"] == "/mentor/?sort=percent"
    assert "lena" in sorted_rows.get_data(as_text=True) and 'class="bar"' in sorted_rows.get_data(as_text=True)
    assert mona.get("/mentor/?sort=bogus").status_code == 400


def test_the_overview_shows_fifty_rows_a_page_in_the_order_chosen_and_the_csv_has_them_all(make_client, session):
    mona = factories.user(session, "mona")
    learners = factories.add_learners(session, "m", 120)
    for learner in learners:
        mentorships.link(session=session, mentor=mona, learner=learner)
    assignments.assign_path(session=session, mentor=mona, usernames=[u.username for u in learners],
                            path=factories.path(session, "api-designer"), due_on=None, note="", today=date.today())
    progress.write_mark(session=session, user=learners[7], article=factories.article(session, "http-protocol"),
                          state=ProgressState.done)
    client = make_client("mona")

    def mentees_on(body: str) -> list[str]:
        return re.findall(r'href="/mentor/mentees/(m\d+)"', body)

    first = client.get("/mentor/").get_data(as_text=True)
    assert mentees_on(first) == [f"m{i:03d}" for i in range(50)]
    assert "1–50 of 120 assignments" in first and 'rel="next"' in first and "Page 1 of 3" in first
    last = client.get("/mentor/?page=3").get_data(as_text=True)
    assert mentees_on(last) == [f"m{i:03d}" for i in range(100, 120)] and "101–120 of 120" in last
    beyond = client.get("/mentor/?page=9").get_data(as_text=True)  # past the end: the last page
    assert mentees_on(beyond) == mentees_on(last)
    by_percent = client.get("/mentor/?sort=percent&page=3", headers={**HX, "HX-Target": "overview-table"})
    assert mentees_on(by_percent.get_data(as_text=True))[-1] == "m007"  # the only one with an article done
    assert by_percent.headers["HX-Push-Url"] == "/mentor/?sort=percent&page=3"
    refused = client.get("/mentor/?page=zero", headers={**HX, "HX-Target": "overview-table"})
    assert refused.status_code == 400 and "page" in refused.get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(client.get("/mentor/overview.csv?page=2").get_data(as_text=True))))
    assert len(rows) == 1 + 120


def test_csv_export_neutralises_formula_cells(make_client, session, mentored):
    lena = factories.user(session, "lena")
    lena.display_name = "=HYPERLINK(\"http://evil\")"
    session.add(lena)
    session.commit()
    response = make_client("mona").get("/mentor/overview.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["mentee", "name", "path"]
    assert rows[1][1] == "'=HYPERLINK(\"http://evil\")"
    assert rows[1][2] == "API Designer"


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1"])
def test_spreadsheet_safe_prefixes_risky_cells(value):
    from tracker.web.mentor import spreadsheet_safe
    assert spreadsheet_safe(value) == "'" + value
    assert spreadsheet_safe("plain") == "plain"


def count_overview_queries(app, client) -> int:
    return statements(app, lambda: client.get("/mentor/"), warm=True)


def test_the_overview_makes_the_same_number_of_queries_for_5_and_50_mentees(app, session, make_client):
    mona = factories.user(session, "mona")
    api = factories.path(session, "api-designer")
    first = factories.add_learners(session, "a", 5)
    for learner in first:
        mentorships.link(session=session, mentor=mona, learner=learner)
    assignments.assign_path(session=session, mentor=mona, usernames=[u.username for u in first], path=api,
                          due_on=None, note="", today=date.today())
    for learner in first:
        progress.write_mark(session=session, user=learner, article=factories.article(session, "http-protocol"),
                              state=ProgressState.done)
    client = make_client("mona")
    with_five = count_overview_queries(app, client)

    more = factories.add_learners(session, "b", 45)
    for learner in more:
        mentorships.link(session=session, mentor=mona, learner=learner)
    assignments.assign_path(session=session, mentor=mona, usernames=[u.username for u in more], path=api,
                          due_on=None, note="", today=date.today())
    for learner in more[:20]:
        progress.write_mark(session=session, user=learner, article=factories.article(session, "http-protocol"),
                              state=ProgressState.done)
    with_fifty = count_overview_queries(app, client)
    assert with_fifty == with_five
    assert client.get("/mentor/").get_data(as_text=True).count("<tr>") == 51  # header + 50 rows


def test_invitation_accept_makes_a_mentee(make_client, session):
    mona = make_client("mona")
    assert mona.post("/mentor/invite", data={"username": "leo"}).status_code == 303
    leo = make_client("leo")
    page = leo.get("/notifications/").get_data(as_text=True)
    assert "invites you to be their mentee" in page
    mentorship_id = mentorships.pending_invitations(session=session, learner=factories.user(session, "leo"))[0][0].id
    not_hers = make_client("lena").post(f"/notifications/invitations/{mentorship_id}", data={"decision": "accept"})
    assert not_hers.status_code == 404
    assert leo.post(f"/notifications/invitations/{mentorship_id}", data={"decision": "accept"}).status_code == 303
    assert mona.get("/mentor/mentees/leo").status_code == 200


def test_declined_invitation_gives_no_access(make_client, session):
    make_client("mona").post("/mentor/invite", data={"username": "leo"})
    mentorship_id = mentorships.pending_invitations(session=session, learner=factories.user(session, "leo"))[0][0].id
    make_client("leo").post(f"/notifications/invitations/{mentorship_id}", data={"decision": "decline"})
    assert make_client("mona").get("/mentor/mentees/leo").status_code == 404


def test_inviting_an_unknown_user_says_so(make_client):
    page = make_client("mona").post("/mentor/invite", data={"username": "ghost"}, follow_redirects=True)
    assert "There is no user called &#39;ghost&#39;." in page.get_data(as_text=True)


def test_notes_are_private_unless_shared_and_mentors_can_reply(make_client, session, mentored):
    lena = make_client("lena")
    lena.post("/articles/http-protocol/note", data={"body": "Private <b>thought</b>"}, headers=HX)
    assert "Private" not in make_client("mona").get("/mentor/mentees/lena").get_data(as_text=True)
    response = lena.post("/articles/http-protocol/note", data={"body": "Why 204 <b>not</b> 200?", "shared": "on"},
                         headers=HX)
    assert response.status_code == 200 and "Saved." in response.get_data(as_text=True)
    mentor_page = make_client("mona").get("/mentor/mentees/lena").get_data(as_text=True)
    assert "Why 204 &lt;b&gt;not&lt;/b&gt; 200?" in mentor_page
    note = notes.note_for(session=session, user=factories.user(session, "lena"),
                          article=factories.article(session, "http-protocol"))
    reply = make_client("mona").post(f"/mentor/notes/{note.id}/replies", data={"body": "No content to send."})
    assert reply.status_code == 303
    assert make_client("leo").post(f"/mentor/notes/{note.id}/replies", data={"body": "hi"}).status_code == 403
    assert "No content to send." in lena.get("/articles/http-protocol/note").get_data(as_text=True)
    assert "replied to your note" in lena.get("/notifications/").get_data(as_text=True)


def test_an_over_long_note_gets_a_clear_message_and_is_not_saved(make_client, session):
    lena = make_client("lena")
    response = lena.post("/articles/http-protocol/note", data={"body": "x" * 2001}, headers=HX)
    assert response.status_code == 400
    assert "the limit is 2000. Nothing was saved." in response.get_data(as_text=True)
    assert notes.note_for(session=session, user=factories.user(session, "lena"),
                          article=factories.article(session, "http-protocol")) is None


def test_without_javascript_an_over_long_note_comes_back_with_its_text_and_the_reason(make_client):
    lena = make_client("lena")
    lena.post("/articles/http-protocol/note", data={"body": "My first thoughts", "shared": "on"})
    response = lena.post("/articles/http-protocol/note", data={"body": "y" * 2001})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "<html" in page
    assert "the limit is 2000. Nothing was saved." in page and "y" * 2001 in page
    assert "My first thoughts" in lena.get("/articles/http-protocol/note").get_data(as_text=True)


def test_notifications_for_assignment_due_soon_and_overdue(make_client, session, mentored, runner):
    lena = make_client("lena")
    assert "assigned you “API Designer”" in lena.get("/notifications/").get_data(as_text=True)
    with time_machine.travel(datetime.now(UTC) + timedelta(days=28)):
        later = make_client("lena")  # sessions do not outlive a month, so sign in again
        later.get("/")
        assert ">1<" in later.get("/notifications/badge").get_data(as_text=True)  # pages write no reminders
        assert runner.invoke(args=["reminders"]).output.strip() == "1 reminder added."
        assert runner.invoke(args=["reminders"]).output.strip() == "0 reminders added."  # idempotent
        assert ">2<" in later.get("/notifications/badge").get_data(as_text=True)  # assignment + due soon
        assert "is due" in later.get("/notifications/").get_data(as_text=True)
    with time_machine.travel(datetime.now(UTC) + timedelta(days=31)):
        later = make_client("lena")
        runner.invoke(args=["reminders"])
        assert "was due" in later.get("/notifications/").get_data(as_text=True)
        later.post("/notifications/read")
        assert "is-zero" in later.get("/notifications/badge").get_data(as_text=True)


def test_admin_links_and_unlinks_mentors(make_client):
    ada = make_client("ada")
    assert make_client("mona").get("/admin/mentorships").status_code == 403
    ada.post("/admin/mentorships", data={"mentor": "mona", "learner": "leo"})
    assert make_client("mona").get("/mentor/mentees/leo").status_code == 200
    again = ada.post("/admin/mentorships", data={"mentor": "mona", "learner": "leo"}, follow_redirects=True)
    assert "mona already mentors leo; nothing changed." in again.get_data(as_text=True)
    api = ada.post("/api/v1/mentorships", json={"mentor": "mona", "learner": "leo"})
    assert api.status_code == 201 and api.get_json()["already"] is True
    ada.post("/admin/mentorships/remove", data={"mentor": "mona", "learner": "leo"})
    assert make_client("mona").get("/mentor/mentees/leo").status_code == 404
    page = ada.post("/admin/mentorships", data={"mentor": "lena", "learner": "leo"}, follow_redirects=True)
    assert "&#39;lena&#39; is not a mentor." in page.get_data(as_text=True)


def test_assigning_a_path_again_from_the_overview_keeps_the_due_date_and_note(make_client, mentored, session):
    mona = make_client("mona")
    preview = mona.post("/mentor/assignments", data={"learners": "lena", "path": "api-designer"})
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Assign “API Designer”?" in text
    assert "already has it as given: nothing changes (due " in text and "nobody is notified" in text
    answer = mona.post("/mentor/assignments", data={"learners": "lena", "path": "api-designer", "confirmed": "y"},
                       follow_redirects=True)
    assert "lena already has it as given; nothing changed." in answer.get_data(as_text=True)
    page = make_client("lena").get("/").get_data(as_text=True)
    assert "“Start with HTTP.”" in page and "30 days left" in page
    moved = (date.today() + timedelta(days=40)).isoformat()
    notified = len(notifications.recent(session=session, user=factories.user(session, "lena")))
    preview = mona.post("/mentor/assignments", data={"learners": "lena", "path": "api-designer", "due_on": moved})
    assert "lena</strong>: due date " in preview.get_data(as_text=True)
    assert "40 days left" not in make_client("lena").get("/").get_data(as_text=True)  # the preview wrote nothing
    assert len(notifications.recent(session=session, user=factories.user(session, "lena"))) == notified
    answer = mona.post("/mentor/assignments", data={"learners": "lena", "path": "api-designer", "due_on": moved,
                                                    "confirmed": "y"}, follow_redirects=True)
    assert "Updated for lena (due date" in answer.get_data(as_text=True)
    page = make_client("lena").get("/").get_data(as_text=True)
    assert "“Start with HTTP.”" in page and "40 days left" in page


def test_a_first_assignment_needs_no_confirmation(make_client, mentored, session):
    factories.mentor_of(session, "mona", "leo")
    answer = make_client("mona").post("/mentor/assignments", data={"learners": "leo", "path": "api-designer"})
    assert answer.status_code == 303


@pytest.mark.parametrize("htmx", [False, True])
def test_a_mentors_refused_draft_does_not_show_its_title(make_client, session, htmx):
    from sqlmodel import select

    from tracker.models import Assignment, PathStatus

    factories.mentor_of(session, "mona", "lena")
    draft = factories.path(session, "real-time-streaming")
    draft.status, draft.title = PathStatus.draft, "Secret reorg: the new platform team"
    session.add(draft)
    session.commit()
    mona = make_client("mona")
    headers = {"HX-Request": "true"} if htmx else {}
    answer = mona.post("/mentor/assignments", data={"learners": "lena", "path": "real-time-streaming"},
                       headers=headers, follow_redirects=True)
    page = answer.get_data(as_text=True)
    assert "There is no path called" in page and "Secret reorg" not in page
    assert session.exec(select(Assignment)).all() == []
