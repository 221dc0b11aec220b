"""Suggested recall cards: written once (in the curriculum files, or by a mentor for a path they assigned),
offered on the article's page, and adopted by a learner as a card of their own with one click.

A curriculum card is offered to everyone; a mentor's card only to that mentor's mentees who have the path
assigned by them. An adopted card is the learner's own copy (its schedule is theirs); it remembers the
suggestion so the same one is never adopted twice.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy import BindParameter, ColumnElement, bindparam, exists
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select, SelectOfScalar

from tracker.models import (
    Article,
    Assignment,
    LearningPath,
    RecallCard,
    SuggestedCard,
    SuggestionOrigin,
    User,
)
from tracker.services.curriculum.queries import path_entries
from tracker.services.errors import Invalid, NotAllowed, NotFound
from tracker.services.learning.recall import card_text

CARDS_FILENAME = "cards.yaml"


class CardsFileError(ValueError):
    """The curriculum's cards file is malformed; the message names the file and the card."""


@dataclass(frozen=True)
class CardEntry:
    article: str
    prompt: str
    answer: str


def read_cards_file(path: Path, *, known_slugs: set[str]) -> list[CardEntry]:
    """The suggested cards of `path` (none if the file is missing), every one checked; CardsFileError otherwise."""
    if not path.exists():
        return []
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except UnicodeDecodeError:
        raise CardsFileError(f"{path.name}: not UTF-8 text") from None
    except yaml.YAMLError as exc:
        raise CardsFileError(f"{path.name}: not valid YAML ({exc.__class__.__name__})") from None
    raw = document.get("cards") if isinstance(document, dict) else None
    if not isinstance(raw, list):
        raise CardsFileError(f"{path.name}: expected a list under 'cards'")
    entries, seen = [], set()
    for number, item in enumerate(raw, start=1):
        where = f"{path.name}: card {number}"
        if not isinstance(item, dict) or set(item) != {"article", "prompt", "answer"}:
            raise CardsFileError(f"{where}: expected exactly article, prompt and answer")
        if item["article"] not in known_slugs:
            raise CardsFileError(f"{where}: no article '{item['article']}' in the catalog")
        try:
            entry = CardEntry(article=item["article"], prompt=card_text("prompt", str(item["prompt"])),
                              answer=card_text("answer", str(item["answer"])))
        except Invalid as exc:
            raise CardsFileError(f"{where}: {exc}") from None
        if (entry.article, entry.prompt) in seen:
            raise CardsFileError(f"{where}: the same prompt is already given for '{entry.article}'")
        seen.add((entry.article, entry.prompt))
        entries.append(entry)
    return entries


def load_curriculum_cards(*, session: Session, entries: list[CardEntry]) -> int:
    """Make the curriculum's suggestions match `entries`: new ones added, changed answers updated (by article
    and prompt), dropped ones removed (cards already adopted stay with their learners). The caller commits;
    returns how many were added."""
    slugs = dict(session.exec(select(Article.slug, Article.id).where(col(Article.owner_id).is_(None))).all())
    current = {(s.article_id, s.prompt): s for s in session.exec(
        select(SuggestedCard).where(SuggestedCard.origin == SuggestionOrigin.curriculum))}
    added = 0
    wanted = set()
    for entry in entries:
        key = (slugs[entry.article], entry.prompt)
        wanted.add(key)
        if key in current:
            if current[key].answer != entry.answer:
                current[key].answer = entry.answer
                session.add(current[key])
        else:
            session.add(SuggestedCard(article_id=key[0], prompt=entry.prompt, answer=entry.answer,
                                      origin=SuggestionOrigin.curriculum))
            added += 1
    for key, suggestion in current.items():
        if key not in wanted:
            session.delete(suggestion)
    session.flush()
    return added


def _assigned_by(mentor: User, learner: User | None = None) -> SelectOfScalar[Assignment]:
    """Assignments of a path by `mentor` (to `learner`) that still stand."""
    query = select(Assignment).where(Assignment.mentor_id == mentor.id, col(Assignment.withdrawn_at).is_(None))
    return query.where(Assignment.learner_id == learner.id) if learner is not None else query


