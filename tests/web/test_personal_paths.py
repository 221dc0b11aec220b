"""Personal paths in pages: making a copy, editing it without JavaScript and with HTMX, the curated path's changes
taken on the copy's page, and nobody else reaching a copy."""

import re

from sqlmodel import select

from tests import factories
from tracker.models import LearningPath
from tracker.services.curriculum import queries as path_queries
from tracker.services.curriculum import store as path_store

HX = {"HX-Request": "true"}


def copy_of(session, username="lena") -> LearningPath:
    owner = factories.user(session, username)
    session.expire_all()
    return session.exec(select(LearningPath).where(LearningPath.owner_id == owner.id)).one()


def fork(client) -> str:
    answer = client.post("/paths/api-designer/fork")
    assert answer.status_code == 303
    return answer.headers["Location"].rsplit("/", 1)[-1]


def test_a_learner_makes_a_copy_from_the_paths_page_and_finds_it_in_their_lists(make_client, session):
    lena = make_client("lena")
    assert "Make it your own" in lena.get("/paths/api-designer").text
    slug = fork(lena)
    page = lena.get(f"/paths/{slug}").text
    assert "API Designer (my copy)" in page and "only you see it" in page and "Draft preview" not in page
    assert f"/paths/{slug}" in lena.get("/paths/api-designer").text  # "You have a copy"
    assert "Your own paths" in lena.get("/paths/").text and slug in lena.get("/paths/").text
    assert "API Designer (my copy)" in lena.get("/").text


def test_a_copy_is_in_nobody_elses_list_and_answers_not_found_to_them(make_client, session):
    slug = fork(make_client("lena"))
    for username in ("leo", "ada", "mona", None):
        other = make_client(username)
        assert other.get(f"/paths/{slug}").status_code == 404, username
        assert slug not in other.get("/paths/").text
    assert slug not in make_client("ada").get("/admin/paths").text


def test_someone_elses_copy_cannot_be_edited_or_its_changes_decided(make_client, session):
    slug = fork(make_client("lena"))
    leo = make_client("leo")
    assert leo.get(f"/paths/{slug}/edit").status_code == 404
    assert leo.post(f"/paths/{slug}/edit/title", data={"title": "Leo's now"}).status_code == 404
    assert leo.post(f"/paths/{slug}/edit/item", data={"article": "routing", "action": "remove"}).status_code == 404
    assert leo.post(f"/paths/{slug}/changes", data={"key": "x", "decision": "take"}).status_code == 404
    assert copy_of(session).title == "API Designer (my copy)"


def test_a_mentor_sees_a_copy_only_once_it_is_shared_and_never_edits_it(make_client, session):
    factories.mentor_of(session, "mona", "lena")
    lena, mona = make_client("lena"), make_client("mona")
    slug = fork(lena)
    assert mona.get(f"/paths/{slug}").status_code == 404
    assert lena.post(f"/paths/{slug}/edit/share", data={"shared": "y"}).status_code == 303
    assert mona.get(f"/paths/{slug}").status_code == 200
    assert mona.get(f"/paths/{slug}/edit").status_code == 404


def test_edits_without_javascript_rename_add_and_reorder_the_copy(make_client, session):
    lena = make_client("lena")
    slug = fork(lena)
    assert lena.post(f"/paths/{slug}/edit/title", data={"title": "My API way", "version": 1}).status_code == 303
    assert lena.post(f"/paths/{slug}/edit/article", data={"section": 0, "article": "caching"}).status_code == 303
    answer = lena.post(f"/paths/{slug}/edit/resource", data={"section": 1, "title": "My gRPC notes",
                                                            "url": "https://example.com/grpc", "minutes": 15})
    assert answer.status_code == 303
    page = lena.get(f"/paths/{slug}").text
    assert "My API way" in page and "Caching" in page and "My gRPC notes" in page
    lena.post(f"/paths/{slug}/edit/item", data={"article": "routing", "action": "remove"})
    assert "routing" not in [e.card.article.slug for e in
                             path_queries.get_path(session=session, slug=slug).sections[0].entries]


