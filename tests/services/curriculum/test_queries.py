"""Reading paths: counts and reading time agree between the list and the page; entries come in order."""

from tests import factories
from tracker.services.curriculum import queries as path_queries


def test_the_list_and_the_page_agree_on_counts_and_minutes(session):
    summaries = {s.path.slug: s for s in path_queries.list_paths(session=session)}
    for slug, summary in summaries.items():
        detail = path_queries.get_path(session=session, slug=slug)
        assert (detail.summary.article_count, detail.summary.reading, detail.summary.optional_count,
                detail.summary.optional_reading) == \
               (summary.article_count, summary.reading, summary.optional_count, summary.optional_reading)


def test_a_path_s_reading_time_counts_required_articles_and_says_how_much_is_estimated(session):
    detail = path_queries.get_path(session=session, slug="api-designer")
    required = [e.card.reading_time for view in detail.sections for e in view.entries if not e.item.optional]
    optional = [e.card.reading_time for view in detail.sections for e in view.entries if e.item.optional]
    assert detail.summary.reading.minutes == sum(t.minutes for t in required)
    assert detail.summary.reading.estimated_minutes == sum(t.minutes for t in required if t.estimated)
    assert detail.summary.optional_reading.minutes == sum(t.minutes for t in optional)
    assert 0 < detail.summary.reading.estimated_share < 1  # some listings give times, some do not


def test_entries_of_several_paths_come_in_section_and_item_order(session):
    ids = [factories.path(session, slug).id for slug in ("api-designer", "production-services")]
    entries = path_queries.path_entries(session=session, path_ids=ids)
    detail = path_queries.get_path(session=session, slug="api-designer")
    assert [e.card.article.slug for e in entries[ids[0]]] == \
           [e.card.article.slug for view in detail.sections for e in view.entries]
    assert all(e.card.source is not None for group in entries.values() for e in group)


def test_weeks_read_as_a_range_or_open_ended():
    from tracker.models import LearningPath

    assert path_queries.weeks_label(LearningPath(slug="p", title="P", weeks_min=8, weeks_max=12)) == "8–12 weeks"
    assert path_queries.weeks_label(LearningPath(slug="p", title="P", weeks_min=12)) == "12+ weeks"
