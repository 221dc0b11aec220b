"""Storing paths: versions with optimistic locking, history, and restoring an old version."""

import pytest

from tests import factories
from tracker.services import path_queries, path_store
from tracker.services.errors import NotFound


def renamed(session, title: str):
    definition = path_queries.path_definition(session=session, path=factories.path(session, "api-designer"))
    return definition.model_copy(update={"title": title})


def test_a_save_from_a_stale_version_is_refused_and_writes_nothing(session):
    ada = factories.user(session, "ada")
    first = path_store.save_path(session=session, definition=renamed(session, "First"), base_version=1, author=ada)
    assert first.path.version == 2 and first.changes == ["Title changed from “API Designer” to “First”."]
    with pytest.raises(path_store.VersionConflict) as conflict:
        path_store.save_path(session=session, definition=renamed(session, "Second"), base_version=1, author=ada)
    assert conflict.value.current_version == 2 and conflict.value.authors == ["ada"]
    assert factories.path(session, "api-designer").title == "First"


def test_history_lists_versions_newest_first_and_restore_makes_a_new_version(session):
    ada = factories.user(session, "ada")
    path_store.save_path(session=session, definition=renamed(session, "First"), base_version=1, author=ada)
    path = factories.path(session, "api-designer")
    assert [e.version.version for e in path_store.history(session=session, path=path)] == [2, 1]
    result = path_store.restore_version(session=session, path=path, version=1, base_version=2, author=ada)
    assert result.path.version == 3 and result.path.title == "API Designer"
    assert result.changes[0] == "Restored version 1."
    with pytest.raises(NotFound):
        path_store.restore_version(session=session, path=path, version=99, base_version=3, author=ada)


def test_items_that_stay_keep_the_date_they_joined_the_path(session):
    ada = factories.user(session, "ada")
    before = {e.card.article.slug: e.item.added_at
              for e in path_queries.path_entries(session=session, path_ids=[factories.path(session, "api-designer").id])[
                  factories.path(session, "api-designer").id]}
    path_store.save_path(session=session, definition=renamed(session, "Renamed"), base_version=1, author=ada)
    path_id = factories.path(session, "api-designer").id
    after = {e.card.article.slug: e.item.added_at
             for e in path_queries.path_entries(session=session, path_ids=[path_id])[path_id]}
    assert after == before