def test_a_javascript_link_is_refused_beside_the_form_keeping_what_was_typed(make_client, session):
    lena = make_client("lena")
    slug = fork(lena)
    answer = lena.post(f"/paths/{slug}/edit/resource", data={"section": 0, "title": "Trap",
                                                            "url": "javascript:alert(1)", "minutes": 5})
    assert answer.status_code == 400
    assert "http:// or https://" in answer.text and 'value="Trap"' in answer.text and "autofocus" in answer.text
    assert "Trap" not in lena.get(f"/paths/{slug}").text


def test_with_htmx_an_edit_answers_the_editor_in_place_and_a_refusal_there_too(make_client, session):
    lena = make_client("lena")
    slug = fork(lena)
    answer = lena.post(f"/paths/{slug}/edit/title", data={"title": "Short", "version": 1}, headers=HX)
    assert answer.status_code == 200 and 'id="editor"' in answer.text and "<html" not in answer.text
    assert "Renamed." in answer.text
    stale = lena.post(f"/paths/{slug}/edit/title", data={"title": "Stale", "version": 1}, headers=HX)
    assert stale.status_code == 409 and 'role="alert"' in stale.text and "<html" not in stale.text
    assert copy_of(session).title == "Short"


def test_the_curated_paths_change_is_taken_on_the_copys_page(make_client, session):
    lena = make_client("lena")
    slug = fork(lena)
    upstream = factories.path(session, "api-designer")
    data = path_queries.path_definition(session=session, path=upstream).model_dump(mode="python")
    data["sections"][1]["items"].append({"slug": "caching", "optional": False})
    path_store.save_path(session=session, definition=path_store.PathDefinition.model_validate(data),
                         base_version=upstream.version, author=factories.user(session, "ada"))
    page = lena.get(f"/paths/{slug}").text
    assert "Copied from" in page and "1 change since" in page and "Caching" in page
    key = re.search(r'name="key" value="([^"]+)"', page).group(1)
    assert lena.post(f"/paths/{slug}/changes", data={"key": key, "decision": "take"}, headers=HX) \
        .headers.get("HX-Redirect")
    assert lena.post(f"/paths/{slug}/changes", data={"key": key, "decision": "take"}).status_code == 303  # again
    page = lena.get(f"/paths/{slug}").text
    assert "up to date with v2" in page and page.count('href="/articles/caching') >= 1
    assert copy_of(session).forked_version == 2


def test_a_draft_or_a_copy_cannot_be_copied(make_client, session):
    lena = make_client("lena")
    slug = fork(lena)
    assert lena.post(f"/paths/{slug}/fork").status_code == 400
    assert make_client("leo").post(f"/paths/{slug}/fork").status_code == 404


def test_a_mentor_makes_a_copy_for_a_mentee_from_the_paths_page(make_client, session):
    factories.mentor_of(session, "mona", "lena")
    mona = make_client("mona")
    assert "Make a copy for a mentee" in mona.get("/paths/api-designer").text
    assert mona.post("/paths/api-designer/fork", data={"learner": "lena"}).status_code == 303
    copy = copy_of(session)
    assert copy.shared_with_mentors and mona.get(f"/paths/{copy.slug}").status_code == 200
    assert mona.post("/paths/api-designer/fork", data={"learner": "leo"}).status_code == 404
    assert "Make a copy for a mentee" not in make_client("leo").get("/paths/api-designer").text


def test_a_mentee_page_names_a_copy_only_once_it_is_shared_and_then_leads_to_it(make_client, session):
    """The mentor opens the mentee's page: a copy kept private is not there, not even its title; once shared it
    is listed as the mentee's own path and its link opens."""
    factories.mentor_of(session, "mona", "lena")
    lena, mona = make_client("lena"), make_client("mona")
    slug = fork(lena)
    assert lena.post(f"/paths/{slug}/edit/title", data={"title": "Plan B, privately"}).status_code == 303
    page = mona.get("/mentor/mentees/lena").text
    assert "Plan B, privately" not in page and slug not in page
    assert lena.post(f"/paths/{slug}/edit/share", data={"shared": "y"}).status_code == 303
    page = mona.get("/mentor/mentees/lena").text
    assert "Plan B, privately" in page and "their own path" in page
    assert mona.get(f"/mentor/mentees/lena/paths/{slug}").status_code == 200
