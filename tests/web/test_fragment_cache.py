"""Kept fragments change nothing anyone sees: every page of the URL map, as a visitor, two learners, a mentor and
an admin, is the same byte for byte (CSRF tokens aside) with the fragment cache off, on, and served from it,
before and after an admin edits an article and a path; an edited article shows its new title everywhere at once.
Two apps share one database (the cached one and one with TRACKER_FRAGMENT_CACHE_MB=0) and each browser's cookies,
so both see the same session. On both databases, as every app fixture."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from flask import Flask, got_request_exception
from werkzeug.test import TestResponse

from tests import factories
from tests.browser.test_accessibility import page_urls, visible_to
from tests.conftest import CSRFClient, make_app
from tests.web.test_admin import editor_form
from tracker.config import ConfigError
from tracker.web import fragments

# Per request by design: the CSRF token, and the signed moment a review card was shown (its review time).
TOKENS = re.compile(r'(name="csrf_token" value=|"X-CSRFToken": |name="shown" value=)"[^"]*"')
ROLES = {"visitor": None, "learner": "lena", "second learner": "leo", "mentor": "mona", "admin": "ada"}
HTMX = {"HX-Request": "true"}
# Beyond the URL map's samples: more lists of article rows (other paths, searches, pages of the catalog) and the
# fragments HTMX asks for, where rows are rendered as blocks of a page.
MORE = [("/paths/real-time-streaming", {}), ("/paths/production-services", {}), ("/paths/api-designer?view=all", {}),
        ("/catalog?q=http", {}), ("/catalog?page=2", {}), ("/catalog?topic=http", {}),
        ("/catalog?q=api", HTMX | {"HX-Target": "catalog-results"}),
        ("/mentor/?sort=percent", HTMX | {"HX-Target": "overview-table"})]
NEW_TITLE = "HTTP, the protocol & its methods"


def masked(response: TestResponse) -> tuple[int, str]:
    return response.status_code, TOKENS.sub(r'\1"(token)"', response.get_data(as_text=True))


class Browser:
    """One person's browser open on both apps: the same cookies go to either, so both see the same session."""

    COOKIES = ("tracker_session", "tracker_remember")

    def __init__(self, apps: dict[str, Flask], username: str | None):
        self.clients = {name: CSRFClient(app, app.response_class, use_cookies=True) for name, app in apps.items()}
        if username:
            self.clients["cached"].sign_in(username)
            self.clients["cached"].get("/")  # the sign-in's flash is shown once, here
        self.last = "cached"

    def open(self, app: str, url: str, **kwargs) -> TestResponse:
        if app != self.last:
            self._carry_cookies(self.clients[self.last], self.clients[app])
            self.last = app
        return self.clients[app].open(url, **kwargs)

    def _carry_cookies(self, source: CSRFClient, target: CSRFClient) -> None:
        for name in self.COOKIES:
            cookie = source.get_cookie(name)
            if cookie is None:
                target.delete_cookie(name)
            else:
                target.set_cookie(name, cookie.value)


@pytest.fixture
def apps(app, database_url, tmp_path) -> Iterator[dict[str, Flask]]:
    """The test's app (fragments kept) and a second one on the same database that keeps none."""
    uncached = make_app(database_url, tmp_path, FRAGMENT_CACHE_MB=0)
    crashes: list[BaseException] = []
    got_request_exception.connect(lambda sender, exception, **extra: crashes.append(exception), uncached, weak=False)
    yield {"cached": app, "uncached": uncached}
    uncached.extensions["tracker.engine"].dispose()
    assert not crashes, f"a request answered 500: {crashes[0]!r}"


@pytest.fixture
def browsers(apps, session, make_client) -> dict[str, Browser]:
    factories.lived_in(session, make_client)  # a row in every table, made as people make them
    return {role: Browser(apps, username) for role, username in ROLES.items()}


def pages_for(app: Flask, role: str) -> list[tuple[str, dict[str, str]]]:
    kind = "learner" if role == "second learner" else role
    return [(url, {}) for url in page_urls(app) if visible_to(kind, url)] + [
        (url, headers) for url, headers in MORE if visible_to(kind, url)]


def assert_the_same_everywhere(apps: dict[str, Flask], browsers: dict[str, Browser]) -> int:
    """Each role's pages, rendered with the cache on (keeping), off, and on again (served from it): the same."""
    compared = 0
    for role, browser in browsers.items():
        for url, headers in pages_for(apps["cached"], role):
            kept = masked(browser.open("cached", url, headers=headers))
            plain = masked(browser.open("uncached", url, headers=headers))
            again = masked(browser.open("cached", url, headers=headers))
            assert kept[0] < 500 and plain == kept, f"{role} {url}: differs with the cache off"
            assert again == kept, f"{role} {url}: differs when served from the cache"
            compared += 1
    return compared


