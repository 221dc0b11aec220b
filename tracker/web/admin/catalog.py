"""Admin: the article list, editing an article, and importing a pasted listing page."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from tracker.db import get_session
from tracker.http.auth import role_required
from tracker.http.render import is_htmx
from tracker.models import Role
from tracker.services import documents
from tracker.services.catalog import articles as catalog
from tracker.services.catalog import datafile as catalog_file
from tracker.services.catalog import editing as article_editing
from tracker.services.catalog import layouts, listings
from tracker.services.catalog import store as catalog_store
from tracker.services.errors import Invalid
from tracker.web.admin.blueprint import UPLOAD_LIMIT, bp
from tracker.web.forms import ArticleEditForm, LinksForm, ListingImportForm


@bp.get("/articles")
@role_required(Role.admin)
def article_list():
    query = catalog.ArticleQuery.from_args({**request.args.to_dict(), "per_page": "50"})
    page = catalog.search_articles(session=get_session(), query=query)
    return render_template("admin/articles.html", page=page, filters=query)


def _sources():
    # the catalog's sources (not the one of learners' own resources), by name
    return sorted((row.source for row in catalog.list_sources(session=get_session())), key=lambda s: s.name)


@bp.route("/articles/new", methods=["GET", "POST"])
@bp.route("/articles/<slug>/edit", methods=["GET", "POST"])
@role_required(Role.admin)
def edit_article(slug: str | None = None):
    session = get_session()
    card = None
    if slug is not None:
        article = catalog.require_article(session=session, slug=slug)
        card = catalog.article_cards(session=session, articles=[article])[0]
    if request.method == "GET":
        return render_template("admin/article_edit.html", card=card, values=None, error=None, duplicate=None,
                               sources=_sources())
    try:
        form = ArticleEditForm().checked()
        fields = article_editing.ArticleForm.from_data(form.article_data())
        article = article_editing.save_article(session=session, slug=slug, form=fields,
                                             confirmed_title=form.same_title.data)
    except article_editing.DuplicateTitle as duplicate:  # the form again, as typed, naming the others
        session.rollback()
        return render_template("admin/article_edit.html", card=card, values=request.form, error=None,
                               duplicate=duplicate, sources=_sources()), 400
    except Invalid as exc:
        session.rollback()
        return render_template("admin/article_edit.html", card=card, values=request.form, error=str(exc),
                               duplicate=None, sources=_sources()), 400
    flash(f"Saved “{article.title}”.", "success")
    return redirect(url_for("admin.edit_article", slug=article.slug), code=303)


@bp.route("/articles/links", methods=["GET", "POST"])
@role_required(Role.admin)
def article_links():
    """Paste or upload links for many articles at once (CSV `slug,url` or YAML)."""
    if request.method == "GET":
        return render_template("admin/article_links.html", text="", error=None)
    form = LinksForm()
    text = form.text.data or ""
    try:
        form.checked()
        if form.file.data:
            upload = form.file.data
            name = upload.filename or "The file"
            text = documents.decoded(upload.read(UPLOAD_LIMIT + 1), name=name, limit=UPLOAD_LIMIT)
        else:
            name = "Links"
            documents.checked_text(text, name=name, limit=UPLOAD_LIMIT)
        links = article_editing.parse_links(text, name=name)
        changed = article_editing.set_links(session=get_session(), links=links)
    except Invalid as exc:
        get_session().rollback()
        if is_htmx():
            raise  # the alert, where the person looks (`http.errors`)
        shown = text if len(text) <= UPLOAD_LIMIT and "\x00" not in text else ""
        return render_template("admin/article_links.html", text=shown, error=str(exc)), 400
    flash(f"Links saved: {changed} article{'s' if changed != 1 else ''} changed, {len(links) - changed} already so.",
          "success")
    return redirect(url_for("admin.article_list"), code=303)


@bp.route("/articles/import", methods=["GET", "POST"])
@role_required(Role.admin)
def import_listing():
    """Paste a listing page: see what the importer makes of it, then save."""
    if request.method == "GET":
        return render_template("admin/catalog_import.html", plan=None, text="", source_name="", error=None)
    form = ListingImportForm()
    text = form.text.data or ""
    source_name = (form.source_name.data or "").strip() or None
    if not form.validate() or len(text) > UPLOAD_LIMIT:
        return render_template("admin/catalog_import.html", plan=None, text="", source_name=source_name or "",
                               error="The listing is larger than 256 KiB."), 400
    session = get_session()
    try:
        listing = layouts.parse_listing(text, provenance="pasted in the admin", source_name=source_name)
        plan = catalog_store.plan_listing_import(session=session, listing=listing)
    except (listings.ListingError, catalog_file.CatalogError, ValueError) as exc:
        return render_template("admin/catalog_import.html", plan=None, text=text, source_name=source_name or "",
                               error=str(exc)), 400
    if form.confirm.data != "yes":
        return render_template("admin/catalog_import.html", plan=plan, text=text, source_name=source_name or "",
                               error=None)
    report = catalog_store.import_listing(session=session, plan=plan)
    flash(f"Imported {listing.source_name}: {report.created} new, {report.updated} updated, "
          f"{report.unchanged} unchanged.", "success")
    return redirect(url_for("admin.article_list", source=listing.source_slug), code=303)
