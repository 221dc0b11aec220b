"""Changing the stored catalog: editing an article, and importing a pasted listing with a preview."""

import pytest
from sqlmodel import select

from tests.conftest import seed_text
from tracker.models import Article
from tracker.services.catalog import articles as catalog
from tracker.services.catalog import editing as article_editing
from tracker.services.catalog import layouts
from tracker.services.catalog import store as catalog_store
from tracker.services.catalog.datafile import CatalogError


def test_an_edited_article_keeps_its_slug_and_gets_its_topics(session):
    form = article_editing.ArticleForm.from_data({"title": "HTTP, the protocol", "url": "https://example.org/http",
                                                "summary": "s", "topics": ["HTTP", "Networking"],
                                                "source": catalog.list_sources(session=session)[0].source.slug,
                                                "reading_minutes": "12"})
    article = article_editing.save_article(session=session, slug="http-protocol", form=form)
    card = catalog.article_cards(session=session, articles=[article])[0]
    assert article.slug == "http-protocol" and article.reading_minutes == 12
    assert [t.name for t in card.topics] == ["HTTP", "Networking"]


@pytest.mark.parametrize(("field", "value", "message"), [
    ("url", "ftp://x", "Url: must start with http:// or https://"),
    ("reading_minutes", "601", "Reading minutes:"),
    ("title", "", "Title:"),
])
def test_bad_article_fields_are_refused_naming_the_field(field, value, message):
    data = {"title": "T", "source": "s", field: value}
    with pytest.raises(CatalogError, match=message):
        article_editing.ArticleForm.from_data(data)


def test_importing_a_listing_again_is_previewed_as_unchanged(session):
    listing = layouts.parse_listing(seed_text("002"), provenance="test")
    plan = catalog_store.plan_listing_import(session=session, listing=listing)
    assert plan.new_slugs == [] and plan.updated_slugs == []
    report = catalog_store.import_listing(session=session, plan=plan)
    assert report.created == 0 and report.unchanged == len(listing.articles)


def article_form(title: str, source: str = "architecture-notes") -> article_editing.ArticleForm:
    return article_editing.ArticleForm.from_data({"title": title, "source": source, "summary": "Mine."})


def test_articles_with_the_same_title_are_found_ignoring_case_and_spacing(session):
    found = article_editing.articles_titled(session=session, title="  restful   API design ")
    assert [(c.article.slug, c.source.slug) for c in found] == [
        ("restful-api-design", "backend-devops-series"),
        ("restful-api-design-backend-development-hub", "backend-development-hub")]
    one = catalog.require_article(session=session, slug="restful-api-design")
    assert [c.article.slug for c in article_editing.articles_titled(session=session, title="RESTful API Design",
                                                                  excluding=one)] == [
        "restful-api-design-backend-development-hub"]
    assert article_editing.articles_titled(session=session, title="RESTful API") == []


def test_a_new_article_with_a_known_title_is_refused_until_confirmed(session):
    before = len(session.exec(select(Article)).all())
    with pytest.raises(article_editing.DuplicateTitle) as refused:
        article_editing.save_article(session=session, slug=None, form=article_form(" caching "))
    assert [c.article.slug for c in refused.value.matches] == ["caching"]
    assert "“Caching” from Backend & DevOps Series (caching)" in str(refused.value)
    with pytest.raises(article_editing.DuplicateTitle):  # a confirmation given for another title does not count
        article_editing.save_article(session=session, slug=None, form=article_form("Caching"),
                                     confirmed_title="Routing")
    assert len(session.exec(select(Article)).all()) == before
    article = article_editing.save_article(session=session, slug=None, form=article_form("Caching"),
                                         confirmed_title="caching")
    assert article.slug != "caching" and article.title == "Caching"
    assert len(session.exec(select(Article)).all()) == before + 1


def test_renaming_an_article_to_a_known_title_is_refused_but_keeping_a_shared_title_is_not(session):
    with pytest.raises(article_editing.DuplicateTitle):
        article_editing.save_article(session=session, slug="http-protocol", form=article_form("CACHING"))
    assert catalog.require_article(session=session, slug="http-protocol").title == "HTTP Protocol"
    # Already sharing its title with another source's article: editing its other fields asks nothing.
    kept = article_editing.save_article(session=session, slug="restful-api-design",
                                      form=article_form("RESTful API Design", "backend-devops-series"))
    assert kept.summary == "Mine."
