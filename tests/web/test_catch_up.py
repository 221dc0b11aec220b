"""What changed since you finished, as the learner, their mentor and an outside verifier see it."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from html import unescape

import pytest
from markupsafe import escape

from tests import factories
from tests.services.progress.test_catch_up import SLUG, add_core, spare_articles
from tests.web.test_credentials import credentials_of, finish_but_one, revoked_per_status_list, verified_with_pyjwt
from tracker.services.mentoring import assignments

pytestmark = pytest.mark.filterwarnings("ignore:EdDSA is deprecated")  # credentials signed before ES256


@pytest.fixture
def behind(session, make_client):
    """lena finished version 1 of API Designer through the page (her certificate names it); version 2 then added
    two required articles. Returns her client, her credential and the two articles' slugs."""
    lena, last = finish_but_one(session, make_client)
    assert lena.post(f"/articles/{last.slug}/progress", data={"state": "done", "path": SLUG}).status_code == 303
    [credential] = credentials_of(session)
    new = spare_articles(session, 2)
    add_core(session, *new)
    return lena, credential, new


def text_of(response) -> str:
    assert response.status_code == 200
    return unescape(response.get_data(as_text=True))


def test_the_path_page_lists_what_the_new_version_added_with_links_states_and_the_certificate(session, behind):
    lena, credential, new = behind
    page = text_of(lena.get(f"/paths/{SLUG}"))
    assert "Version 2 added 2 articles since you finished version 1" in page
    for slug in new:
        title = factories.article(session, slug).title
        assert f'href="/articles/{slug}">{title}</a>' in page
    assert page.count("not started</span>") >= 2
    assert "certificate for version 1</a> stays valid" in page
    assert f"/credentials/{credential.public_id}" in page


def test_an_article_read_on_another_path_shows_as_done_in_the_list(session, behind):
    lena, _, new = behind
    assert lena.post(f"/articles/{new[0]}/progress", data={"state": "done"}).status_code == 303
    page = text_of(lena.get(f"/paths/{SLUG}"))
    assert "Version 2 added 2 articles since you finished version 1</strong> (1 left to read)" in page
    assert 'badge badge-done">Done</span>' in page


def test_a_learner_who_had_not_finished_sees_no_catch_up_on_the_page_or_dashboard(session, make_client, behind):
    leo, _ = finish_but_one(session, make_client, "leo")  # one required article short: never finished
    assert "since you finished" not in text_of(leo.get(f"/paths/{SLUG}"))
    assert "Catch up" not in text_of(leo.get("/"))


def test_the_dashboard_has_a_catch_up_card_for_the_path(session, behind):
    lena, _, new = behind
    page = text_of(lena.get("/"))
    assert "Catch up: <a href=\"/paths/api-designer#catch-up-api-designer\">API Designer</a>" in page
    assert "Version 2 added 2 articles since you finished version 1" in page
    assert all(f'href="/articles/{slug}"' in page for slug in new)


def test_the_certificate_says_its_version_and_tells_only_its_holder_a_newer_one_exists(make_client, behind):
    lena, credential, _ = behind
    own = text_of(lena.get(f"/credentials/{credential.public_id}"))
    assert "Certificate of completion for version 1" in own
    assert "Version 2 of this path exists." in own and "stays valid for version 1" in own
    assert lena.post(f"/credentials/{credential.public_id}/sharing", data={"shared": "y"}).status_code == 303
    visitor = text_of(make_client().get(f"/credentials/{credential.public_id}"))
    assert "Certificate of completion for version 1" in visitor and "Version 2 of this path exists." not in visitor


def test_an_outside_verifier_still_finds_the_credential_valid_after_a_new_version(session, make_client, behind):
    _, credential, _ = behind
    add_core(session, spare_articles(session, 1)[0])  # and a version 3 after it
    outsider = make_client()
    payload = verified_with_pyjwt(outsider, credential.jwt)
    assert not revoked_per_status_list(outsider, credential.jwt)
    assert payload["credentialSubject"]["achievement"]  # the credential as issued, untouched
    [again] = credentials_of(session)
    assert again.revoked_at is None and again.path_version == 1 and again.jwt == credential.jwt
    checked = text_of(outsider.post("/credentials/verify", data={"jwt": credential.jwt}))
    assert "Valid" in checked and "for finishing version 1 of “API Designer”" in checked


def test_the_api_verifies_it_valid_for_its_version_after_a_new_version(make_client, behind):
    _, credential, _ = behind
    answer = make_client().post("/api/v1/credentials/verify", json={"jwt": credential.jwt})
    assert answer.status_code == 200 and answer.get_json()["valid"] is True


def test_the_mentor_sees_who_is_behind_the_current_version(session, make_client, behind):
    factories.mentor_of(session, "mona", "lena")
    assignments.assign_path(session=session, mentor=factories.user(session, "mona"), usernames=["lena"],
                            path=factories.path(session, SLUG), due_on=date.today() + timedelta(days=30),
                            today=date.today())
    mona = make_client("mona")
    assert "finished v1 · 2 to catch up" in text_of(mona.get("/mentor/"))
    mentee = text_of(mona.get("/mentor/mentees/lena"))
    assert "Behind version 2: finished v1 · 2 to catch up" in mentee
    assert str(escape("finished v1")) in mentee
    [row] = list(csv.DictReader(io.StringIO(text_of(mona.get("/mentor/overview.csv")))))
    assert (row["finished_version"], row["to_catch_up"]) == ("1", "2")


def test_the_mentee_page_shows_followed_paths_behind_too(session, make_client, behind):
    factories.mentor_of(session, "mona", "lena")
    assert "finished v1 · 2 to catch up" in text_of(make_client("mona").get("/mentor/mentees/lena"))


def test_marking_on_the_path_page_with_htmx_updates_the_catch_up_list_and_empties_it_once_caught_up(behind):
    lena, _, new = behind
    first = lena.post(f"/articles/{new[0]}/progress", data={"state": "done", "path": SLUG},
                      headers={"HX-Request": "true"})
    answer = text_of(first)
    assert '<div id="catch-up" hx-swap-oob="true">' in answer
    assert "(1 left to read)" in answer and 'badge badge-done">Done</span>' in answer
    last = text_of(lena.post(f"/articles/{new[1]}/progress", data={"state": "done", "path": SLUG},
                             headers={"HX-Request": "true"}))
    swapped = last.split('<div id="catch-up" hx-swap-oob="true">')[1].split("</div>")[0]
    assert "since you finished" not in swapped  # caught up: the list leaves the page
    assert "since you finished" not in text_of(lena.get(f"/paths/{SLUG}"))
