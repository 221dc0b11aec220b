"""How domain objects look in JSON."""

from __future__ import annotations

from tracker.services.catalog import ArticleCard
from tracker.services.paths import PathDetail, PathSummary


def article_json(card: ArticleCard) -> dict:
    article = card.article
    return {
        "slug": article.slug,
        "title": article.title,
        "summary": article.summary,
        "summary_truncated": article.summary_truncated,
        "source": {"slug": card.source.slug, "name": card.source.name},
        "topics": [topic.name for topic in card.topics],
        "series": article.series,
        "series_number": article.series_number,
        "reading_minutes": article.reading_minutes,
        "published_on": article.published_on.isoformat() if article.published_on else None,
        "url": article.url,
    }


def path_summary_json(summary: PathSummary) -> dict:
    path = summary.path
    return {
        "slug": path.slug,
        "title": path.title,
        "summary": path.summary,
        "outcome": path.outcome,
        "weeks_min": path.weeks_min,
        "weeks_max": path.weeks_max,
        "article_count": summary.article_count,
        "estimated_minutes": summary.estimated_minutes,
        "version": path.version,
    }


def path_detail_json(detail: PathDetail) -> dict:
    return path_summary_json(detail.summary) | {
        "sections": [
            {
                "title": view.section.title,
                "items": [{"article": article_json(entry.card), "optional": entry.item.optional}
                          for entry in view.entries],
            }
            for view in detail.sections
        ],
    }
