"""The catalog and an article: marking progress in place, the note and the takeaway."""

from __future__ import annotations

from flask import flash, render_template, request, url_for
from flask_login import login_required
from sqlmodel import Session

from tracker.db import get_session
from tracker.http.auth import current_account, require_account
from tracker.http.issuer import current_issuer
from tracker.http.render import fragment, fragment_or_page, is_htmx, page_or_fragment, see_other
from tracker.models import Article, ProgressState, User
from tracker.services import access
from tracker.services.catalog import articles as catalog
from tracker.services.curriculum import queries as path_queries
from tracker.services.curriculum.kept import current_stamp
from tracker.services.curriculum.queries import PathEntry
from tracker.services.errors import NotFound
from tracker.services.learning import notes, recall
from tracker.services.learning import suggestions as card_suggestions
from tracker.services.personal import resources as personal_resources
from tracker.services.progress import catch_up, marking
from tracker.services.progress import marks as progress
from tracker.web.auth import safe_next
from tracker.web.forms import MarkForm, NoteForm, RecallCardForm, TakeawayForm
from tracker.web.main.blueprint import bp


@bp.get("/catalog")
def catalog_page():
    session = get_session()
    filters = catalog.ArticleQuery.from_args(request.args)
    page = catalog.search_articles(session=session, query=filters)
    user = current_account()
    article_ids = [card.article.id for card in page.items]
    states = progress.states_for(session=session, user=user, article_ids=article_ids)
    my_notes = notes.notes_for(session=session, user=user, article_ids=article_ids) if user else {}
    context = {"page": page, "filters": filters, "states": states, "notes": my_notes,
               "topics": catalog.list_topics(session=session), "sources": catalog.list_sources(session=session)}
    # Keep the address bar shareable: the canonical URL, without empty filters.
    return page_or_fragment("catalog/index.html", block="results", target="catalog-results",
                            push_url=url_for("main.catalog_page", **filters.model_dump(exclude_defaults=True)),
                            **context)


@bp.post("/articles/<slug>/progress")
@login_required
def mark(slug: str):
    """Set the state of an article. HTMX gets the row and the bars to swap; a plain form gets a redirect."""
    session = get_session()
    user = require_account()
    card = catalog.require_card(session=session, slug=slug, owner=user)  # a resource: its owner's alone
    article = card.article
    form = MarkForm().checked()
    state = ProgressState(form.state.data)
    path_slug = form.path.data or None
    before = progress.path_progress(session=session, user=user, slug=path_slug) if path_slug else None
    if before is not None and (article.id not in before.article_ids() or not access.can_see_path(user, before.path)):
        before, path_slug = None, None  # not on that path (any more): answer as the catalog would
    marked = marking.mark_article(session=session, user=user, article=article, state=state,
                                  path=before.path if before is not None else None, view=before,
                                  issuer=current_issuer)

    if not is_htmx():
        anchor = "" if form.place.data == "article" else f"#article-{article.slug}"
        default = url_for("main.path_page", slug=path_slug) if before else url_for("main.catalog_page")
        return see_other(safe_next(default) + anchor)

    if form.place.data == "article":
        return fragment("partials/_article_state.html", card=card, state=state, announce=True)
    after = before.with_state(article.id, state, marked.progress.updated_at) if before else None
    if after is not None and form.stamp.data and form.stamp.data != current_stamp(session):
        # The page was made from an older curriculum (an editor changed the path since): its sections and rows
        # may be gone, so only the pressed row is swapped, and the page is asked to reload.
        my_notes = notes.notes_for(session=session, user=user, article_ids=[article.id])
        return fragment("partials/_progress_update.html", card=card, state=state, view=after, moved=[],
                        notes=my_notes, outdated=True)
    moved, locked = _rows_that_move(before, after, article.id)
    row_ids = [article.id] + [entry.article_id for entry in moved]
    my_notes = notes.notes_for(session=session, user=user, article_ids=row_ids)
    mine = personal_resources.beside_articles(session=session, viewer=user, owner=user, article_ids=row_ids) \
        if after is not None else {}  # a path page's rows keep their resources
    return fragment("partials/_progress_update.html", card=card, state=state, view=after,
                    moved=moved, notes=my_notes, resources_by_article=mine, locked=locked,
                    catch_up=catch_up.for_path(session=session, learner=user, view=after)
                    if after is not None else None)


def _rows_that_move(before: progress.PathProgress | None, after: progress.PathProgress | None, article_id: int
                    ) -> tuple[list[PathEntry], dict[int, PathEntry]]:
    """The other rows a mark changes on the path page (the "next" article, before and after, and the rows an
    in-order section opens or closes), and the articles closed after it."""
    if before is None or after is None:
        return [], {}
    old_next, new_next = before.overall.next_entry, after.overall.next_entry
    moved = [entry for entry in (old_next, new_next) if entry is not None and entry.article_id != article_id]
    was_locked = progress.locked_articles(before.entries(), before.states)
    locked = progress.locked_articles(after.entries(), after.states)
    moved += [entry for entry in after.entries()
              if (entry.article_id in was_locked) != (entry.article_id in locked)
              and entry.article_id != article_id and all(m.article_id != entry.article_id for m in moved)]
    return moved, locked


