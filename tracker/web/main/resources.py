"""A learner's own resources: added beside an article (on the path page and the article page) or on their own
page, changed and deleted. Each works as a plain form and in place with HTMX; refusals keep what was typed."""

from __future__ import annotations

from flask import flash, render_template, url_for
from flask_login import login_required

from tracker.db import get_session
from tracker.http.auth import require_account
from tracker.http.render import fragment, is_htmx, see_other
from tracker.models import Article
from tracker.services.catalog import articles as catalog
from tracker.services.personal import resources as personal
from tracker.web.auth import safe_next
from tracker.web.forms import ResourceForm
from tracker.web.main.blueprint import bp


@bp.get("/resources")
@login_required
def resources_page():
    """Every resource of mine, and a form to add one that belongs to no article."""
    return render_template("main/resources.html", **_page_context())


def _page_context(**extra) -> dict:
    mine = personal.my_resources(session=get_session(), owner=require_account())
    return {"mine": mine, "form": extra.pop("form", None) or ResourceForm(formdata=None)} | extra


def _block(beside: str, *, here: str | None, **extra):
    """The resources under the article `beside` as its row shows them (partials/_article_resources.html)."""
    session = get_session()
    card = catalog.require_card(session=session, slug=beside)
    found = personal.beside_articles(session=session, viewer=require_account(), owner=require_account(),
                                     article_ids=[card.article.id])
    return {"card": card, "resources": found.get(card.article.id, []), "here": here, "readonly": False} | extra


def _back(beside: str | None) -> str:
    default = url_for("main.resources_page")
    return safe_next(default) + (f"#resources-{beside}" if beside else "")


@bp.post("/resources")
@login_required
def add_resource():
    """Add a resource (beside the article named by `beside`, when given). A refusal answers the form again with
    what was typed and why: in place for HTMX, on the resources page otherwise."""
    session, user = get_session(), require_account()
    form = ResourceForm()
    beside = form.beside.data or None
    try:
        form.checked()
        resource = personal.add_resource(session=session, owner=user, title=form.title.data, url=form.url.data,
                                         minutes=form.minutes.data, shared_with_mentors=form.shared.data,
                                         beside=beside)
    except personal.ResourceError as refusal:
        session.rollback()
        if is_htmx() and beside:
            return fragment("partials/_article_resources.html", status=400,
                            **_block(beside, here=safe_next("") or None, refusal=refusal, draft=form))
        return render_template("main/resources.html", **_page_context(form=form, refusal=refusal)), 400
    if is_htmx() and beside:
        return fragment("partials/_article_resources.html",
                        **_block(beside, here=safe_next("") or None, added=resource))
    flash(f"Added “{resource.title}” to your resources.", "success")
    return see_other(_back(beside))


def _attached_slug(resource: Article) -> str | None:
    if resource.attached_to_id is None:
        return None
    article = get_session().get(Article, resource.attached_to_id)
    return article.slug if article is not None else None


@bp.get("/resources/<id:resource_id>/edit")
@login_required
def edit_resource_page(resource_id: int):
    resource = personal.own_resource(session=get_session(), owner=require_account(), key=resource_id)
    form = ResourceForm(formdata=None, title=resource.title, url=resource.url, shared=resource.shared_with_mentors,
                        minutes=str(resource.reading_minutes or ""))
    return render_template("main/resource_edit.html", resource=resource, form=form)


@bp.post("/resources/<id:resource_id>")
@login_required
def save_resource(resource_id: int):
    session = get_session()
    resource = personal.own_resource(session=session, owner=require_account(), key=resource_id)
    form = ResourceForm()
    try:
        form.checked()
        personal.edit_resource(session=session, resource=resource, title=form.title.data, url=form.url.data,
                               minutes=form.minutes.data, shared_with_mentors=form.shared.data)
    except personal.ResourceError as refusal:
        session.rollback()
        resource = personal.own_resource(session=session, owner=require_account(), key=resource_id)
        return render_template("main/resource_edit.html", resource=resource, form=form, refusal=refusal,
), 400
    flash(f"Saved “{resource.title}”.", "success")
    return see_other(_back(_attached_slug(resource)))


@bp.post("/resources/<id:resource_id>/delete")
@login_required
def delete_resource(resource_id: int):
    session = get_session()
    resource = personal.own_resource(session=session, owner=require_account(), key=resource_id)
    title, beside = resource.title, _attached_slug(resource)
    personal.delete_resource(session=session, resource=resource)
    if is_htmx() and beside:
        return fragment("partials/_article_resources.html",
                        **_block(beside, here=safe_next("") or None, deleted=title))
    flash(f"Deleted “{title}”.", "info")
    return see_other(_back(beside))
