"""A learner's recall cards out to Anki and in from it.

Out: Anki's plain-text notes (tab-separated, with the file headers Anki 2.1.55+ reads: `#separator:tab`,
`#html:false`, `#notetype column:1`, `#tags column:4`; fields holding a tab, a quote or a line break are quoted,
quotes doubled) and an `.apkg` deck (genanki) with Anki's own Basic and Cloze note types. One note per question
card, one per cloze text (its cards, one per deletion number, are that note's cards); each note is tagged with its
article's slug.

In: the same text format, as Anki exports it ("Notes in Plain Text"), or any tab-separated file of front, back and
optional tags. A note is a cloze note when its note type says so or its front holds a `{{cN::…}}` deletion. Each
card needs an article: a tag equal to an article's slug, else the article the learner picked for the deck. The
whole file is checked before anything is written: any line in error refuses the import (every error is listed with
its line number); cards whose front the learner already has (or that the file repeats) are skipped and counted.
"""

from __future__ import annotations

import csv
import html
import io
import itertools
import json
import os
import re
import sqlite3
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

import genanki
from sqlmodel import Session, col, select

from tracker.models import Article, CardKind, RecallCard, User
from tracker.services.errors import Invalid
from tracker.services.learning import cloze
from tracker.services.learning.recall import TEXT_MAX, card_text

IMPORT_BYTES_MAX = 1_000_000  # about 5,000 long cards: far more than one article's deck
IMPORT_LINES_MAX = 20_000
IMPORT_CARDS_MAX = 2_000
ERRORS_SHOWN = 20

SEPARATORS = {"tab": "\t", "comma": ",", "semicolon": ";", "space": " ", "pipe": "|", "colon": ":"}
HEADER = re.compile(r"#([a-z ]+):(.*)", re.IGNORECASE)
BREAK = re.compile(r"<br\s*/?>|</div>|</p>", re.IGNORECASE)
TAG = re.compile(r"<[^>]*>")

# Stable ids: Anki matches a re-imported deck, its note types and its notes by them.
DECK_ID_BASE = 1_743_000_000_000  # + the learner's id
GUID_SALT = "tracker-recall-card"


# ---------------------------------------------------------------- out


def _notes(session: Session, user: User) -> Iterator[tuple[RecallCard, str]]:
    """The learner's cards as Anki notes (a cloze text once, by its first card), with each one's article slug."""
    seen: set[tuple[int, str]] = set()
    rows = session.exec(select(RecallCard, Article.slug).join(Article, col(Article.id) == RecallCard.article_id)
                        .where(RecallCard.user_id == user.id).order_by(col(RecallCard.created_at), col(RecallCard.id)))
    for card, slug in rows:
        if card.kind == CardKind.cloze:
            if (card.article_id, card.prompt) in seen:
                continue
            seen.add((card.article_id, card.prompt))
        yield card, slug


