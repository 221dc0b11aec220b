"""A path asking recall in a real browser: the review that completes the recall shows the certificate in place."""

from playwright.sync_api import expect

from tests.browser.test_mentor_flow import sign_in
from tests.web.test_mastery import one_to_go


def test_the_review_completing_the_recall_shows_the_read_and_recalled_certificate(page, live_server, session):
    one_to_go(session)
    sign_in(page, live_server, "lena")
    page.goto(f"{live_server}/review")
    expect(page.get_by_text("Second?")).to_be_visible()
    page.wait_for_load_state("load")
    page.keyboard.press("Space")
    expect(page.get_by_role("button", name="Good")).to_be_visible()
    page.wait_for_load_state("load")
    page.keyboard.press("3")
    expect(page.get_by_text("Read and recalled:")).to_be_visible()
    # the path page says so too, and leads to the certificate (the review's own link is tested without a browser)
    page.goto(f"{live_server}/paths/api-designer")
    page.get_by_role("link", name="See your certificate").click()
    expect(page.get_by_text("Read and recalled", exact=True)).to_be_visible()