@pytest.mark.slow
def test_every_page_is_the_same_with_the_cache_on_off_and_served_from_it_before_and_after_edits(
        apps, browsers, session):
    assert fragments.html_bytes("“x”") == 7 and apps["uncached"].extensions[fragments.EXTENSION] is None
    assert assert_the_same_everywhere(apps, browsers) > 100
    kept = apps["cached"].extensions[fragments.EXTENSION]
    assert len(kept) > 50 and 0 < kept.size <= kept.max_bytes

    ada = browsers["admin"]
    article = {"title": NEW_TITLE, "url": "https://example.org/http", "summary": "Methods, status codes <and> headers.",
               "topics": "Foundation, HTTP", "source": "backend-devops-series", "reading_minutes": "12"}
    assert ada.open("cached", "/admin/articles/http-protocol/edit", method="POST", data=article).status_code == 303
    path = editor_form(session)
    path["sections-0-title"] = "REST, first of all"
    path["sections-0-items-0-optional"] = "on"
    assert ada.open("cached", "/admin/paths/api-designer/edit", method="POST",
                    data=path | {"action": "save"}).status_code == 303
    assert "Saved" in ada.open("cached", "/admin/", follow_redirects=True).get_data(as_text=True)  # flashes, once
    assert assert_the_same_everywhere(apps, browsers) > 100


def test_an_edited_article_shows_its_new_title_in_every_list_at_once(apps, browsers, session):
    old = factories.article(session, "http-protocol").title
    lists = [("learner", "/paths/api-designer"), ("learner", "/catalog?q=http"),
             ("second learner", "/catalog?q=protocol"), ("mentor", "/mentor/mentees/lena/paths/api-designer"),
             ("visitor", "/paths/api-designer")]
    for role, url in lists:  # every list kept with the old title
        assert f">{html.escape(old)}</a>" in browsers[role].open("cached", url).get_data(as_text=True)
    article = factories.article(session, "http-protocol")
    article.title = NEW_TITLE
    session.add(article)
    session.commit()
    for role, url in lists:
        page = browsers[role].open("cached", url).get_data(as_text=True)
        assert f">{html.escape(NEW_TITLE)}</a>" in page, (role, url)
        assert f">{html.escape(old)}</a>" not in page and f"“{html.escape(old)}”" not in page, (role, url)


def test_a_kept_row_head_is_served_without_rendering_it_again(apps, browsers, monkeypatch):
    lena = browsers["learner"]
    first = lena.open("cached", "/paths/api-designer").get_data(as_text=True)
    rendered = []
    original = fragments.get_template_attribute
    monkeypatch.setattr(fragments, "get_template_attribute",
                        lambda *args: rendered.append(args) or original(*args))
    assert TOKENS.sub("", lena.open("cached", "/paths/api-designer").get_data(as_text=True)) == TOKENS.sub("", first)
    assert rendered == []
    lena.open("uncached", "/paths/api-designer")
    assert len(rendered) == first.count('<li class="article-row') > 20  # every row's head, without the cache


def test_the_fragment_cache_is_sized_by_its_setting(database_url, tmp_path):
    app = make_app(database_url, tmp_path, FRAGMENT_CACHE_MB=1)
    assert app.extensions[fragments.EXTENSION].max_bytes == 1024 * 1024
    app.extensions["tracker.engine"].dispose()
    with pytest.raises(ConfigError, match="TRACKER_FRAGMENT_CACHE_MB is invalid"):
        make_app(database_url, tmp_path, FRAGMENT_CACHE_MB=-1)


def test_the_caches_count_hits_misses_entries_and_bytes(database_url, tmp_path):
    from prometheus_client.parser import text_string_to_metric_families

    app = make_app(database_url, tmp_path, METRICS=True)
    app.test_client_class = CSRFClient
    client = app.test_client()

    def samples() -> dict[tuple[str, str], float]:
        text = client.get("/metrics").get_data(as_text=True)
        return {(sample.name, sample.labels.get("cache", "")): sample.value
                for family in text_string_to_metric_families(text) for sample in family.samples}

    before = samples()
    client.get("/paths/api-designer")
    client.get("/paths/api-designer")
    after = samples()
    for cache in ("fragments", "curriculum"):
        assert after[("tracker_cache_hits_total", cache)] > before.get(("tracker_cache_hits_total", cache), 0)
        assert after[("tracker_cache_misses_total", cache)] >= before.get(("tracker_cache_misses_total", cache), 0)
        assert after[("tracker_cache_entries", cache)] > 0 and after[("tracker_cache_bytes", cache)] > 0
    app.extensions["tracker.engine"].dispose()
