"""A group's assignment rules: list, add, change and delete them, preview what a run would do, queue a run, and
read the log of runs. Admins and the group's managers; anyone else is told there is no such group (404)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from tracker.api.blueprint import bp
from tracker.api.schemas import Items, Public, respond
from tracker.db import get_session
from tracker.http.auth import require_account, role_required
from tracker.http.inputs import json_body
from tracker.http.openapi import documented
from tracker.jobs import queue_rule_run
from tracker.models import AssignmentRule, Group, LearningPath, Role, RuleRun, utcnow
from tracker.services.people import time_zones
from tracker.services.teams import assignment_rules as rules
from tracker.services.teams.roster import group_for


class RulePublic(Public):
    id: int
    group: str = Field(description="the group's slug")
    path: str = Field(description="the path's slug")
    path_title: str
    due_on: date | None = Field(description="a fixed due date for everyone, or null")
    due_days_after_joining: int | None = Field(description="or due so many days after each member joined, counted "
                                                           "in their time zone")
    recur_months: int | None = Field(description="the path starts over every so many months; null: once")
    note: str
    enabled: bool = Field(description="false: members who join are not given the path (those who leave still "
                                      "lose it)")
    summary: str = Field(description="the due date and repeat in words")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, group: Group, rule: AssignmentRule, path: LearningPath) -> RulePublic:
        return cls(id=rule.id, group=group.slug, path=path.slug, path_title=path.title, due_on=rule.due_on,
                   due_days_after_joining=rule.due_days_after_joining, recur_months=rule.recur_months,
                   note=rule.note, enabled=rule.enabled, summary=rules.describe_due(rule),
                   created_at=rule.created_at, updated_at=rule.updated_at)


class RunPublic(Public):
    id: int
    rule_id: int | None = Field(description="null once the rule is deleted")
    rule: str = Field(description="the rule as it was when it ran: its path and due date")
    started_by: str = Field(description="a username, or schedule for the hourly check")
    status: str = Field(description="queued, running, done or failed")
    queued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    assigned: int
    withdrawn: int
    due_changed: int
    unchanged: int
    errors: int
    detail: str

    @classmethod
    def of(cls, run: RuleRun) -> RunPublic:
        return cls(id=run.id, rule_id=run.rule_id, rule=run.rule_label, started_by=run.started_by_label,
                   status=run.status.value, queued_at=run.queued_at, started_at=run.started_at,
                   finished_at=run.finished_at, assigned=run.assigned, withdrawn=run.withdrawn,
                   due_changed=run.due_changed, unchanged=run.unchanged, errors=run.errors, detail=run.detail)


class PreviewLine(Public):
    username: str
    name: str
    change: str = Field(description="assign, withdraw, change due date or unchanged")
    due_on: date | None = Field(description="the due date the person would have")
    reason: str


class RuleBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str = Field(min_length=1, max_length=80)
    due_on: date | None = Field(default=None, description="a fixed due date, not in the past")
    due_days_after_joining: int | None = Field(default=None, description="or 1 to 3650 days after each joined")
    recur_months: int | None = Field(default=None, description="1 to 60; null: once")
    note: str = Field(default="", max_length=4 * rules.NOTE_MAX)


class RuleChangeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    due_on: date | None = Field(default=None, description="left out: kept")
    due_days_after_joining: int | None = Field(default=None, description="left out: kept")
    recur_months: int | None = Field(default=None, description="left out: kept; null: once")
    note: str | None = Field(default=None, max_length=4 * rules.NOTE_MAX, description="left out: kept")
    enabled: bool | None = Field(default=None, description="left out: kept")


def _group(slug: str) -> Group:
    return group_for(session=get_session(), viewer=require_account(), slug=slug)


def _rule(slug: str, rule_id: int) -> tuple[Group, AssignmentRule, LearningPath]:
    group = _group(slug)
    rule = rules.get_rule(session=get_session(), group=group, rule_id=rule_id)
    return group, rule, get_session().get_one(LearningPath, rule.path_id)


def _queue(rule: AssignmentRule) -> RuleRun:
    session = get_session()
    run = rules.queue_run(session=session, rule=rule, actor=require_account())
    session.commit()
    queue_rule_run(run.id)
    return run


@bp.get("/groups/<slug>/rules")
@role_required(Role.learner)
@documented(summary="A group's assignment rules (admins and the group's managers)", response=Items[RulePublic],
            errors=(404,))
def list_group_rules(slug: str):
    group = _group(slug)
    return respond(Items[RulePublic](items=[RulePublic.of(group, rule, path) for rule, path in
                                            rules.list_rules(session=get_session(), group=group)]))


@bp.post("/groups/<slug>/rules")
@role_required(Role.learner)
@documented(summary="Add an assignment rule to a group and queue its first run", body=RuleBody,
            response=RulePublic, status=201, errors=(400, 404))
def create_group_rule(slug: str):
    """Every member gets the path when the run is done, and whoever joins later gets it at once. Give a fixed
    `due_on` or `due_days_after_joining`, not both (or neither: no due date)."""
    body = json_body(RuleBody)
    session = get_session()
    group = _group(slug)
    account = require_account()
    path = rules.rule_path(session=session, viewer=account, slug=body.path)
    rule = rules.create_rule(session=session, group=group, path=path, due_on=body.due_on,
                             due_days_after_joining=body.due_days_after_joining, recur_months=body.recur_months,
                             note=body.note, actor=account, today=time_zones.today_for(account, utcnow()))
    _queue(rule)
    return respond(RulePublic.of(group, rule, path), 201)


@bp.get("/groups/<slug>/rules/<id:rule_id>")
@role_required(Role.learner)
@documented(summary="One of a group's assignment rules", response=RulePublic, errors=(404,))
def get_group_rule(slug: str, rule_id: int):
    return respond(RulePublic.of(*_rule(slug, rule_id)))


@bp.patch("/groups/<slug>/rules/<id:rule_id>")
@role_required(Role.learner)
@documented(summary="Change a rule's due date, repeat, note or whether it is on, and queue a run",
            body=RuleChangeBody, response=RulePublic, errors=(400, 404))
def update_group_rule(slug: str, rule_id: int):
    """A field left out keeps its value. Setting `due_on` clears `due_days_after_joining` and the other way
    round; null for both: no due date. A run is queued only when something changed."""
    body = json_body(RuleChangeBody)
    given = body.model_fields_set
    group, rule, path = _rule(slug, rule_id)
    due_on, due_days = rule.due_on, rule.due_days_after_joining
    if "due_on" in given:
        due_on, due_days = body.due_on, (None if body.due_on is not None else due_days)
    if "due_days_after_joining" in given:
        due_days, due_on = body.due_days_after_joining, (None if body.due_days_after_joining is not None
                                                         else due_on)
    account = require_account()
    changed = rules.edit_rule(
        session=get_session(), rule=rule, due_on=due_on, due_days_after_joining=due_days,
        recur_months=body.recur_months if "recur_months" in given else rule.recur_months,
        note=body.note if body.note is not None else rule.note,
        enabled=body.enabled if body.enabled is not None else rule.enabled,
        actor=account, today=time_zones.today_for(account, utcnow()))
    if changed:
        _queue(rule)
    return respond(RulePublic.of(group, rule, path))


@bp.delete("/groups/<slug>/rules/<id:rule_id>")
@role_required(Role.learner)
@documented(summary="Delete a rule, withdrawing what it assigned (progress is kept)", status=204, errors=(404,))
def delete_group_rule(slug: str, rule_id: int):
    """The preview of a run does not show this; the rule's page does. A path another group's rule also gives
    someone stays with them under that rule. What was withdrawn is logged as the rule's last run."""
    _, rule, _ = _rule(slug, rule_id)
    rules.delete_rule(session=get_session(), rule=rule, actor=require_account(), now=utcnow())
    get_session().commit()
    return "", 204


