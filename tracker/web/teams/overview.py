"""A group's overview for its managers: members × paths, the group's counts and their trend."""

from __future__ import annotations

from flask import request, url_for
from flask_login import login_required

from tracker.db import get_session
from tracker.http.auth import require_account
from tracker.http.downloads import csv_text, download, spreadsheet_safe
from tracker.http.render import page_or_fragment
from tracker.models import utcnow
from tracker.services.mentoring.rules import AssignmentStatus
from tracker.services.teams import overview as group_overviews
from tracker.services.teams.roster import group_for
from tracker.web.teams.blueprint import bp

SORT_LABELS = (("name", "Member"), ("percent", "Least done first"), ("due", "Earliest due"), ("status", "Status"))


@bp.get("/")
@login_required
def groups():
    listings = group_overviews.group_listings(session=get_session(), viewer=require_account(), now=utcnow())
    return page_or_fragment("teams/groups.html", listings=listings, statuses=list(AssignmentStatus))


def _overview_context(slug: str, *, paged: bool = True) -> dict:
    session = get_session()
    viewer = require_account()
    group = group_for(session=session, viewer=viewer, slug=slug)
    query = group_overviews.GroupOverviewQuery.from_args(request.args)
    overview = group_overviews.group_overview(session=session, group=group, now=utcnow(), query=query, paged=paged)
    return {"group": group, "overview": overview, "filters": query, "viewer": viewer,
            "all_paths": overview.all_paths,
            "statuses": list(AssignmentStatus), "sorts": SORT_LABELS}


@bp.get("/<slug>")
@login_required
def overview(slug: str):
    if request.args.get("format") == "csv":
        return overview_csv(slug)
    context = _overview_context(slug)
    return page_or_fragment("teams/overview.html", block="table", target="group-table",
                            push_url=url_for("teams.overview", slug=slug, **context["filters"].args()), **context)


@bp.get("/<slug>.csv")
@login_required
def overview_csv(slug: str):
    """The whole filtered table (every page), one row a member, three columns a path."""
    context = _overview_context(slug, paged=False)
    overview = context["overview"]
    header = ["member", "name"]
    for path in overview.paths:
        header += [f"{path.title}: percent done", f"{path.title}: status", f"{path.title}: due on"]
    rows = []
    for row in overview.rows:
        values: list[object] = [row.member.username, row.member.display_name]
        for path in overview.paths:
            cell = row.cell(path)
            values += ["", "", ""] if cell is None else [
                cell.tally.percent, cell.status.value, cell.due_on.isoformat() if cell.due_on else ""]
        rows.append(values)
    # Titles are the curriculum's, names the members': every cell, the header's too, is made spreadsheet-safe.
    return download(csv_text([spreadsheet_safe(title) for title in header], rows),
                    filename=f"{context['group'].slug}-overview.csv", mimetype="text/csv")
