"""Administration: the path editor with history, the catalog, users and mentorships."""

from __future__ import annotations

import re

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from sqlmodel import select

from tracker.db import get_session
from tracker.http.auth import current_account, role_required
from tracker.http.inputs import form_int
from tracker.http.render import page_or_fragment, see_other
from tracker.models import Article, PathStatus, Role, Source
from tracker.services import accounts, catalog, catalog_file, catalog_store, listings, mentorships, path_drafts, path_format, path_queries, path_store
from tracker.services.errors import DomainError, Invalid
from tracker.services.path_format import ORDER_MAX, PathDefinitionError

bp = Blueprint("admin", __name__, url_prefix="/admin")
UPLOAD_LIMIT = 256 * 1024


@bp.get("/")
@role_required(Role.admin)
def index():
    return redirect(url_for("admin.path_list"))


# ---------------------------------------------------------------- paths

@bp.get("/paths")
@role_required(Role.admin)
def path_list():
    return render_template("admin/paths.html", paths=path_queries.list_paths(session=get_session()))


def _path(slug: str):
    return path_queries.require_learning_path(session=get_session(), slug=slug)


_SECTION_FIELD = re.compile(r"^sections-(\d+)-title$")
_ITEM_FIELD = re.compile(r"^sections-(\d+)-items-(\d+)-slug$")


def draft_from_form(form) -> dict:
    """Rebuild the editor's draft from its fields (sections and items ordered by their indexes)."""
    def number(field, label, default=None, bound=520):
        value = (form.get(field) or "").strip()
        if value == "":
            return default
        if len(value) > 7 or not value.lstrip("-").isdigit() or not -bound <= int(value) <= bound:
            raise path_drafts.DraftError(f"{label}: '{value[:20]}' is not a whole number from {-bound} to {bound}.")
        return int(value)

    sections: dict[int, dict] = {}
    for key in form:
        if match := _SECTION_FIELD.match(key):
            sections.setdefault(int(match.group(1)), {"items": {}})["title"] = form[key]
    for key in form:
        if match := _ITEM_FIELD.match(key):
            s, i = int(match.group(1)), int(match.group(2))
            section = sections.setdefault(s, {"title": "", "items": {}})
            section["items"][i] = {"slug": form[key], "optional": form.get(f"sections-{s}-items-{i}-optional") == "on"}
    return {
        "slug": form.get("slug", "").strip(), "title": form.get("title", "").strip(),
        "summary": form.get("summary", "").strip(), "outcome": form.get("outcome", "").strip(),
        "weeks": {"min": number("weeks_min", "Weeks, at least", 0), "max": number("weeks_max", "Weeks, at most")},
        "order": number("order", "Order", 100, ORDER_MAX), "status": form.get("status", PathStatus.draft.value),
        "sections": [{"title": sections[s].get("title", "").strip(),
                      "items": [sections[s]["items"][i] for i in sorted(sections[s]["items"])]}
                     for s in sorted(sections)],
    }


def _editor(draft: dict, *, path=None, base_version: int | None, status: int = 200, error: str | None = None,
            conflict=None, saved: list[str] | None = None, dirty: bool = False):
    session = get_session()
    slugs = [item["slug"] for section in draft["sections"] for item in section["items"]]
    titles = dict(session.exec(select(Article.slug, Article.title).where(Article.slug.in_(slugs))).all())
    context = {"draft": draft, "path": path, "base_version": base_version, "titles": titles, "error": error,
               "conflict": conflict, "saved": saved, "dirty": dirty, "statuses": list(PathStatus)}
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
    base_version = form_int("base_version", label="Version", minimum=1)
    action = request.form.get("action", "save")
    draft = draft_from_form(request.form)
    if action != "save":
        add_to = form_int("add_to", label="Add to section", maximum=1000)
        try:
            path_drafts.apply_action(draft, action, add_to=add_to)
        except path_drafts.DraftError as exc:
            return _editor(draft, path=path, base_version=base_version, status=400, error=str(exc), dirty=True)
        return _editor(draft, path=path, base_version=base_version, dirty=True)
    if path is not None:
        draft["slug"] = path.slug  # the slug names the path; it is not edited in place
    try:
        definition = path_store.validate_definition(session=session, data=draft, source="The path")
        result = path_store.save_path(session=session, definition=definition, base_version=base_version,
                                        author=current_account())
    except PathDefinitionError as exc:
        return _editor(draft, path=path, base_version=base_version, status=400, error=str(exc), dirty=True)
    except path_store.VersionConflict as conflict:
        return _editor(draft, path=path, base_version=base_version, status=409, conflict=conflict, dirty=True)
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


