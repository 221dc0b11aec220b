"""The attacker's walk for a personal path: a learner's own path, kept to herself and read on, never reaches anyone
else: not its title, not its address, through any page, fragment, API answer, export or webhook. Her mentor
finds it once she shares it."""

from __future__ import annotations

import json
import re

import pytest
from flask import Flask
from sqlmodel import select

from tests import factories
from tests.browser.test_accessibility import SAMPLES, filled
from tracker.models import LearningPath, WebhookEvent
from tracker.services.curriculum import queries as path_queries

TITLE = "Qwertz exit plan"  # nothing else in the app looks like it
HX = {"HX-Request": "true"}
# GET routes whose answer is not about learners at all, or streams files this walk does not read
NOT_WALKED = re.compile(r"^/(static/|signin/oidc/callback|healthz|readyz|metrics|setup|\.well-known/|credentials/)")


def _addresses(app: Flask, slug: str) -> list[str]:
    """Every GET route of the pages and the API, each filled with the lived-in samples and, where it takes a
    path, also with the personal path's slug."""
    addresses = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or NOT_WALKED.search(rule.rule):
            continue
        values = {name: SAMPLES.get(name, "lena") for name in rule.arguments}
        if "username" in rule.arguments:
            values["username"] = "lena"
        if "slug" in rule.arguments and "/articles/" in rule.rule:
            values["slug"] = "http-protocol"
        addresses.add(filled(rule.rule, values))
        if "slug" in rule.arguments and "/paths/" in rule.rule:
            addresses.add(filled(rule.rule, {**values, "slug": slug}))
    return sorted(addresses)


@pytest.fixture
def kept_to_herself(session, make_client):
    """lena, in a lived-in installation (a mentor, groups, a webhook endpoint), copies API Designer, renames the
    copy, follows it and reads all of it on the copy's page, then opens her dashboard."""
    factories.lived_in(session, make_client)
    lena = make_client("lena")
    answer = lena.post("/paths/api-designer/fork")
    slug = answer.headers["Location"].rsplit("/", 1)[-1]
    assert lena.post(f"/paths/{slug}/edit/title", data={"title": TITLE}).status_code == 303
    copy = session.exec(select(LearningPath).where(LearningPath.slug == slug)).one()
    for entry in path_queries.path_entries(session=session, path_ids=[copy.id])[copy.id]:
        lena.post(f"/articles/{entry.card.article.slug}/progress", data={"state": "done", "path": slug})
    assert TITLE in lena.get("/").text
    return lena, slug


def test_nobody_else_finds_a_personal_path_anywhere(app, make_client, session, kept_to_herself):
    _, slug = kept_to_herself
    addresses = _addresses(app, slug)
    assert len(addresses) > 100
    # a visitor, a learner, her mentor and group manager, an admin; the addresses with the slug come last for
    # everyone, as what a person asked for is logged (their own security log, an admin's refusals list)
    clients = {name: make_client(name) for name in (None, "leo", "mona", "ada")}
    for by_slug in (False, True):
        for name, client in clients.items():
            for address in (a for a in addresses if (slug in a) is by_slug):
                for headers in ({}, HX):
                    answer = client.get(address, headers=headers)
                    text = answer.get_data(as_text=True)
                    assert answer.status_code < 500, (name, address)
                    assert TITLE not in text, f"{name} finds the title at {address}"
                    if not by_slug:
                        assert slug not in text, f"{name} finds the address at {address}"


def test_webhooks_never_name_a_personal_path(session, kept_to_herself):
    """An admin's endpoint hears lena read, but not on which path of her own."""
    _, slug = kept_to_herself
    payloads = [json.loads(event.payload) for event in session.exec(select(WebhookEvent))]
    marked = [p for p in payloads if p["type"] == "progress.marked"]
    assert marked, "the lived-in endpoint subscribes to progress.marked"
    assert all(slug not in json.dumps(p) and TITLE not in json.dumps(p) for p in payloads)


def test_her_mentor_finds_it_once_she_shares_it(make_client, kept_to_herself):
    lena, slug = kept_to_herself
    mona = make_client("mona")
    assert lena.post(f"/paths/{slug}/edit/share", data={"shared": "y"}).status_code == 303
    assert TITLE in mona.get("/mentor/mentees/lena").text
    assert TITLE in mona.get(f"/paths/{slug}").text
    assert mona.get(f"/mentor/mentees/lena/paths/{slug}").status_code == 200
    for name in ("leo", "ada"):
        assert TITLE not in make_client(name).get("/mentor/mentees/lena").text
