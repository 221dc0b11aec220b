"""A learner's own resources beside an article: added, changed and deleted as plain forms and in place, private
to their owner (and their mentors once shared), refused with a clear message for a bad link."""

from __future__ import annotations

import re

from tests import factories
from tracker.models import Article, ProgressState
from tracker.services.personal import resources as personal
from tracker.services.progress import marks as progress

HX = {"HX-Request": "true"}
PATH_PAGE = "/paths/api-designer"
BESIDE = "restful-api-design"


def _add(client, *, title="Fielding's thesis, chapter 5", url="https://example.org/rest", minutes="40",
         shared=False, headers=None, next_=PATH_PAGE):
    data = {"title": title, "url": url, "minutes": minutes, "beside": BESIDE, "next": next_}
    if shared:
        data["shared"] = "y"
    return client.post("/resources", data=data, headers=headers or {})


def _mine(session, username):
    session.expire_all()
    return personal.my_resources(session=session, owner=factories.user(session, username))


def test_a_learner_adds_a_resource_beside_an_article_without_javascript_and_sees_it_under_the_row(make_client,
                                                                                                 session):
    lena = make_client("lena")
    page = lena.get(PATH_PAGE).get_data(as_text=True)
    assert f'id="resources-{BESIDE}"' in page and "Add your own resource" in page
    answer = _add(lena)
    assert answer.status_code == 303 and answer.headers["Location"] == f"{PATH_PAGE}#resources-{BESIDE}"
    page = lena.get(PATH_PAGE).get_data(as_text=True)
    link = re.search(r'<a href="https://example.org/rest" rel="noopener noreferrer" target="_blank">'
                     r"Fielding&#39;s thesis, chapter 5", page)
    assert link, "the resource opens its link in a new tab, without handing over the tracker's page"
    assert "40 min" in page and "only you" in page
    [resource] = _mine(session, "lena")
    assert resource.attached_to_id == factories.article(session, BESIDE).id and not resource.shared_with_mentors


def test_adding_in_place_answers_the_resources_block_with_the_new_link(make_client):
    lena = make_client("lena")
    answer = _add(lena, headers=HX)
    text = answer.get_data(as_text=True)
    assert answer.status_code == 200 and text.startswith(f'<div class="article-resources" id="resources-{BESIDE}"')
    assert "Fielding&#39;s thesis, chapter 5" in text and "Added “Fielding&#39;s thesis, chapter 5”." in text


def test_a_javascript_link_is_refused_with_a_clear_message_and_nothing_is_saved(make_client, session):
    lena = make_client("lena")
    for bad in ("javascript:alert(1)", "JavaScript:alert(document.cookie)", "data:text/html,<script>x</script>",
                "file:///etc/passwd", "vbscript:msgbox", "example.org", " javascript:alert(1)"):
        plain = _add(lena, url=bad)
        text = plain.get_data(as_text=True)
        assert plain.status_code == 400, bad
        assert "Only web addresses starting with https:// or http:// can be saved" in text \
            or "no site in it" in text, bad
        assert 'value="Fielding&#39;s thesis, chapter 5"' in text, "what was typed is kept"
        assert 'aria-invalid="true"' in text
    fragment = _add(lena, url="javascript:alert(1)", headers=HX)
    text = fragment.get_data(as_text=True)
    assert fragment.status_code == 400 and 'role="alert"' in text and "autofocus" in text
    assert re.search(r'name="url"[^>]*value="javascript:alert\(1\)"[^>]*aria-invalid="true"', text)
    assert _mine(session, "lena") == []


def test_titles_and_minutes_out_of_range_are_refused_naming_the_field(make_client, session):
    lena = make_client("lena")
    assert "Give the resource a title." in _add(lena, title="   ").get_data(as_text=True)
    assert "at most 200 characters" in _add(lena, title="x" * 201).get_data(as_text=True)
    assert "between 1 and 600" in _add(lena, minutes="601").get_data(as_text=True)
    assert "between 1 and 600" in _add(lena, minutes="0").get_data(as_text=True)
    assert "whole number" in _add(lena, minutes="ten").get_data(as_text=True)
    assert _mine(session, "lena") == []
    assert _add(lena, minutes="").status_code == 303
    assert _mine(session, "lena")[0].reading_minutes is None


