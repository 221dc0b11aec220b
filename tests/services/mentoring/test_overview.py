"""The mentor's overview: one row per mentee and assigned path, sorted and filtered; the weekly chart."""

from datetime import UTC, datetime, timedelta

from tests import factories
from tracker.models import ProgressState
from tracker.services.mentoring import assignments
from tracker.services.mentoring import overview as mentor_overview
from tracker.services.progress import marks as progress


def test_rows_sort_by_percent_and_filter_by_path(session):
    factories.mentor_of(session, "mona", "lena", "leo")
    mona = factories.user(session, "mona")
    today = datetime.now(UTC).date()
    for slug in ("api-designer", "production-services"):
        assignments.assign_path(session=session, mentor=mona, usernames=["lena", "leo"],
                                path=factories.path(session, slug), due_on=None, note="", today=today)
    progress.write_mark(session=session, user=factories.user(session, "leo"),
                          article=factories.article(session, "http-protocol"), state=ProgressState.done)
    now = datetime.now(UTC)
    matrix = mentor_overview.overview(session=session, mentor=mona, now=now,
                                      query=mentor_overview.OverviewQuery(sort="percent", path="api-designer"))
    assert [(r.learner.username, r.path.slug) for r in matrix.rows] == [("lena", "api-designer"),
                                                                        ("leo", "api-designer")]
    assert matrix.rows[1].tally.done == 1 and matrix.unassigned == []
    everything = mentor_overview.overview(session=session, mentor=mona, now=now)
    assert len(everything.rows) == 4


def test_the_weekly_chart_counts_articles_done_by_the_end_of_each_week(session):
    lena = factories.user(session, "lena")
    now = datetime.now(UTC)
    progress.write_mark(session=session, user=lena, article=factories.article(session, "http-protocol"),
                          state=ProgressState.done, at=now - timedelta(days=20))
    progress.write_mark(session=session, user=lena, article=factories.article(session, "restful-api-design"),
                          state=ProgressState.done, at=now - timedelta(days=2))
    series = mentor_overview.progress_series(session=session, learner=lena, now=now, weeks=4)
    assert [count for _, count in series] == [0, 1, 1, 2]
