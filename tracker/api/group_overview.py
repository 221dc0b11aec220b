"""A group's overview for its managers: members × paths with percent, status and due date, and the group's
counts by status with their weekly trend (the page at /groups/<slug>, as JSON)."""

from __future__ import annotations

from datetime import date

from flask import request
from flask_login import login_required
from pydantic import Field

from tracker.api.blueprint import bp
from tracker.api.schemas import Public, respond
from tracker.db import get_session
from tracker.http.auth import require_account
from tracker.http.openapi import documented
from tracker.models import utcnow
from tracker.services.mentoring.rules import AssignmentStatus
from tracker.services.teams import overview as group_overviews
from tracker.services.teams.roster import group_for


class GroupPathPublic(Public):
    slug: str
    title: str


class GroupCellPublic(Public):
    path: str = Field(description="the path's slug")
    percent: int = Field(description="required articles done, rounded down")
    done: int
    skipped: int
    total: int = Field(description="required articles")
    status: AssignmentStatus
    due_on: date | None


class GroupMemberPublic(Public):
    username: str
    name: str
    cells: list[GroupCellPublic] = Field(description="one per path of the group this member has assigned")


class TrendPointPublic(Public):
    ends: date = Field(description="the last day of the week counted (the last point: today)")
    counts: dict[AssignmentStatus, int]


class GroupOverviewPublic(Public):
    group: str = Field(description="the group's slug")
    name: str
    members: int = Field(description="every member of the group")
    counts: dict[AssignmentStatus, int] = Field(description="every member's active assignments by status")
    trend: list[TrendPointPublic] = Field(description="the counts at the end of each of the last 12 weeks")
    paths: list[GroupPathPublic] = Field(description="the paths shown: assigned to at least one member")
    items: list[GroupMemberPublic] = Field(description="this page's members")
    total: int = Field(description="members matching the filters, on every page")
    page: int
    pages: int
    per_page: int


@bp.get("/groups/<slug>/overview")
@login_required
@documented(summary="A group's overview: members × paths, counts by status and their trend (admins and the "
                    "group's managers)", query=group_overviews.GroupOverviewQuery, response=GroupOverviewPublic,
            errors=(400, 404))
def group_overview(slug: str):
    session = get_session()
    group = group_for(session=session, viewer=require_account(), slug=slug)
    query = group_overviews.GroupOverviewQuery.from_args(request.args)
    overview = group_overviews.group_overview(session=session, group=group, now=utcnow(), query=query)
    summary = overview.summary
    return respond(GroupOverviewPublic(
        group=group.slug, name=group.name, members=summary.members, counts=dict(summary.counts),
        trend=[TrendPointPublic(ends=point.ends, counts=dict(point.counts)) for point in summary.trend],
        paths=[GroupPathPublic(slug=path.slug, title=path.title) for path in overview.paths],
        items=[GroupMemberPublic(username=row.member.username, name=row.member.name, cells=[
            GroupCellPublic(path=path.slug, percent=cell.tally.percent, done=cell.tally.done,
                            skipped=cell.tally.skipped, total=cell.tally.total, status=cell.status, due_on=cell.due_on)
            for path in overview.paths if (cell := row.cell(path)) is not None]) for row in overview.rows],
        total=overview.total, page=overview.page, pages=overview.pages, per_page=overview.per_page))