def test_a_learner_edits_and_deletes_their_resource_and_nobody_else_can(make_client, session):
    lena, leo = make_client("lena"), make_client("leo")
    _add(lena)
    [resource] = _mine(session, "lena")
    edit = f"/resources/{resource.id}"
    for other in (leo, make_client("mona"), make_client("ada")):
        assert other.get(f"{edit}/edit").status_code == 404
        assert other.post(edit, data={"title": "Mine now", "url": "https://evil.example"}).status_code == 404
        assert other.post(f"{edit}/delete").status_code == 404
    assert _mine(session, "lena")[0].title == "Fielding's thesis, chapter 5"
    assert "Fielding" in lena.get(f"{edit}/edit").get_data(as_text=True)
    refused = lena.post(edit, data={"title": "Chapter 5", "url": "data:text/html,hi"})
    assert refused.status_code == 400 and "Only web addresses" in refused.get_data(as_text=True)
    saved = lena.post(edit, data={"title": "Chapter 5", "url": "https://example.org/ch5", "minutes": "30",
                                  "shared": "y"})
    assert saved.status_code == 303
    [changed] = _mine(session, "lena")
    assert (changed.title, changed.url, changed.reading_minutes, changed.shared_with_mentors) == (
        "Chapter 5", "https://example.org/ch5", 30, True)
    gone = lena.post(f"{edit}/delete", headers=HX)
    assert gone.status_code == 200 and "Deleted “Chapter 5”." in gone.get_data(as_text=True)
    assert _mine(session, "lena") == []


def test_only_its_owner_marks_a_resource_done(make_client, session):
    lena = make_client("lena")
    _add(lena, shared=True)
    [resource] = _mine(session, "lena")
    for name in ("leo", "mona", "ada"):
        other = make_client(name)
        assert other.post(f"/articles/{resource.slug}/progress", data={"state": "done"}).status_code == 404
        assert other.post(f"/articles/{resource.slug}/note", data={"body": "mine"}).status_code == 404
    assert lena.post(f"/articles/{resource.slug}/progress", data={"state": "done"}).status_code == 303
    lena_user = factories.user(session, "lena")
    assert progress.states_for(session=session, user=lena_user, article_ids=[resource.id]) == {
        resource.id: ProgressState.done}
    page = lena.get(f"/articles/{resource.slug}").get_data(as_text=True)
    assert "Your own resource" in page and "badge-done" in page


def test_marking_a_row_in_place_on_the_path_page_keeps_its_resources(make_client):
    lena = make_client("lena")
    _add(lena)
    row = lena.post(f"/articles/{BESIDE}/progress", headers=HX,
                    data={"state": "done", "path": "api-designer", "next": PATH_PAGE}).get_data(as_text=True)
    assert f'id="resources-{BESIDE}"' in row and "Fielding&#39;s thesis, chapter 5" in row


def test_a_mentor_sees_a_mentees_resource_on_their_path_view_only_once_shared(make_client, session):
    factories.mentor_of(session, "mona", "lena")
    lena, mona = make_client("lena"), make_client("mona")
    _add(lena, title="Private reading")
    _add(lena, title="Shared reading", shared=True)
    view = mona.get("/mentor/mentees/lena/paths/api-designer").get_data(as_text=True)
    assert "Shared reading" in view and "Private reading" not in view
    assert "Add your own resource" not in view, "a mentor's view has no forms"
    shared = next(r for r in _mine(session, "lena") if r.title == "Shared reading")
    private = next(r for r in _mine(session, "lena") if r.title == "Private reading")
    assert mona.get(f"/articles/{shared.slug}").status_code == 200
    assert mona.get(f"/articles/{private.slug}").status_code == 404
    assert session.get(Article, shared.id) is not None


def test_the_article_page_and_the_resources_page_offer_the_form_to_their_owner_only(make_client):
    lena, visitor = make_client("lena"), make_client()
    _add(lena, next_=f"/articles/{BESIDE}")
    page = lena.get(f"/articles/{BESIDE}").get_data(as_text=True)
    assert 'id="resources-heading">Your resources' in page and "Fielding&#39;s thesis, chapter 5" in page
    assert "Add your own resource" in page
    anonymous = visitor.get(f"/articles/{BESIDE}").get_data(as_text=True)
    assert "Your resources" not in anonymous and "Fielding" not in anonymous
    mine = lena.get("/resources").get_data(as_text=True)
    assert "Fielding&#39;s thesis, chapter 5" in mine and "Add a resource" in mine
    assert visitor.get("/resources").status_code in (302, 401)
    refused = lena.post("/resources", data={"title": "Loose", "url": "data:,x"})
    assert refused.status_code == 400 and 'value="Loose"' in refused.get_data(as_text=True)