@bp.post("/paths/<slug>/restore/<id:version>")
@role_required(Role.admin)
def restore(slug: str, version: int):
    session = get_session()
    path = _path(slug)
    try:
        result = path_store.restore_version(session=session, path=path, version=version,
                                              base_version=form_int("base_version", label="Version", minimum=1,
                                                                    default=-1),
                                              author=current_account())
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


@bp.route("/paths/import", methods=["GET", "POST"])
@role_required(Role.admin)
def import_path():
    """Upload a path file: validated like `tracker paths load`; a new path is created, a known one gets a version."""
    if request.method == "GET":
        return render_template("admin/path_import.html", error=None)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return render_template("admin/path_import.html", error="Choose a YAML file to import."), 400
    data = upload.read(UPLOAD_LIMIT + 1)
    if len(data) > UPLOAD_LIMIT:
        return render_template("admin/path_import.html", error="The file is larger than 256 KiB."), 400
    session = get_session()
    try:
        text = data.decode("utf-8")
        definition = path_format.parse_path_definition(text, filename=upload.filename,
                                                         known_slugs=path_store.known_slugs(session=session))
        existing = path_queries.get_learning_path(session=session, slug=definition.slug)
        result = path_store.save_path(session=session, definition=definition,
                                        base_version=existing.version if existing else None,
                                        author=current_account(), summary_prefix=[f"Imported {upload.filename}."])
    except UnicodeDecodeError:
        return render_template("admin/path_import.html", error=f"{upload.filename}: not UTF-8 text."), 400
    except (PathDefinitionError, path_store.VersionConflict) as exc:
        return render_template("admin/path_import.html", error=str(exc)), 400
    flash(f"Imported “{result.path.title}” as version {result.path.version}.", "success")
    return redirect(url_for("admin.edit_path", slug=result.path.slug), code=303)


# ---------------------------------------------------------------- catalog

@bp.get("/articles")
@role_required(Role.admin)
def article_list():
    query = catalog.ArticleQuery.from_args({**request.args.to_dict(), "per_page": "50"})
    page = catalog.search_articles(session=get_session(), query=query)
    return render_template("admin/articles.html", page=page, filters=query)


def _sources():
    return list(get_session().exec(select(Source).order_by(Source.name)))


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
        return render_template("admin/article_edit.html", card=card, values=None, error=None, sources=_sources())
    try:
        form = catalog_store.ArticleForm.from_form(request.form)
        article = catalog_store.save_article(session=session, slug=slug, form=form)
    except catalog_file.CatalogError as exc:
        session.rollback()
        return render_template("admin/article_edit.html", card=card, values=request.form, error=str(exc),
                               sources=_sources()), 400
    flash(f"Saved “{article.title}”.", "success")
    return redirect(url_for("admin.edit_article", slug=article.slug), code=303)


