"""A learner opens a path whose required prerequisite they have not finished: the path page says so, and
pressing "Follow" brings the refusal, linking the prerequisite, into view with the focus on it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.test_mentor_flow import sign_in
from tests.services.curriculum.test_prerequisites import with_prerequisites


@pytest.mark.parametrize("width", [1280, 390])
def test_following_waits_for_the_required_prerequisite_and_the_refusal_is_focused(page, live_server, session,
                                                                                   width):
    with_prerequisites(session, "production-services", ("api-designer", True))
    learner = factories.add_learners(session, f"screen{width}", 1)[0]
    page.set_viewport_size({"width": width, "height": 800})
    sign_in(page, live_server, learner.username)
    page.goto(f"{live_server}/paths/production-services")
    before = page.locator("#prerequisites")
    expect(before).to_contain_text("Before you start")
    expect(before.get_by_role("link", name="API Designer")).to_be_visible()
    expect(before).to_contain_text("Finish API Designer first: 0 of 20 read.")
    page.get_by_role("button", name="Follow this path").click()
    alert = page.locator("#alerts [role=alert]")
    expect(alert).to_contain_text("Finish API Designer (0 of 20 read) first")
    expect(alert).to_be_focused()
    expect(alert).to_be_in_viewport()
    expect(alert.get_by_role("link", name="API Designer")).to_have_attribute("href", "/paths/api-designer")
    expect(page.get_by_role("button", name="Follow this path")).to_be_visible()  # nothing changed
