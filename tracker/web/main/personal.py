"""A learner's personal paths: copying a curated path, the copy's edit page, and taking or leaving the curated
path's changes. Every form works without JavaScript; with HTMX the edit page's forms answer in place."""

from __future__ import annotations

from flask import flash, url_for
from flask_login import login_required

from tracker.db import get_session
from tracker.http.auth import require_account
from tracker.http.render import is_htmx, page_or_fragment, see_other
from tracker.models import LearningPath
from tracker.services.curriculum import queries as path_queries
from tracker.services.curriculum import store
from tracker.services.errors import Invalid
from tracker.services.personal import forks
from tracker.web.forms import (
    AddArticleForm,
    AddResourceForm,
    ChangeDecisionForm,
    ForkForm,
    PathItemForm,
    RenameForm,
    ShareForm,
)
from tracker.web.main.blueprint import bp

EDITOR = "editor"  # the edit page's block (and element id) HTMX swaps


@bp.post("/paths/<slug>/fork")
@login_required
def fork(slug: str):
    """Copy a published curated path into the viewer's own (or, for a mentor, a mentee's) and open it."""
    session, user = get_session(), require_account()
    upstream = path_queries.visible_path(session=session, viewer=user, slug=slug).path
    form = ForkForm().checked()
    copy = forks.fork_for(session=session, upstream=upstream, by=user, learner=form.learner.data)
    if copy.owner_id != user.id:
        flash(f"{form.learner.data} has their own copy of “{upstream.title}”, shared with their mentors.", "success")
        return see_other(url_for("main.path_page", slug=upstream.slug))
    flash(f"This is your own copy of “{upstream.title}”: only you see it. Edit it as you like.", "success")
    return see_other(url_for("main.path_page", slug=copy.slug))


def _own(slug: str) -> LearningPath:
    return forks.personal_path(session=get_session(), viewer=require_account(), slug=slug, edit=True)


def _editor(path: LearningPath, *, status: int = 200, **extra):
    """The edit page, or for HTMX its editor block: the copy's sections with their controls and the forms."""
    session = get_session()
    detail = path_queries.path_details(session=session, paths=[path])[path.id]
    forms = {"rename_form": RenameForm(formdata=None, title=path.title), "article_form": AddArticleForm(formdata=None),
             "resource_form": AddResourceForm(formdata=None), "share_form": ShareForm(formdata=None,
                                                                                      shared=path.shared_with_mentors)}
    return page_or_fragment("paths/edit.html", block=EDITOR, status=status,
                            **{"path": path, "detail": detail, **forms, **extra})


@bp.get("/paths/<slug>/edit")
@login_required
def edit_path(slug: str):
    """The copy's edit page (its owner's only; anyone else: not found)."""
    return _editor(_own(slug))


def _saved(path: LearningPath, message: str):
    if is_htmx():
        return _editor(path, saved=message)
    flash(message, "success")
    return see_other(url_for("main.edit_path", slug=path.slug) + f"#{EDITOR}")


def _refused(path: LearningPath, error: Exception, where: str, **forms):
    """The editor again with the error beside the form that caused it (`where`), and what was typed kept."""
    get_session().rollback()
    get_session().refresh(path)
    return _editor(path, status=409 if isinstance(error, store.VersionConflict) else 400,
                   error=str(error), error_field=where, **forms)


@bp.post("/paths/<slug>/edit/title")
@login_required
def rename_path(slug: str):
    path, form = _own(slug), RenameForm()
    try:
        form.checked()
        forks.rename(session=get_session(), path=path, editor=require_account(), title=form.title.data or "",
                     base_version=form.version.data)
    except (Invalid, store.VersionConflict) as error:
        return _refused(path, error, "rename", rename_form=form)
    return _saved(path, "Renamed.")


@bp.post("/paths/<slug>/edit/article")
@login_required
def add_article(slug: str):
    path, form = _own(slug), AddArticleForm()
    try:
        form.checked()
        result = forks.add_article(session=get_session(), path=path, editor=require_account(),
                                   section=form.section.data or 0, article_slug=form.article.data or "",
                                   base_version=form.version.data)
    except (Invalid, store.VersionConflict) as error:
        return _refused(path, error, "article", article_form=form)
    return _saved(path, result.changes[0])


@bp.post("/paths/<slug>/edit/resource")
@login_required
def add_path_resource(slug: str):
    path, form = _own(slug), AddResourceForm()
    try:
        form.checked()
        result = forks.add_resource(session=get_session(), path=path, editor=require_account(),
                                    section=form.section.data or 0, title=form.title.data or "",
                                    url=form.url.data or "", minutes=form.minutes.data,
                                    base_version=form.version.data)
    except (Invalid, store.VersionConflict) as error:
        return _refused(path, error, "resource", resource_form=form)
    return _saved(path, result.changes[0])


@bp.post("/paths/<slug>/edit/item")
@login_required
def change_item(slug: str):
    """Move an article up or down, or take it out."""
    path, form = _own(slug), PathItemForm()
    session, user = get_session(), require_account()
    try:
        form.checked()
        article = form.article.data or ""
        if form.action.data == "remove":
            result = forks.remove_item(session=session, path=path, editor=user, article_slug=article,
                                       base_version=form.version.data)
        else:
            result = forks.move_item(session=session, path=path, editor=user, article_slug=article,
                                     up=form.action.data == "up", base_version=form.version.data)
    except (Invalid, store.VersionConflict) as error:
        return _refused(path, error, "item")
    return _saved(path, result.changes[0])


@bp.post("/paths/<slug>/edit/share")
@login_required
def share_path(slug: str):
    path, form = _own(slug), ShareForm()
    forks.share(session=get_session(), path=path, editor=require_account(), shared=bool(form.shared.data))
    return _saved(path, "Your mentors see this path." if path.shared_with_mentors
                  else "Only you see this path.")


@bp.post("/paths/<slug>/changes")
@login_required
def decide_change(slug: str):
    """Take (into the copy) or leave one of the curated path's changes; back to the copy's page."""
    path, form = _own(slug), ChangeDecisionForm().checked()
    take = form.decision.data == "take"
    forks.decide(session=get_session(), path=path, editor=require_account(), key=form.key.data or "", take=take)
    flash("Taken into your copy." if take else "Left out of your copy.", "success")
    # HTMX follows the redirect as a navigation: to the same address with only a new fragment it would not reload
    return see_other(url_for("main.path_page", slug=slug) + ("" if is_htmx() else "#fork"))
