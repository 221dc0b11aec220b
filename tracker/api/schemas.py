"""How domain objects look in JSON."""

from __future__ import annotations

from tracker.models import LearningPath, Progress
from tracker.services.catalog import ArticleCard
from tracker.services.assignments import AssignmentView
from tracker.services.path_queries import PathDetail, PathSummary
from tracker.services.progress import Tally


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
        "optional_count": summary.optional_count,
        "estimated_minutes": summary.estimated_minutes,
        "status": path.status,
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


def iso(moment) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def progress_json(record: Progress, article_slug: str) -> dict:
    return {"article_slug": article_slug, "state": record.state, "updated_at": iso(record.updated_at)}


def my_path_json(path: LearningPath, t: Tally, *, following: bool) -> dict:
    return {
        "slug": path.slug,
        "title": path.title,
        "following": following,
        "done": t.done,
        "skipped": t.skipped,
        "total": t.total,
        "percent": t.percent,
        "minutes_left": t.minutes_left,
        "next_article_slug": t.next_entry.card.article.slug if t.next_entry and not t.complete else None,
    }


def assignment_json(row: AssignmentView) -> dict:
    return {
        "id": row.assignment.id,
        "learner": row.learner.username,
        "path": row.path.slug,
        "assigned_by": row.mentor.username if row.mentor else None,
        "note": row.assignment.note,
        "percent": row.tally.percent,
        "done": row.tally.done,
        "skipped": row.tally.skipped,
        "total": row.tally.total,
        "due_on": row.assignment.due_on.isoformat() if row.assignment.due_on else None,
        "status": row.status.value,
        "stale": row.stale,
        "forecast_on": row.forecast_on.isoformat() if row.forecast_on else None,
        "completed_at": iso(row.completed_at),
        "last_activity_at": iso(row.last_activity_at),
    }
