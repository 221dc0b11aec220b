"""Spaced review in a real browser, by keyboard only: Space shows the answer, 1-4 rate the card."""

import re

from playwright.sync_api import expect

from tests import factories
from tests.browser.test_mentor_flow import sign_in
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
    plan = page.locator("#plan")
    plan.get_by_label("Tue").check()
    plan.get_by_label("Thu").check()
    plan.get_by_label("Roughly when").fill("after standup")
    plan.get_by_label("Minutes each day").fill("30")
    plan.get_by_role("button", name="Save plan").click()
    expect(plan.locator(".plan-summary")).to_have_text("Tue and Thu after standup, 30 min")
    expect(plan.get_by_text("By your plan")).to_be_visible()
    page.locator("#plan summary").click()
    plan.get_by_label("Tue").uncheck()
    plan.get_by_label("Thu").uncheck()
    plan.get_by_role("button", name="Save plan").click()
    expect(plan.get_by_role("alert")).to_contain_text("choose at least one day")
    expect(plan.locator(".plan-summary")).to_have_text("Tue and Thu after standup, 30 min")
