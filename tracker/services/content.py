"""Loading the curriculum files (catalog and paths) into the database in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, select

from tracker.models import Article
from tracker.services import catalog, paths


@dataclass
class ContentReport:
    articles: catalog.LoadReport
    paths: paths.LoadReport


def load_content(*, session: Session, paths_dir: Path, update_existing: bool = False) -> ContentReport:
    """Load `catalog.yaml` and every path definition from `paths_dir`; all or nothing.

    Without update_existing only missing rows are added, so edits made in the app survive a restart.
    """
    document = catalog.read_catalog_file(paths_dir / catalog.CATALOG_FILENAME)
    try:
        article_report = catalog.load_catalog(session=session, document=document, update_existing=update_existing)
        known = set(session.exec(select(Article.slug)).all())
        definitions = paths.read_path_files(paths_dir, known_slugs=known)
        path_report = paths.load_paths(session=session, definitions=definitions, update_existing=update_existing)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return ContentReport(articles=article_report, paths=path_report)
