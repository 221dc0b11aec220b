"""Changing the stored catalog: editing an article, and importing a pasted listing with a preview."""

import pytest

from tests.conftest import seed_text
from tracker.services import catalog, catalog_store, listings
from tracker.services.catalog_file import CatalogError


def test_an_edited_article_keeps_its_slug_and_gets_its_topics(session):
    form = catalog_store.ArticleForm.from_data({"title": "HTTP, the protocol", "url": "https://example.org/http",
                                                "summary": "s", "topics": ["HTTP", "Networking"],
                                                "source": catalog.list_sources(session=session)[0].source.slug,
                                                "reading_minutes": "12"})
    article = catalog_store.save_article(session=session, slug="http-protocol", form=form)
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
        catalog_store.ArticleForm.from_data(data)


def test_importing_a_listing_again_is_previewed_as_unchanged(session):
    listing = listings.parse_listing(seed_text("002"), provenance="test")
    plan = catalog_store.plan_listing_import(session=session, listing=listing)
    assert plan.new_slugs == [] and plan.updated_slugs == []
    report = catalog_store.import_listing(session=session, plan=plan)
    assert report.created == 0 and report.unchanged == len(listing.articles)
