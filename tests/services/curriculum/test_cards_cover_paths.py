"""The curriculum's suggested recall cards cover the curated paths: every required article offers a learner at
least two cards to adopt, each asking its own question about an article of the catalog."""

from collections import Counter

from sqlmodel import col, select

from tests import factories
from tests.conftest import PATHS_DIR
from tracker.models import Article, LearningPath, PathItem, PathSection, SuggestionOrigin
from tracker.services.catalog.datafile import CATALOG_FILENAME, read_catalog_file
from tracker.services.curriculum.format import CatalogFacts, PathDefinition, read_path_files
from tracker.services.learning import suggestions as card_suggestions

CURATED = {"api-designer", "production-services", "real-time-streaming", "systems-performance"}
CARDS_PER_REQUIRED_ARTICLE = 2


def curriculum_files() -> tuple[set[str], list[PathDefinition], list[card_suggestions.CardEntry]]:
    """The catalog's slugs, the path definitions and the suggested cards, read as `load_curriculum` reads them."""
    catalog = read_catalog_file(PATHS_DIR / CATALOG_FILENAME).articles
    known = {entry.slug for entry in catalog}
    facts = {entry.slug: CatalogFacts(title=entry.title, link_only=entry.link_only) for entry in catalog}
    paths = read_path_files(PATHS_DIR, known_slugs=known, articles=facts)
    cards = card_suggestions.read_cards_file(PATHS_DIR / card_suggestions.CARDS_FILENAME, known_slugs=known)
    return known, paths, cards


def required_slugs(paths: list[PathDefinition]) -> set[str]:
    return {item.slug for path in paths for section in path.sections for item in section.items if not item.optional}


def test_every_required_article_of_the_four_curated_paths_has_at_least_two_cards():
    _known, paths, cards = curriculum_files()
    assert {path.slug for path in paths} == CURATED
    per_article = Counter(card.article for card in cards)
    short = {slug: per_article[slug] for slug in sorted(required_slugs(paths))
             if per_article[slug] < CARDS_PER_REQUIRED_ARTICLE}
    assert short == {}, f"required articles with fewer than {CARDS_PER_REQUIRED_ARTICLE} cards: {short}"


def test_every_card_names_a_catalog_article_and_asks_a_question_no_other_card_asks():
    known, _paths, cards = curriculum_files()
    assert {card.article for card in cards} <= known
    prompts = Counter(" ".join(card.prompt.split()).casefold() for card in cards)
    assert [prompt for prompt, times in prompts.items() if times > 1] == []
    assert [card.prompt for card in cards if card.answer.casefold() == card.prompt.casefold()] == []


def test_a_learner_is_offered_two_cards_on_every_required_article_once_the_curriculum_is_loaded(session):
    required = set(session.exec(
        select(Article.slug).join(PathItem, col(PathItem.article_id) == col(Article.id))
        .join(PathSection, col(PathSection.id) == col(PathItem.section_id))
        .join(LearningPath, col(LearningPath.id) == col(PathSection.path_id))
        .where(col(LearningPath.slug).in_(CURATED), col(PathItem.optional).is_(False))).all())
    assert required == required_slugs(curriculum_files()[1])
    lena = factories.user(session, "lena")
    offered = {slug: [suggestion for suggestion, _mentor in card_suggestions.suggestions_for(
        session=session, learner=lena, article=factories.article(session, slug))] for slug in sorted(required)}
    assert all(s.origin == SuggestionOrigin.curriculum for on_article in offered.values() for s in on_article)
    short = {slug: len(on_article) for slug, on_article in offered.items()
             if len(on_article) < CARDS_PER_REQUIRED_ARTICLE}
    assert short == {}
