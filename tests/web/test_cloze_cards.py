"""Cloze cards beside questions and answers: `{{c1::answer}}` deletions, one card per deletion number, made on
the article page (with and without JavaScript) and over the API, reviewed with the deletion blanked, and never a
way to put markup on a page."""

import pytest
from sqlmodel import col, select

from tracker.models import CardKind, RecallCard
from tracker.services.learning import cloze

HX = {"HX-Request": "true"}
TEXT = "HTTP {{c1::GET}} is safe; {{c2::POST::a verb}} is not."


@pytest.fixture
def lena(make_client):
    return make_client("lena")


def cards(session) -> list[RecallCard]:
    session.expire_all()
    return list(session.exec(select(RecallCard).order_by(col(RecallCard.id))))


def test_a_cloze_text_blanks_the_deletion_asked_and_fills_in_the_others():
    card = RecallCard(user_id=1, article_id=1, prompt=TEXT, answer="", kind=CardKind.cloze, cloze_number=2)
    assert cloze.plain(cloze.front(card)) == "HTTP GET is safe; [a verb] is not."
    assert [(p.text, p.role) for p in cloze.back(card) if p.role != "text"] == [("POST", "answer")]
    card.cloze_number = 1
    assert cloze.plain(cloze.front(card)) == "HTTP [...] is safe; POST is not."
    assert cloze.numbers("{{c3::a}} {{c1::b}} {{c3::c}}") == [1, 3]


def test_over_the_api_a_cloze_text_makes_one_card_per_deletion_number(lena, session):
    response = lena.post("/api/v1/me/cards", json={"article": "http-protocol", "kind": "cloze", "prompt": TEXT,
                                                   "answer": "RFC 9110"})
    assert response.status_code == 201
    first = response.get_json()
    assert (first["kind"], first["cloze_number"], first["front"]) == ("cloze", 1, "HTTP [...] is safe; POST is not.")
    assert [(c["cloze_number"], c["front"]) for c in first["siblings"]] == [(2, "HTTP GET is safe; [a verb] is not.")]
    assert first["back"] == "HTTP GET is safe; POST is not."
    listed = lena.get("/api/v1/me/cards?article=http-protocol").get_json()["items"]
    assert [(c["kind"], c["cloze_number"]) for c in listed] == [("cloze", 1), ("cloze", 2)]


@pytest.mark.parametrize(("text", "message"), [
    ("HTTP GET is safe.", "at least one deletion"),
    ("HTTP {{c1::}} is safe.", "hides nothing"),
    ("HTTP {{c0::GET}} is safe.", "numbered from c1"),
])
def test_a_cloze_text_without_a_proper_deletion_is_refused_with_the_reason(lena, session, text, message):
    response = lena.post("/api/v1/me/cards", json={"article": "http-protocol", "kind": "cloze", "prompt": text})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    page = lena.post("/articles/http-protocol/cards", data={"kind": "cloze", "prompt": text, "answer": ""})
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert message in html and 'aria-invalid="true"' in html and text.split("{{")[0] in html  # the draft is back
    fragment = lena.post("/articles/http-protocol/cards", data={"kind": "cloze", "prompt": text}, headers=HX)
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 400 and html.lstrip().startswith("<section")
    assert 'role="alert"' in html and "autofocus" in html and message in html and "<html" not in html
    assert cards(session) == []


def test_editing_a_cloze_card_keeps_the_deletion_it_asks(lena):
    first = lena.post("/api/v1/me/cards", json={"article": "http-protocol", "kind": "cloze", "prompt": TEXT}).get_json()
    refused = lena.patch(f"/api/v1/me/cards/{first['id']}", json={"prompt": "HTTP {{c2::POST}} only"})
    assert refused.status_code == 400 and "c1" in refused.get_data(as_text=True)
    edited = lena.patch(f"/api/v1/me/cards/{first['id']}", json={"prompt": "HTTP {{c1::HEAD}} is safe"})
    assert edited.status_code == 200 and edited.get_json()["front"] == "HTTP [...] is safe"


def test_the_article_page_makes_cloze_cards_in_place_and_without_javascript(lena, session):
    response = lena.post("/articles/http-protocol/cards", data={"kind": "cloze", "prompt": TEXT}, headers=HX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="recall-cards"' in html and "2 cards added, one per deletion" in html
    assert '<span class="cloze-blank">[a verb]</span>' in html and "Cloze c2" in html
    plain = lena.post("/articles/http-protocol/cards", data={"prompt": "Which methods are safe?",
                                                             "answer": "GET, HEAD"})
    assert plain.status_code == 303
    assert [(c.kind, c.cloze_number) for c in cards(session)] == [(CardKind.cloze, 1), (CardKind.cloze, 2),
                                                                  (CardKind.qa, None)]


def test_review_shows_the_blank_then_the_deletion_filled_in_and_marked(lena, session):
    lena.post("/api/v1/me/cards", json={"article": "http-protocol", "kind": "cloze", "prompt": TEXT})
    first = cards(session)[0]
    front = lena.get("/review").get_data(as_text=True)
    assert '<span class="cloze-blank">[...]</span>' in front and "{{c1::" not in front
    back = lena.get(f"/review?reveal={first.id}").get_data(as_text=True)
    assert '<mark class="cloze-answer">GET</mark>' in back


def test_markup_in_a_cloze_text_is_shown_as_text_everywhere(lena, session):
    evil = ('<script>alert(1)</script> {{c1::<img src=x onerror=alert(1)>::<b onmouseover=alert(2)>hint</b>}} '
            '{{c2::</mark><script>alert(3)</script>}}')
    created = lena.post("/api/v1/me/cards", json={"article": "http-protocol", "kind": "cloze", "prompt": evil,
                                                  "answer": "<i>extra</i>"})
    assert created.status_code == 201
    [first, _] = cards(session)
    pages = [lena.get("/review").get_data(as_text=True),
             lena.get(f"/review?reveal={first.id}").get_data(as_text=True),
             lena.get("/articles/http-protocol").get_data(as_text=True),
             lena.post("/articles/http-protocol/cards", data={"kind": "cloze", "prompt": evil},
                       headers=HX).get_data(as_text=True)]
    for html in pages:
        assert "<script>alert" not in html and "<img src=x" not in html and "<b onmouseover" not in html
        assert "<i>extra" not in html and "</mark><script>" not in html
    assert "&lt;b onmouseover=alert(2)&gt;hint&lt;/b&gt;" in pages[0]  # the hint, as text
    assert "&lt;img src=x onerror=alert(1)&gt;" in pages[1] and "&lt;i&gt;extra&lt;/i&gt;" in pages[1]