def suggest(*, session: Session, mentor: User, path: LearningPath, article_slug: str, prompt: str,
            answer: str) -> SuggestedCard:
    """A mentor's suggested card on an article of a path they assigned; offered to each mentee who has that
    path from them. Commits."""
    if session.exec(_assigned_by(mentor).where(Assignment.path_id == path.id).limit(1)).first() is None:
        raise NotAllowed(f"You can suggest cards for paths you assigned; you have not assigned “{path.title}”.")
    article = next((entry.card.article for entry in path_entries(session=session, path_ids={path.id})[path.id]
                    if entry.card.article.slug == article_slug), None)
    if article is None:
        raise Invalid(f"Article: '{article_slug[:80]}' is not in “{path.title}”.")
    suggestion = SuggestedCard(article_id=article.id, prompt=card_text("Prompt", prompt),
                               answer=card_text("Answer", answer), origin=SuggestionOrigin.mentor,
                               mentor_id=mentor.id, path_id=path.id)
    session.add(suggestion)
    session.commit()
    session.refresh(suggestion)
    return suggestion


def _offered_to(learner_id: int | BindParameter[int]) -> ColumnElement[bool]:
    """The condition for a suggestion to be offered to the learner `learner_id` (and not adopted yet)."""
    from_mentor = exists().where(col(Assignment.mentor_id) == SuggestedCard.mentor_id,
                                 col(Assignment.path_id) == SuggestedCard.path_id,
                                 col(Assignment.learner_id) == learner_id, col(Assignment.withdrawn_at).is_(None))
    adopted = exists().where(col(RecallCard.user_id) == learner_id,
                             col(RecallCard.suggested_card_id) == SuggestedCard.id)
    return ((col(SuggestedCard.origin) == SuggestionOrigin.curriculum) | from_mentor) & ~adopted


def suggestions_for(*, session: Session, learner: User, article: Article) -> list[tuple[SuggestedCard, User | None]]:
    """The suggestions on an article offered to the learner and not yet adopted, with the suggesting mentor."""
    return list(session.exec(_offered_on_article(), params={"learner_id": learner.id, "article_id": article.id}).all())


@functools.cache  # built once: building a statement costs more than running it
def _offered_on_article() -> Select[SuggestedCard, User | None]:
    return (select(SuggestedCard, User).outerjoin(User, col(User.id) == SuggestedCard.mentor_id)
            .where(SuggestedCard.article_id == bindparam("article_id"), _offered_to(bindparam("learner_id")))
            .order_by(col(SuggestedCard.origin), col(SuggestedCard.id)))


def mentor_suggestions(*, session: Session, mentor: User, path: LearningPath) -> list[tuple[SuggestedCard, Article]]:
    """The cards a mentor suggested for a path, newest first."""
    return list(session.exec(select(SuggestedCard, Article).join(Article, col(Article.id) == SuggestedCard.article_id)
                             .where(SuggestedCard.mentor_id == mentor.id, SuggestedCard.path_id == path.id)
                             .order_by(col(SuggestedCard.id).desc())).all())


def adopt(*, session: Session, learner: User, suggestion_id: int) -> RecallCard:
    """The learner's own card from a suggestion offered to them, due now; adopting twice gives the same card.
    NotFound for a suggestion they are not offered. Commits."""
    suggestion = session.exec(select(SuggestedCard).where(SuggestedCard.id == suggestion_id)).one_or_none()
    if suggestion is not None:
        mine = session.exec(select(RecallCard).where(RecallCard.user_id == learner.id,
                                                     RecallCard.suggested_card_id == suggestion.id)).one_or_none()
        if mine is not None:
            return mine
    if suggestion is None or session.exec(select(SuggestedCard.id).where(
            SuggestedCard.id == suggestion_id, _offered_to(learner.id))).first() is None:
        raise NotFound("There is no such suggested card.")
    card = RecallCard(user_id=learner.id, article_id=suggestion.article_id, prompt=suggestion.prompt,
                      answer=suggestion.answer, suggested_card_id=suggestion.id)
    session.add(card)
    try:
        session.commit()
    except IntegrityError:  # adopted twice at once: the first one stands
        session.rollback()
        return session.exec(select(RecallCard).where(RecallCard.user_id == learner.id,
                                                     RecallCard.suggested_card_id == suggestion.id)).one()
    session.refresh(card)
    return card


def withdraw_suggestion(*, session: Session, mentor: User, suggestion_id: int) -> str:
    """A mentor takes back a suggestion of theirs (cards already adopted stay); the slug of its path. Commits."""
    suggestion = session.get(SuggestedCard, suggestion_id)
    if suggestion is None or suggestion.mentor_id != mentor.id or suggestion.path_id is None:
        raise NotFound("There is no such suggested card.")
    slug = session.get_one(LearningPath, suggestion.path_id).slug
    session.delete(suggestion)
    session.commit()
    return slug

