"""What a process keeps of the curriculum: read once per state of it, and never shown after a change, however
the change was made (an object saved, a bulk statement, another process, a rolled-back transaction); bounded
by the bytes its rows take, the least recently used leaving first."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from tests import factories
from tests.queries import statements
from tracker.models import Article, ContentStamp, PathItem, PathSection
from tracker.services.curriculum import kept as content_cache
from tracker.services.curriculum import queries as path_queries
from tracker.services.curriculum import store as path_store


def titles_on(session, slug: str) -> list[str]:
    path = factories.path(session, slug)
    return [e.card.article.title for e in path_queries.path_entries(session=session, path_ids=[path.id])[path.id]]


def stamp_of(session) -> str:
    return session.exec(select(ContentStamp.stamp)).one()


def test_a_path_kept_is_read_with_one_query_and_its_rows_belong_to_no_session(app, client, session):
    session.exec(update(ContentStamp).values(stamp="a fresh state"))  # nothing kept for it yet
    session.commit()
    first = statements(app, lambda: client.get("/paths/api-designer"))
    second = statements(app, lambda: client.get("/paths/api-designer"))
    assert second <= first - 3  # sections, items and articles; sources; topics: read once
    assert statements(app, lambda: client.get("/paths/api-designer")) == second
    detail = path_queries.get_path(session=session, slug="api-designer")
    entry = detail.sections[0].entries[0]
    assert entry.card.article not in session and entry.item not in session and detail.sections[0].section not in session


def test_an_edited_article_shows_at_once_and_a_rolled_back_edit_never(session):
    before = stamp_of(session)
    titles_on(session, "api-designer")
    article = factories.article(session, "http-protocol")
    article.title = "HTTP, the protocol"
    session.add(article)
    session.rollback()
    assert stamp_of(session) == before and "HTTP, the protocol" not in titles_on(session, "api-designer")
    article = factories.article(session, "http-protocol")
    article.title = "HTTP, the protocol"
    session.add(article)
    session.commit()
    assert stamp_of(session) != before
    assert "HTTP, the protocol" in titles_on(session, "api-designer")


def test_a_bulk_statement_or_another_process_changes_what_is_shown(app, session):
    titles_on(session, "api-designer")
    session.exec(update(Article).where(Article.slug == "http-protocol").values(title="Bulk title"))
    session.commit()
    assert "Bulk title" in titles_on(session, "api-designer")
    with Session(app.extensions["tracker.engine"]) as other:  # another process's write, through its own session
        other.exec(update(Article).where(Article.slug == "http-protocol").values(title="Elsewhere"))
        other.commit()
    session.commit()  # a new transaction reads the stamp again
    assert "Elsewhere" in titles_on(session, "api-designer")


def test_a_saved_path_shows_its_new_sections_on_the_next_read(session):
    path = factories.path(session, "api-designer")
    titles_on(session, "api-designer")
    definition = path_queries.path_definition(session=session, path=path)
    definition.sections.reverse()
    path_store.save_path(session=session, definition=definition, base_version=path.version,
                         author=factories.user(session, "ada"))
    detail = path_queries.get_path(session=session, slug="api-designer")
    assert [view.section.title for view in detail.sections] == [s.title for s in definition.sections]


def test_without_a_stamp_nothing_is_kept(session):
    session.exec(delete(ContentStamp))  # a database whose migration wrote none
    session.commit()
    titles_on(session, "api-designer")
    session.exec(update(PathItem).where(PathItem.section_id.in_(select(PathSection.id))).values(optional=True))
    session.commit()
    path = factories.path(session, "api-designer")
    entries = path_queries.path_entries(session=session, path_ids=[path.id])[path.id]
    assert all(entry.item.optional for entry in entries)
    assert content_cache.current_stamp(session) == ""


def test_an_article_held_from_before_an_edit_is_never_kept_as_the_new_state(app):
    """A request holding an article (marking it) while an admin edits it must not keep the old article under
    the edit's stamp: what is kept is read from the rows, not from the request's objects."""
    engine = app.extensions["tracker.engine"]
    with Session(engine, expire_on_commit=False) as request, Session(engine) as admin:
        held = factories.article(request, "http-protocol")
        request.commit()  # the mark's commit: the article stays in the session, unexpired
        edited = factories.article(admin, "http-protocol")
        edited.title = "Edited meanwhile"
        admin.add(edited)
        admin.commit()
        assert held.title != "Edited meanwhile"
        assert "Edited meanwhile" in titles_on(request, "api-designer")
    with Session(engine) as later:
        assert "Edited meanwhile" in titles_on(later, "api-designer")


def test_an_uncommitted_edit_read_in_its_own_transaction_is_not_kept_for_others(app):
    engine = app.extensions["tracker.engine"]
    with Session(engine) as editing:
        article = factories.article(editing, "http-protocol")
        article.title = "Never committed"
        editing.add(article)
        assert "Never committed" in titles_on(editing, "api-designer")  # its own transaction sees it
        editing.rollback()
    with Session(engine) as other:
        assert "Never committed" not in titles_on(other, "api-designer")


def test_the_kept_catalog_follows_every_change_to_articles_and_topics(session):
    from tracker.models import ArticleTopic
    from tracker.services.catalog import articles as catalog

    query = catalog.ArticleQuery(q="protocol")
    before = catalog.search_articles(session=session, query=query).total
    topics = {row.topic.slug: row.article_count for row in catalog.list_topics(session=session)}
    article = factories.article(session, "routing")
    article.summary = "Now about the protocol too."
    session.add(article)
    session.commit()
    assert catalog.search_articles(session=session, query=query).total == before + 1
    assert catalog.require_card(session=session, slug="routing").article.summary == "Now about the protocol too."
    link = session.exec(select(ArticleTopic).where(ArticleTopic.article_id == article.id)).first()
    topic_slug = next(row.topic.slug for row in catalog.list_topics(session=session) if row.topic.id == link.topic_id)
    session.exec(delete(ArticleTopic).where(col(ArticleTopic.article_id) == article.id,
                                            col(ArticleTopic.topic_id) == link.topic_id))
    session.commit()
    counts = {row.topic.slug: row.article_count for row in catalog.list_topics(session=session)}
    assert counts.get(topic_slug, 0) == topics[topic_slug] - 1
    assert catalog.require_card(session=session, slug="routing").article not in session


def test_a_store_drops_the_least_recently_used_first_and_only_what_it_must():
    store = content_cache.Store("test", max_bytes=10, size_of=len)
    store.put("a", "aaaa")
    store.put("b", "bbbb")
    assert store.get("a") == "aaaa"  # now the most recently used
    store.put("c", "cccc")  # 12 bytes would not fit: b leaves, and only b
    assert (store.get("a"), store.get("b"), store.get("c")) == ("aaaa", None, "cccc")
    assert (len(store), store.size) == (2, 8)
    store.put("d", "d" * 11)  # larger than the whole store: not kept, and nothing leaves for it
    assert store.get("d") is None and len(store) == 2
    assert store.kept("e", lambda: "ee") == "ee" and store.kept("e", lambda: "not made again") == "ee"


@pytest.fixture
def curriculum_store():
    yield content_cache.store
    content_cache.configure(max_bytes=content_cache.MAX_BYTES)


def test_the_kept_curriculum_is_bounded_by_its_rows_bytes_and_keeps_the_most_recently_used(session,
                                                                                          curriculum_store):
    slugs = ["api-designer", "production-services", "real-time-streaming"]
    sizes = {}
    for slug in slugs:  # each path alone: its rows' estimate
        content_cache.configure(max_bytes=content_cache.MAX_BYTES)
        titles_on(session, slug)
        [(_, sizes[slug])] = curriculum_store().values()
        assert sizes[slug] >= 40 * content_cache.ROW_BYTES  # its sections, items, articles, sources, topics
    first, second, third = slugs
    content_cache.configure(max_bytes=sizes[first] + max(sizes[second], sizes[third]))
    for slug in (first, second, first, third):  # the first read again: the second is the least recently used
        titles_on(session, slug)
    kept = {sections[0].section.path_id for sections, _ in curriculum_store().values()}
    assert kept == {factories.path(session, slug).id for slug in (first, third)}
    assert curriculum_store().size <= curriculum_store().max_bytes
