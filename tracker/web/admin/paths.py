"""Admin: the path list, the editor with its unsaved draft, history and restore, YAML export and import."""

from __future__ import annotations

import copy
import re

from flask import Response, flash, redirect, render_template, request, url_for
from sqlmodel import col, select

from tracker.db import get_session
from tracker.http.auth import require_account, role_required
from tracker.http.render import is_htmx, page_or_fragment, see_other
from tracker.models import Article, LearningPath, PathStatus, Role, SectionKind
from tracker.services import documents
from tracker.services.catalog import articles as catalog
from tracker.services.curriculum import drafts as path_drafts
from tracker.services.curriculum import format as path_format
from tracker.services.curriculum import queries as path_queries
from tracker.services.curriculum import store as path_store
from tracker.services.curriculum.format import PathDefinitionError
from tracker.services.errors import DomainError, Invalid
from tracker.services.progress import preview as rule_preview
from tracker.web.admin.blueprint import UPLOAD_LIMIT, bp
from tracker.web.forms import PathEditorForm, PathStatusForm, RestoreForm


@bp.get("/paths")
@role_required(Role.admin)
def path_list():
    return render_template("admin/paths.html", paths=path_queries.list_paths(session=get_session()))


SECTION_KINDS = [(SectionKind.core.value, "Core: every required article is read"),
                 (SectionKind.elective.value, "Elective: any number of them is read")]


def _path(slug: str):
    return path_queries.require_learning_path(session=get_session(), slug=slug)


def _editor(draft: dict, *, path=None, base_version: int | None, status: int = 200, error: str | None = None,
            conflict=None, saved: list[str] | None = None, dirty: bool = False, q: str = "",
            add_to: int | None = None, focus: str | None = None, preview=None):
    """The editor page (or its form alone, for HTMX). The catalog search and the section to add to stay as they
    were; `focus` names the control that gets the keyboard focus (and the view) in the new page."""
    session = get_session()
    slugs = [item["slug"] for section in draft["sections"] for item in section["items"]]
    titles = dict(session.exec(select(Article.slug, Article.title).where(col(Article.slug).in_(slugs))).all())
    search = None
    if q:
        query = catalog.ArticleQuery.from_args({"q": q, "per_page": "8"})
        q, search = query.q, catalog.search_articles(session=session, query=query)
    if add_to is None or not 0 <= add_to < len(draft["sections"]):
        add_to = len(draft["sections"]) - 1
    context = {"draft": draft, "path": path, "base_version": base_version, "titles": titles,
               "error": _readable(error) if error else None, "conflict": conflict, "saved": saved, "dirty": dirty,
               "statuses": list(PathStatus), "search": search, "q": q, "add_to": add_to,
               "focus": None if error or conflict else focus, "prerequisite_rows": _prerequisite_rows(draft, path),
               "preview": preview, "section_kinds": SECTION_KINDS,
               "error_section": _rule_error_section(error) if error and not conflict else None}
    return page_or_fragment("admin/path_edit.html", block="editor", target="editor", status=status, **context)


def _prerequisite_rows(draft: dict, path) -> list[dict]:
    """The editor's "Before this path": the draft's prerequisites in their order, then every other shared path
    (personal ones are nobody else's to ask for), each with its choice ("", "recommended" or "required") and a
    note naming a status other than published."""
    chosen = {p["slug"]: p for p in draft.get("prerequisites") or []}
    others = get_session().exec(select(LearningPath.slug, LearningPath.title, LearningPath.status)
                                .where(col(LearningPath.owner_id).is_(None))
                                .order_by(col(LearningPath.position), col(LearningPath.slug))).all()
    def unpublished(status: str | None) -> str:  # said beside the title: it cannot come before a published one
        return PathStatus(status).label.lower() if status is not None and status != PathStatus.published else ""

    known: dict[str, tuple[str, str | None]] = {slug: (title, status) for slug, title, status in others}
    own = path.slug if path is not None else draft.get("slug")
    rows = [{"slug": slug, "title": known.get(slug, (slug, None))[0],
             "note": unpublished(known.get(slug, ("", None))[1]),
             "choice": "required" if chosen[slug].get("required") else "recommended"} for slug in chosen]
    return rows + [{"slug": slug, "title": title, "note": unpublished(status), "choice": ""}
                   for slug, title, status in others if slug not in chosen and slug != own]


def _rule_error_section(error: str) -> int | None:
    """The section (from 0) whose rule the error is about: its number field takes the focus, marked invalid."""
    found = re.match(r"(?:The path: )?section (\d+)\b[^:]*: (?:it asks for any|an elective section|a number to pick)",
                     error, re.IGNORECASE)
    return int(found.group(1)) - 1 if found else None


