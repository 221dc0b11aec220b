"""Carrying on after a sign-in: the press a signed-out page sent (tracker.http.repeat), shown in words with one
button that sends it again."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import login_required

from tracker.db import get_session
from tracker.http import repeat
from tracker.http.auth import current_account
from tracker.models import ProgressState
from tracker.services.catalog import articles as catalog
from tracker.services.curriculum import queries as path_queries
from tracker.services.errors import Invalid
from tracker.web.main.blueprint import bp

MARK_WORDS = {ProgressState.done: "Mark “{}” done", ProgressState.in_progress: "Mark “{}” as reading",
              ProgressState.skipped: "Skip “{}”", ProgressState.not_started: "Mark “{}” as not started"}


@bp.get("/resume")
@login_required
def resume():
    """What was pressed before the session ended, and a button to press it again (with this page's token)."""
    press = repeat.read_press(request.args.get("press", ""))
    if press is None:
        raise Invalid("This kept press is too old or was altered, so it cannot be repeated. Go back to the page "
                      "and press it again.")
    return render_template("main/resume.html", press=press, what=describe(press),
                           action=url_for(press.endpoint, **press.args))


def describe(press: repeat.Press) -> str:
    """The press in words, as its button says it (404 when its article or path is gone)."""
    session = get_session()
    slug = press.args.get("slug", "")
    if press.endpoint == "main.mark":
        title = catalog.require_card(session=session, slug=slug).article.title
        try:
            state = ProgressState(press.fields.get("state", ""))
        except ValueError:
            raise Invalid("This kept press names no state, so it cannot be repeated.") from None
        return MARK_WORDS[state].format(title)
    title = path_queries.visible_path(session=session, viewer=current_account(), slug=slug).path.title
    return f"Follow “{title}”" if press.endpoint == "main.follow" else f"Stop following “{title}”"