@bp.route("/articles/import", methods=["GET", "POST"])
@role_required(Role.admin)
def import_listing():
    """Paste a listing page: see what the importer makes of it, then save."""
    if request.method == "GET":
        return render_template("admin/catalog_import.html", plan=None, text="", source_name="", error=None)
    text = request.form.get("text", "")
    source_name = request.form.get("source_name", "").strip() or None
    if len(text) > UPLOAD_LIMIT:
        return render_template("admin/catalog_import.html", plan=None, text="", source_name=source_name or "",
                               error="The listing is larger than 256 KiB."), 400
    session = get_session()
    try:
        listing = listings.parse_listing(text, provenance="pasted in the admin", source_name=source_name)
        plan = catalog_store.plan_listing_import(session=session, listing=listing)
    except (listings.ListingError, catalog_file.CatalogError, ValueError) as exc:
        return render_template("admin/catalog_import.html", plan=None, text=text, source_name=source_name or "",
                               error=str(exc)), 400
    if request.form.get("confirm") != "yes":
        return render_template("admin/catalog_import.html", plan=plan, text=text, source_name=source_name or "",
                               error=None)
    report = catalog_store.import_listing(session=session, plan=plan)
    flash(f"Imported {listing.source_name}: {report.created} new, {report.updated} updated, "
          f"{report.unchanged} unchanged.", "success")
    return redirect(url_for("admin.article_list", source=listing.source_slug), code=303)


# ---------------------------------------------------------------- users

@bp.get("/users")
@role_required(Role.admin)
def users():
    q = request.args.get("q", "")[:64]
    return render_template("admin/users.html", users=accounts.list_users(session=get_session(), q=q), q=q,
                           roles=list(Role))


@bp.post("/users/<username>")
@role_required(Role.admin)
def update_user(username: str):
    session = get_session()
    user = accounts.require_user(session=session, username=username)
    action = request.form.get("action")
    try:
        if action == "role":
            try:
                role = Role(request.form.get("role", ""))
            except ValueError:
                raise Invalid("Choose learner, mentor or admin.") from None
            accounts.set_role(session=session, admin=current_account(), user=user, role=role)
            flash(f"{user.username} is now {role.value}.", "success")
        elif action in {"deactivate", "reactivate"}:
            accounts.set_active(session=session, admin=current_account(), user=user, active=action == "reactivate")
            flash(f"{user.username} is {'reactivated' if action == 'reactivate' else 'deactivated; their sessions ended'}.",
                  "success")
        elif action == "password":
            accounts.set_temporary_password(session=session, user=user, password=request.form.get("password", ""))
            flash(f"Temporary password set; {user.username} must change it at the next sign-in.", "success")
        else:
            raise Invalid("Unknown user action.")
    except accounts.AccountError as exc:
        flash(str(exc), "error")
    return redirect(url_for("admin.users", q=request.args.get("q", "")), code=303)


# ---------------------------------------------------------------- mentorships

@bp.get("/mentorships")
@role_required(Role.admin)
def mentorship_list():
    session = get_session()
    return render_template("admin/mentorships.html", rows=mentorships.all_mentorships(session=session))


def _pair():
    return mentorships.resolve_pair(session=get_session(), mentor_name=request.form.get("mentor", ""),
                                  learner_name=request.form.get("learner", ""))


@bp.post("/mentorships")
@role_required(Role.admin)
def link():
    try:
        mentor, learner = _pair()
        mentorships.link(session=get_session(), mentor=mentor, learner=learner)
    except mentorships.MentoringError as exc:
        flash(str(exc), "error")
    else:
        flash(f"{mentor.username} now mentors {learner.username}.", "success")
    return redirect(url_for("admin.mentorship_list"), code=303)


@bp.post("/mentorships/remove")
@role_required(Role.admin)
def unlink():
    try:
        mentor, learner = _pair()
    except mentorships.MentoringError as exc:
        flash(str(exc), "error")
    else:
        try:
            mentorships.unlink(session=get_session(), mentor=mentor, learner=learner)
        except DomainError as exc:
            flash(str(exc), "error")
        else:
            flash(f"{mentor.username} no longer mentors {learner.username}.", "success")
    return redirect(url_for("admin.mentorship_list"), code=303)