def export_text(*, session: Session, user: User) -> str:
    """The learner's cards as Anki's plain-text notes, headers first. Reads only."""
    out = io.StringIO()
    out.write("#separator:tab\n#html:false\n#notetype column:1\n#tags column:4\n")
    writer = csv.writer(out, delimiter="\t", quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    for card, slug in _notes(session, user):
        writer.writerow(["Cloze" if card.kind == CardKind.cloze else "Basic", card.prompt, card.answer, slug])
    return out.getvalue()


def _field(text: str) -> str:
    # Anki fields are HTML: the text is escaped (a cloze's {{c1::…}} has nothing to escape) and lines kept.
    return html.escape(text).replace("\n", "<br>")


def deck_id(user: User) -> int:
    """The learner's deck id in Anki: the same on every export, so that importing again updates the deck."""
    return DECK_ID_BASE + user.id


def export_apkg(*, session: Session, user: User, deck_name: str, now: datetime) -> bytes:
    """The learner's cards as an Anki package (.apkg): one deck, Anki's Basic and Cloze note types, notes tagged
    with their article's slug and identified by a stable guid. Reads only."""
    deck = genanki.Deck(deck_id(user), deck_name)
    for card, slug in _notes(session, user):
        model = genanki.CLOZE_MODEL if card.kind == CardKind.cloze else genanki.BASIC_MODEL
        deck.add_note(genanki.Note(model=model, fields=[_field(card.prompt), _field(card.answer)], tags=[slug],
                                   guid=genanki.guid_for(GUID_SALT, user.id, card.id)))
    return _package(genanki.Package(deck), now.timestamp())


def _package(package: genanki.Package, timestamp: float) -> bytes:
    """The .apkg's bytes: a zip holding the SQLite collection and an empty media list. (genanki's own
    `write_to_file` leaves its temporary collection behind; this removes it.)"""
    handle, path = tempfile.mkstemp(suffix=".anki2")
    os.close(handle)
    try:
        connection = sqlite3.connect(path)
        try:
            package.write_to_db(connection.cursor(), timestamp, itertools.count(int(timestamp * 1000)))
            connection.commit()
        finally:
            connection.close()
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.write(path, "collection.anki2")
            archive.writestr("media", json.dumps({}))
        return out.getvalue()
    finally:
        os.remove(path)


# ---------------------------------------------------------------- in


class ImportRefused(Invalid):
    """A file with lines in error: nothing was imported. `errors` holds every one (JSON answers list them)."""

    def __init__(self, message: str, errors: list[LineError]):
        super().__init__(message, lines=[{"line": error.line, "message": error.message} for error in errors])
        self.errors = errors


@dataclass
class LineError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class ImportPlan:
    """What importing a file would do: the new cards (unsaved), the duplicates skipped, the lines refused."""

    cards: list[RecallCard] = field(default_factory=list)
    duplicates: int = 0
    errors: list[LineError] = field(default_factory=list)
    notes: int = 0  # lines read as notes (a cloze note makes a card per deletion number)
    slugs: dict[int, str] = field(default_factory=dict)  # article id -> slug, for showing the cards

    @property
    def refused(self) -> str:
        """Why the file is refused, every error with its line number (the first ERRORS_SHOWN), fit to show."""
        shown = "; ".join(str(error) for error in self.errors[:ERRORS_SHOWN])
        more = f"; and {len(self.errors) - ERRORS_SHOWN} more" if len(self.errors) > ERRORS_SHOWN else ""
        count = len(self.errors)
        return (f"{count} line{'s' if count != 1 else ''} could not be read, so nothing was imported: "
                f"{shown}{more}.")


@dataclass
class _Note:
    line: int
    notetype: str | None
    fields: list[str]
    tags: list[str]


def _decoded(data: bytes) -> str:
    """The file as text; Invalid when it is too big, binary or not UTF-8."""
    if len(data) > IMPORT_BYTES_MAX:
        raise Invalid(f"The file is {len(data) / 1_000_000:.1f} MB; the limit is {IMPORT_BYTES_MAX // 1_000_000} MB "
                      "(split the deck). Nothing was imported.")
    if not data.strip():
        raise Invalid("The file is empty. Nothing was imported.")
    if b"\x00" in data:
        raise Invalid("The file holds NUL bytes: it is not a text export (export from Anki as “Notes in Plain "
                      "Text”). Nothing was imported.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid(f"The file is not UTF-8 text (byte {exc.start + 1} is not); save it as UTF-8 and try again. "
                      "Nothing was imported.") from None
    lines = text.count("\n") + 1
    if lines > IMPORT_LINES_MAX:
        raise Invalid(f"The file has {lines:,} lines; the limit is {IMPORT_LINES_MAX:,} (split the deck). "
                      "Nothing was imported.")
    return text


def _html_text(value: str) -> str:
    """A field Anki exported as HTML, as plain text: breaks become new lines, tags go, entities are decoded."""
    return html.unescape(TAG.sub("", BREAK.sub("\n", value)))


def _read_notes(text: str) -> tuple[list[_Note], list[LineError]]:
    """The notes of an Anki text export: headers read, then one note per record (a quoted field may span lines)."""
    lines = text.splitlines(keepends=True)
    options: dict[str, str] = {}
    errors: list[LineError] = []
    start = 0
    while start < len(lines) and lines[start].startswith("#"):
        header = HEADER.fullmatch(lines[start].strip())
        if header:
            options[header.group(1).strip().lower()] = header.group(2).strip()
        start += 1
    raw_separator = options.get("separator", "tab")
    separator = SEPARATORS.get(raw_separator.lower(), raw_separator)
    if len(separator) != 1:
        return [], [LineError(1, f"the separator “{raw_separator[:20]}” is not one Anki writes (tab, comma, "
                                 "semicolon, space, pipe, colon)")]
    as_html = options.get("html", "false").lower() == "true"

    def column(name: str) -> int | None:
        value = options.get(f"{name} column")
        return int(value) - 1 if value and value.isdigit() and int(value) > 0 else None

    notetype_at, tags_at, deck_at, guid_at = column("notetype"), column("tags"), column("deck"), column("guid")
    fixed_notetype, fixed_tags = options.get("notetype"), (options.get("tags") or "").split()
    reader = csv.reader(io.StringIO("".join(lines[start:])), delimiter=separator, strict=True)
    notes: list[_Note] = []
    read = 0  # the file's lines read so far past the headers (a quoted field may span lines)
    try:
        for record in reader:
            first_line, read = start + read + 1, reader.line_num
            if not any(value.strip() for value in record):
                continue
            specials = {at for at in (notetype_at, tags_at, deck_at, guid_at) if at is not None}
            fields = [_html_text(value) if as_html else value
                      for at, value in enumerate(record) if at not in specials]
            tags = list(fixed_tags)
            if tags_at is not None:
                tags += record[tags_at].split() if tags_at < len(record) else []
            elif len(fields) >= 3:  # front, back, tags: the simplest file
                tags += fields[2].split()
            notetype = record[notetype_at] if notetype_at is not None and notetype_at < len(record) else None
            notes.append(_Note(line=first_line, notetype=notetype or fixed_notetype, fields=fields, tags=tags))
    except csv.Error as exc:
        errors.append(LineError(start + reader.line_num, f"the line cannot be read ({exc})"))
    return notes, errors


def plan_import(*, session: Session, user: User, data: bytes, article: Article | None) -> ImportPlan:
    """What importing `data` (an Anki text export) would make for the learner, without writing anything: the new
    cards, the duplicates skipped, and every line in error. Invalid when the file as a whole cannot be read."""
    notes, errors = _read_notes(_decoded(data))
    tags = {tag.lower() for note in notes for tag in note.tags}
    by_slug = {a.slug: a for a in session.exec(select(Article).where(col(Article.slug).in_(tags)))} if tags else {}
    have = {(kind, prompt, number) for kind, prompt, number in session.exec(
        select(RecallCard.kind, RecallCard.prompt, RecallCard.cloze_number).where(RecallCard.user_id == user.id))}
    plan = ImportPlan(errors=errors, notes=len(notes))
    for note in notes:
        target = next((by_slug[tag.lower()] for tag in note.tags if tag.lower() in by_slug), article)
        if target is None:
            plan.errors.append(LineError(note.line, "no article: choose the article the deck is about, or tag the "
                                                    "card with an article's slug"))
            continue
        front = note.fields[0] if note.fields else ""
        back = note.fields[1] if len(note.fields) > 1 else ""
        try:
            if "cloze" in (note.notetype or "").lower() or cloze.is_cloze(front):
                made = cloze.new_cards(user=user, article=target, text=front, extra=back, limit=TEXT_MAX)
            else:
                made = [RecallCard(user_id=user.id, article_id=target.id, prompt=card_text("Front", front),
                                   answer=card_text("Back", back))]
        except Invalid as exc:
            plan.errors.append(LineError(note.line, str(exc).removesuffix(" Nothing was saved.")))
            continue
        for card in made:
            key = (card.kind, card.prompt, card.cloze_number)
            if key in have:
                plan.duplicates += 1
                continue
            have.add(key)
            plan.cards.append(card)
            plan.slugs[target.id] = target.slug
    plan.errors.sort(key=lambda error: error.line)
    if len(plan.cards) > IMPORT_CARDS_MAX:
        raise Invalid(f"The file makes {len(plan.cards):,} cards; the limit is {IMPORT_CARDS_MAX:,} at a time "
                      "(split the deck). Nothing was imported.")
    return plan


def import_cards(*, session: Session, user: User, data: bytes, article: Article | None) -> ImportPlan:
    """Import an Anki text export: all of its new cards, due now, in one transaction, or (any line in error)
    none, Invalid listing every error. Duplicates are skipped. Commits."""
    # One import at a time per learner (PostgreSQL: a row lock; SQLite writes one at a time): two imports of the
    # same file at once would otherwise both find no duplicates.
    session.exec(select(User.id).where(User.id == user.id).with_for_update()).one()
    plan = plan_import(session=session, user=user, data=data, article=article)
    if plan.errors:
        session.rollback()
        raise ImportRefused(plan.refused, plan.errors)
    session.add_all(plan.cards)
    session.commit()
    return plan
