"""Helpers that arrange data directly in the database, for tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pyotp
from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from tests.conftest import SECRET
from tracker.models import (
    Article,
    GroupSource,
    Installation,
    LearningPath,
    Note,
    Passkey,
    PasskeyChallenge,
    ProgressState,
    Role,
    SecurityEventKind,
    SuggestedCard,
    TokenScope,
    User,
    WebhookDelivery,
    WebhookEvent,
    utcnow,
)
from tracker.services import teams
from tracker.services.curriculum import queries as path_queries
from tracker.services.curriculum import store as path_store
from tracker.services.mentoring import mentorships
from tracker.services.people import accounts, identities, second_factor, security_log, tokens
from tracker.services.people.passwords import PasswordPolicy
from tracker.services.personal import forks
from tracker.services.progress import marks
from tracker.services.provisioning import schema as scim_schema
from tracker.services.provisioning import tokens as scim_tokens
from tracker.services.provisioning import users as scim_users
from tracker.services.records import outbox as xapi_outbox
from tracker.services.webhooks import endpoints as webhook_endpoints

PASSWORD_OF_SAM = "second factor person 42"


def user(session: Session, username: str) -> User:
    """The user with this username; NotFound if there is none."""
    return accounts.require_user(session=session, username=username)


def path(session: Session, slug: str) -> LearningPath:
    return session.exec(select(LearningPath).where(LearningPath.slug == slug)).one()


def article(session: Session, slug: str) -> Article:
    return session.exec(select(Article).where(Article.slug == slug)).one()


def add_learners(session: Session, prefix: str, count: int) -> list[User]:
    """Many learners at once, reusing one stored hash (hashing each would only slow the test)."""
    password_hash = user(session, "lena").password_hash
    users = [User(username=f"{prefix}{i:03d}", password_hash=password_hash, role=Role.learner) for i in range(count)]
    session.add_all(users)
    session.commit()
    return users


def mentor_of(session: Session, mentor: str, *learners: str) -> None:
    for name in learners:
        mentorships.link(session=session, mentor=user(session, mentor), learner=user(session, name))


def lived_in(session: Session, make_client: Callable[[str], FlaskClient]) -> None:
    """A row in every table, made the way users make them: follows, marks, notes, replies, assignments, a
    path finished (its credential), and the xAPI statements queued for a Learning Record Store."""
    mentor_of(session, "mona", "lena")
    # a week of reading behind her, judged for her streak when her dashboard shows it (at the end)
    marks.write_mark(session=session, user=user(session, "lena"), article=article(session, "http-protocol"),
                     state=ProgressState.in_progress, at=utcnow() - timedelta(weeks=1))
    lena, mona = make_client("lena"), make_client("mona")
    lena.post("/paths/api-designer/follow")
    for slug, state in (("http-protocol", "done"), ("restful-api-design", "reading")):
        lena.post(f"/articles/{slug}/progress", data={"state": state, "path": "api-designer"})
    lena.post("/articles/http-protocol/note", data={"body": "Kept", "shared": "on"})
    # recurring, with a period long enough for the due date to fall in the first one
    mona.post("/mentor/assignments", data={"learners": "lena", "path": "api-designer", "due_on": "2030-01-31",
                                           "recur_months": "60"})
    note = session.exec(select(Note)).one()
    mona.post(f"/mentor/notes/{note.id}/replies", data={"body": "Good summary"})
    tokens.create_token(session=session, user=user(session, "lena"), name="script")
    tokens.create_token(session=session, user=user(session, "ada"), name="admin script", scope=TokenScope.admin)
    leo = make_client("leo")
    leo.post("/paths/real-time-streaming/follow")
    streaming = path(session, "real-time-streaming")
    sections = path_queries.path_sections(session=session, path_ids=[streaming.id])[streaming.id]
    for slug in [e.card.article.slug for view in sections for e in view.entries if not e.item.optional]:
        leo.post(f"/articles/{slug}/progress", data={"state": "done", "path": "real-time-streaming"})
    xapi_outbox.enqueue_new(session=session, site="http://tracker.test", now=utcnow())
    if session.get(Installation, 1) is None:  # the test database's users were not made through /setup
        session.add(Installation(id=1, admin_id=user(session, "ada").id))
        session.commit()
    card = lena.post("/api/v1/me/cards", json={"article": "http-protocol",
                                               "prompt": "Which HTTP methods are idempotent?",
                                               "answer": "GET, HEAD, PUT, DELETE, OPTIONS"}).get_json()
    lena.post(f"/api/v1/me/cards/{card['id']}/review", json={"rating": "good"})
    # a weekly plan, a takeaway, a mentor's suggested card and an adopted one
    lena.post("/paths/api-designer/plan", data={"days": ["1", "3"], "cue": "after standup", "minutes": "30"})
    lena.post("/articles/http-protocol/takeaway", data={"text": "Methods carry meaning.", "shared": "on"})
    mona.post("/mentor/mentees/lena/paths/api-designer/cards",
              data={"article": "routing", "prompt": "What does a router match on?", "answer": "Method and path."})
    suggestion = session.exec(select(SuggestedCard).where(col(SuggestedCard.mentor_id).is_not(None))).one()
    lena.post(f"/cards/suggested/{suggestion.id}/adopt")
    lena.get("/")
    # someone with a second factor (an app, its recovery codes, a passkey and a passkey request under way), kept
    # apart from the accounts tests sign in with afterwards, whose password alone must still sign in
    sam = accounts.create_user(session=session, username="sam", password=PASSWORD_OF_SAM, policy=PasswordPolicy())
    key = second_factor.sealing_key(SECRET)
    enrolment = second_factor.begin_app(session=session, user=sam, key=key)
    second_factor.confirm_app(session=session, user=sam, key=key, code=pyotp.TOTP(enrolment.secret).now())
    security_log.record(session=session, kind=SecurityEventKind.second_factor_enrolled, user=sam,
                        detail="authenticator app")
    session.add(Passkey(user_id=sam.id, name="work laptop", credential_id="AAEC", public_key="pQECAyYgASFYIA",
                        sign_count=3, transports="internal"))
    session.add(PasskeyChallenge(challenge_hash="0" * 64, purpose="register", user_id=sam.id,
                                 expires_at=utcnow() + timedelta(minutes=5)))
    session.commit()
    # a webhook endpoint with a test event and the log of a try
    endpoint = webhook_endpoints.add_endpoint(session=session, admin=user(session, "ada"), now=utcnow(),
                                              url="https://hooks.example.com/tracker", event_types=["progress.marked"])
    webhook_endpoints.send_test_event(session=session, admin=user(session, "ada"), endpoint_id=endpoint.id,
                                      now=utcnow())
    event = session.exec(select(WebhookEvent)).first()
    assert event is not None
    session.add(WebhookDelivery(endpoint_id=endpoint.id, event_id=event.id, message_id=event.message_id,
                                event_type=event.type.value, attempt=1, status_code=503, error="answered 503"))
    session.commit()
    # a team with a manager and a member, and the audit entries their joining left
    platform = teams.create_group(session=session, name="Platform team", actor=user(session, "ada"))
    teams.add_member(session=session, group=platform, user=user(session, "mona"), is_manager=True,
                     actor=user(session, "ada"))
    teams.add_member(session=session, group=platform, user=user(session, "lena"), actor=user(session, "ada"))
    session.commit()
    # a mentor who also signs in through the identity provider, linked to her account here
    identities.link_and_sign_in(
        session=session, user=user(session, "mona"),
        claims=identities.ProviderClaims(issuer="https://id.example.com", subject="mona-0001",
                                         email="mona@example.com", email_verified=True, groups=frozenset()),
        policy=identities.DirectoryPolicy(issuer="https://id.example.com", provider_name="Example ID"))
    # an identity provider's token, and an account it provisioned into the team
    scim_tokens.create_token(session=session, name="Entra ID")
    grace = scim_users.create_user(session=session, resource=scim_schema.User(
        user_name="grace@example.com", display_name="Grace Hopper", external_id="entra-4711", active=True,
        timezone="America/New_York", emails=[scim_schema.Email(value="grace@example.com", type="work")]))
    teams.add_member(session=session, group=platform, user=grace, source=GroupSource.scim, actor_label="scim")
    session.commit()
    # a cohort whose rule gives its members a path, and the rule's run (the assignment it made)
    cohort = teams.create_group(session=session, name="Streaming cohort", actor=user(session, "ada"))
    teams.add_member(session=session, group=cohort, user=user(session, "leo"), actor=user(session, "ada"))
    rule = teams.assignment_rules.create_rule(session=session, group=cohort,
                                              path=path(session, "production-services"), due_days_after_joining=30,
                                              recur_months=12, note="Before on-call",
                                              actor=user(session, "ada"), today=utcnow().date())
    session.commit()
    teams.assignment_rules.run(session=session, rule=rule, actor=user(session, "ada"), now=utcnow())
    # a path with the rules a curriculum owner asks for: an elective section, one in order, a prerequisite to
    # finish first and recall asked as well as reading
    capstone = path_store.validate_definition(session=session, data={
        "slug": "backend-capstone", "title": "Backend capstone", "summary": "Choose your depth.",
        "outcome": "Ship a service end to end.", "weeks": {"min": 4}, "order": 50,
        "prerequisites": [{"slug": "api-designer", "required": True}, "production-services"],
        "mastery": {"share": 50, "retrievability": 85},
        "sections": [
            {"title": "Foundations", "sequential": True, "items": ["http-protocol", "routing"]},
            {"title": "Pick your storage", "kind": "elective", "pick": 1,
             "items": ["restful-api-design", "middleware", {"slug": "security", "optional": True}]}]})
    path_store.save_path(session=session, definition=capstone, base_version=None, author=user(session, "ada"))
    # a learner's own copy of a path, with a resource of hers, and a change of the curated path taken into it
    copy = forks.fork_path(session=session, upstream=path(session, "backend-capstone"), owner=user(session, "lena"),
                           by=user(session, "lena"))
    forks.add_resource(session=session, path=copy, editor=user(session, "lena"), section=0, title="My HTTP notes",
                       url="https://notes.example.com/http", minutes=10)
    curated = path(session, "backend-capstone")
    moved = path_queries.path_definition(session=session, path=curated).model_dump(mode="python")
    moved["sections"][0]["items"].append({"slug": "caching", "optional": False})
    path_store.save_path(session=session, definition=path_store.PathDefinition.model_validate(moved),
                         base_version=curated.version, author=user(session, "ada"))
    upstream = forks.upstream_changes(session=session, path=copy)
    assert upstream is not None
    forks.decide(session=session, path=copy, editor=user(session, "lena"), key=upstream.changes[0].key, take=True)
    # a learner's own resource beside an article, shared with her mentor, marked done and noted
    lena.post("/resources", data={"title": "REST in practice, chapter 4", "url": "https://example.org/rest-ch4",
                                  "minutes": "25", "shared": "y", "beside": "restful-api-design"})
    resource = session.exec(select(Article).where(Article.owner_id == user(session, "lena").id,
                                                  Article.title == "REST in practice, chapter 4")).one()
    lena.post(f"/articles/{resource.slug}/progress", data={"state": "done"})
    lena.post(f"/articles/{resource.slug}/note", data={"body": "Worth a second read."})
    # a section of her path that a learner folded on its page
    make_client("lena").post("/paths/api-designer/sections/2/fold", data={"fold": "fold"})
