"""The learning loop on the pages: a takeaway offered on marking done, the weekly plan beside its forecasts,
suggested cards adopted in one click, and what the mentor sees of it."""

import re

import pytest
from sqlmodel import select

from tests import factories
from tracker.models import Note, RecallCard, StudyPlan, StudyPlanVersion, utcnow
from tracker.services.learning import notes, plans
from tracker.services.learning import suggestions as card_suggestions

HX = {"HX-Request": "true"}
PLAN = {"days": ["1", "3"], "cue": "after standup", "minutes": "30"}


@pytest.fixture
def lena(make_client):
    client = make_client("lena")
    client.post("/paths/api-designer/follow")
    return client


def mark(client, state="done", slug="http-protocol"):
    return client.post(f"/articles/{slug}/progress", data={"state": state, "path": "api-designer"}, headers=HX)


def test_marking_done_in_place_offers_the_takeaway_and_reading_does_not(lena):
    assert 'data-takeaway-prompt' not in mark(lena, "reading").get_data(as_text=True)
    html = mark(lena).get_data(as_text=True)
    assert "What would you tell a colleague about it?" in html and "Esc to skip" in html
    assert 'data-dismiss-takeaway' in html and 'name="csrf_token"' in html
    # once a takeaway is written, marking done again does not ask
    lena.post("/articles/http-protocol/takeaway", data={"text": "Methods carry meaning."}, headers=HX)
    mark(lena, "reading")
    assert "data-takeaway-prompt" not in mark(lena).get_data(as_text=True)


def test_a_takeaway_is_saved_in_place_into_the_note(lena, session):
    response = lena.post("/articles/http-protocol/takeaway", data={"text": " Methods carry meaning. ",
                                                                   "shared": "on", "prompt": "1"}, headers=HX)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    html = response.get_data(as_text=True)
    assert "Saved." in html and "Make it a recall card" in html and "your mentors see it" in html
    note = notes.note_for(session=session, user=factories.user(session, "lena"),
                          article=factories.article(session, "http-protocol"))
    assert (note.takeaway, note.takeaway_shared, note.shared, note.body) == ("Methods carry meaning.", True, False, "")
    page = lena.get("/articles/http-protocol").get_data(as_text=True)
    assert "Methods carry meaning." in page


def test_a_takeaway_too_long_is_refused_where_it_was_typed_and_keeps_the_draft(lena, session):
    draft = "<b>x</b>" + "x" * 600
    response = lena.post("/articles/http-protocol/takeaway", data={"text": draft, "prompt": "1"}, headers=HX)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html and "500" in html
    assert "&lt;b&gt;x&lt;/b&gt;xxx" in html and "<b>x</b>" not in html  # the draft is back, escaped
    assert session.exec(select(Note)).all() == []


def test_without_javascript_the_takeaway_posts_and_comes_back_to_the_article(lena):
    response = lena.post("/articles/http-protocol/takeaway", data={"text": "Kept."})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/articles/http-protocol#takeaway-http-protocol")
    page = lena.get(response.headers["Location"]).get_data(as_text=True)
    assert "Takeaway saved." in page
    refused = lena.post("/articles/http-protocol/takeaway", data={"text": "x" * 501}, follow_redirects=True)
    assert "500" in refused.get_data(as_text=True)