def _readable(error: str) -> str:
    """"The path: section 2 needs at least one article" reads, in the editor, "Section 2 needs at least one
    article": the editor is the path."""
    error = error.removeprefix("The path: ")
    return error[:1].upper() + error[1:]


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
    q, add_to = request.form.get("q", "").strip(), form.add_to.data
    if not valid:  # a number out of range: the editor again, with the draft and the reason
        return _editor(draft, path=path, base_version=base_version, status=400, error=form.first_error(), dirty=True,
                       q=q, add_to=add_to)
    if action == "preview" and path is not None:  # what saving would do to the learners' percentages
        return _preview(draft, path=path, base_version=base_version, q=q, add_to=add_to)
    if action != "save":  # reshape the draft; Enter in the search box ("refresh") searches without JavaScript
        before = copy.deepcopy(draft)
        try:
            path_drafts.apply_action(draft, action, add_to=add_to)
        except path_drafts.DraftError as exc:
            return _editor(draft, path=path, base_version=base_version, status=400, error=str(exc), dirty=True,
                           q=q, add_to=add_to)
        focus = path_drafts.focus_after(before, draft, action) or ("search" if q and action == "refresh" else None)
        return _editor(draft, path=path, base_version=base_version, dirty=True, q=q, add_to=add_to, focus=focus)
    if path is not None:
        # The slug names the path; it is not edited in place. The status has its own action (change_status),
        # with a confirmation that says who loses the path: a save never changes it.
        draft["slug"], draft["status"] = path.slug, path.status.value
    try:
        definition = path_store.validate_definition(session=session, data=draft, source="The path")
        result = path_store.save_path(session=session, definition=definition, base_version=base_version,
                                        author=require_account())
    except PathDefinitionError as exc:
        return _editor(draft, path=path, base_version=base_version, status=400, error=str(exc), dirty=True,
                       q=q, add_to=add_to)
    except path_store.VersionConflict as conflict:
        return _editor(draft, path=path, base_version=base_version, status=409, conflict=conflict, dirty=True,
                       q=q, add_to=add_to)
    if result.unchanged:
        flash(f"Nothing changed: “{result.path.title}” stays at version {result.path.version}.", "info")
    else:
        flash(f"Saved version {result.path.version} of “{result.path.title}”: " + " ".join(result.changes), "success")
    # A whole new page: the flash and the new version number.
    return see_other(url_for("admin.edit_path", slug=result.path.slug))


def _preview(draft: dict, *, path, base_version: int | None, q: str, add_to: int | None):
    """The editor again, unsaved, saying how saving the draft would move each learner's percentage."""
    session = get_session()
    data = {**draft, "slug": path.slug, "status": path.status.value}
    try:
        definition = path_store.validate_definition(session=session, data=data, source="The path")
    except PathDefinitionError as exc:
        return _editor(draft, path=path, base_version=base_version, status=400, error=str(exc), dirty=True,
                       q=q, add_to=add_to)
    changes = rule_preview.percent_changes(session=session, path=path, definition=definition)
    return _editor(draft, path=path, base_version=base_version, dirty=True, q=q, add_to=add_to, preview=changes)


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
    if result.unchanged:
        flash(f"Version {version} has the content the path has now: nothing changed.", "info")
        return redirect(url_for("admin.history", slug=slug), code=303)
    flash(f"Version {version} restored as version {result.path.version}; the path stays "
          f"{result.path.status.label.lower()}.", "success")
    return redirect(url_for("admin.history", slug=slug), code=303)


@bp.route("/paths/<slug>/status", methods=["GET", "POST"])
@role_required(Role.admin)
def path_status(slug: str):
    """Change a path's status on its own: the page says who is on the path and what the change does to them."""
    session = get_session()
    path = _path(slug)
    form = PathStatusForm(status=request.args.get("status", path.status.value), base_version=path.version)
    status, error = 200, None
    if request.method == "POST":
        base_version = form.base_version.data if form.validate() else None  # required: None only when refused
        if base_version is not None:
            try:
                result = path_store.change_status(session=session, path=path, status=PathStatus(form.status.data),
                                                  base_version=base_version, author=require_account())
            except path_store.VersionConflict as conflict:
                session.refresh(path)
                status, error = 409, f"{conflict} Nothing was changed; check the status below and confirm again."
                form = PathStatusForm(formdata=None, status=form.status.data, base_version=path.version)
            else:
                if result.unchanged:
                    flash(f"“{path.title}” is already {path.status.label.lower()}.", "info")
                else:
                    flash(f"“{path.title}” is now {path.status.label.lower()} (version {path.version}).", "success")
                return see_other(url_for("admin.edit_path", slug=slug))
        else:
            status, error = 400, form.first_error()
    chosen = PathStatus(form.status.data) if form.status.data in set(PathStatus) else path.status
    return render_template("admin/path_status.html", path=path, form=form, chosen=chosen, error=error,
                           statuses=list(PathStatus), audience=path_store.path_audience(session=session, path=path),
                           consequence=path_store.status_consequence), status


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
