"""Section rules on the pages: the editor sets them (with and without JavaScript) and previews their effect on
learners; the path page shows each rule and keeps an in-order section's later articles closed, and opens them in
place after the mark that frees them."""

from html import unescape

from sqlmodel import select

from tests import factories
from tests.section_rules import GRAPHQL, GRAPHQL_REQUIRED, elective, give_rules, in_order
from tests.web.test_admin import editor_form
from tracker.models import PathVersion, Progress, ProgressEvent, ProgressState
from tracker.services.progress import follows
from tracker.services.progress import marks as progress

EDITOR = "/admin/paths/api-designer/edit"
HX_EDITOR = {"HX-Request": "true", "HX-Target": "editor"}
HX = {"HX-Request": "true"}


def _row(html: str, slug: str) -> str:
    """One article's row: from its id to the next row (or the end of the list)."""
    start = html.index(f'id="article-{slug}"')
    ends = [i for i in (html.find('class="article-row', start), html.find("</ol>", start)) if i > 0]
    return html[start:min(ends) if ends else None]


def _elective(form: dict, pick: str, *, sequential: bool = False) -> dict:
    form = form | {f"sections-{GRAPHQL}-kind": "elective", f"sections-{GRAPHQL}-pick": pick}
    return form | ({f"sections-{GRAPHQL}-sequential": "on"} if sequential else {})


def test_the_editor_offers_each_section_its_rule(make_client):
    page = make_client("ada").get(EDITOR).get_data(as_text=True)
    assert 'name="sections-1-kind" data-field="sections-{s}-kind"' in page
    assert 'name="sections-1-pick" data-field="sections-{s}-pick"' in page
    assert "In order: each article opens once the one before it is finished" in page
    assert "Preview the effect on learners" in page


def test_saving_an_elective_section_without_javascript_records_it_in_words(make_client, session):
    response = make_client("ada").post(EDITOR, data=_elective(editor_form(session), "2", sequential=True)
                                       | {"action": "save"})
    assert response.status_code == 303
    session.expire_all()
    path = factories.path(session, "api-designer")
    summary = session.exec(select(PathVersion.summary).where(PathVersion.path_id == path.id,
                                                            PathVersion.version == 2)).one()
    assert "is now elective: any 2 of 4." in summary and "is now in order." in summary
    page = make_client("lena").get("/paths/api-designer").get_data(as_text=True)
    assert "Elective: any 2 of 4 · in order" in page


def test_a_pick_larger_than_the_section_is_refused_in_plain_words_and_its_field_takes_the_focus(make_client, session):
    ada = make_client("ada")
    form = _elective(editor_form(session), "5") | {"action": "save"}
    page = ada.post(EDITOR, data=form)
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and "<html" in html
    assert "asks for any 5 articles but has only 4 required articles to choose from" in html
    assert 'aria-invalid="true" autofocus' in html and 'value="5"' in html  # nothing lost
    fragment = ada.post(EDITOR, data=form, headers=HX_EDITOR)
    assert fragment.status_code == 400 and "<html" not in fragment.get_data(as_text=True)
    assert 'id="section-pick-1"' in fragment.get_data(as_text=True).split('aria-invalid="true"')[0][-800:]
    assert factories.path(session, "api-designer").version == 1


def test_an_elective_section_without_a_number_is_refused(make_client, session):
    form = editor_form(session) | {f"sections-{GRAPHQL}-kind": "elective", "action": "save"}
    page = make_client("ada").post(EDITOR, data=form)
    assert page.status_code == 400 and "needs a number" in page.get_data(as_text=True)


def test_the_preview_says_whose_percentage_moves_before_anything_is_saved(make_client, session):
    lena = factories.user(session, "lena")
    follows.follow_path(session=session, user=lena, path=factories.path(session, "api-designer"))
    for slug in GRAPHQL_REQUIRED[:2]:
        progress.write_mark(session=session, user=lena, article=factories.article(session, slug),
                            state=ProgressState.done)
    ada = make_client("ada")
    form = _elective(editor_form(session), "2") | {"action": "preview"}
    for headers in ({}, HX_EDITOR):
        page = ada.post(EDITOR, data=form, headers=headers)
        html = unescape(page.get_data(as_text=True))
        assert page.status_code == 200 and ("<html" in html) is not bool(headers)
        assert "Saving this: 1 learner's percentage changes — 1 goes up." in html
        assert 'value="elective" selected' in html and "Unsaved changes" in html
    assert factories.path(session, "api-designer").version == 1


def test_the_path_page_keeps_later_articles_of_an_in_order_section_closed(make_client, session):
    give_rules(session, "api-designer", {GRAPHQL: in_order()})
    page = make_client("lena").get("/paths/api-designer").get_data(as_text=True)
    assert "Core · in order" in page
    second = _row(page, GRAPHQL_REQUIRED[1])
    assert "Opens once you finish" in second and f'href="#article-{GRAPHQL_REQUIRED[0]}"' in second
    assert 'name="state"' not in second  # no state buttons on a closed row


def test_a_forged_mark_of_a_closed_article_on_its_path_is_refused_and_writes_nothing(make_client, session):
    give_rules(session, "api-designer", {GRAPHQL: in_order()})
    lena = make_client("lena")
    for headers in ({}, HX):
        refused = lena.post(f"/articles/{GRAPHQL_REQUIRED[1]}/progress",
                            data={"state": "done", "path": "api-designer"}, headers=headers)
        assert refused.status_code == 409
        assert "it opens once you finish" in refused.get_data(as_text=True)
    user = factories.user(session, "lena")
    assert session.exec(select(Progress).where(Progress.user_id == user.id)).all() == []
    assert session.exec(select(ProgressEvent).where(ProgressEvent.user_id == user.id)).all() == []
    # Marked from the catalog, the same article is one article: the mark stands.
    assert lena.post(f"/articles/{GRAPHQL_REQUIRED[1]}/progress", data={"state": "done"}).status_code == 303


def test_the_mark_that_opens_the_next_article_swaps_its_row_in_place(make_client, session):
    give_rules(session, "api-designer", {GRAPHQL: elective(2, sequential=True)})
    lena = make_client("lena")
    answer = lena.post(f"/articles/{GRAPHQL_REQUIRED[0]}/progress", data={"state": "done", "path": "api-designer"},
                       headers=HX).get_data(as_text=True)
    opened = _row(answer, GRAPHQL_REQUIRED[1])
    assert opened.startswith(f'id="article-{GRAPHQL_REQUIRED[1]}" hx-swap-oob="true"')
    assert "Opens once you finish" not in opened and 'name="state"' in opened
    assert "1 of the 2 to choose done" in answer  # the section's bar speaks its rule


def test_a_pick_of_nothing_is_refused_and_the_draft_is_kept(make_client, session):
    page = make_client("ada").post(EDITOR, data=_elective(editor_form(session), "0") | {"action": "save"})
    html = unescape(page.get_data(as_text=True))
    assert page.status_code == 400 and "Section 2: an elective section asks for at least 1 of its articles" in html
    assert 'aria-invalid="true" autofocus' in html
    assert 'value="elective" selected' in html
