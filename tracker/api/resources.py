"""Your own resources in the API: list, add, change and delete them (by id or slug). Another learner's resource
answers 404, as one that does not exist."""

from __future__ import annotations

from flask_login import login_required
from sqlmodel import Session

from tracker.api.blueprint import bp
from tracker.api.schemas import Items, ResourceBody, ResourceChange, ResourcePublic, respond
from tracker.db import get_session
from tracker.http.auth import require_account
from tracker.http.inputs import json_body
from tracker.http.openapi import documented
from tracker.models import Article
from tracker.services.personal import resources as personal


def _public(session: Session, resource: Article) -> ResourcePublic:
    beside = session.get(Article, resource.attached_to_id) if resource.attached_to_id is not None else None
    return ResourcePublic(id=resource.id, slug=resource.slug, title=resource.title, url=resource.url or "",
                          minutes=resource.reading_minutes, shared_with_mentors=resource.shared_with_mentors,
                          beside=beside.slug if beside is not None else None, created_at=resource.created_at,
                          updated_at=resource.updated_at)


def _key(key: str) -> int | str:
    return int(key) if key.isdigit() else key


@bp.get("/me/resources")
@login_required
@documented(summary="Your own resources, newest first", response=Items[ResourcePublic])
def my_resources():
    session = get_session()
    return respond(Items[ResourcePublic](items=[
        _public(session, r) for r in personal.my_resources(session=session, owner=require_account())]))


@bp.post("/me/resources")
@login_required
@documented(summary="Add a resource of your own (beside a catalog article, if you name one)", body=ResourceBody,
            response=ResourcePublic, status=201, errors=(400, 404))
def add_resource():
    """Only you see it unless `shared_with_mentors`; it never appears in the catalog, its search or exports."""
    body = json_body(ResourceBody, hint='send a JSON object like {"title": "…", "url": "https://…"}')
    session = get_session()
    resource = personal.add_resource(session=session, owner=require_account(), title=body.title, url=body.url,
                                     minutes=body.minutes, shared_with_mentors=body.shared_with_mentors,
                                     beside=body.beside)
    return respond(_public(session, resource), 201)


@bp.patch("/me/resources/<key>")
@login_required
@documented(summary="Change one of your resources (by id or slug)", body=ResourceChange, response=ResourcePublic,
            errors=(400, 404))
def change_resource(key: str):
    body = json_body(ResourceChange, hint='send a JSON object like {"title": "…"}')
    session = get_session()
    resource = personal.own_resource(session=session, owner=require_account(), key=_key(key))
    given = body.model_fields_set
    personal.edit_resource(session=session, resource=resource,
                           title=body.title if "title" in given else resource.title,
                           url=body.url if "url" in given else resource.url,
                           minutes=body.minutes if "minutes" in given else resource.reading_minutes,
                           shared_with_mentors=body.shared_with_mentors if body.shared_with_mentors is not None
                           else resource.shared_with_mentors)
    return respond(_public(session, resource))


@bp.delete("/me/resources/<key>")
@login_required
@documented(summary="Delete one of your resources (by id or slug), with your marks, note and cards on it",
            status=204, errors=(404,))
def delete_resource(key: str):
    session = get_session()
    personal.delete_resource(session=session,
                             resource=personal.own_resource(session=session, owner=require_account(), key=_key(key)))
    return "", 204
