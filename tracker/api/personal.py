"""A learner's personal paths over JSON: copying a curated path, editing the copy, and the curated path's changes
since, each to take or leave. Another learner's copy answers 404, as a path that does not exist."""

from __future__ import annotations

from typing import Literal

from flask import request
from flask_login import login_required
from pydantic import BaseModel, ConfigDict, Field

from tracker.api.blueprint import bp
from tracker.api.schemas import Items, respond
from tracker.db import get_session
from tracker.http.auth import require_account
from tracker.http.inputs import json_body
from tracker.http.openapi import documented
from tracker.models import LearningPath
from tracker.services.curriculum import queries as path_queries
from tracker.services.errors import Invalid
from tracker.services.personal import forks


class PersonalItemPublic(BaseModel):
    slug: str
    title: str
    optional: bool
    own_resource: bool = Field(description="a resource of the owner's own, not a catalog article")


class PersonalSectionPublic(BaseModel):
    title: str
    rule: str
    items: list[PersonalItemPublic]


class PersonalPathPublic(BaseModel):
    slug: str
    title: str
    version: int = Field(description="send it back with an edit: an edit on top of a newer version is refused (409)")
    shared_with_mentors: bool
    forked_from: str | None = Field(description="the curated path it was copied from")
    forked_version: int | None = Field(description="the curated path's version every change up to is decided")
    sections: list[PersonalSectionPublic]


class ChangePublic(BaseModel):
    key: str
    kind: str = Field(description="added, removed, moved, optional or rule")
    text: str
    article: str | None = None
    section: str | None = None


class ChangesPublic(BaseModel):
    path: str
    forked_from: str
    forked_version: int
    upstream_version: int
    changes: list[ChangePublic]


def _public(path: LearningPath) -> PersonalPathPublic:
    session = get_session()
    detail = path_queries.path_details(session=session, paths=[path])[path.id]
    upstream = session.get(LearningPath, path.forked_from_id) if path.forked_from_id else None
    return PersonalPathPublic(
        slug=path.slug, title=path.title, version=path.version, shared_with_mentors=path.shared_with_mentors,
        forked_from=upstream.slug if upstream else None, forked_version=path.forked_version,
        sections=[PersonalSectionPublic(title=view.section.title, rule=view.describe_rule(), items=[
            PersonalItemPublic(slug=e.card.article.slug, title=e.card.article.title, optional=e.item.optional,
                               own_resource=e.card.article.owner_id is not None) for e in view.entries])
            for view in detail.sections])


def _own(slug: str, *, edit: bool = True) -> LearningPath:
    return forks.personal_path(session=get_session(), viewer=require_account(), slug=slug, edit=edit)


class ForkBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    learner: str | None = Field(default=None, max_length=80,
                                description="a mentee's username (mentors): the copy is theirs, shared with mentors")


@bp.post("/me/paths/<slug>/fork")
@login_required
@documented(summary="Copy a published path into your own (or, as a mentor, a mentee's)", body=ForkBody,
            response=PersonalPathPublic, status=201, errors=(400, 404))
def fork_path(slug: str):
    """A private copy of a published curated path, with its sections, their rules and articles; you follow it.
    A draft, archived or personal path is refused (400)."""
    session, user = get_session(), require_account()
    body = json_body(ForkBody) if request.get_data() else ForkBody()
    upstream = path_queries.visible_path(session=session, viewer=user, slug=slug).path
    return respond(_public(forks.fork_for(session=session, upstream=upstream, by=user, learner=body.learner)), 201)


@bp.get("/me/own-paths")
@login_required
@documented(summary="Your own paths (copies you edit)", response=Items[PersonalPathPublic])
def own_paths():
    return respond(Items[PersonalPathPublic](items=[
        _public(path) for path in forks.personal_paths(session=get_session(), owner=require_account())]))


@bp.get("/me/own-paths/<slug>")
@login_required
@documented(summary="One of your own paths (or a mentee's they share with you)", response=PersonalPathPublic,
            errors=(404,))
def own_path(slug: str):
    return respond(_public(_own(slug, edit=False)))


class PathEditBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int | None = Field(default=None, description="the version you edit (from the last answer)")
    title: str | None = Field(default=None, max_length=1000)
    shared_with_mentors: bool | None = None


@bp.patch("/me/own-paths/<slug>")
@login_required
@documented(summary="Rename your path, or share it with your mentors or stop", body=PathEditBody,
            response=PersonalPathPublic, errors=(400, 404, 409))
def edit_own_path(slug: str):
    path, user, body = _own(slug), require_account(), json_body(PathEditBody)
    if body.title is not None:
        forks.rename(session=get_session(), path=path, editor=user, title=body.title, base_version=body.version)
    if body.shared_with_mentors is not None:
        forks.share(session=get_session(), path=path, editor=user, shared=body.shared_with_mentors)
    return respond(_public(path))


class AddItemBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int | None = None
    section: int = Field(ge=1, description="the section's number, from 1")
    article: str | None = Field(default=None, max_length=200, description="a catalog article's slug")
    title: str | None = Field(default=None, max_length=1000, description="a resource of your own: its title")
    url: str | None = Field(default=None, max_length=4000, description="… its http or https address")
    minutes: int | None = Field(default=None, description="… and its reading minutes")


@bp.post("/me/own-paths/<slug>/items")
@login_required
@documented(summary="Add a catalog article, or a resource of your own, at the end of a section", body=AddItemBody,
            response=PersonalPathPublic, status=201, errors=(400, 404, 409))
def add_item(slug: str):
    path, user, body = _own(slug), require_account(), json_body(AddItemBody)
    if body.article:
        forks.add_article(session=get_session(), path=path, editor=user, section=body.section - 1,
                          article_slug=body.article, base_version=body.version)
    elif body.url is not None or body.title is not None:
        forks.add_resource(session=get_session(), path=path, editor=user, section=body.section - 1,
                           title=body.title or "", url=body.url or "", minutes=body.minutes,
                           base_version=body.version)
    else:
        raise Invalid("send an article's slug, or a title and url of your own resource")
    return respond(_public(path), 201)


class ItemEditBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int | None = None
    action: Literal["up", "down", "remove"]


@bp.post("/me/own-paths/<slug>/items/<article>")
@login_required
@documented(summary="Move an article of your path up or down, or remove it", body=ItemEditBody,
            response=PersonalPathPublic, errors=(400, 404, 409))
def edit_item(slug: str, article: str):
    path, user, body = _own(slug), require_account(), json_body(ItemEditBody)
    if body.action == "remove":
        forks.remove_item(session=get_session(), path=path, editor=user, article_slug=article,
                          base_version=body.version)
    else:
        forks.move_item(session=get_session(), path=path, editor=user, article_slug=article, up=body.action == "up",
                        base_version=body.version)
    return respond(_public(path))


def _changes(path: LearningPath, upstream: forks.Upstream) -> ChangesPublic:
    return ChangesPublic(path=path.slug, forked_from=upstream.path.slug, forked_version=upstream.forked_version,
                         upstream_version=upstream.version, changes=[
                             ChangePublic(key=c.key, kind=c.kind, text=c.text, article=c.slug or None,
                                          section=c.section or None) for c in upstream.changes])


@bp.get("/me/paths/<slug>/changes")
@login_required
@documented(summary="What the curated path changed since your copy, not yet taken or left",
            response=ChangesPublic, errors=(404,))
def changes(slug: str):
    path = _own(slug, edit=False)
    return respond(_changes(path, forks.pending_changes(session=get_session(), path=path)))


class DecisionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(max_length=200)
    decision: Literal["take", "leave"]


@bp.post("/me/paths/<slug>/changes")
@login_required
@documented(summary="Take a change of the curated path into your copy, or leave it (once: again is the same)",
            body=DecisionBody, response=ChangesPublic, errors=(400, 404, 409))
def decide(slug: str):
    """When every change is decided, `forked_version` becomes the curated path's current version."""
    path, body = _own(slug), json_body(DecisionBody)
    result = forks.decide(session=get_session(), path=path, editor=require_account(), key=body.key,
                          take=body.decision == "take")
    return respond(_changes(path, result))
