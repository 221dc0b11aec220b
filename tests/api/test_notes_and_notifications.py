"""Notes, replies, notifications and mentoring invitations through the API, as a script would use them."""

from __future__ import annotations

import pytest
from sqlmodel import select

from tests import factories
from tests.api.tokens import bearer
from tracker.models import Note, NoteReply, TokenScope


@pytest.fixture
def linked(session):
    factories.mentor_of(session, "mona", "lena")


def test_a_learner_writes_a_note_and_reads_it_back_and_an_empty_body_deletes_it(make_client, session):
    lena = make_client("lena")
    empty = lena.get("/api/v1/me/articles/http-protocol/note").get_json()
    assert (empty["body"], empty["id"], empty["replies"]) == ("", None, [])
    saved = lena.put("/api/v1/me/articles/http-protocol/note", json={"body": "  Verbs are idempotent or not.  "})
    assert saved.status_code == 200
    assert (saved.get_json()["body"], saved.get_json()["shared"]) == ("Verbs are idempotent or not.", False)
    assert lena.get("/api/v1/me/articles/http-protocol/note").get_json()["body"] == "Verbs are idempotent or not."
    # the page shows the same note
    assert "Verbs are idempotent or not." in lena.get("/articles/http-protocol/note").get_data(as_text=True)
    assert lena.put("/api/v1/me/articles/http-protocol/note", json={"body": ""}).get_json()["id"] is None
    assert session.exec(select(Note)).all() == []


@pytest.mark.parametrize(("body", "message"), [
    ({"body": "x" * 2001}, "the limit is 2000"),
    ({"body": 12}, "body: "),
    ({"body": "hi", "colour": "red"}, "colour: "),
    ({}, "body: this field is required"),
])
def test_a_bad_note_is_refused_with_a_clear_message_and_nothing_is_saved(make_client, session, body, message):
    response = make_client("lena").put("/api/v1/me/articles/http-protocol/note", json=body)
    assert response.status_code == 400 and message in response.get_json()["error"]["message"]
    assert session.exec(select(Note)).all() == []


def test_a_note_on_an_unknown_article_is_404(make_client):
    assert make_client("lena").put("/api/v1/me/articles/no-such/note", json={"body": "x"}).status_code == 404


def test_a_mentor_replies_to_a_shared_note_and_the_learner_reads_the_reply_and_its_notification(
        make_client, linked, session):
    lena, mona = make_client("lena"), make_client("mona")
    lena.put("/api/v1/me/articles/http-protocol/note", json={"body": "Private thought"})
    assert mona.get("/api/v1/mentees/lena/notes").get_json()["items"] == []  # not shared: not seen
    lena.put("/api/v1/me/articles/http-protocol/note", json={"body": "Shared thought", "shared": True})
    [shared] = mona.get("/api/v1/mentees/lena/notes").get_json()["items"]
    assert (shared["article"], shared["body"], shared["takeaway"]) == ("http-protocol", "Shared thought", None)

    replied = mona.post(f"/api/v1/notes/{shared['id']}/replies", json={"body": "Well put."})
    assert replied.status_code == 201 and replied.get_json()["author"] == "mona"
    note = lena.get("/api/v1/me/articles/http-protocol/note").get_json()
    assert [(r["author"], r["body"]) for r in note["replies"]] == [("mona", "Well put.")]
    assert [(r["author"], r["body"]) for r in mona.get("/api/v1/mentees/lena/notes").get_json()["items"][0]
            ["replies"]] == [("mona", "Well put.")]

    inbox = lena.get("/api/v1/me/notifications").get_json()
    reply_note = next(n for n in inbox["items"] if n["kind"] == "reply")
    assert "mona" in reply_note["message"].lower() or "replied" in reply_note["message"]
    assert reply_note["read"] is False and inbox["unread"] >= 1
    read = lena.post(f"/api/v1/me/notifications/{reply_note['id']}/read")
    assert read.status_code == 200 and read.get_json() == {"marked": 1, "unread": inbox["unread"] - 1}
    again = lena.post(f"/api/v1/me/notifications/{reply_note['id']}/read")
    assert again.status_code == 404
    assert lena.post("/api/v1/me/notifications/read").get_json()["unread"] == 0
    assert all(n["read"] for n in lena.get("/api/v1/me/notifications").get_json()["items"])


def test_replies_are_refused_to_learners_for_private_notes_and_when_empty_writing_nothing(make_client, linked,
                                                                                         session):
    lena, mona, leo = make_client("lena"), make_client("mona"), make_client("leo")
    lena.put("/api/v1/me/articles/http-protocol/note", json={"body": "Private"})
    note_id = session.exec(select(Note)).one().id
    assert mona.post(f"/api/v1/notes/{note_id}/replies", json={"body": "Peek"}).status_code == 404
    assert leo.post(f"/api/v1/notes/{note_id}/replies", json={"body": "Hi"}).status_code == 403
    lena.put("/api/v1/me/articles/http-protocol/note", json={"body": "Shared", "shared": True})
    empty = mona.post(f"/api/v1/notes/{note_id}/replies", json={"body": "   "})
    assert empty.status_code == 400 and "Write a reply first" in empty.get_json()["error"]["message"]
    assert session.exec(select(NoteReply)).all() == []


def test_another_persons_notification_cannot_be_marked_read(make_client, linked):
    lena = make_client("lena")
    lena.put("/api/v1/me/articles/http-protocol/note", json={"body": "Shared", "shared": True})
    mona = make_client("mona")
    [mine] = [n for n in mona.get("/api/v1/me/notifications").get_json()["items"] if n["kind"] == "shared_note"]
    assert lena.post(f"/api/v1/me/notifications/{mine['id']}/read").status_code == 404
    assert mona.get("/api/v1/me/notifications").get_json()["unread"] >= 1


