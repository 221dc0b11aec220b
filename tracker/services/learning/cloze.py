"""Cloze cards: a text with Anki's deletions, `{{c1::answer}}` or `{{c1::answer::hint}}`.

One text makes one card per distinct deletion number, all made together (as Anki makes one card per number of
a cloze note): the card for c2 blanks every `{{c2::…}}` (showing `[...]`, or `[hint]`) and shows the other
deletions filled in; its back shows the text whole with its own deletions marked. The text is kept as it was
written (in the card's prompt) so that it is exported to Anki unchanged; the optional extra shown on the back
is kept in the card's answer.

Faces are returned as pieces of plain text with a role; templates escape each piece like any other text, so
nothing in a cloze text ever becomes markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from sqlmodel import Session

from tracker.models import Article, CardKind, RecallCard, User
from tracker.services.errors import Invalid

# Anki's own pattern: the number, the answer (shortest match), an optional hint after a second "::".
DELETION = re.compile(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", re.DOTALL)
STARTS_CLOZE = re.compile(r"\{\{c\d+::")
DELETIONS_MAX = 20  # distinct numbers in one text: one card each
EXTRA_MAX = 500

Role = Literal["text", "blank", "answer"]


@dataclass(frozen=True)
class Piece:
    text: str
    role: Role  # "blank": the deletion asked (front); "answer": it filled in (back); "text": anything else


def is_cloze(text: str) -> bool:
    """Whether a text is written with cloze deletions (how an import tells a cloze note from a basic one)."""
    return STARTS_CLOZE.search(text or "") is not None


def numbers(text: str) -> list[int]:
    """The distinct deletion numbers of a text, in order: [1, 2] for "{{c2::b}} {{c1::a}} {{c1::c}}"."""
    return sorted({int(match.group(1)) for match in DELETION.finditer(text)})


def check_text(text: str | None, *, limit: int) -> str:
    """A cloze text as it is kept: stripped, 1..`limit` characters, with 1..DELETIONS_MAX numbered, non-empty
    deletions; Invalid (with a message fit to show) otherwise."""
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise Invalid(f"Text: write a sentence with a deletion like {{{{c1::answer}}}} (1 to {limit} characters).")
    if len(text) > limit:
        raise Invalid(f"Text: {len(text)} characters; the limit is {limit}. Nothing was saved.")
    found = list(DELETION.finditer(text))
    if not found:
        raise Invalid("Text: a cloze card needs at least one deletion written like {{c1::answer}} "
                      "(or {{c1::answer::hint}}). Nothing was saved.")
    for match in found:
        if int(match.group(1)) < 1:
            raise Invalid(f"Text: deletions are numbered from c1; “{match.group(0)[:40]}” is not. Nothing was saved.")
        if not match.group(2).strip():
            raise Invalid(f"Text: the deletion “{match.group(0)[:40]}” hides nothing; write the answer after "
                          "the “::”. Nothing was saved.")
    if len(numbers(text)) > DELETIONS_MAX:
        raise Invalid(f"Text: {len(numbers(text))} deletion numbers make as many cards; the limit is "
                      f"{DELETIONS_MAX}. Nothing was saved.")
    return text


def check_extra(extra: str | None) -> str:
    """The optional extra a cloze card shows on its back: stripped, at most EXTRA_MAX characters."""
    extra = (extra or "").replace("\r\n", "\n").strip()
    if len(extra) > EXTRA_MAX:
        raise Invalid(f"Extra: {len(extra)} characters; the limit is {EXTRA_MAX}. Nothing was saved.")
    return extra


def _pieces(text: str, number: int, *, revealed: bool) -> list[Piece]:
    pieces: list[Piece] = []
    at = 0
    for match in DELETION.finditer(text):
        if match.start() > at:
            pieces.append(Piece(text[at:match.start()], "text"))
        answer, hint = match.group(2), match.group(3)
        if int(match.group(1)) != number:
            pieces.append(Piece(answer, "text"))
        elif revealed:
            pieces.append(Piece(answer, "answer"))
        else:
            pieces.append(Piece(f"[{hint.strip() if hint and hint.strip() else '...'}]", "blank"))
        at = match.end()
    if at < len(text):
        pieces.append(Piece(text[at:], "text"))
    return pieces


def front(card: RecallCard) -> list[Piece]:
    """What a card asks: its prompt, or its cloze text with its own deletion blanked."""
    if card.kind != CardKind.cloze:
        return [Piece(card.prompt, "text")]
    return _pieces(card.prompt, card.cloze_number or 0, revealed=False)


def back(card: RecallCard) -> list[Piece]:
    """What a card answers: its answer, or its cloze text filled in with its own deletion marked (the extra, if
    any, is the card's answer and shown apart)."""
    if card.kind != CardKind.cloze:
        return [Piece(card.answer, "text")]
    return _pieces(card.prompt, card.cloze_number or 0, revealed=True)


def plain(pieces: list[Piece]) -> str:
    """A face as one line of text (the API, a list): blanks as `[...]`, answers as they are."""
    return "".join(piece.text for piece in pieces)


def new_cards(*, user: User, article: Article, text: str, extra: str, limit: int) -> list[RecallCard]:
    """The cards a cloze text makes, one per deletion number, unsaved (validated: Invalid otherwise)."""
    text = check_text(text, limit=limit)
    extra = check_extra(extra)
    return [RecallCard(user_id=user.id, article_id=article.id, prompt=text, answer=extra, kind=CardKind.cloze,
                       cloze_number=number) for number in numbers(text)]


def create_cards(*, session: Session, user: User, article: Article, text: str, extra: str,
                 limit: int) -> list[RecallCard]:
    """Cards from a cloze text, one per deletion number, all due now, written together. Commits."""
    cards = new_cards(user=user, article=article, text=text, extra=extra, limit=limit)
    session.add_all(cards)
    session.commit()
    for card in cards:
        session.refresh(card)
    return cards


def edited_text(card: RecallCard, text: str | None, *, limit: int) -> str:
    """A cloze card's new text: valid, and still holding the deletion the card asks (else Invalid)."""
    text = check_text(text, limit=limit)
    if card.cloze_number not in numbers(text):
        raise Invalid(f"Text: this card asks deletion c{card.cloze_number}; keep a {{{{c{card.cloze_number}::…}}}} "
                      "in the text. Nothing was saved.")
    return text
