"""A path's prerequisites on its page ("Before you start"), and following refused while a required one is not
complete: on the page without JavaScript, with HTMX and through the API, writing nothing each time."""

from __future__ import annotations

import pytest
from sqlmodel import select

from tests import factories
from tests.services.curriculum.test_prerequisites import finish, with_prerequisites
from tracker.models import AuditEvent, PathFollow

HX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/paths/production-services"}


@pytest.fixture
def newcomer(session):
    """production-services requires api-designer and recommends systems-performance; a new learner has read
    nothing of either."""
    with_prerequisites(session, "production-services", ("api-designer", True), ("systems-performance", False))
    return factories.add_learners(session, "new", 1)[0]


def follows_nothing(session, learner) -> bool:
    session.expire_all()
    path = factories.path(session, "production-services")
    return session.get(PathFollow, (learner.id, path.id)) is None


def test_the_path_page_says_what_comes_first_with_the_learners_progress(make_client, session, newcomer):
    learner = make_client(newcomer.username)
    learner.post("/articles/http-protocol/progress", data={"state": "done"})
    page = learner.get("/paths/production-services").get_data(as_text=True)
    assert "Before you start" in page
    assert 'Finish <a href="/paths/api-designer">API Designer</a> first:</strong> 1 of 20 read.' in page
    assert 'Recommended first: <a href="/paths/systems-performance">' in page and "— 0% done." in page
    assert "Following this path, and any assignment of it, waits until it is complete." in page


def test_signed_out_visitors_see_the_prerequisites_without_numbers(client, newcomer):
    page = client.get("/paths/production-services").get_data(as_text=True)
    assert 'Finish <a href="/paths/api-designer">API Designer</a> first.</strong>' in page
    assert "% done" not in page.split("Before you start")[1].split("</section>")[0]


def test_following_without_javascript_is_refused_with_a_flash_linking_the_prerequisite(make_client, session,
                                                                                        newcomer):
    learner = make_client(newcomer.username)
    response = learner.post("/paths/production-services/follow", data={"next": "/paths/production-services"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/paths/production-services#prerequisites"
    page = learner.get("/paths/production-services").get_data(as_text=True)
    assert ('class="flash flash-error">Finish <a href="/paths/api-designer">API Designer</a> (0 of 20 read) first: '
            "following “Backend Developer — Production Services” waits until it is complete.") in page
    assert "You follow" not in page
    assert follows_nothing(session, newcomer)


def test_following_with_htmx_is_refused_in_the_alert_area(make_client, session, newcomer):
    response = make_client(newcomer.username).post("/paths/production-services/follow", headers=HX)
    assert response.status_code == 409 and response.headers["HX-Retarget"] == "#alerts"
    text = response.get_data(as_text=True)
    assert 'role="alert"' in text and '<a href="/paths/api-designer">API Designer</a> (0 of 20 read)' in text
    assert follows_nothing(session, newcomer)


def test_following_through_the_api_is_refused_with_409_naming_the_prerequisite(make_client, session, newcomer):
    response = make_client(newcomer.username).put("/api/v1/me/paths/production-services/follow")
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["message"].startswith("Finish “API Designer” first")
    assert error["prerequisites"] == [{"slug": "api-designer", "title": "API Designer", "percent": 0,
                                       "complete": False}]
    assert follows_nothing(session, newcomer)


def test_a_forged_follow_writes_no_follow_and_no_audit_entry(make_client, session, newcomer):
    learner = make_client(newcomer.username)
    before = len(session.exec(select(AuditEvent)).all())
    for _ in range(2):  # a replayed form and a replayed API call
        learner.post("/paths/production-services/follow")
        learner.put("/api/v1/me/paths/production-services/follow")
    assert follows_nothing(session, newcomer)
    session.expire_all()
    assert len(session.exec(select(AuditEvent)).all()) == before


def test_once_the_prerequisite_is_complete_following_works_on_every_channel(make_client, session, newcomer):
    finish(session, newcomer, "api-designer")
    learner = make_client(newcomer.username)
    page = learner.get("/paths/production-services").get_data(as_text=True)
    assert "✓ Required first:" in page and "waits until" not in page
    assert learner.put("/api/v1/me/paths/production-services/follow").get_json()["following"] is True


def test_a_recommended_prerequisite_never_blocks_following(make_client, session):
    with_prerequisites(session, "production-services", ("api-designer", False))
    learner = factories.add_learners(session, "rec", 1)[0]
    client = make_client(learner.username)
    assert client.post("/paths/production-services/follow").status_code == 303
    assert not follows_nothing(session, learner)