@bp.get("/groups/<slug>/rules/<id:rule_id>/preview")
@role_required(Role.learner)
@documented(summary="What running the rule now would do, person by person (changes nothing)",
            response=Items[PreviewLine], errors=(404,))
def preview_group_rule(slug: str, rule_id: int):
    _, rule, _ = _rule(slug, rule_id)
    plan = rules.preview(session=get_session(), rule=rule, now=utcnow())
    return respond(Items[PreviewLine](items=[
        PreviewLine(username=c.learner.username, name=c.learner.name, change=c.kind.value, due_on=c.due_on,
                    reason=c.reason) for c in plan.changes]))


@bp.post("/groups/<slug>/rules/<id:rule_id>/runs")
@role_required(Role.learner)
@documented(summary="Queue a run of the rule now", response=RunPublic, status=202, errors=(404,))
def run_group_rule(slug: str, rule_id: int):
    """Answers at once with the queued run; GET the runs to see what it changed."""
    _, rule, _ = _rule(slug, rule_id)
    return respond(RunPublic.of(_queue(rule)), 202)


@bp.get("/groups/<slug>/rules/runs")
@role_required(Role.learner)
@documented(summary="The log of a group's rule runs, the latest first (at most 100)", response=Items[RunPublic],
            errors=(404,))
def list_group_rule_runs(slug: str):
    group = _group(slug)
    return respond(Items[RunPublic](items=[RunPublic.of(run) for run in
                                           rules.list_runs(session=get_session(), group=group)]))
