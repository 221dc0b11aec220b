"""Activity from the event log: recent changes and the heatmap."""

import itertools
from datetime import UTC, date, datetime, timedelta

from tests import factories
from tracker.models import ProgressState
from tracker.services.progress import activity
from tracker.services.progress import marks as progress


def test_recent_activity_shows_each_article_once_with_its_latest_state(session):
    lena = factories.user(session, "lena")
    article = factories.article(session, "http-protocol")
    start = datetime.now(UTC) - timedelta(hours=2)
    progress.write_mark(session=session, user=lena, article=article, state=ProgressState.in_progress, at=start)
    progress.write_mark(session=session, user=lena, article=article, state=ProgressState.done,
                          at=start + timedelta(hours=1))
    recent = activity.recent_activity(session=session, user=lena)
    assert [(e.article.slug, e.state) for e in recent] == [("http-protocol", ProgressState.done)]


def test_the_heatmap_counts_changes_per_day_but_not_resets(app, session):
    lena = factories.user(session, "lena")
    today = datetime.now(UTC).date()
    noon = datetime.combine(today, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
    for slug in ("http-protocol", "restful-api-design"):
        progress.write_mark(session=session, user=lena, article=factories.article(session, slug),
                              state=ProgressState.done, at=noon - timedelta(days=1))
    progress.write_mark(session=session, user=lena, article=factories.article(session, "http-protocol"),
                          state=ProgressState.not_started, at=noon)
    heatmap = activity.activity_heatmap(session=session, user=lena, today=today)
    assert heatmap.total == 2 and heatmap.active_days == 1
    assert "1 active day in 26 weeks" in _render(app, heatmap)


def _render(app, heatmap) -> str:
    from flask import render_template_string

    with app.test_request_context():
        return render_template_string('{% from "partials/_heatmap.html" import heatmap_figure %}'
                                      '{{ heatmap_figure(heatmap) }}', heatmap=heatmap)


def test_the_heatmap_labels_each_month_once_above_its_first_week(session):
    lena = factories.user(session, "lena")
    heatmap = activity.activity_heatmap(session=session, user=lena, today=date(2026, 11, 25))
    months = [name for _, name in heatmap.months]
    assert months == ["Jun", "Jul", "Aug", "Sep", "Oct", "Nov"]
    assert all(b - a >= 3 for (a, _), (b, _) in itertools.pairwise(heatmap.months))
