"""An article row's head is kept (tracker.web.fragments) and its forms are rendered for each request, so each page
still shows its own reader's rows: their CSRF token, their page's address, their note, their mentees, their clock."""

import html
import re

from sqlmodel import select

from tests.web.test_main import first_article
from tracker.models import Article
from tracker.web import fragments

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
NEXT_FIELD = re.compile(r'name="next" value="([^"]+)"')
PAGE_TOKEN = re.compile(r'"X-CSRFToken": "([^"]+)"')


def rows(page: str) -> str:
    """The article lists of a page."""
    return "".join(re.findall(r'<ol class="article-list"[^>]*>.*?</ol>', page, flags=re.S))


def test_every_row_form_carries_the_readers_own_token_and_comes_back_to_the_page_as_opened(make_client):
    lena, leo = make_client("lena"), make_client("leo")
    for learner in (lena, leo):
        learner.post("/paths/api-designer/follow")
    pages = {name: who.get("/paths/api-designer?view=all").get_data(as_text=True)
             for name, who in (("lena", lena), ("leo", leo))}
    for page in pages.values():  # the token the page's own requests send, in all 90 row forms
        assert len(CSRF_FIELD.findall(rows(page))) >= 40
        assert set(CSRF_FIELD.findall(rows(page))) == {PAGE_TOKEN.search(page).group(1)}
        assert set(NEXT_FIELD.findall(rows(page))) == {"/paths/api-designer?view=all"}
    assert set(CSRF_FIELD.findall(rows(pages["lena"]))) != set(CSRF_FIELD.findall(rows(pages["leo"])))
    page = lena.get("/paths/api-designer?a=1&b=2").get_data(as_text=True)
    other = html.unescape(NEXT_FIELD.search(rows(page)).group(1))
    assert other == "/paths/api-designer?a=1&b=2"


def test_a_kept_row_marks_without_javascript_and_brings_the_reader_back(make_client, session):
    lena = make_client("lena")
    lena.post("/paths/api-designer/follow")
    article, _ = first_article(session)
    page = lena.get("/paths/api-designer?from=row").get_data(as_text=True)
    row = page[page.index(f'id="article-{article.slug}"'):]
    form = row[row.index('<form class="state-controls"'):]
    form = form[:form.index("</form>")]
    fields = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', form))
    answer = lena.post(f"/articles/{article.slug}/progress", csrf=False,
                       data={**{k: html.unescape(v) for k, v in fields.items()}, "state": "done"})
    assert answer.status_code == 303, answer.get_data(as_text=True)
    assert answer.headers["Location"].endswith(f"/paths/api-designer?from=row#article-{article.slug}")
    assert "state-done" in lena.get("/paths/api-designer").get_data(as_text=True)


def test_a_learners_note_shows_in_their_row_only(make_client, session):
    lena, leo = make_client("lena"), make_client("leo")
    article, _ = first_article(session)
    for learner in (lena, leo):
        learner.post("/paths/api-designer/follow")
        learner.get("/paths/api-designer")  # both rows kept before the note exists
    lena.post(f"/articles/{article.slug}/note", data={"body": "Idempotency keys <b>first</b>"})
    assert "Idempotency keys &lt;b&gt;first&lt;/b&gt;" in lena.get("/paths/api-designer").get_data(as_text=True)
    theirs = leo.get("/paths/api-designer").get_data(as_text=True)
    assert "Idempotency keys" not in theirs
    assert f'id="note-{article.slug}"' in theirs  # leo still gets his own empty note form


def test_a_renamed_article_shows_its_new_title_in_every_row_at_once(make_client, session):
    lena = make_client("lena")
    lena.post("/paths/api-designer/follow")
    article, _ = first_article(session)
    old_title = article.title
    lena.get("/paths/api-designer")
    lena.get("/catalog")
    row = session.exec(select(Article).where(Article.id == article.id)).one()
    row.title = "Renamed & better"
    session.add(row)
    session.commit()
    for page in (lena.get("/paths/api-designer"), lena.get("/catalog?q=better")):
        text = page.get_data(as_text=True)
        assert "Mark done: “Renamed &amp; better”" in text
        assert f"“{html.escape(old_title, quote=False)}”" not in text


def test_the_assign_form_lists_each_mentors_own_mentees_and_a_new_name_at_once(make_client, session):
    from tests import factories
    from tracker.services.mentoring import mentorships

    mona, ada = factories.user(session, "mona"), factories.user(session, "ada")
    first, second = factories.add_learners(session, "kept", 2)
    mentorships.link(session=session, mentor=mona, learner=first)
    mentorships.link(session=session, mentor=ada, learner=second)
    mona_client, ada_client = make_client("mona"), make_client("ada")
    mine = mona_client.get("/mentor/").get_data(as_text=True)
    theirs = ada_client.get("/mentor/").get_data(as_text=True)
    assert f'value="{first.username}"' in mine and f'value="{second.username}"' not in mine
    assert f'value="{second.username}"' in theirs and f'value="{first.username}"' not in theirs
    first.display_name = "Renamed <Learner>"
    session.add(first)
    session.commit()
    assert "Renamed &lt;Learner&gt;" in mona_client.get("/mentor/").get_data(as_text=True)


def test_an_overview_row_follows_the_mentees_progress_and_the_mentors_clock(make_client, session):
    from datetime import date

    from tests import factories
    from tracker.services.mentoring import assignments

    factories.mentor_of(session, "mona", "lena")
    assignments.assign_path(session=session, mentor=factories.user(session, "mona"), usernames=["lena"],
                            path=factories.path(session, "api-designer"), due_on=None, note="", today=date.today())
    mona, lena = make_client("mona"), make_client("lena")
    assert "never" in mona.get("/mentor/").get_data(as_text=True)
    article, _ = first_article(session)
    lena.post(f"/articles/{article.slug}/progress", data={"state": "done", "path": "api-designer"})
    row = mona.get("/mentor/").get_data(as_text=True)
    assert "never" not in row and re.search(r'<span class="small">[1-9]\d?%', row)
    shown = {}
    for zone in ("Pacific/Pago_Pago", "Pacific/Kiritimati"):  # UTC-11 and UTC+14: never the same day
        mona.post("/account/time-zone", data={"time_zone": zone})
        shown[zone] = re.search(r'<time datetime="([^"]+)">([^<]+)</time>', mona.get("/mentor/").get_data(as_text=True))
    assert shown["Pacific/Pago_Pago"].group(1) == shown["Pacific/Kiritimati"].group(1)  # the same moment
    assert shown["Pacific/Pago_Pago"].group(2) != shown["Pacific/Kiritimati"].group(2)  # on each clock's day


def test_kept_parts_hold_nothing_of_a_request_or_a_person(app, make_client, session):
    article, _ = first_article(session)
    lena, leo = make_client("lena"), make_client("leo")
    lena.post("/paths/api-designer/follow")
    lena.post(f"/articles/{article.slug}/note", data={"body": "Mine alone"})
    pages = [who.get(url).get_data(as_text=True) for who in (lena, leo, make_client())
             for url in ("/paths/api-designer?from=kept", "/catalog?page=2", "/catalog?q=api")]
    tokens = {token for page in pages for token in CSRF_FIELD.findall(page)}
    kept = app.extensions[fragments.EXTENSION].values()
    assert len(kept) > 20 and all(row.startswith('<li class="article-row') for row in kept)
    for row in kept:
        assert "<form" not in row and "csrf" not in row and not any(token in row for token in tokens)
        assert "from=kept" not in row and "Mine alone" not in row and "note-" not in row
