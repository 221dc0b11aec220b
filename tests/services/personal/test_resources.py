"""The rules of a learner's own resources: what a resource may hold, who sees it, and what the catalog leaves out."""

from __future__ import annotations

import pytest

from tests import factories
from tracker.models import Article
from tracker.services import access
from tracker.services.catalog import articles as catalog
from tracker.services.errors import NotFound
from tracker.services.personal import resources as personal


def _add(session, owner="lena", **fields):
    values = {"title": "Own link", "url": "https://example.org/own", "minutes": 10} | fields
    return personal.add_resource(session=session, owner=factories.user(session, owner), **values)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,x", "file:///etc",
                                 "mailto:a@example.org", "example.org", "https://", "http://exa mple.org",
                                 "https://example.org/\nnext"])
def test_only_web_addresses_with_a_site_are_accepted(url):
    with pytest.raises(personal.ResourceError) as refusal:
        personal.checked_url(url)
    assert refusal.value.field == "url"


def test_fields_are_tidied_and_held_to_their_limits():
    fields = personal.checked_fields(title="  Two   words ", url=" https://example.org/a ", minutes="15")
    assert fields == personal.ResourceFields(title="Two words", url="https://example.org/a", minutes=15)
    assert personal.checked_minutes("") is None and personal.checked_minutes(600) == 600
    for bad in ("0", "601", "1.5", "-3"):
        with pytest.raises(personal.ResourceError, match="Minutes"):
            personal.checked_minutes(bad)
    with pytest.raises(personal.ResourceError, match="at most 200"):
        personal.checked_title("x" * 201)
    assert personal.checked_title("x" * 200) == "x" * 200


def test_who_sees_and_who_changes_a_resource(session):
    factories.mentor_of(session, "mona", "lena")
    resource = _add(session)
    lena, leo, mona, ada = (factories.user(session, n) for n in ("lena", "leo", "mona", "ada"))
    assert access.can_see_resource(session=session, viewer=lena, resource=resource)
    others = (None, leo, mona, ada)
    assert not any(access.can_see_resource(session=session, viewer=v, resource=resource) for v in others)
    resource.shared_with_mentors = True
    assert access.can_see_resource(session=session, viewer=mona, resource=resource)
    assert not any(access.can_see_resource(session=session, viewer=v, resource=resource) for v in (None, leo, ada))
    assert access.can_edit_resource(lena, resource)
    assert not any(access.can_edit_resource(v, resource) for v in (None, leo, mona, ada))


def test_beside_articles_gives_the_owner_every_row_and_a_mentor_the_shared_ones(session):
    factories.mentor_of(session, "mona", "lena")
    rest, http = factories.article(session, "restful-api-design"), factories.article(session, "http-protocol")
    private = _add(session, title="Private", beside=rest.slug)
    shared = _add(session, title="Shared", beside=rest.slug, shared_with_mentors=True)
    _add(session, title="Nowhere")
    lena, mona, leo = (factories.user(session, n) for n in ("lena", "mona", "leo"))
    mine = personal.beside_articles(session=session, viewer=lena, owner=lena, article_ids=[rest.id, http.id])
    assert {k: [r.title for r in v] for k, v in mine.items()} == {rest.id: ["Private", "Shared"], http.id: []}
    theirs = personal.beside_articles(session=session, viewer=mona, owner=lena, article_ids=[rest.id, http.id])
    assert {k: [r.id for r in v] for k, v in theirs.items()} == {rest.id: [shared.id]}
    assert personal.beside_articles(session=session, viewer=leo, owner=lena, article_ids=[rest.id]) == {}
    assert personal.beside_articles(session=session, viewer=None, owner=lena, article_ids=[rest.id]) == {}
    assert private.id not in {r.id for rows in theirs.values() for r in rows}


def test_the_catalog_neither_lists_counts_nor_finds_a_resource(session):
    before = catalog.search_articles(session=session, query=catalog.ArticleQuery(per_page=100)).total
    resource = _add(session, title="Qwertyuiop own link")
    found = catalog.search_articles(session=session, query=catalog.ArticleQuery(q="qwertyuiop"))
    assert found.total == 0
    assert catalog.search_articles(session=session, query=catalog.ArticleQuery(per_page=100)).total == before
    assert personal.PERSONAL_SOURCE not in {row.source.slug for row in catalog.list_sources(session=session)}
    assert catalog.get_article(session=session, slug=resource.slug) is None
    with pytest.raises(NotFound):
        catalog.require_card(session=session, slug=resource.slug, owner=factories.user(session, "leo"))
    own = catalog.require_card(session=session, slug=resource.slug, owner=factories.user(session, "lena"))
    assert own.article.id == resource.id


def test_deleting_the_owner_deletes_their_resources(session):
    from tracker.services.records import deletion

    resource_id = _add(session, owner="leo").id
    deletion.delete_user(session=session, admin=factories.user(session, "ada"), user=factories.user(session, "leo"))
    session.expire_all()
    assert session.get(Article, resource_id) is None


def test_no_curated_path_can_name_a_learners_resource_even_by_its_slug(session):
    """An admin who learned a resource's slug still cannot put it in a curated path: to a new definition it is an
    unknown article, as in any path file, upload or editor save."""
    from tracker.services.curriculum import queries as path_queries
    from tracker.services.curriculum import store as path_store
    from tracker.services.curriculum.format import PathDefinitionError

    resource = _add(session)
    session.commit()
    path = path_queries.require_learning_path(session=session, slug="api-designer")
    data = path_queries.path_definition(session=session, path=path).model_dump(mode="python")
    data["sections"][0]["items"].append({"slug": resource.slug, "optional": True})
    with pytest.raises(PathDefinitionError, match=f"unknown article '{resource.slug}'"):
        path_store.validate_definition(session=session, data=data, source="api-designer")
