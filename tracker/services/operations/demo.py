"""Demo accounts and some lived-in progress, for `tracker run --demo`."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from tracker.models import Article, LearningPath, PathItem, ProgressState, Role, User
from tracker.services import teams
from tracker.services.learning import notes, plans, recall
from tracker.services.mentoring import assignments, mentorships
from tracker.services.people import accounts
from tracker.services.people.passwords import PasswordPolicy
from tracker.services.progress import follows, marking
from tracker.services.progress import marks as progress

DEMO_USERS = (("demo-learner", Role.learner, "Dana Learner"), ("demo-mentor", Role.mentor, "Milo Mentor"),
              ("demo-admin", Role.admin, "Ada Admin"))


@dataclass
class DemoAccount:
    username: str
    role: Role
    password: str


def _demo_password() -> str:
    return "-".join(secrets.token_hex(3) for _ in range(3))


def create_demo(*, session: Session, now: datetime, policy: PasswordPolicy) -> list[DemoAccount]:
    """Create (or reset the passwords of) the demo accounts, their passwords checked by `policy`, and give the
    learner some history."""
    created = []
    for username, role, display_name in DEMO_USERS:
        password = _demo_password()
        user = accounts.get_user(session=session, username=username)
        if user is None:
            accounts.create_user(session=session, username=username, password=password, policy=policy, role=role,
                                 display_name=display_name, actor_label="demo")
        else:
            accounts.set_password(session=session, user=user, password=password, policy=policy)
        created.append(DemoAccount(username=username, role=role, password=password))
    learner = accounts.require_user(session=session, username="demo-learner")
    if progress.progress_count(session=session, user=learner) == 0:
        _lived_in_progress(session=session, learner=learner, now=now)
        _mentoring(session=session, learner=learner, now=now)
        _team(session=session, learner=learner, now=now)
    return created


def _mentoring(*, session: Session, learner: User, now: datetime) -> None:
    """The demo mentor guides the demo learner and has assigned a path with a due date."""
    mentor = accounts.require_user(session=session, username="demo-mentor")
    mentorships.link(session=session, mentor=mentor, learner=learner, actor_label="demo")
    path = session.exec(select(LearningPath).where(LearningPath.slug == "api-designer")).one_or_none()
    if path is not None:
        (outcome,) = assignments.assign_path(
            session=session, mentor=mentor, usernames=[learner.username], path=path,
            due_on=(now + timedelta(days=21)).date(),
            note="Read the REST section first; we will review your API design next week.", today=now.date())
        outcome.assignment.created_at = now - timedelta(days=61)  # assigned before the demo history began
        session.add(outcome.assignment)
        session.commit()


def _team(*, session: Session, learner: User, now: datetime) -> None:
    """The demo mentor manages a team the demo learner is in, whose rule gives every member a path."""
    if teams.find_group(session=session, slug="platform-team") is not None:
        return
    mentor = accounts.require_user(session=session, username="demo-mentor")
    group = teams.create_group(session=session, name="Platform team", actor_label="demo",
                               description="The people who run the services everyone else builds on.")
    teams.add_member(session=session, group=group, user=mentor, is_manager=True, actor_label="demo")
    teams.add_member(session=session, group=group, user=learner, actor_label="demo")
    path = session.exec(select(LearningPath).where(LearningPath.slug == "production-services")).one_or_none()
    if path is not None:
        rule = teams.assignment_rules.create_rule(session=session, group=group, path=path,
                                                  due_days_after_joining=45, note="Before your first on-call week.",
                                                  actor=mentor, today=now.date())
        session.commit()
        teams.assignment_rules.run(session=session, rule=rule, actor=mentor, now=now)
    session.commit()


def _lived_in_progress(*, session: Session, learner: User, now: datetime) -> None:
    """Follow two paths and read through the first of them over the past weeks."""
    slugs = ["production-services", "api-designer"]
    paths = {p.slug: p for p in session.exec(select(LearningPath).where(col(LearningPath.slug).in_(slugs)))}
    for slug in slugs:
        if slug in paths:
            follows.follow_path(session=session, user=learner, path=paths[slug])
    view = progress.path_progress(session=session, user=learner, slug="production-services")
    if view is None:
        return
    entries = [e for section in view.detail.sections for e in section.entries]
    start = now - timedelta(days=61)
    # The demo's history begins two months ago: its paths already held these articles then.
    session.exec(update(PathItem).where(col(PathItem.added_at) > start).values(added_at=start))
    session.commit()
    day = now - timedelta(days=60)
    for index, entry in enumerate(entries[:16]):
        day += timedelta(days=1 + (index * 7) % 4)
        state = ProgressState.skipped if index == 5 else ProgressState.done
        article: Article = entry.card.article
        marking.mark_article(session=session, user=learner, article=article, state=ProgressState.in_progress,
                              at=day - timedelta(hours=2))
        marking.mark_article(session=session, user=learner, article=article, state=state, at=day)
    if len(entries) > 16:
        marking.mark_article(session=session, user=learner, article=entries[16].card.article,
                              state=ProgressState.in_progress, at=now - timedelta(hours=3))
    _recall_cards(session=session, learner=learner, articles=[e.card.article for e in entries[:2]], now=now)
    plan = plans.set_plan(session=session, user=learner, path=view.path, days=[1, 3], minutes=30, cue="after standup")
    plan.created_at = start
    session.add(plan)
    session.commit()
    if entries:
        notes.save_takeaway(session=session, user=learner, article=entries[0].card.article, shared=True,
                            text="A backend is code that runs for every request: it decides who may see what.")


DEMO_CARDS = [
    ("What does a backend do that a static site cannot?",
     "It runs code per request: it checks who is asking, reads and writes shared data, and answers with what "
     "that person may see."),
    ("Which HTTP methods are idempotent?", "GET, HEAD, PUT, DELETE and OPTIONS; POST and PATCH are not."),
    ("What does 304 Not Modified save?", "The body: after a conditional request the client reuses its copy."),
]


def _recall_cards(*, session: Session, learner: User, articles: list[Article], now: datetime) -> None:
    """A few recall cards: two due for review now, one reviewed already and due in a few days."""
    if len(articles) < 2:
        return
    cards = [recall.create_card(session=session, user=learner, article=articles[min(i, 1)], prompt=prompt,
                                answer=answer) for i, (prompt, answer) in enumerate(DEMO_CARDS)]
    first = cards[0]
    first.due = first.created_at = now - timedelta(days=3)
    session.add(first)
    session.commit()
    recall.review(session=session, user=learner, card=first, rating=recall.parse_rating("easy"),
                  now=now - timedelta(days=3))
