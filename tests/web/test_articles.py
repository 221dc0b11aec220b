"""An article's own page, links to read it, and links given in bulk."""

from __future__ import annotations

import re

from tests import factories
from tracker.models import ProgressState
from tracker.services.progress import marks as progress

HX = {"HX-Request": "true"}


def test_an_article_page_shows_the_article_where_to_read_it_and_its_paths(make_client):
    lena = make_client("lena")
    page = lena.get("/articles/restful-api-design").get_data(as_text=True)
    assert "<h1>RESTful API Design</h1>" in page
    assert "In these paths" in page and 'href="/paths/api-designer#article-restful-api-design"' in page
    # no link yet: a web search for the exact title, labelled as a search
    search = re.search(r'href="(https://duckduckgo\.com/\?q=[^"]+)"[^>]*>Search the web for it', page)
    assert search and "%22RESTful+API+Design%22" in search.group(1)
    assert "No link yet" in page
    assert "Your progress" in page and "Mark done: “RESTful API Design”" in page


def test_marking_from_the_article_page_answers_its_state_block_or_comes_back_to_it(make_client, session):
    lena = make_client("lena")
    fragment = lena.post("/articles/http-protocol/progress", headers=HX,
                         data={"state": "done", "place": "article", "next": "/articles/http-protocol"})
    text = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and text.startswith('<section id="article-state"')
    assert "badge-done" in text and "“HTTP Protocol”: done." in text
    plain = lena.post("/articles/http-protocol/progress",
                      data={"state": "skipped", "place": "article", "next": "/articles/http-protocol"})
    assert plain.status_code == 303 and plain.headers["Location"] == "/articles/http-protocol"
    user, article = factories.user(session, "lena"), factories.article(session, "http-protocol")
    assert progress.states_for(session=session, user=user, article_ids=[article.id]) == {
        article.id: ProgressState.skipped}
    assert 'class="badge badge-skipped">Skipped' in lena.get("/articles/http-protocol").get_data(as_text=True)


def test_an_article_page_for_visitors_and_unknown_articles(client):
    page = client.get("/articles/http-protocol").get_data(as_text=True)
    assert "Sign in</a> to track this article" in page and "Mark done: “HTTP Protocol”" not in page
    missing = client.get("/articles/no-such-article")
    assert missing.status_code == 404 and "no article called" in missing.get_data(as_text=True)


def test_every_row_title_leads_to_the_article_page(make_client):
    page = make_client("lena").get("/paths/api-designer").get_data(as_text=True)
    assert '<a href="/articles/http-protocol">HTTP Protocol</a>' in page


def test_links_in_bulk_give_titles_a_read_link_and_the_api_a_url(make_client, runner, tmp_path):
    file = tmp_path / "links.csv"
    file.write_text("slug,url\nhttp-protocol,https://example.org/http\nrestful-api-design,https://example.org/rest\n",
                    encoding="utf-8")
    result = runner.invoke(args=["catalog", "links", str(file)])
    assert result.exit_code == 0 and "2 articles changed" in result.output
    lena = make_client("lena")
    page = lena.get("/articles/http-protocol").get_data(as_text=True)
    assert 'href="https://example.org/http"' in page and "Read it at" in page and "No link yet" not in page
    row = lena.get("/paths/api-designer").get_data(as_text=True)
    assert re.search(r'href="https://example\.org/rest"[^>]*>Read<', row)
    assert lena.get("/api/v1/articles?q=HTTP+Protocol").get_json()["items"][0]["url"] == "https://example.org/http"


def test_bulk_links_are_all_or_nothing_with_every_problem_named(make_client, runner, tmp_path):
    ada = make_client("ada")
    answer = ada.post("/admin/articles/links", data={
        "text": "http-protocol: https://example.org/http\nno-such-article: https://example.org/x\n"})
    assert answer.status_code == 400 and "no-such-article" in answer.get_data(as_text=True)
    bad = ada.post("/admin/articles/links", data={"text": "http-protocol,javascript:alert(1)"})
    assert bad.status_code == 400 and "http:// or https://" in bad.get_data(as_text=True)
    assert "No link yet" in ada.get("/articles/http-protocol").get_data(as_text=True)  # nothing was saved
    saved = ada.post("/admin/articles/links", data={"text": "http-protocol: https://example.org/http"})
    assert saved.status_code == 303
    assert 'href="https://example.org/http"' in ada.get("/articles/http-protocol").get_data(as_text=True)
    assert make_client("lena").post("/admin/articles/links", data={"text": "x,y"}).status_code == 403
    file = tmp_path / "bad.yaml"
    file.write_text("- just a list\n", encoding="utf-8")
    result = runner.invoke(args=["catalog", "links", str(file)])
    assert result.exit_code == 1 and result.output.count("\n") == 1 and "YAML mapping" in result.output


def test_reading_times_say_how_much_is_estimated_on_pages_and_in_the_api(client, session):
    from tracker.services.curriculum import queries as path_queries

    summary = path_queries.get_path(session=session, slug="api-designer").summary
    page = client.get("/paths/api-designer").get_data(as_text=True)
    assert f"({summary.reading.estimated_percent}% of it estimated)" in page
    assert f"{summary.optional_reading.minutes} min more optional" in page
    listed = client.get("/paths/").get_data(as_text=True)
    assert f"({summary.reading.estimated_percent}% of it estimated)" in listed
    api = client.get("/api/v1/paths/api-designer").get_json()
    assert (api["estimated_minutes"], api["estimated_share"], api["optional_minutes"]) == (
        summary.reading.minutes, summary.reading.estimated_share, summary.optional_reading.minutes)
    articles = {a["slug"]: a for a in client.get("/api/v1/articles?q=routing").get_json()["items"]}
    routing = articles["routing"]
    assert routing["reading_minutes"] is None and routing["reading_minutes_estimated"] is True
    assert routing["minutes"] == factories.article(session, "routing").estimated_minutes
    given = client.get("/api/v1/articles?source=system-design-blog").get_json()["items"][0]
    assert given["reading_minutes_estimated"] is False and given["minutes"] == given["reading_minutes"]


def test_each_section_of_a_path_says_why_it_holds_what_it_holds(client, session):
    from tracker.services.curriculum import queries as path_queries

    detail = path_queries.get_path(session=session, slug="systems-performance")
    page = client.get("/paths/systems-performance").get_data(as_text=True)
    for view in detail.sections:
        assert view.section.why and f'<p class="muted section-why">{view.section.why}' in page.replace("&#39;", "'")


def test_an_inferred_series_number_is_said_to_be_inferred(client, session):
    article = factories.article(session, "what-is-a-backend")
    assert article.series_number_inferred and article.series_number == 1
    page = client.get("/articles/what-is-a-backend").get_data(as_text=True)
    assert "Backend · 01 <span" in page and "(inferred)" in page
    given = client.get("/articles/http-protocol").get_data(as_text=True)
    assert "Backend · 02</span>" in given and "(inferred)" not in given