@bp.get("/articles/<slug>")
def article_page(slug: str):
    """One article: what it is, where to read it, my state and note, and the paths it belongs to."""
    return render_template("catalog/article.html", **article_context(slug))


def article_context(slug: str, **overrides) -> dict:
    """What the article page shows, with `overrides` (a refused card form and its reason, say)."""
    session = get_session()
    viewer = current_account()
    card = _readable_card(session, viewer, slug)
    article = card.article
    # A mentor reading a mentee's shared resource sees it, not their own state, note or cards on it.
    user = viewer if article.owner_id is None or access.can_edit_resource(viewer, article) else None
    note = notes.note_for(session=session, user=user, article=article) if user else None
    context = {
        "card": card, "note": note, "learner": user, "resources": _resources_beside(session, user, article),
        "state": progress.states_for(session=session, user=user, article_ids=[article.id]).get(
            article.id, ProgressState.not_started) if user else None,
        "replies": notes.replies_to(session=session, note=note) if note else [],
        "card_form": RecallCardForm(formdata=None),
        "memberships": path_queries.paths_with_article(session=session, viewer=user, article=article),
    } | (recall_context(session, user, article) if user else {"recall_cards": [], "suggestions": []})
    return context | overrides


def _readable_card(session: Session, viewer: User | None, slug: str) -> catalog.ArticleCard:
    """The catalog's article, or a personal resource `viewer` may see (its owner; their mentors once shared);
    NotFound for anyone else, as if it did not exist."""
    try:
        return catalog.require_card(session=session, slug=slug, owner=viewer)
    except NotFound:
        resource = personal_resources.visible_resource(session=session, viewer=viewer, slug=slug)
        return catalog.article_cards(session=session, articles=[resource])[0]


def _resources_beside(session: Session, user: User | None, article: Article) -> list[Article] | None:
    """The learner's own resources beside a catalog article (None on a resource's own page, or signed out)."""
    if user is None or article.owner_id is not None:
        return None
    return personal_resources.beside_articles(session=session, viewer=user, owner=user,
                                              article_ids=[article.id]).get(article.id, [])


def recall_context(session: Session, user: User, article: Article) -> dict:
    """The learner's cards on an article and the suggestions offered: what partials/_recall_cards.html shows."""
    return {"article": article,
            "recall_cards": recall.cards_for_article(session=session, user=user, article=article),
            "suggestions": card_suggestions.suggestions_for(session=session, learner=user, article=article)}


@bp.get("/articles/<slug>/note")
@login_required
def note_page(slug: str):
    """The learner's note on an article, with mentors' replies."""
    session = get_session()
    article = catalog.require_article(session=session, slug=slug, owner=require_account())
    note = notes.note_for(session=session, user=require_account(), article=article)
    replies = notes.replies_to(session=session, note=note) if note else []
    return render_template("main/note.html", article=article, note=note, replies=replies)


@bp.post("/articles/<slug>/note")
@login_required
def save_note(slug: str):
    session = get_session()
    user = require_account()
    article = catalog.require_article(session=session, slug=slug, owner=user)
    form = NoteForm().checked()
    body = form.body.data or ""
    try:
        note = notes.save_note(session=session, user=user, article=article, body=body,
                               shared=form.shared.data)
    except notes.NoteError as exc:
        # The form again, with its draft and the reason, where the person is typing (page or fragment).
        existing = notes.note_for(session=session, user=user, article=article)
        return fragment_or_page("partials/_note.html", "main/note.html", status=400, article=article,
                                note=existing,
                                replies=notes.replies_to(session=session, note=existing) if existing else [],
                                draft=body, error=str(exc), open=True)
    if is_htmx():
        return fragment("partials/_note.html", article=article, note=note, saved=True, open=True)
    flash("Note saved." if note else "Note deleted.", "success")
    return see_other(safe_next(url_for("main.note_page", slug=slug)))


@bp.post("/articles/<slug>/takeaway")
@login_required
def save_takeaway(slug: str):
    """What the learner would tell a colleague, kept in their note; offered right after marking it done."""
    session = get_session()
    user = require_account()
    article = catalog.require_article(session=session, slug=slug, owner=user)
    form = TakeawayForm().checked()
    prompt = form.prompt.data
    try:
        note = notes.save_takeaway(session=session, user=user, article=article, text=form.text.data or "",
                                   shared=form.shared.data)
    except notes.NoteError as exc:  # the form again, with the draft and the reason, where it was typed
        if not is_htmx():
            flash(str(exc), "error")
            return see_other(url_for("main.article_page", slug=slug) + "#takeaway-" + slug)
        return fragment("partials/_takeaway.html", status=400, article=article, prompt=prompt, error=str(exc),
                        draft=form.text.data, note=notes.note_for(session=session, user=user, article=article))
    if is_htmx():
        return fragment("partials/_takeaway.html", article=article, note=note, saved=True)
    flash("Takeaway saved." if note and note.takeaway else "Takeaway removed.", "success")
    return see_other(url_for("main.article_page", slug=slug) + "#takeaway-" + slug)
