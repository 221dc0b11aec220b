"""Marking articles: one click, updated in place with HTMX, shared across paths, never duplicated."""

import html
import re

import pytest
from sqlalchemy import func
from sqlmodel import select

from tracker.models import Article, PathSection, Progress, ProgressEvent, Source

HX = {"HX-Request": "true"}


def first_article(session, path_slug="api-designer"):
    from tracker.models import LearningPath, PathItem
    return session.exec(
        select(Article, PathSection).join(PathItem, PathItem.article_id == Article.id)
        .join(PathSection, PathSection.id == PathItem.section_id)
        .join(LearningPath, LearningPath.id == PathSection.path_id)
        .where(LearningPath.slug == path_slug).order_by(PathSection.position, PathItem.position)
    ).first()


def required(client, slug):
    """How many non-optional articles the path has, read from the public API."""
    detail = client.get(f"/api/v1/paths/{slug}").get_json()
    return sum(not item["optional"] for section in detail["sections"] for item in section["items"])


def counts(session):
    return (session.exec(select(func.count(Progress.id))).one(),
            session.exec(select(func.count(ProgressEvent.id))).one())


def test_htmx_mark_returns_the_row_and_both_bars_out_of_band(make_client, session):
    lena = make_client("lena")
    article, section = first_article(session)
    response = lena.post(f"/articles/{article.slug}/progress", data={"state": "done", "path": "api-designer"},
                         headers=HX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith(f'<li class="article-row state-done" id="article-{article.slug}"')
    assert f'id="section-progress-{section.id}" hx-swap-oob="true"' in html
    assert 'id="path-progress-api-designer" hx-swap-oob="true"' in html
    assert re.search(r'aria-live="polite" hx-swap-oob="true">.*done\. Path \d+% done\.', html)
    assert "HX-Request" in response.headers["Vary"]
    assert "1 of " in html  # the section tally moved


def test_the_next_article_highlight_moves_with_an_out_of_band_row(make_client, session):
    lena = make_client("lena")
    article, _ = first_article(session)
    html = lena.post(f"/articles/{article.slug}/progress", data={"state": "done", "path": "api-designer"},
                     headers=HX).get_data(as_text=True)
    assert re.search(r'<li class="article-row is-next" id="article-[^"]+" hx-swap-oob="true">', html)


def test_without_javascript_the_form_posts_and_redirects_back(make_client, session):
    lena = make_client("lena")
    article, _ = first_article(session)
    response = lena.post(f"/articles/{article.slug}/progress",
                         data={"state": "done", "path": "api-designer", "next": "/paths/api-designer"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/paths/api-designer#article-{article.slug}"
    page = lena.get("/paths/api-designer").get_data(as_text=True)
    assert f'<li class="article-row state-done" id="article-{article.slug}"' in page


def test_repeated_marks_never_duplicate_rows_or_events(make_client, session):
    lena = make_client("lena")
    article, _ = first_article(session)
    for _ in range(3):
        lena.post(f"/articles/{article.slug}/progress", data={"state": "done"}, headers=HX)
    assert counts(session) == (1, 1)
    lena.post(f"/articles/{article.slug}/progress", data={"state": "skipped"}, headers=HX)
    assert counts(session) == (1, 2)


def test_an_article_done_in_one_path_is_done_everywhere(make_client, session):
    lena = make_client("lena")
    slug = "http-protocol"  # in Production Services and API Designer
    lena.post(f"/articles/{slug}/progress", data={"state": "done", "path": "api-designer"}, headers=HX)
    for url in ("/paths/production-services", "/paths/api-designer", "/catalog?q=HTTP+Protocol"):
        page = lena.get(url).get_data(as_text=True)
        assert f'<li class="article-row state-done" id="article-{slug}"' in page, url
    lena.post("/paths/production-services/follow")
    dashboard = lena.get("/").get_data(as_text=True)
    assert f"1 of {required(lena, 'production-services')} required done" in dashboard


def test_skipping_shows_apart_from_done(make_client):
    lena = make_client("lena")
    lena.post("/articles/http-protocol/progress", data={"state": "skipped", "path": "api-designer"}, headers=HX)
    page = lena.get("/paths/api-designer").get_data(as_text=True)
    assert "0% done" in page and f"0 of {required(lena, 'api-designer')} required done, 1 skipped" in page
    assert 'class="bar-skip"' in page


def test_progress_is_private_to_each_learner(make_client):
    make_client("lena").post("/articles/http-protocol/progress", data={"state": "done"}, headers=HX)
    page = make_client("leo").get("/paths/api-designer").get_data(as_text=True)
    assert 'state-done' not in page


@pytest.mark.parametrize(("slug", "data", "status"), [
    ("no-such-article", {"state": "done"}, 404),
    ("http-protocol", {"state": "finished"}, 400),
    ("http-protocol", {}, 400),
])
def test_bad_marks_are_refused_and_change_nothing(make_client, session, slug, data, status):
    response = make_client("lena").post(f"/articles/{slug}/progress", data=data, headers=HX)
    assert response.status_code == status
    assert counts(session) == (0, 0)


def test_a_mark_without_csrf_token_is_refused_and_changes_nothing(make_client, session):
    response = make_client("lena").post("/articles/http-protocol/progress", data={"state": "done"}, csrf=False)
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert counts(session) == (0, 0)


def test_anonymous_marks_go_to_sign_in(client, session):
    # A press without a session is answered where it was made (a page, or the alert area), with the way to sign in
    page = client.post("/articles/http-protocol/progress", data={"state": "done"})
    assert page.status_code == 401 and 'href="/signin?next=' in page.get_data(as_text=True)
    htmx = client.post("/articles/http-protocol/progress", data={"state": "done"}, headers=HX)
    assert htmx.status_code == 401 and htmx.headers["HX-Retarget"] == "#alerts"
    assert 'href="/signin?next=' in htmx.get_data(as_text=True)
    assert counts(session) == (0, 0)


def test_follow_and_unfollow_keep_progress(make_client):
    lena = make_client("lena")
    lena.post("/articles/http-protocol/progress", data={"state": "done"}, headers=HX)
    assert lena.post("/paths/api-designer/follow").status_code == 303
    dashboard = lena.get("/").get_data(as_text=True)
    assert "API Designer" in dashboard and "Continue" in dashboard and "left" in dashboard
    lena.post("/paths/api-designer/unfollow")
    assert "You are not following a path yet" in lena.get("/").get_data(as_text=True)
    assert "state-done" in lena.get("/paths/api-designer").get_data(as_text=True)


def test_dashboard_shows_recent_activity_and_a_heatmap(make_client):
    lena = make_client("lena")
    lena.post("/articles/http-protocol/progress", data={"state": "done"}, headers=HX)
    page = lena.get("/").get_data(as_text=True)
    assert "HTTP Protocol" in page
    assert "This week: 1 active day of 1 asked" in page and "1-week streak" in page
    assert page.count('class="heat-') >= 26 * 7 - 6
    assert 'class="heat-1"' in page or 'class="heat-4"' in page


def test_articles_that_share_a_title_are_told_apart_by_their_source(make_client, session):
    from tests import factories

    lena = make_client("lena")
    for slug in ("restful-api-design", "restful-api-design-backend-development-hub"):
        lena.post(f"/articles/{slug}/progress", data={"state": "done"})
    page = lena.get("/").get_data(as_text=True)
    recent = page[page.index('id="recent-heading"'):]
    for slug in ("restful-api-design", "restful-api-design-backend-development-hub"):
        source = session.get(Source, factories.article(session, slug).source_id).name
        shown = (f'href="/articles/{slug}">RESTful API Design</a> '
                 f'<span class="muted small">· {html.escape(source)}</span>')
        assert shown in recent


def test_unknown_path_page_is_a_404_page(client):
    response = client.get("/paths/nope")
    assert response.status_code == 404
    assert "There is no path called" in response.get_data(as_text=True)


def test_catalog_answers_htmx_with_the_results_fragment_only(make_client):
    lena = make_client("lena")
    fragment = lena.get("/catalog?q=kafka", headers={**HX, "HX-Target": "catalog-results"})
    full = lena.get("/catalog?q=kafka")
    assert "HX-Request" in fragment.headers["Vary"] and "HX-Request" in full.headers["Vary"]
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and "matching “kafka”" in body
    assert "<html" in full.get_data(as_text=True) and 'value="kafka"' in full.get_data(as_text=True)
    assert "Mark done" in body  # the learner's controls are in the fragment too
    # the count is read out through the page's own live region, which stays and is filled out of band
    assert re.search(r'<span id="catalog-announce" hx-swap-oob="innerHTML">\d+ articles? matching “kafka”</span>', body)
    page = full.get_data(as_text=True)
    assert page.count('id="catalog-announce"') == 1 and 'role="status" id="catalog-announce"' in page
    assert page.index('id="catalog-announce"') < page.index('id="catalog-results"')


def test_catalog_filters_by_topic_and_source(client):
    page = client.get("/catalog?topic=distributed-systems&source=architecture-notes").get_data(as_text=True)
    assert "Designing Eventually Consistent Systems" in page
    assert "Blockchain from Scratch" not in page
    assert client.get("/catalog?topic=nope").status_code == 400


def test_output_is_escaped(make_client, session):
    article = session.exec(select(Article).where(Article.slug == "http-protocol")).one()
    article.title = "<script>alert(1)</script>"
    session.add(article)
    session.commit()
    page = make_client("lena").get("/paths/api-designer").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_marking_with_a_path_that_lacks_the_article_answers_like_the_catalog(make_client, session):
    slug = "blockchain-from-scratch-a-technical-intro-with-a-toy-app-you-can-actually-run"
    response = make_client("lena").post(f"/articles/{slug}/progress", data={"state": "done", "path": "api-designer"},
                                        headers=HX)
    assert response.status_code == 200
    assert "path-progress" not in response.get_data(as_text=True)


def test_the_note_form_stays_on_a_row_after_marking(make_client):
    html = make_client("lena").post("/articles/http-protocol/progress", data={"state": "done", "path": "api-designer"},
                                    headers=HX).get_data(as_text=True)
    assert 'id="note-http-protocol"' in html


def test_recent_activity_shows_the_latest_change_of_each_article(make_client):
    lena = make_client("lena")
    for state in ("in_progress", "done"):
        lena.post("/articles/http-protocol/progress", data={"state": state}, headers=HX)
    recent = lena.get("/").get_data(as_text=True).split('id="recent-heading"')[1]
    assert recent.count("HTTP Protocol") == 1 and "badge-done" in recent


def test_path_cards_say_how_many_articles_are_optional(client):
    detail = client.get("/api/v1/paths/production-services").get_json()
    optional = sum(item["optional"] for section in detail["sections"] for item in section["items"])
    assert detail["optional_count"] == optional > 0
    assert f"{detail['article_count']} articles, {optional} optional" in client.get("/paths/").get_data(as_text=True)
