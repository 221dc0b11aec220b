"""Query budgets: every page and API route makes a fixed number of SQL statements, whatever the size of the
learner's history, the number of paths they follow or of a mentor's mentees."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial

from sqlalchemy import insert
from sqlmodel import select

from tests import factories
from tests.queries import statements
from tracker.models import Article, LearningPath, ProgressEvent, ProgressState, utcnow
from tracker.services.learning import recall
from tracker.services.mentoring import assignments, mentorships
from tracker.services.progress import follows
from tracker.services.progress import marks as progress

HX = {"HX-Request": "true"}

# The most statements each route may make (sign-in and session checks included).
LEARNER_ROUTES = {
    "/": 19,  # the weeks already judged, and the review limits beside the due counts
    "/paths/": 7,
    "/paths/api-designer": 15,  # the paths before it with the learner's standing; the learner's own copy, resources
                                # and folded sections
    "/articles/http-protocol": 8,  # the learner's own resources beside the article
    "/catalog?q=kafka": 4,
    "/review": 6,  # the day's allowance (limits) and the rating open to undo come with the card
    "/notifications/": 3,
    "/account": 7,  # the second factor: the app with its recovery codes left, and the passkeys; the groups
    "/api/v1/me/paths": 11,
    "/api/v1/me/progress": 2,
    "/api/v1/me/reviews/due": 5,  # with the day's allowance under the limits
    "/api/v1/paths/production-services": 5,  # with its prerequisites and the sections you folded
}
# The overview: each mentee's recall (one query of every card on the paths), and who waits for a prerequisite.
MENTOR_ROUTES = {"/mentor/": 16, "/mentor/?sort=percent&page=2": 14, "/mentor/?sort=due&page=3": 16,
                 "/api/v1/mentees": 11}


def light_learner(session, username):
    user = factories.user(session, username)
    path = factories.path(session, "api-designer")
    follows.follow_path(session=session, user=user, path=path)
    for article in session.exec(select(Article).order_by(Article.id).limit(5)):
        progress.write_mark(session=session, user=user, article=article, state=ProgressState.done)
    recall.create_card(session=session, user=user, article=factories.article(session, "http-protocol"),
                       prompt="Q?", answer="A.")


def heavy_learner(session, username):
    """Every article touched (no path finished), four paths followed, 5,000 events over half a year, 40 cards."""
    user = factories.user(session, username)
    for path in session.exec(select(LearningPath)):
        follows.follow_path(session=session, user=user, path=path)
    articles = list(session.exec(select(Article).order_by(Article.id)))
    for index, article in enumerate(articles):  # the same five done as the light learner, the rest under way
        progress.write_mark(session=session, user=user, article=article,
                              state=ProgressState.done if index < 5 else ProgressState.in_progress)
    start = utcnow() - timedelta(days=180)
    session.execute(insert(ProgressEvent), [
        {"user_id": user.id, "article_id": articles[i % len(articles)].id,
         "created_at": start + timedelta(hours=i * 0.8), "state": ("in_progress", "done")[i % 2], "path_id": None}
        for i in range(5_000)])
    session.commit()
    for article in articles[:40]:
        recall.create_card(session=session, user=user, article=article, prompt="Q?", answer="A.")


def test_learner_routes_make_the_same_statements_for_a_light_and_a_heavy_history(app, session, make_client):
    light_learner(session, "lena")
    heavy_learner(session, "leo")
    lena, leo = make_client("lena"), make_client("leo")
    for route, budget in LEARNER_ROUTES.items():
        light = statements(app, partial(lena.get, route), warm=True)
        heavy = statements(app, partial(leo.get, route), warm=True)
        assert (route, light) == (route, heavy), \
            f"{route}: {light} statements for a light history, {heavy} for a heavy one"
        assert heavy <= budget, f"{route}: {heavy} statements, over its budget of {budget}"


def test_marking_makes_the_same_statements_on_a_short_and_a_long_path(app, session, make_client):
    light_learner(session, "lena")
    heavy_learner(session, "leo")
    counts = {}
    for name, path in (("lena", "api-designer"), ("leo", "production-services")):  # 23 and 45 articles
        client = make_client(name)
        slug = "http-protocol"
        client.post(f"/articles/{slug}/progress", data={"state": "in_progress", "path": path}, headers=HX)
        counts[name] = (statements(app, partial(client.post, f"/articles/{slug}/progress",
                                                data={"state": "done", "path": path}, headers=HX)),
                        statements(app, partial(client.put, f"/api/v1/me/progress/{slug}",
                                                json={"state": "in_progress"})))
    assert counts["lena"] == counts["leo"]
    mark, put = counts["leo"]
    # the API's mark also asks whether any webhook listens for it; a path row keeps the learner's own resources
    assert mark <= 14 and put <= 7, counts


def test_mentor_routes_make_the_same_statements_for_5_50_and_200_mentees(app, session, make_client):
    """Each route counted at each size, after one uncounted call of its own (the mentees are made once)."""
    mona = factories.user(session, "mona")
    path = factories.path(session, "api-designer")
    client = make_client("mona")
    counts = {route: [] for route in MENTOR_ROUTES}  # route -> statements at each size
    for prefix, size in (("a", 5), ("b", 45), ("c", 150)):
        learners = factories.add_learners(session, prefix, size)
        for learner in learners:
            mentorships.link(session=session, mentor=mona, learner=learner)
            progress.write_mark(session=session, user=learner, article=factories.article(session, "http-protocol"),
                                  state=ProgressState.done)
        assignments.assign_path(session=session, mentor=mona, usernames=[u.username for u in learners], path=path,
                                due_on=None, note="", today=date.today())
        for route in MENTOR_ROUTES:
            counts[route].append(statements(app, partial(client.get, route), warm=True))
    uneven = {route: made for route, made in counts.items() if len(set(made)) > 1}
    assert not uneven, f"statements for 5, 50 and 200 mentees: {uneven}"
    over = {route: made[-1] for route, made in counts.items() if made[-1] > MENTOR_ROUTES[route]}
    assert not over, f"statements over their budgets {MENTOR_ROUTES}: {over}"
