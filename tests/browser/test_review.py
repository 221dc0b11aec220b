"""Spaced review in a real browser, by keyboard only: Space shows the answer, 1-4 rate the card."""

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.test_mentor_flow import sign_in
from tracker.models import CardKind
from tracker.services.learning import notes, recall


def test_a_learner_reviews_cards_with_the_keyboard(page, live_server, session):
    lena, article = factories.user(session, "lena"), factories.article(session, "http-protocol")
    for prompt, answer in (("What is a safe method?", "One that changes nothing"), ("Is PUT idempotent?", "Yes")):
        recall.create_card(session=session, user=lena, article=article, prompt=prompt, answer=answer)
    sign_in(page, live_server, "lena")
    expect(page.get_by_role("link", name="2 cards due now")).to_be_visible()
    page.get_by_role("link", name="2 cards due now").click()

    # Each step loads a new page; its keys work once the page's script has run ("load" comes after it).
    expect(page.get_by_text("What is a safe method?")).to_be_visible()
    expect(page.get_by_text("One that changes nothing")).to_have_count(0)
    page.wait_for_load_state("load")
    page.keyboard.press("Space")
    expect(page.get_by_text("One that changes nothing")).to_be_visible()
    expect(page.get_by_role("button", name="Good")).to_be_visible()
    page.wait_for_load_state("load")
    page.keyboard.press("3")

    expect(page.get_by_text("Is PUT idempotent?")).to_be_visible()
    page.wait_for_load_state("load")
    page.keyboard.press("Space")
    expect(page.get_by_text("Yes", exact=True)).to_be_visible()
    page.wait_for_load_state("load")
    page.keyboard.press("4")
    expect(page.get_by_text("Nothing to review.")).to_be_visible()
    session.expire_all()
    assert [r.rating for r in recall.review_logs(session=session, user=factories.user(session, "lena"))] == [3, 4]


def test_a_learner_adds_a_card_on_the_article_page(page, live_server):
    sign_in(page, live_server, "lena")
    page.goto(f"{live_server}/articles/http-protocol")
    page.get_by_label("Prompt").fill("What does HTTP stand for?")
    page.get_by_label("Answer").fill("Hypertext Transfer Protocol")
    page.get_by_role("button", name="Add card").click()
    expect(page.get_by_text("Card added.")).to_be_visible()
    expect(page.locator("#recall-cards")).to_contain_text("What does HTTP stand for?")


def test_the_takeaway_offered_on_marking_done_is_skipped_with_one_key_or_saved(page, live_server, session):
    sign_in(page, live_server, "lena")
    page.goto(f"{live_server}/paths/api-designer")
    page.get_by_role("button", name="Follow this path").click()
    expect(page.get_by_role("button", name=re.compile("^Following"))).to_be_visible()  # the page reloads as followed
    page.wait_for_load_state("load")  # htmx, deferred, binds the buttons once the page has loaded
    row = page.locator("#article-http-protocol")
    row.get_by_role("button", name="Mark done: “HTTP Protocol”").click()
    prompt = row.get_by_label("What would you tell a colleague about it?")
    expect(prompt).to_be_visible()
    page.keyboard.press("Escape")  # skipped in one key press; focus stays on the row's controls
    expect(prompt).to_have_count(0)
    expect(row).to_have_class(re.compile("state-done"))
    assert page.evaluate("document.activeElement.closest('#article-http-protocol') !== null")

    other = page.locator("#article-restful-api-design")
    other.get_by_role("button", name=re.compile("Mark done")).click()
    other.get_by_label("What would you tell a colleague about it?").fill("Resources are nouns; methods are verbs.")
    other.get_by_role("button", name="Save takeaway").click()
    expect(other.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    session.expire_all()
    note = notes.note_for(session=session, user=factories.user(session, "lena"),
                          article=factories.article(session, "restful-api-design"))
    assert note.takeaway == "Resources are nouns; methods are verbs."


def test_a_weekly_plan_is_made_in_place_and_a_refusal_is_shown(page, live_server):
    sign_in(page, live_server, "lena")
    page.goto(f"{live_server}/paths/api-designer")
    page.get_by_role("button", name="Follow this path").click()
    expect(page.get_by_role("button", name=re.compile("^Following"))).to_be_visible()  # the page reloads as followed
    page.wait_for_load_state("load")  # htmx, deferred, binds the buttons once the page has loaded
    plan = page.locator("#plan")
    plan.get_by_label("Tue").check()
    plan.get_by_label("Thu").check()
    plan.get_by_label("Roughly when").fill("after standup")
    plan.get_by_label("Minutes each day").fill("30")
    plan.get_by_role("button", name="Save plan").click()
    expect(plan.locator(".plan-summary")).to_have_text("Tue and Thu after standup, 30 min")
    expect(plan.locator("summary")).to_contain_text("Your plan:")  # one line, the form folded
    expect(plan.get_by_label("Minutes each day")).to_be_hidden()
    page.locator("#plan summary").click()
    plan.get_by_label("Tue").uncheck()
    plan.get_by_label("Thu").uncheck()
    plan.get_by_role("button", name="Save plan").click()
    expect(plan.get_by_role("alert")).to_contain_text("choose at least one day")
    expect(plan.locator(".plan-summary")).to_have_text("Tue and Thu after standup, 30 min")


@pytest.mark.parametrize("width", [1280, 390])
def test_each_rating_says_when_the_card_comes_back_and_u_undoes_the_last_one(browser, live_server, session, width):
    lena, article = factories.user(session, "lena"), factories.article(session, "http-protocol")
    recall.write_cards(session=session, user=lena, article=article, kind=CardKind.cloze,
                       prompt="A {{c1::safe}} method changes nothing on the server.", answer="")
    context = browser.new_context(viewport={"width": width, "height": 844 if width < 500 else 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        sign_in(page, live_server, "lena")
        page.goto(f"{live_server}/review")
        expect(page.locator(".recall-prompt")).to_have_text("A [...] method changes nothing on the server.")
        page.wait_for_load_state("load")
        page.keyboard.press("Space")
        buttons = {name: page.get_by_role("button", name=re.compile(f"^{name}")) for name in ("Again", "Good")}
        # A new card: Again brings it back in minutes, Good later; the wait is on the button itself.
        expect(buttons["Again"]).to_contain_text(re.compile(r"\d+\s*m"))
        expect(buttons["Good"].locator("time")).to_have_attribute("datetime", re.compile(r"^\d{4}-"))
        box = buttons["Good"].bounding_box()
        assert box is not None and box["x"] + box["width"] <= width  # on screen at phone width too
        page.wait_for_load_state("load")
        page.keyboard.press("3")
        undo = page.get_by_role("button", name=re.compile("^Undo"))
        expect(undo).to_be_visible()
        # The undo line names the card by its blanked front, never by the text holding the answer.
        expect(page.locator(".review-undo")).to_contain_text("A [...] method")
        expect(page.locator(".review-undo")).not_to_contain_text("{{c1::")
        page.wait_for_load_state("load")
        page.keyboard.press("u")
        expect(page.locator(".recall-prompt")).to_have_text("A [...] method changes nothing on the server.")
        session.expire_all()
        assert recall.review_logs(session=session, user=factories.user(session, "lena")) == []
    finally:
        context.close()
