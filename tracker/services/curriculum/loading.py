"""Loading the curriculum files (catalog and paths) into the database in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, select

from tracker.models import Article
from tracker.services.catalog import datafile as catalog_file
from tracker.services.catalog import store as catalog_store
from tracker.services.curriculum import format as path_format
from tracker.services.curriculum import store as path_store
from tracker.services.learning import suggestions as card_suggestions


@dataclass
class CurriculumReport:
    articles: catalog_store.LoadReport
    paths: path_store.LoadReport
    cards_added: int = 0


def load_curriculum(*, session: Session, paths_dir: Path, update_existing: bool = False) -> CurriculumReport:
    """Load `catalog.yaml`, every path definition and the suggested cards (`cards.yaml`) from `paths_dir`;
    all or nothing.

    Without update_existing only missing rows are added, so edits made in the app survive a restart.
    """
    catalog_path = paths_dir / catalog_file.CATALOG_FILENAME
    document = catalog_file.read_catalog_file(catalog_path)
    if not document.articles and not session.exec(select(Article.id)).first():
        raise catalog_file.CatalogError(f"{catalog_path}: no catalog to start from (the file is missing or empty); "
                                        "set TRACKER_PATHS_DIR to a folder with catalog.yaml and the path files")
    try:
        article_report = catalog_store.load_catalog(session=session, document=document, update_existing=update_existing)
        facts = path_store.catalog_facts(session=session)
        definitions = path_format.read_path_files(paths_dir, known_slugs=set(facts), articles=facts)
        path_report = path_store.load_paths(session=session, definitions=definitions, update_existing=update_existing)
        cards = card_suggestions.read_cards_file(paths_dir / card_suggestions.CARDS_FILENAME, known_slugs=set(facts))
        cards_added = card_suggestions.load_curriculum_cards(session=session, entries=cards)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return CurriculumReport(articles=article_report, paths=path_report, cards_added=cards_added)