def test_a_mentor_invites_a_learner_who_accepts_through_the_api(make_client, session):
    mona, leo = make_client("mona"), make_client("leo")
    sent = mona.post("/api/v1/mentorships/invitations", json={"username": "leo"})
    assert sent.status_code == 201 and sent.get_json()["status"] == "invited"
    [invitation] = leo.get("/api/v1/me/notifications").get_json()["invitations"]
    assert invitation["mentor"] == "mona"
    assert leo.post(f"/api/v1/me/invitations/{invitation['id']}", json={"decision": "maybe"}).status_code == 400
    accepted = leo.post(f"/api/v1/me/invitations/{invitation['id']}", json={"decision": "accept"})
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "active"
    assert "leo" in [m["username"] for m in mona.get("/api/v1/mentees").get_json()["items"]]
    assert leo.post(f"/api/v1/me/invitations/{invitation['id']}", json={"decision": "decline"}).status_code == 404
    assert leo.get("/api/v1/me/notifications").get_json()["invitations"] == []


def test_a_declined_invitation_gives_the_mentor_nothing(make_client):
    make_client("mona").post("/api/v1/mentorships/invitations", json={"username": "leo"})
    leo = make_client("leo")
    [invitation] = leo.get("/api/v1/me/notifications").get_json()["invitations"]
    assert leo.post(f"/api/v1/me/invitations/{invitation['id']}",
                    json={"decision": "decline"}).get_json()["status"] == "declined"
    assert make_client("mona").get("/api/v1/mentees/leo/progress").status_code == 404


@pytest.mark.parametrize(("username", "message"), [("ghost", "There is no user called 'ghost'"),
                                                    ("mona", "cannot invite yourself"), ("", "username: ")])
def test_bad_invitations_are_refused_with_a_clear_message(make_client, username, message):
    response = make_client("mona").post("/api/v1/mentorships/invitations", json={"username": username})
    assert response.status_code == 400 and message in response.get_json()["error"]["message"]


def test_only_mentors_invite_and_a_learner_cannot_answer_someone_elses_invitation(make_client, session, client):
    assert make_client("lena").post("/api/v1/mentorships/invitations", json={"username": "leo"}).status_code == 403
    make_client("mona").post("/api/v1/mentorships/invitations", json={"username": "leo"})
    [invitation] = make_client("leo").get("/api/v1/me/notifications").get_json()["invitations"]
    assert make_client("lena").post(f"/api/v1/me/invitations/{invitation['id']}",
                                    json={"decision": "accept"}).status_code == 404
    # a read-only token of leo's cannot accept either
    read_only = bearer(session, "leo", TokenScope.read)
    assert client.post(f"/api/v1/me/invitations/{invitation['id']}", json={"decision": "accept"},
                       headers=read_only).status_code == 403
    assert make_client("leo").get("/api/v1/me/notifications").get_json()["invitations"] != []


def test_a_mentor_suggests_a_card_on_a_path_they_assigned_and_withdraws_it(make_client, linked, session):
    mona, lena = make_client("mona"), make_client("lena")
    card = {"path": "api-designer", "article": "http-protocol", "prompt": "Safe verbs?", "answer": "GET, HEAD"}
    refused = mona.post("/api/v1/suggested-cards", json=card)
    assert refused.status_code == 403 and "not assigned" in refused.get_json()["error"]["message"]
    mona.post("/api/v1/assignments", json={"learners": ["lena"], "path": "api-designer"})
    outside = mona.post("/api/v1/suggested-cards", json=card | {"article": "no-such-article"})
    assert outside.status_code == 400 and "is not in" in outside.get_json()["error"]["message"]
    made = mona.post("/api/v1/suggested-cards", json=card)
    assert made.status_code == 201
    offered = lena.get("/api/v1/me/cards/suggested?article=http-protocol").get_json()["items"]
    assert [(s["prompt"], s["mentor"]) for s in offered if s["origin"] == "mentor"] == [("Safe verbs?", "mona")]
    mine = mona.get("/api/v1/suggested-cards?path=api-designer").get_json()["items"]
    assert [s["id"] for s in mine] == [made.get_json()["id"]]
    assert mona.get("/api/v1/suggested-cards").status_code == 400
    assert make_client("lena").delete(f"/api/v1/suggested-cards/{made.get_json()['id']}").status_code == 403
    assert mona.delete(f"/api/v1/suggested-cards/{made.get_json()['id']}").status_code == 204
    assert mona.delete(f"/api/v1/suggested-cards/{made.get_json()['id']}").status_code == 404
    assert [s for s in lena.get("/api/v1/me/cards/suggested?article=http-protocol").get_json()["items"]
            if s["origin"] == "mentor"] == []


def test_a_mentor_reads_a_mentees_path_section_by_section(make_client, linked):
    make_client("lena").put("/api/v1/me/progress/http-protocol", json={"state": "done", "path": "api-designer"})
    mona = make_client("mona")
    view = mona.get("/api/v1/mentees/lena/paths/api-designer").get_json()
    assert view["username"] == "lena" and view["path"]["done"] == 1 and view["path"]["following"] is False
    items = {i["article"]: i for s in view["sections"] for i in s["items"]}
    assert items["http-protocol"]["state"] == "done" and items["http-protocol"]["changed_at"]
    assert sum(s["done"] for s in view["sections"]) == 1
    assert mona.get("/api/v1/mentees/leo/paths/api-designer").status_code == 404
    assert mona.get("/api/v1/mentees/lena/paths/no-such").status_code == 404
    assert make_client("leo").get("/api/v1/mentees/lena/paths/api-designer").status_code == 403
