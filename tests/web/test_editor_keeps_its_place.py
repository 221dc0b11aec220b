"""The path editor without JavaScript keeps the search, the chosen section and the place acted on, and says what
is wrong in the editor's words."""

import re

from tests.web.test_admin import editor_form


def test_enter_in_the_search_box_searches_and_keeps_the_query(make_client, session):
    # Enter in a text field presses the form's first button, the harmless "refresh"
    page = make_client("ada").post("/admin/paths/api-designer/edit",
                                   data=editor_form(session) | {"q": "consistent hashing", "action": "refresh"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'value="consistent hashing"' in html
    assert 'aria-label="Add “Consistent Hashing Explained: Distributed Systems Guide”"' in html
    assert re.search(r'id="article-search"[^>]*autofocus', html)


def test_after_add_the_search_and_the_chosen_section_stay(make_client, session):
    form = editor_form(session) | {"q": "consistent hashing", "add_to": "1"}
    page = make_client("ada").post("/admin/paths/api-designer/edit",
                                   data=form | {"action": "add:consistent-hashing-explained-distributed-systems-guide"})
    html = page.get_data(as_text=True)
    assert 'value="consistent hashing"' in html and '<option value="1" selected>' in html
    assert "Consistent Hashing Explained" in html.split('id="section-block-1"')[1].split("</fieldset>")[0]
    assert 'aria-label="Add “Consistent Hashing Explained: Distributed Systems Guide”"' in html


def test_a_moved_article_keeps_the_focus_in_its_new_place(make_client, session):
    ada = make_client("ada")
    form = editor_form(session)
    first = form["sections-0-items-0-slug"]
    html = ada.post("/admin/paths/api-designer/edit", data=form | {"action": "down:0:0"}).get_data(as_text=True)
    assert re.search(r'value="down:0:1"[^>]*autofocus', html)
    assert html.index(f'id="item-{first}"') > html.index('value="down:0:0"')  # it is second now
    assert html.count("autofocus") == 1


def test_an_empty_section_is_named_in_plain_words(make_client, session):
    form = editor_form(session) | {"sections-4-title": "Later", "action": "save"}
    html = make_client("ada").post("/admin/paths/api-designer/edit", data=form).get_data(as_text=True)
    assert "Section 5 &#39;Later&#39; needs at least one article" in html
    assert "List should have" not in html
    assert re.search(r'class="flash flash-error editor-error" role="alert" tabindex="-1" autofocus', html)
