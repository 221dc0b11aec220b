"""Recall cards out to Anki and back in: the plain-text notes and the .apkg deck read as what they are, an import
previewed then made all at once or not at all, with every refusal clear and nothing half-written."""

import io
import sqlite3
import zipfile

import pytest
from sqlmodel import select

from tests import factories
from tracker.models import CardKind, RecallCard

HX = {"HX-Request": "true", "HX-Target": "card-import"}
CLOZE = "HTTP {{c1::GET}} is safe; {{c2::POST::a verb}} is not."
TRICKY = 'Quote " and\ttab\nand a second line'


@pytest.fixture
def lena(make_client):
    client = make_client("lena")
    for body in ({"article": "http-protocol", "prompt": "Which methods are safe?", "answer": TRICKY},
                 {"article": "routing", "kind": "cloze", "prompt": CLOZE, "answer": "RFC 9110"}):
        assert client.post("/api/v1/me/cards", json=body).status_code == 201
    return client


def owned(session, username):
    session.expire_all()
    user = factories.user(session, username)
    return sorted((c.kind, c.prompt, c.answer, c.cloze_number, c.article_id)
                  for c in session.exec(select(RecallCard).where(RecallCard.user_id == user.id)))


def test_the_text_export_has_ankis_headers_and_imports_back_whole(lena, make_client, session):
    response = lena.get("/api/v1/me/cards/export?format=txt")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("#separator:tab\n#html:false\n#notetype column:1\n#tags column:4\n")
    assert text.count("\nCloze\t") == 1  # one note for the two cards of the cloze text
    leo = make_client("leo")
    imported = leo.post("/api/v1/me/cards/import", json={"text": text})
    assert imported.status_code == 201, imported.get_data(as_text=True)
    assert (imported.get_json()["imported"], imported.get_json()["duplicates"]) == (3, 0)
    assert [(k, p, a, n, i) for k, p, a, n, i in owned(session, "leo")] == owned(session, "lena")
    again = leo.post("/api/v1/me/cards/import", json={"text": text}).get_json()
    assert (again["imported"], again["duplicates"]) == (0, 3)


def test_the_apkg_is_a_zip_holding_an_anki_collection_with_the_notes(lena, tmp_path):
    response = lena.get("/api/v1/me/cards/export?format=apkg")
    assert response.status_code == 200 and response.headers["Content-Disposition"].endswith('.apkg"')
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    assert set(archive.namelist()) == {"collection.anki2", "media"}
    target = tmp_path / "collection.anki2"
    target.write_bytes(archive.read("collection.anki2"))
    db = sqlite3.connect(target)
    notes = sorted(db.execute("select mid, flds, tags, guid from notes").fetchall())
    cards = db.execute("select count(*) from cards").fetchone()[0]
    db.close()
    assert cards == 3  # the basic note's card and the cloze note's two
    fields = {mid: (flds.split("\x1f"), tags.strip()) for mid, flds, tags, _ in notes}
    assert fields[1559383000] == (["Which methods are safe?", "Quote &quot; and\ttab<br>and a second line"],
                                  "http-protocol")
    assert fields[1550428389] == ([CLOZE, "RFC 9110"], "routing")
    second = zipfile.ZipFile(io.BytesIO(lena.get("/cards/export?format=apkg").get_data()))
    assert second.namelist() == archive.namelist()


def test_a_preview_writes_nothing_and_an_import_with_a_bad_line_writes_nothing(make_client, session):
    leo = make_client("leo")
    text = "Front one\tBack one\nOnly a front\n\nFront three\tBack three\tnot-a-slug\nNo {{c1::}} here\tx\n"
    preview = leo.post("/api/v1/me/cards/import", json={"text": text, "article": "routing", "preview": True})
    assert preview.status_code == 200
    body = preview.get_json()
    assert [e["line"] for e in body["errors"]] == [2, 5] and body["imported"] == 2
    assert "Back" in body["errors"][0]["message"] and "hides nothing" in body["errors"][1]["message"]
    refused = leo.post("/api/v1/me/cards/import", json={"text": text, "article": "routing"})
    assert refused.status_code == 400
    error = refused.get_json()["error"]
    assert "nothing was imported" in error["message"] and "line 2" in error["message"]
    assert [e["line"] for e in error["lines"]] == [2, 5]
    page = leo.post("/cards/import", data={"text": text, "article": "routing", "action": "import"})
    assert page.status_code == 400 and "Line 2:" in page.get_data(as_text=True)  # shown, with the draft kept
    assert "Front three" in page.get_data(as_text=True)
    assert owned(session, "leo") == []


