"""Folded sections of a path page: remembered per learner and per path, by a key that outlives a save."""

import pytest

from tests import factories
from tracker.services.curriculum import queries, store
from tracker.services.errors import NotFound
from tracker.services.progress import folds


def sections(session, slug):
    return queries.visible_path(session=session, viewer=None, slug=slug).sections


def fold(session, username, slug, number, folded=True):
    path = factories.path(session, slug)
    section = folds.numbered_section(queries.visible_path(session=session, viewer=None, slug=slug), number).section
    return folds.set_folded(session=session, user=factories.user(session, username), path=path, section=section,
                            folded=folded)


def folded_numbers(session, username, slug):
    ids = folds.folded_sections(session=session, user=factories.user(session, username),
                                path=factories.path(session, slug))
    return [number for number, view in enumerate(sections(session, slug), 1) if view.section.id in ids]


def test_a_fold_is_remembered_for_the_learner_and_the_path_only(session):
    fold(session, "lena", "api-designer", 2)
    fold(session, "lena", "api-designer", 4)
    fold(session, "lena", "production-services", 1)
    assert folded_numbers(session, "lena", "api-designer") == [2, 4]
    assert folded_numbers(session, "lena", "production-services") == [1]
    assert folded_numbers(session, "leo", "api-designer") == []  # another learner sees every section open


def test_folding_twice_is_once_and_opening_forgets_it(session):
    fold(session, "lena", "api-designer", 2)
    fold(session, "lena", "api-designer", 2)
    assert folded_numbers(session, "lena", "api-designer") == [2]
    fold(session, "lena", "api-designer", 2, folded=False)
    fold(session, "lena", "api-designer", 2, folded=False)  # opening an open section changes nothing
    assert folded_numbers(session, "lena", "api-designer") == []


def test_a_visitor_has_no_folds(session):
    assert folds.folded_sections(session=session, user=None, path=factories.path(session, "api-designer")) == set()


def test_a_fold_outlives_a_save_of_the_path_that_moves_its_section(session):
    """Saving writes the section rows anew: the fold follows the title, wherever the section goes."""
    fold(session, "lena", "api-designer", 2)
    path = factories.path(session, "api-designer")
    definition = queries.path_definition(session=session, path=path)
    definition.sections.reverse()
    store.save_path(session=session, definition=definition, base_version=path.version,
                    author=factories.user(session, "ada"))
    session.expire_all()
    assert folded_numbers(session, "lena", "api-designer") == [3]  # the same section, now third of four


def test_a_section_number_the_path_has_not_is_not_found(session):
    detail = queries.visible_path(session=session, viewer=None, slug="api-designer")
    for number in (0, 5, -1):
        with pytest.raises(NotFound):
            folds.numbered_section(detail, number)
