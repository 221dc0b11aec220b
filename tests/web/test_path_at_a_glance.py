"""A path at a glance: the map of its sections above them, sections a learner folds (remembered, with and without
JavaScript), and the plan folded to one line once there is one."""

import re

import pytest

from tests import factories
from tracker.services.progress import folds

HX = {"HX-Request": "true"}
PATH = "/paths/api-designer"


@pytest.fixture
def lena(make_client):
    client = make_client("lena")
    client.post(f"{PATH}/follow")
    return client


def page(client, url=PATH):
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def map_of(html):
    return html[html.index('id="path-map"'):html.index("</nav>", html.index('id="path-map"'))]


def section(html, number):
    start = html.index(f'<h2 id="section-{number}"')
    return html[html.rfind("<section", 0, start):html.index("</section>", start)]


def folded_ids(session, username="lena"):
    return folds.folded_sections(session=session, user=factories.user(session, username),
                                 path=factories.path(session, "api-designer"))


def test_the_map_lists_every_section_with_its_rule_and_links_to_it_before_the_sections(lena):
    html = page(lena)
    assert html.index('id="path-map"') < html.index('<h2 id="section-1"')
    path_map = map_of(html)
    assert [int(n) for n in re.findall(r'href="#section-(\d+)"', path_map)] == [1, 2, 3, 4]
    assert "Design stable REST APIs and OpenAPI specs" in path_map and path_map.count("Core") == 4
    # a bar and its figures each
    assert path_map.count('aria-hidden="true">0 of ') == 4 and path_map.count('role="img"') == 4


def test_the_map_marks_the_section_of_the_next_article_and_a_visitor_sees_no_figures(lena, client):
    path_map = map_of(page(lena))
    assert path_map.count("holds-next") == 1 and "your next article is here" in path_map
    visitor = map_of(page(client))
    assert "holds-next" not in visitor and 'role="img"' not in visitor and "Core" in visitor


def test_a_mark_in_place_updates_the_maps_figures_out_of_band_with_the_bars(lena):
    html = lena.post("/articles/http-protocol/progress", data={"state": "done", "path": "api-designer"},
                     headers=HX).get_data(as_text=True)
    path_map = map_of(html)
    assert 'id="path-map"' in html and 'hx-swap-oob="true"' in html[html.index('id="path-map"') - 120:]
    first = path_map[:path_map.index('href="#section-2"')]
    bar = re.search(r'id="section-progress-\d+" hx-swap-oob="true">\s*<svg[^>]*aria-label="Section progress: (\d+)%',
                    html)
    assert bar and f"Section 1 progress: {bar.group(1)}% done" in first and "1 of " in first


def test_folding_without_javascript_is_a_form_that_comes_back_to_the_section(lena, session):
    response = lena.post(f"{PATH}/sections/2/fold", data={"fold": "fold"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"{PATH}#fold-2")
    assert len(folded_ids(session)) == 1
    html = page(lena)
    assert 'class="path-section folded"' in section(html, 2) and "folded" not in section(html, 1)[:60]
    button = re.search(r'<button[^>]*id="fold-2"[^>]*>', html).group(0)
    assert 'aria-expanded="false"' in button and 'value="open"' in button
    lena.post(f"{PATH}/sections/2/fold", data={"fold": "open"})
    assert folded_ids(session) == set()
    assert 'aria-expanded="true"' in re.search(r'<button[^>]*id="fold-2"[^>]*>', page(lena)).group(0)


def test_folding_with_htmx_answers_with_the_section_alone(lena, session):
    response = lena.post(f"{PATH}/sections/3/fold", data={"fold": "fold"}, headers=HX)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    html = response.get_data(as_text=True)
    assert html.count("<section") == 1 and 'id="section-3"' in html and "path-section folded" in html
    assert 'id="fold-3"' in html and 'aria-expanded="false"' in html and "<html" not in html


def test_a_folded_section_still_shows_the_next_article(lena):
    lena.post(f"{PATH}/sections/1/fold", data={"fold": "fold"})
    first = section(page(lena), 1)
    assert "path-section folded" in first and "is-next" in first and "only your next article shows" in first


def test_one_learners_fold_leaves_anothers_page_open(lena, make_client, session):
    lena.post(f"{PATH}/sections/2/fold", data={"fold": "fold"})
    leo = make_client("leo")
    assert "path-section folded" not in page(leo)


def test_a_fold_is_refused_without_a_sign_in_a_choice_or_a_real_section(lena, client, session):
    assert client.post(f"{PATH}/sections/2/fold", data={"fold": "fold"}).status_code in (302, 303, 401)
    refused = lena.post(f"{PATH}/sections/2/fold", data={"fold": "sideways"}, headers=HX)
    assert refused.status_code == 400
    assert lena.post(f"{PATH}/sections/9/fold", data={"fold": "fold"}).status_code == 404
    assert lena.post("/paths/no-such-path/sections/1/fold", data={"fold": "fold"}).status_code == 404
    assert folded_ids(session) == set()


def test_a_fold_needs_the_csrf_token(app, session):
    with app.test_client() as bare:
        assert bare.post(f"{PATH}/sections/2/fold", data={"fold": "fold"}).status_code in (302, 303, 400, 401, 403)
    assert folded_ids(session) == set()


def test_a_learner_with_a_plan_sees_it_on_one_line_with_the_form_folded(lena):
    html = page(lena)
    plan = html[html.index('id="plan"'):]
    assert '<details class="plan-details" open>' in plan  # a new follower: the form is open
    lena.post(f"{PATH}/plan", data={"days": ["1", "3"], "cue": "after standup", "minutes": "30"})
    plan = page(lena)[page(lena).index('id="plan"'):]
    assert '<details class="plan-details">' in plan
    assert re.search(r"Your plan:</strong> <span class=\"plan-summary\">Tue and Thu after standup, 30 min", plan)
    assert "Change" in plan


def test_a_refused_plan_unfolds_the_form_and_marks_the_field_in_error(lena):
    lena.post(f"{PATH}/plan", data={"days": ["1"], "minutes": "30"})
    for headers in ({}, HX):
        response = lena.post(f"{PATH}/plan", data={"days": ["1"], "minutes": "999"}, headers=headers)
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        plan = html[html.index('id="plan"'):]
        assert '<details class="plan-details" open>' in plan
        minutes = re.search(r'<input id="plan-minutes"[^>]*>', plan).group(0)
        assert 'aria-invalid="true"' in minutes and "autofocus" in minutes
