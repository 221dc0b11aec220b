"""Your recall cards out to Anki (plain text or an .apkg deck) and in from Anki's text export."""

from __future__ import annotations

from typing import Literal

from flask import request
from flask_login import login_required
from pydantic import BaseModel, ConfigDict, Field

from tracker.api.blueprint import bp
from tracker.api.cards import CardPublic, card_publics
from tracker.api.schemas import Public, respond
from tracker.db import get_session
from tracker.http.auth import require_account
from tracker.http.downloads import download
from tracker.http.inputs import json_body
from tracker.http.openapi import documented
from tracker.models import utcnow
from tracker.services.catalog import articles as catalog
from tracker.services.errors import Invalid
from tracker.services.learning import cards_io

FORMATS = {"txt": "text/plain; charset=utf-8", "apkg": "application/octet-stream"}


class ExportQuery(BaseModel):
    format: Literal["txt", "apkg"] = Field(default="txt", description="txt: Anki's plain-text notes; apkg: a deck")


class ImportBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(max_length=cards_io.IMPORT_BYTES_MAX,
                      description="the file's content: Anki's text export (tab-separated front, back, tags)")
    article: str | None = Field(default=None, max_length=200,
                                description="the article the deck is about (cards tagged with a slug go there)")
    preview: bool = Field(default=False, description="true: say what would be imported, write nothing")


class LineErrorPublic(Public):
    line: int
    message: str


class ImportPublic(Public):
    imported: int = Field(description="cards made (with preview: cards that would be made)")
    duplicates: int = Field(description="cards skipped: you already have one with the same front")
    notes: int = Field(description="notes read from the file (a cloze note makes one card per deletion number)")
    errors: list[LineErrorPublic] = Field(description="lines in error (a preview lists them; an import refuses)")
    cards: list[CardPublic] = Field(description="the cards made (with preview: an empty list)")
    preview: bool


@bp.get("/me/cards/export")
@login_required
@documented(summary="Your recall cards for Anki: plain-text notes (txt) or a deck (apkg), as a download",
            query=ExportQuery)
def export_cards():
    fmt = request.args.get("format", "txt")
    if fmt not in FORMATS:
        raise Invalid(f"format: '{fmt[:20]}' is not one of txt, apkg")
    user = require_account()
    session = get_session()
    name = f"recall-cards-{user.username}"
    if fmt == "apkg":
        body: str | bytes = cards_io.export_apkg(session=session, user=user, deck_name=f"Recall cards of {user.name}",
                                                 now=utcnow())
    else:
        body = cards_io.export_text(session=session, user=user)
    return download(body, filename=f"{name}.{fmt}", mimetype=FORMATS[fmt])


@bp.post("/me/cards/import")
@login_required
@documented(summary="Import cards from Anki's text export: all of them or, when a line is in error, none",
            body=ImportBody, response=ImportPublic, errors=(404,))
def import_cards():
    session = get_session()
    user = require_account()
    body = json_body(ImportBody, hint='send a JSON object like {"text": "front\\tback\\n", "article": "http-protocol"}')
    article = catalog.require_article(session=session, slug=body.article, owner=user) if body.article else None
    data = body.text.encode("utf-8")
    if body.preview:
        plan = cards_io.plan_import(session=session, user=user, data=data, article=article)
        made = []
    else:
        plan = cards_io.import_cards(session=session, user=user, data=data, article=article)
        made = card_publics(plan.cards)
    return respond(ImportPublic(imported=len(plan.cards), duplicates=plan.duplicates, notes=plan.notes,
                                errors=[LineErrorPublic(line=e.line, message=e.message) for e in plan.errors],
                                cards=made, preview=body.preview), 200 if body.preview else 201)
