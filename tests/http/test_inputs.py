"""Hostile input at every route: random ids, NUL bytes, deep JSON and huge numbers, as every role. Never a 5xx.

The `app` fixture fails the test on any request that answered 500; each check below also asserts the
status, so a 502/503 from a view would fail too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import Rule

from tests.conftest import CSRFClient, MakeClient

ROLES = {"anonymous": None, "learner": "lena", "mentor": "mona", "admin": "ada"}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}

HUGE = ["1" + "0" * 30, str(2**63), str(2**63 - 1), str(2**31), "-" + "9" * 25, "1e308", "NaN"]
NASTY_TEXT = ["a\x00b", "\x00", "x" * 5000, "‮evil", "<script>alert(1)</script>", "../../etc/passwd", "%00"]
SEGMENTS = [*HUGE, "0", "-1", "abc", "a%00b", "%2e%2e", "api-designer", "http-protocol", "lena", "1", "2"]
FORM_FIELDS = ["state", "path", "body", "shared", "title", "slug", "summary", "outcome", "order", "status",
               "weeks_min", "weeks_max", "base_version", "action", "add_to", "due_on", "note", "learners",
               "username", "password", "confirm", "current", "name", "mentor", "learner", "role", "decision",
               "q", "text", "source_name", "confirm", "sections-0-title", "sections-0-items-0-slug",
               "sections-99999999999-items-0-slug", "url", "reading_minutes", "topics", "source", "next"]
QUERY_FIELDS = ["q", "page", "per_page", "topic", "source", "sort", "status", "path", "next"]
pytestmark = pytest.mark.slow  # every route, role and hostile value, and a fuzzer

_CONVERTER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def deep_json(depth: int) -> str:
    return "[" * depth + "]" * depth


JSON_BODIES = [
    deep_json(50_000), deep_json(40), '{"a": ' * 5000 + "1" + "}" * 5000,
    json.dumps({"state": "do\u0000ne"}), json.dumps({"state": 10**30}), json.dumps({"due_on": "9" * 40}),
    json.dumps({"version": 10**30, "title": "x", "summary": "x", "outcome": "x", "weeks_min": 10**30,
                "order": -10**30, "sections": [{"title": "\u0000", "items": [{"article": {"slug": 10**30}}]}]}),
    json.dumps({"learners": ["lena\u0000"], "path": "api-designer", "due_on": None}),
    json.dumps({"mentor": "mona", "learner": "x" * 10_000}), "1e999999", "not json", "",
]


def routes(app: Flask) -> Iterator[tuple[Rule, str]]:
    """Every (rule, method) of the app except static files."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule, method


def fill(rule: Rule, segment: str) -> str:
    """The rule's URL with every variable part replaced by `segment` (already URL-safe)."""
    return _CONVERTER.sub(lambda _: segment, rule.rule)


def check(client: CSRFClient, method: str, url: str, *, form: dict[str, str] | None = None,
          body: str | None = None, query: dict[str, str] | None = None) -> None:
    kwargs: dict[str, Any] = {}
    if query:
        url += "?" + "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in query.items())
    if method in UNSAFE:
        if url.startswith("/api/"):
            kwargs = {"data": body if body is not None else "{}", "content_type": "application/json"}
        else:
            kwargs = {"data": form or {}}
    response = client.open(url, method=method, **kwargs)
    assert response.status_code < 500, (method, url, response.status_code, response.get_data(as_text=True)[:300])


@pytest.fixture
def clients(make_client: MakeClient) -> dict[str, CSRFClient]:
    return {role: make_client(username) for role, username in ROLES.items()}


def test_every_route_survives_hostile_ids_and_text_as_every_role(app, clients):
    """Each route, each role, each nasty path segment: a 2xx, 3xx or 4xx."""
    checked = 0
    for rule, method in routes(app):
        segments = SEGMENTS if rule.arguments else [""]
        for client in clients.values():
            for segment in segments:
                check(client, method, fill(rule, quote(segment, safe="%")),
                      form={"state": "a\x00", "order": HUGE[0], "base_version": HUGE[1], "action": "save"},
                      body=JSON_BODIES[0], query={"q": "a\x00b", "page": HUGE[0]})
                checked += 1
    assert checked > 1000


def test_every_api_write_survives_deep_and_huge_json_as_every_role(app, clients):
    for rule, method in routes(app):
        if method not in UNSAFE or not rule.rule.startswith("/api/"):
            continue
        url = fill(rule, "api-designer") if "<" in rule.rule else rule.rule
        url = re.sub(r"assignments/api-designer", "assignments/1", url)
        for client in clients.values():
            for body in JSON_BODIES:
                check(client, method, url, body=body)


Request = tuple[str, str, str, dict[str, str], str, dict[str, str]]  # role, method, url, form, body, query


@st.composite
def requests(draw: st.DrawFn, rule_methods: list[tuple[Rule, str]]) -> Request:
    rule, method = draw(st.sampled_from(rule_methods))
    segment = draw(st.one_of(st.sampled_from(SEGMENTS), st.text(min_size=1, max_size=30)))
    text = st.one_of(st.sampled_from(NASTY_TEXT + HUGE), st.text(max_size=60))
    form = draw(st.dictionaries(st.sampled_from(FORM_FIELDS), text, max_size=8))
    query = draw(st.dictionaries(st.sampled_from(QUERY_FIELDS), text, max_size=3))
    body = draw(st.one_of(st.sampled_from(JSON_BODIES), st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda children: st.lists(children, max_size=4) | st.dictionaries(st.sampled_from(FORM_FIELDS), children,
                                                                          max_size=4),
        max_leaves=20).map(json.dumps)))
    role = draw(st.sampled_from(list(ROLES)))
    return role, method, fill(rule, quote(segment, safe="")), form, body, query


def test_random_requests_never_answer_5xx(app, clients):
    rule_methods = list(routes(app))

    @settings(max_examples=300, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(requests(rule_methods))
    def run(request):
        role, method, url, form, body, query = request
        check(clients[role], method, url, form=form, body=body, query=query)

    run()
