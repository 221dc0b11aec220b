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


# ---------------------------------------------------------------- admin uploads: one bounded reader for all

PATH_FILE = """slug: bounded-path
title: {title}
summary: s
outcome: o
weeks:
  min: 1
  max: {weeks_max}
sections:
- title: A
  items: [http-protocol]
"""
ALIAS_BOMB = "a: &a lol\n" + "".join(
    f"{b}: &{b} [{', '.join([f'*{a}'] * 10)}]\n" for a, b in zip("abcd", "bcde", strict=True))
DEEP = b"[" * 50_000

# (name, content, what the refusal says) for each endpoint; the 50,000 brackets once were a RecursionError,
# the 5,000 digits a ValueError, the long field a csv.Error (each a 500), the NUL stored on SQLite and a
# DataError on PostgreSQL, and the alias bomb a value 10x larger per line.
BAD_PATH_FILES = [
    ("deep.yaml", DEEP, "deep.yaml: line 1, column 33: nested more than 32 levels deep"),
    ("digits.yaml", PATH_FILE.format(title="X", weeks_max="9" * 5000).encode(),
     "digits.yaml: line 7, column 8: 'max' is a whole number of more than 19 digits"),
    ("nul.yaml", PATH_FILE.format(title="X\x00Y", weeks_max=2).encode(),
     "nul.yaml: line 2, column 9: a NUL character"),
    ("escaped.yaml", PATH_FILE.format(title='"X\\0Y"', weeks_max=2).encode(),
     "escaped.yaml: line 2, column 8: a NUL character"),
    ("bomb.yaml", ALIAS_BOMB.encode(), "bomb.yaml: line 2, column 8: an alias (*a)"),
    ("big.yaml", b"# " + b"x" * (300 * 1024), "big.yaml: larger than the 256 KiB accepted at once"),
    ("latin.yaml", "title: caf\xe9\n".encode("latin-1"), "latin.yaml: not UTF-8 text at line 1, column 11"),
]
BAD_LINK_FILES = [
    ("deep.yaml", DEEP, "deep.yaml: line 1, column 33: nested more than 32 levels deep"),
    ("digits.yaml", b"http-protocol: " + b"9" * 5000, "digits.yaml: line 1, column 16: 'http-protocol' is "
                                                      "a whole number of more than 19 digits"),
    ("nul.csv", b"slug,url\nhttp-protocol,https://example.org/a\x00b\n", "nul.csv: line 2, column 36: a NUL"),
    ("field.csv", b"slug,url\nhttp-protocol,https://example.org/" + b"x" * 140_000,
     "field.csv: line 2: a field longer than 65536 characters"),
    ("bomb.yaml", ALIAS_BOMB.encode(), "bomb.yaml: line 2, column 8: an alias (*a)"),
]


def _upload(url: str, name: str, content: bytes) -> dict[str, Any]:
    import io
    return {"data": {"file": (io.BytesIO(content), name)}, "content_type": "multipart/form-data"}


def _saved(session) -> tuple[Any, ...]:
    """What an upload could change: every article's link, every path and its version."""
    from sqlmodel import select

    from tracker.models import Article, LearningPath
    session.expire_all()
    return (tuple(session.exec(select(Article.slug, Article.url).order_by(Article.slug)).all()),
            tuple(session.exec(select(LearningPath.slug, LearningPath.version).order_by(LearningPath.slug)).all()))


@pytest.mark.parametrize(("url", "name", "content", "message"),
                         [("/admin/paths/import", *case) for case in BAD_PATH_FILES]
                         + [("/admin/articles/links", *case) for case in BAD_LINK_FILES],
                         ids=[f"paths-{c[0]}" for c in BAD_PATH_FILES] + [f"links-{c[0]}" for c in BAD_LINK_FILES])
def test_a_hostile_upload_is_refused_naming_the_line_and_saves_nothing(make_client, session, url, name, content,
                                                                        message):
    from markupsafe import escape

    ada = make_client("ada")
    before = _saved(session)
    page = ada.post(url, **_upload(url, name, content))
    body = page.get_data(as_text=True)
    assert page.status_code == 400, body[:300]
    assert str(escape(message)) in body and "Nothing was saved." in body
    assert 'aria-invalid="true"' in body  # the field in error is focused when the page loads
    fragment = ada.post(url, headers={"HX-Request": "true"}, **_upload(url, name, content))
    assert fragment.status_code == 400
    assert fragment.headers["HX-Retarget"] == "#alerts"  # the alert, brought into view and focused
    assert 'role="alert"' in fragment.get_data(as_text=True) and str(escape(message)) in fragment.get_data(as_text=True)
    assert _saved(session) == before


@pytest.mark.parametrize(("name", "content", "message"), BAD_LINK_FILES, ids=[c[0] for c in BAD_LINK_FILES])
def test_the_links_command_refuses_the_same_files_in_one_line(runner, session, tmp_path, name, content, message):
    before = _saved(session)
    file = tmp_path / name
    file.write_bytes(content)
    result = runner.invoke(args=["catalog", "links", str(file)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().count("\n") == 0 and message.split(": ", 1)[1] in result.output
    assert _saved(session) == before


def test_a_path_file_within_the_bounds_still_imports(make_client, session):
    ada = make_client("ada")
    good = PATH_FILE.format(title="Bounded", weeks_max=12).encode()
    assert ada.post("/admin/paths/import", **_upload("", "good.yaml", good)).status_code == 303
    assert ("bounded-path", 1) in _saved(session)[1]
