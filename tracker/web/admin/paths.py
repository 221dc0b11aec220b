"""Admin: the path list, the editor with its unsaved draft, history and restore, YAML export and import."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from sqlmodel import col, select

from tracker.db import get_session
from tracker.http.auth import require_account, role_required
from tracker.http.render import is_htmx, page_or_fragment, see_other
from tracker.models import Article, PathStatus, Role
from tracker.services import documents
from tracker.services.catalog import articles as catalog
from tracker.services.curriculum import drafts as path_drafts
from tracker.services.curriculum import format as path_format
from tracker.services.curriculum import queries as path_queries
from tracker.services.curriculum import store as path_store
from tracker.services.curriculum.format import PathDefinitionError
from tracker.services.errors import DomainError, Invalid
from tracker.web.admin.blueprint import UPLOAD_LIMIT, bp
from tracker.web.forms import PathEditorForm, RestoreForm


@bp.get("/paths")
@role_required(Role.admin)
def path_list():
    return render_template("admin/paths.html", paths=path_queries.list_paths(session=get_session()))


def _path(slug: str):
    return path_queries.require_learning_path(session=get_session(), slug=slug)


def _editor(draft: dict, *, path=None, base_version: int | None, status: int = 200, error: str | None = None,
            conflict=None, saved: list[str] | None = None, dirty: bool = False, search=None, q: str = ""):
    session = get_session()
    slugs = [item["slug"] for section in draft["sections"] for item in section["items"]]
    titles = dict(session.exec(select(Article.slug, Article.title).where(col(Article.slug).in_(slugs))).all())
    context = {"draft": draft, "path": path, "base_version": base_version, "titles": titles, "error": error,
               "conflict": conflict, "saved": saved, "dirty": dirty, "statuses": list(PathStatus),
               "search": search, "q": q}
    return page_or_fragment("admin/path_edit.html", block="editor", target="editor", status=status, **context)


@bp.get("/paths/new")
@role_required(Role.admin)
def new_path():
    return _editor(path_drafts.empty_draft(), base_version=None)


@bp.get("/paths/<slug>/edit")
@role_required(Role.admin)
def edit_path(slug: str):
    session = get_session()
    path = _path(slug)
    definition = path_queries.path_definition(session=session, path=path)
    return _editor(path_drafts.draft_of(definition), path=path, base_version=path.version)


@bp.post("/paths/new")
@bp.post("/paths/<slug>/edit")
@role_required(Role.admin)
def save_path(slug: str | None = None):
    """Every editor button posts here: 'save' saves; any other action reshapes the unsaved draft."""
    session = get_session()
    path = _path(slug) if slug else None
    form = PathEditorForm()
    valid = form.validate()
    draft, base_version, action = form.draft(), form.base_version.data, form.action.data or "save"
    if not valid:  # a number out of range: the editor again, with the draft and the reason
        return _editor(draft, path=path, base_version=base_version, status=400, error=form.first_error(), dirty=True)
    if action == "search":  # the catalog search without JavaScript: the editor again, with the hits
        query = catalog.ArticleQuery.from_args({"q": request.form.get("q", ""), "per_page": "8"})
        return _editor(draft, path=path, base_version=base_version, dirty=True, q=query.q,
                       search=catalog.search_articles(session=session, query=query))
    if action != "save":
        try:
            path_drafts.apply_action(draft, action, add_to=form.add_to.data)
        except path_drafts.DraftError as exc:
            return _editor(draft, path=path, base_version=base_version, status=400, error=str(exc), dirty=True)
        return _editor(draft, path=path, base_version=base_version, dirty=True)
    if path is not None:
        draft["slug"] = path.slug  # the slug names the path; it is not edited in place
    try:
        definition = path_store.validate_definition(session=session, data=draft, source="The path")
        result = path_store.save_path(session=session, definition=definition, base_version=base_version,
                                        author=require_account())
    except PathDefinitionError as exc:
        return _editor(draft, path=path, base_version=base_version, status=400, error=str(exc), dirty=True)
    except path_store.VersionConflict as conflict:
        return _editor(draft, path=path, base_version=base_version, status=409, conflict=conflict, dirty=True)
    if result.unchanged:
        flash(f"Nothing changed: “{result.path.title}” stays at version {result.path.version}.", "info")
    else:
        flash(f"Saved version {result.path.version} of “{result.path.title}”: " + " ".join(result.changes), "success")
    # A whole new page: the flash and the new version number.
    return see_other(url_for("admin.edit_path", slug=result.path.slug))


@bp.get("/paths/search")
@role_required(Role.admin)
def search_articles():
    """Live catalog search inside the editor: each hit comes with an 'Add' button."""
    query = catalog.ArticleQuery.from_args({**request.args.to_dict(), "per_page": "8"})
    page = catalog.search_articles(session=get_session(), query=query)
    return render_template("admin/_search_results.html", page=page, q=query.q)


@bp.get("/paths/<slug>/history")
@role_required(Role.admin)
def history(slug: str):
    path = _path(slug)
    return render_template("admin/history.html", path=path,
                           entries=path_store.history(session=get_session(), path=path))


@bp.get("/paths/<slug>/history/<id:version>")
@role_required(Role.admin)
def path_version(slug: str, version: int):
    """One saved version, read-only and whole, with a button to restore it."""
    path = _path(slug)
    return render_template("admin/version.html", path=path,
                           saved=path_store.saved_version(session=get_session(), path=path, version=version))


@bp.post("/paths/<slug>/restore/<id:version>")
@role_required(Role.admin)
def restore(slug: str, version: int):
    session = get_session()
    path = _path(slug)
    base_version = RestoreForm().checked().base_version.data
    try:
        result = path_store.restore_version(session=session, path=path, version=version,
                                            base_version=base_version if base_version is not None else -1,
                                            author=require_account())
    except path_store.VersionConflict as conflict:
        flash(f"{conflict} Nothing was restored; look at the latest history and try again.", "error")
        return redirect(url_for("admin.history", slug=slug), code=303)
    flash(f"Version {version} restored as version {result.path.version}.", "success")
    return redirect(url_for("admin.history", slug=slug), code=303)


@bp.get("/paths/<slug>.yaml")
@role_required(Role.admin)
def export_path(slug: str):
    path = _path(slug)
    return Response(path_store.export_yaml(session=get_session(), path=path), mimetype="application/yaml",
                    headers={"Content-Disposition": f'attachment; filename="{path.slug}.yaml"'})


def _import_refused(error: DomainError):
    """A refused upload, nothing saved: the page again with the reason, or for HTMX the alert (`http.errors`)."""
    get_session().rollback()
    if is_htmx():
        raise error
    return render_template("admin/path_import.html", error=str(error)), 400


@bp.route("/paths/import", methods=["GET", "POST"])
@role_required(Role.admin)
def import_path():
    """Upload a path file: validated like `tracker paths load`; a new path is created, a known one gets a version."""
    if request.method == "GET":
        return render_template("admin/path_import.html", error=None)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _import_refused(Invalid("Choose a YAML file to import."))
    session = get_session()
    try:
        text = documents.decoded(upload.read(UPLOAD_LIMIT + 1), name=upload.filename, limit=UPLOAD_LIMIT)
        facts = path_store.catalog_facts(session=session)
        definition = path_format.parse_path_definition(text, filename=upload.filename, known_slugs=set(facts),
                                                         articles=facts)
        existing = path_queries.get_learning_path(session=session, slug=definition.slug)
        result = path_store.save_path(session=session, definition=definition,
                                        base_version=existing.version if existing else None,
                                        author=require_account(), summary_prefix=[f"Imported {upload.filename}."])
    except (Invalid, path_store.VersionConflict) as exc:
        return _import_refused(exc)
    if result.unchanged:
        flash(f"{upload.filename} matches “{result.path.title}” as it is (version {result.path.version}); "
              "no new version was made.", "info")
    else:
        flash(f"Imported “{result.path.title}” as version {result.path.version}.", "success")
    return redirect(url_for("admin.edit_path", slug=result.path.slug), code=303)
