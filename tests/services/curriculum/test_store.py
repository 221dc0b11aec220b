"""Storing paths: versions with optimistic locking, history, and restoring an old version."""

from datetime import date

import pytest

from tests import factories
from tracker.models import PathStatus
from tracker.services import access
from tracker.services.curriculum import queries as path_queries
from tracker.services.curriculum import store as path_store
from tracker.services.errors import NotFound
from tracker.services.mentoring.assignments import assign_path
from tracker.services.progress import follows


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
    api_designer = factories.path(session, "api-designer").id
    before = {e.card.article.slug: e.item.added_at
              for e in path_queries.path_entries(session=session, path_ids=[api_designer])[api_designer]}
    path_store.save_path(session=session, definition=renamed(session, "Renamed"), base_version=1, author=ada)
    path_id = factories.path(session, "api-designer").id
    after = {e.card.article.slug: e.item.added_at
             for e in path_queries.path_entries(session=session, path_ids=[path_id])[path_id]}
    assert after == before


def test_text_changes_carry_their_before_and_after(session):
    ada = factories.user(session, "ada")
    definition = renamed(session, "API Designer").model_copy(update={"outcome": "Ship APIs\nothers can trust."})
    result = path_store.save_path(session=session, definition=definition, base_version=1, author=ada)
    assert result.changes == ["Outcome changed from “Design robust APIs suitable for public or internal use.” "
                              "to “Ship APIs others can trust.”."]  # one line, whatever the text's line breaks


def test_a_long_text_change_is_shortened_around_what_changed(session):
    ada = factories.user(session, "ada")
    old = renamed(session, "API Designer").summary
    new = old.replace("external customers", "partners")
    result = path_store.save_path(session=session, definition=renamed(session, "API Designer")
                                  .model_copy(update={"summary": new}), base_version=1, author=ada)
    [line] = result.changes
    before, after = line.removeprefix("Summary changed from “").removesuffix("”.").split("” to “")
    assert before.startswith("…") and before.endswith("external customers.")
    assert after.startswith("…") and after.endswith("partners.")
    assert len(before) <= 122 and len(after) <= 122  # at most 120 characters and the ellipses


def test_a_saved_version_is_read_whole_with_the_one_before_it(session):
    ada = factories.user(session, "ada")
    path_store.save_path(session=session, definition=renamed(session, "First"), base_version=1, author=ada)
    path = factories.path(session, "api-designer")
    saved = path_store.saved_version(session=session, path=path, version=2)
    assert saved.record.version == 2 and saved.author.username == "ada"
    assert (saved.definition.title, saved.previous.title) == ("First", "API Designer")
    assert saved.definition.sections[0].title == "Design stable REST APIs and OpenAPI specs"
    assert saved.titles["http-protocol"] == "HTTP Protocol"
    first = path_store.saved_version(session=session, path=path, version=1)
    assert first.previous is None and first.author is None
    with pytest.raises(NotFound):
        path_store.saved_version(session=session, path=path, version=3)


def test_restoring_a_draft_version_of_a_published_path_keeps_it_published(session):
    ada = factories.user(session, "ada")
    lena = factories.user(session, "lena")
    follows.follow_path(session=session, user=lena, path=factories.path(session, "api-designer"))
    draft = renamed(session, "Being reworked").model_copy(update={"status": PathStatus.draft})
    path_store.save_path(session=session, definition=draft, base_version=1, author=ada)  # v2, a draft
    published = renamed(session, "API Designer").model_copy(update={"status": PathStatus.published})
    path_store.save_path(session=session, definition=published, base_version=2, author=ada)  # v3, published again
    result = path_store.restore_version(session=session, path=factories.path(session, "api-designer"), version=2,
                                        base_version=3, author=ada)
    assert (result.path.version, result.path.title, result.path.status) == (4, "Being reworked",
                                                                           PathStatus.published)
    assert not any("Status" in line for line in result.changes)
    assert access.can_see_path(lena, result.path)


def test_a_status_change_keeps_the_content_and_says_who_is_on_the_path(session):
    ada = factories.user(session, "ada")
    path = factories.path(session, "api-designer")
    assert path_store.path_audience(session=session, path=path).sentence == ("No learner follows it or has it "
                                                                             "assigned.")
    for learner in factories.add_learners(session, "reader", 12):
        follows.follow_path(session=session, user=learner, path=path)
    factories.mentor_of(session, "mona", "lena", "leo", "reader000")
    assign_path(session=session, mentor=factories.user(session, "mona"), usernames=["lena", "leo", "reader000"],
                path=path, today=date(2030, 1, 1))
    audience = path_store.path_audience(session=session, path=path)
    assert audience.sentence == "12 learners follow it; 3 have it assigned."
    before = path_queries.path_definition(session=session, path=path)
    result = path_store.change_status(session=session, path=path, status=PathStatus.draft, base_version=1,
                                      author=ada)
    assert result.path.status == PathStatus.draft and result.changes == ["Status changed from “published” to "
                                                                          "“draft”."]
    assert path_queries.path_definition(session=session, path=result.path) == before.model_copy(
        update={"status": PathStatus.draft})
    with pytest.raises(path_store.VersionConflict):  # a confirmation read at version 1 is stale now
        path_store.change_status(session=session, path=path, status=PathStatus.archived, base_version=1,
                                 author=ada)
