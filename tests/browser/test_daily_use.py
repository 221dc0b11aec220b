"""Daily use in a real browser: a learner's own time zone, and a mentor who hears of a shared note by email."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tests import factories
from tests.browser.test_mentor_flow import sign_in
from tracker.models import utcnow
from tracker.services.mentoring import assignments
from tracker.services.operations import scheduled


def _zone_on_another_day() -> tuple[str, datetime]:
    """A zone whose calendar date differs from UTC's right now, and the time there."""
    now = datetime.now(UTC)
    zone = "Pacific/Kiritimati" if now.hour >= 10 else "Pacific/Pago_Pago"  # UTC+14 or UTC-11
    local = now.astimezone(ZoneInfo(zone))
    assert local.date() != now.date()
    return zone, local


def test_a_learner_far_from_utc_sees_their_own_day(browser, live_server, session):
    zone, local = _zone_on_another_day()
    context = browser.new_context(timezone_id=zone)
    page = context.new_page()
    page.goto(f"{live_server}/signup")
    page.get_by_label("Username").fill("islander")
    page.get_by_label("Password", exact=True).fill("a lagoon at the end of the day")
    page.get_by_label("Repeat the password").fill("a lagoon at the end of the day")
    page.get_by_role("button", name="Create account").click()
    page.goto(f"{live_server}/account")
    expect(page.get_by_text(f"times shown in {zone.replace('_', ' ')}")).to_be_visible()
    expect(page.get_by_role("combobox", name="Time zone")).to_have_value(zone)

    # a path due on the learner's today is due today, whatever day it is in UTC
    factories.mentor_of(session, "mona", "islander")
    assignments.assign_path(session=session, mentor=factories.user(session, "mona"), usernames=["islander"],
                            path=factories.path(session, "api-designer"), due_on=local.date(), note="",
                            today=local.date())
    page.goto(f"{live_server}/paths/api-designer")
    page.locator("#article-http-protocol").get_by_role("button", name="Mark done: “HTTP Protocol”").click()
    expect(page.locator("#article-http-protocol")).to_have_class(re.compile("state-done"))
    page.goto(f"{live_server}/")
    card = page.locator("article.assigned")
    expect(card).to_contain_text(f"due {local.strftime('%b %-d, %Y')}")
    expect(card).to_contain_text("due today")
    # the mark lands on the learner's today in the heatmap, and keeps this week
    today_square = page.locator(".heatmap rect", has=page.locator("title", has_text=local.strftime("%a %b %-d, %Y")))
    expect(today_square.locator("title")).to_have_text(f"{local.strftime('%a %b %-d, %Y')}: 1 mark or review")
    expect(page.locator("#streak")).to_contain_text("This week: 1 active day of 1 asked")
    expect(page.locator("#streak")).to_contain_text("1-week streak")
    expect(page.locator(".streak-rule")).to_contain_text(f"your time zone: {zone.replace('_', ' ')}")
    # and the time of the mark is shown on the learner's clock
    expect(page.locator(".recent-list")).to_contain_text(local.strftime("%b %-d"))
    context.close()


def test_a_mentor_hears_of_a_shared_note_in_the_app_and_by_email(browser, live_app, live_server, session,
                                                                  smtp_server):
    live_app.config.update(SMTP_URL=smtp_server.url, PUBLIC_URL="https://learn.example")
    factories.mentor_of(session, "mona", "lena")
    mentor = browser.new_context().new_page()
    sign_in(mentor, live_server, "mona")
    mentor.goto(f"{live_server}/account")
    mentor.get_by_label("Email address").fill("mona@example.com")
    mentor.get_by_label("Send my notifications by email").select_option("immediate")
    mentor.get_by_role("button", name="Save email settings").click()
    expect(mentor.get_by_text("Notifications will also go to mona@example.com: each one as it comes.")).to_be_visible()

    learner = browser.new_context().new_page()
    sign_in(learner, live_server, "lena")
    learner.goto(f"{live_server}/articles/http-protocol")
    learner.get_by_label("Note on “HTTP Protocol”").fill("Status codes are a contract.")
    learner.get_by_label("Share the note with my mentors").check()
    learner.get_by_role("button", name="Save note").click()
    expect(learner.locator("#note-http-protocol .note-status")).to_have_text("Saved.")

    mentor.goto(f"{live_server}/notifications/")
    expect(mentor.get_by_text("lena shared a note on “HTTP Protocol”.")).to_be_visible()
    # the scheduled round (the server's timer, or `tracker reminders` from cron) sends the email
    sent = scheduled.scheduled_round(session=session, now=utcnow() + timedelta(seconds=1), config=live_app.config)
    assert sent.mail.sent == 1
    (email,) = smtp_server.wait_for(1)
    assert email["To"] == "mona@example.com"
    assert email["Subject"] == "lena shared a note on “HTTP Protocol”."
    assert "https://learn.example/mentor/mentees/lena#note-" in email.get_content()
    learner.context.close()
    mentor.context.close()
