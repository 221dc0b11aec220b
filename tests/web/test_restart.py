"""Starting a path over: a confirmation that says how many, shared articles kept unless chosen, history kept."""

from __future__ import annotations

from sqlmodel import select

from tests import factories
from tracker.models import ProgressEvent, ProgressState
from tracker.services.progress import marks as progress


def _states(session, username, *slugs):
    user = factories.user(session, username)
    ids = {factories.article(session, slug).id: slug for slug in slugs}
    found = progress.states_for(session=session, user=user, article_ids=list(ids))
    return {slug: found.get(article_id, ProgressState.not_started).value for article_id, slug in ids.items()}


def split(session) -> tuple[list[str], str]:
    """API Designer's articles that Production Services does not hold, and one that it does."""
    from tracker.services.curriculum.queries import path_entries

    api, prod = factories.path(session, "api-designer"), factories.path(session, "production-services")
    entries = path_entries(session=session, path_ids=[api.id, prod.id])
    in_prod = {e.card.article.slug for e in entries[prod.id]}
    mine = [e.card.article.slug for e in entries[api.id]]
    return [slug for slug in mine if slug not in in_prod], sorted(set(mine) & in_prod)[0]


def test_starting_over_asks_first_then_resets_only_this_paths_own_articles(make_client, session):
    lena = make_client("lena")
    own, shared = split(session)
    first, second, third = own[:3]
    lena.post("/paths/api-designer/follow")
    lena.post("/paths/production-services/follow")
    for slug in (first, second, shared):
        lena.post(f"/articles/{slug}/progress", data={"state": "done"})
    lena.post(f"/articles/{third}/progress", data={"state": "skipped"})

    assert "Start over…" in lena.get("/paths/api-designer").get_data(as_text=True)
    confirm = lena.get("/paths/api-designer/restart").get_data(as_text=True)
    assert "3 articles of this path go back to" in confirm
    assert "1 more article is also in" in confirm and "Production Services" in confirm

    answer = lena.post("/paths/api-designer/restart", follow_redirects=True)
    assert "3 articles back to not started" in answer.get_data(as_text=True)
    assert _states(session, "lena", first, second, third, shared) == {
        first: "not_started", second: "not_started", third: "not_started", shared: "done"}
    # the history is kept: the done events are still there, followed by the resets
    events = session.exec(select(ProgressEvent.state).where(
        ProgressEvent.user_id == factories.user(session, "lena").id,
        ProgressEvent.article_id == factories.article(session, first).id).order_by(ProgressEvent.id)).all()
    assert [ProgressState(e) for e in events] == [ProgressState.done, ProgressState.not_started]


def test_starting_over_with_the_shared_articles_too_and_through_the_api(make_client, session):
    lena = make_client("lena")
    own, shared = split(session)
    lena.post("/paths/api-designer/follow")
    lena.post("/paths/production-services/follow")
    for slug in (own[0], shared):
        lena.put(f"/api/v1/me/progress/{slug}", json={"state": "done"})
    answer = lena.post("/api/v1/me/paths/api-designer/restart", json={})
    assert answer.status_code == 200 and answer.get_json() == {"path": "api-designer", "reset": 1, "shared_kept": 1}
    again = lena.post("/api/v1/me/paths/api-designer/restart", json={"include_shared": True})
    assert again.get_json() == {"path": "api-designer", "reset": 1, "shared_kept": 0}
    assert _states(session, "lena", shared) == {shared: "not_started"}
    assert lena.post("/api/v1/me/paths/no-such-path/restart", json={}).status_code == 404
    assert lena.post("/api/v1/me/paths/api-designer/restart", json={"include_shared": "perhaps"}).status_code == 400


def test_starting_over_needs_a_signed_in_learner_and_the_security_token(client, make_client):
    assert client.post("/paths/api-designer/restart", csrf=False).status_code in (302, 303, 400)
    assert client.post("/api/v1/me/paths/api-designer/restart", json={}).status_code == 401
    lena = make_client("lena")
    assert lena.post("/paths/api-designer/restart", csrf=False).status_code == 400  # no CSRF token, no reset
    assert "nothing to reset" in lena.get("/paths/api-designer/restart").get_data(as_text=True)