def test_without_an_article_each_card_needs_a_tag_naming_one(make_client, session):
    leo = make_client("leo")
    text = "Q1\tA1\trouting\nQ2\tA2\tsomething-else\n"
    refused = leo.post("/api/v1/me/cards/import", json={"text": text})
    assert refused.status_code == 400 and "line 2: no article" in refused.get_json()["error"]["message"]
    unknown = leo.post("/api/v1/me/cards/import", json={"text": text, "article": "no-such-article"})
    assert unknown.status_code == 404
    assert leo.post("/api/v1/me/cards/import", json={"text": text, "article": "http-protocol"}).status_code == 201
    routing, http = (factories.article(session, slug).id for slug in ("routing", "http-protocol"))
    assert [(p, i) for _, p, _, _, i in owned(session, "leo")] == [("Q1", routing), ("Q2", http)]


def test_duplicates_in_the_file_and_among_ones_cards_are_skipped_and_counted(lena, session):
    text = "Which methods are safe?\tanything\nNew one\tA\nNew one\tB\n" + CLOZE + "\textra\n"
    result = lena.post("/api/v1/me/cards/import", json={"text": text, "article": "routing"}).get_json()
    assert (result["imported"], result["duplicates"]) == (1, 4)


def test_anki_html_exports_are_read_as_text(make_client, session):
    leo = make_client("leo")
    text = "#separator:Tab\n#html:true\n#notetype column:1\n#deck column:2\n#tags column:5\n" \
           "Basic\tMy deck\t<b>Bold</b> &amp; <script>x</script>\tline<br>two\trouting\n"
    assert leo.post("/api/v1/me/cards/import", json={"text": text}).status_code == 201
    [(kind, prompt, answer, _, _)] = owned(session, "leo")
    assert (kind, prompt, answer) == (CardKind.qa, "Bold & x", "line\ntwo")


@pytest.mark.parametrize(("data", "message"), [
    (b"Front\tBack\n" * 1_000_000, "larger than"),  # 12 MB
    (b"Front\tBack\n" + b"\n" * 100_000, "lines; the limit is"),
    (b"Front\x00\tBack\n", "NUL"),
    ("Fr\u00f6nt\tBack\n".encode("latin-1"), "not UTF-8"),
    (b"", "empty"),
])
def test_a_file_too_big_too_long_binary_or_not_utf8_is_refused_clearly(make_client, session, data, message):
    leo = make_client("leo")
    for headers in ({}, HX):
        response = leo.post("/cards/import", data={"file": (io.BytesIO(data), "deck.txt"), "article": "routing",
                                                   "action": "import"},
                            content_type="multipart/form-data", headers=headers)
        assert response.status_code in {400, 413}
        assert message in response.get_data(as_text=True)
    assert owned(session, "leo") == []


def test_the_page_previews_an_uploaded_file_in_place_then_imports_it(make_client, session):
    leo = make_client("leo")
    upload = {"file": (io.BytesIO(f"Q1\tA1\n{CLOZE}\t\n".encode()), "deck.txt"), "article": "routing"}
    preview = leo.post("/cards/import", data=upload, content_type="multipart/form-data", headers=HX)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and html.lstrip().startswith('<section class="card" id="card-import"')
    assert "3 new cards" in html and "Import 3 cards" in html and "HTTP GET is safe; [a verb] is not." in html
    assert owned(session, "leo") == []
    done = leo.post("/cards/import", data={"text": f"Q1\tA1\n{CLOZE}\t\n", "article": "routing", "action": "import"})
    assert done.status_code == 303
    assert "3 cards imported; 0 duplicates skipped" in leo.get(done.headers["Location"]).get_data(as_text=True)
    assert len(owned(session, "leo")) == 3


def test_import_and_export_need_a_signed_in_learner_and_a_csrf_token(client, make_client):
    assert client.get("/api/v1/me/cards/export").status_code == 401
    assert client.get("/cards/export").status_code in {302, 401}
    leo = make_client("leo")
    assert leo.post("/cards/import", data={"text": "Q\tA", "article": "routing"}, csrf=False).status_code == 400
    assert leo.get("/api/v1/me/cards/export?format=pdf").status_code == 400