def test_the_plan_card_shows_for_a_follower_with_both_forecasts(lena, make_client):
    page = lena.get("/paths/api-designer").get_data(as_text=True)
    assert "Your weekly plan" in page and "no plan yet" in page and "no reading in the last 4 weeks" in page
    assert "Your weekly plan" not in make_client("leo").get("/paths/api-designer").get_data(as_text=True)
    response = lena.post("/paths/api-designer/plan", data=PLAN, headers=HX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section class="card plan" id="plan"')
    assert "Tue and Thu after standup, 30 min" in html and "Plan saved." in html
    assert re.search(r'By your plan</dt><dd><time datetime="\d{4}-\d\d-\d\d">', html)
    mark(lena)  # some reading: a forecast by pace as well
    page = lena.get("/paths/api-designer").get_data(as_text=True)
    assert re.search(r'By your pace</dt><dd><time datetime="\d{4}-\d\d-\d\d">.*min a week, last 4 weeks', page)


@pytest.mark.parametrize(("data", "message"), [
    ({"cue": "", "minutes": "30"}, "Days: choose at least one day"),
    ({"days": ["1"], "minutes": "0"}, "Minutes: a number from 5 to 480"),
    ({"days": ["1"], "minutes": "soon"}, "Minutes"),
    ({"days": ["8"], "minutes": "30"}, "Days"),
])
def test_a_bad_plan_is_refused_in_place_and_the_plan_is_kept(lena, session, data, message):
    lena.post("/paths/api-designer/plan", data=PLAN, headers=HX)
    response = lena.post("/paths/api-designer/plan", data=data, headers=HX)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html and message in html
    [plan] = session.exec(select(StudyPlan)).all()
    assert (plan.weekdays, plan.minutes) == (0b1010, 30)
    assert [(v.weekdays, v.minutes) for v in session.exec(select(StudyPlanVersion))] == [(0b1010, 30)]
    # without JavaScript: back to the path page, told why
    refused = lena.post("/paths/api-designer/plan", data=data)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "<html" in page  # the page again, the reason at the plan's form
    assert re.search(r'<p class="field-error" role="alert"[^>]*>[^<]*The plan was not changed\.</p>', page)


def test_a_plan_is_removed(lena, session):
    lena.post("/paths/api-designer/plan", data=PLAN)
    response = lena.post("/paths/api-designer/plan", data={"clear": "1"}, headers=HX)
    assert response.status_code == 200 and "Plan removed." in response.get_data(as_text=True)
    assert session.exec(select(StudyPlan)).all() == []


def test_a_plan_change_says_from_which_monday_the_streak_asks_it_and_the_card_shows_it_at_once(lena, session):
    response = lena.post("/paths/api-designer/plan", data=PLAN, follow_redirects=True)
    monday = plans.first_week_judged(user=factories.user(session, "lena"), now=utcnow())
    page = response.get_data(as_text=True)
    assert f"Plan saved. Your streak asks it from {monday.strftime('%A %b %-d')}." in page
    changed = lena.post("/paths/api-designer/plan", data={**PLAN, "days": ["0", "2", "4"]}, headers=HX)
    assert "Mon, Wed and Fri after standup, 30 min" in changed.get_data(as_text=True)
    assert "Tue and Thu" not in changed.get_data(as_text=True)  # the card shows the plan as it stands only
    api = lena.get("/api/v1/me/paths/api-designer/plan").get_json()
    assert api["plan"]["days"] == [0, 2, 4]


def test_a_plan_needs_the_csrf_token(lena, session):
    assert lena.post("/paths/api-designer/plan", data=PLAN, csrf=False).status_code == 400
    assert session.exec(select(StudyPlan)).all() == []


def test_a_suggested_card_is_adopted_from_the_article_page(lena, session):
    page = lena.get("/articles/http-protocol").get_data(as_text=True)
    assert "From the curriculum" in page and "What is the difference between 401 and 403?" in page
    suggestion = next(s for s, _ in card_suggestions.suggestions_for(
        session=session, learner=factories.user(session, "lena"), article=factories.article(session, "http-protocol"))
        if s.prompt == "What is the difference between 401 and 403?")
    response = lena.post(f"/cards/suggested/{suggestion.id}/adopt")
    assert response.status_code == 303 and response.headers["Location"].endswith("/articles/http-protocol#recall-cards")
    page = lena.get("/articles/http-protocol").get_data(as_text=True)
    assert "Card added to your cards." in page
    assert f'id="suggested-{suggestion.id}"' not in page  # now a card of hers, no longer offered
    assert "<strong>What is the difference between 401 and 403?</strong>" in page
    assert lena.post(f"/cards/suggested/{suggestion.id}/adopt").status_code == 303  # the same card again
    assert len(session.exec(select(RecallCard)).all()) == 1
    assert lena.post("/cards/suggested/99999/adopt").status_code == 404


def test_a_mentor_suggests_a_card_and_sees_learning_not_only_ticks(lena, make_client, session):
    factories.mentor_of(session, "mona", "lena")
    mona = make_client("mona")
    mona.post("/mentor/assignments", data={"learners": "lena", "path": "api-designer", "due_on": ""})
    response = mona.post("/mentor/mentees/lena/paths/api-designer/cards",
                         data={"article": "routing", "prompt": "What does a <router> match on?",
                               "answer": "Method and path."}, follow_redirects=True)
    assert "Card suggested." in response.get_data(as_text=True)
    refused = mona.post("/mentor/mentees/lena/paths/api-designer/cards",
                        data={"article": "kafka-basics", "prompt": "Q", "answer": "A"}, follow_redirects=True)
    assert "The card was not suggested." in refused.get_data(as_text=True)
    article_page = lena.get("/articles/routing").get_data(as_text=True)
    assert "What does a &lt;router&gt; match on?" in article_page and "<router>" not in article_page
    suggestion = next(s for s, _ in card_suggestions.suggestions_for(
        session=session, learner=factories.user(session, "lena"), article=factories.article(session, "routing"))
        if s.mentor_id is not None)
    lena.post(f"/cards/suggested/{suggestion.id}/adopt")
    [card] = session.exec(select(RecallCard)).all()
    lena.post(f"/review/{card.id}", data={"rating": "good"})
    lena.post("/articles/routing/takeaway", data={"text": "Routers match method and path.", "shared": "on"})
    lena.post("/paths/api-designer/plan", data=PLAN)
    mentee = mona.get("/mentor/mentees/lena").get_data(as_text=True)
    assert "Plan: Tue and Thu after standup, 30 min" in mentee
    assert re.search(r"Recall: 1 card · [01] reviews? in 30 days", mentee)
    assert "Average recall is the spaced-repetition model" in mentee
    assert "Routers match method and path." in mentee
    # the mentor of no one sees nothing of leo
    assert mona.post("/mentor/mentees/leo/paths/api-designer/cards",
                     data={"article": "routing", "prompt": "Q", "answer": "A"}).status_code == 404
