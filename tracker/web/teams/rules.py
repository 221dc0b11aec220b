"""A group's assignment rules: paths assigned to every member, previewed before they run, with their runs.

Admins and the group's managers (access.can_manage_group) see these pages; anyone else is told there is no
such group. Making or changing a rule, and "Run now", log a run and queue it; the job queue applies it.
"""

from __future__ import annotations

from flask import flash, url_for
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # WTForms 3.3; the stubs stop at 3.2

from tracker.db import get_session
from tracker.http.auth import require_account, role_required
from tracker.http.downloads import csv_text, download
from tracker.http.render import is_htmx, page_or_fragment, see_other
from tracker.jobs import queue_rule_run
from tracker.models import AssignmentRule, Group, LearningPath, Role, utcnow
from tracker.services.errors import Invalid, NotFound
from tracker.services.people import time_zones
from tracker.services.teams import RuleError
from tracker.services.teams import assignment_rules as rules
from tracker.services.teams.roster import group_for
from tracker.web.forms import EditRuleForm, Form, NewRuleForm
from tracker.web.teams.blueprint import bp


def _group(slug: str) -> Group:
    return group_for(session=get_session(), viewer=require_account(), slug=slug)


def _rule(slug: str, rule_id: int) -> tuple[Group, AssignmentRule, LearningPath]:
    session = get_session()
    group = _group(slug)
    rule = rules.get_rule(session=session, group=group, rule_id=rule_id)
    return group, rule, session.get_one(LearningPath, rule.path_id)


def _today():
    return time_zones.today_for(require_account(), utcnow())


def _new_form(*, fresh: bool = False) -> NewRuleForm:
    """The form to add a rule: as posted, or `fresh` with its defaults."""
    form = NewRuleForm(formdata=None) if fresh else NewRuleForm()
    form.path.choices = [SelectChoice("", "Choose a path")] + [
        SelectChoice(p.slug, p.title) for p in rules.assignable_paths(session=get_session())]
    return form


def _list_page(group: Group, form: NewRuleForm | None = None, *, notice: str = "", status: int = 200):
    """The rules page, or for HTMX its block of rules (with `notice` said in it)."""
    session = get_session()
    return page_or_fragment("teams/rules.html", block="rules", target="group-rules", status=status, group=group,
                            rules=rules.list_rules(session=session, group=group), describe=rules.describe_due,
                            form=form or _new_form(fresh=True), notice=notice)


def _field_error(form, exc: Invalid) -> None:
    """Put the service's refusal on the field it names (the due date, the path ...), or on the form."""
    names = {"due_on": "due_on", "due_days_after_joining": "due_days", "recur_months": "recur_months",
             "note": "note", "path": "path"}
    field = getattr(form, names.get(str(exc.details.get("field", "")), ""), None)
    if field is None:
        field = form.due_kind
    field.errors = [str(exc)]


def _queued_message(path: LearningPath) -> str:
    return f"A run of the rule for “{path.title}” is queued; the log of runs shows what it changed."


@bp.get("/<slug>/rules")
@role_required(Role.learner)
def rules_page(slug: str):
    return _list_page(_group(slug))


@bp.post("/<slug>/rules")
@role_required(Role.learner)
def add_rule(slug: str):
    """Add a rule and queue its first run. Bad input: the page again with what was typed and the field's error
    (400), or for HTMX the refusal in the alert area with the form left as it was."""
    session = get_session()
    group = _group(slug)
    form = _new_form()
    if not form.validate():
        if is_htmx():
            raise Invalid(form.first_error())
        return _list_page(group, form, status=400)
    due_on, due_days = form.due()
    path = None
    if form.path.data:  # an unknown path (or a draft the viewer may not see) is refused as "no such path"
        try:
            path = rules.rule_path(session=session, viewer=require_account(), slug=form.path.data)
        except NotFound as exc:
            if is_htmx():
                raise
            form.path.errors = [str(exc)]
            return _list_page(group, form, status=400)
    try:
        rule = rules.create_rule(session=session, group=group, path=path, due_on=due_on,
                                 due_days_after_joining=due_days, recur_months=form.recur_months.data,
                                 note=form.note.data or "", actor=require_account(), today=_today())
    except RuleError as exc:
        if is_htmx():
            raise
        session.rollback()
        _field_error(form, exc)
        return _list_page(group, form, status=400)
    run = rules.queue_run(session=session, rule=rule, actor=require_account())
    session.commit()
    queue_rule_run(run.id)
    assert path is not None
    message = f"The rule for “{path.title}” is added. {_queued_message(path)}"
    if is_htmx():
        return _list_page(group, notice=message)
    flash(message, "success")
    return see_other(url_for("teams.rules_page", slug=group.slug))


def _rule_page(group: Group, rule: AssignmentRule, path: LearningPath, form: EditRuleForm | None = None, *,
               notice: str = "", status: int = 200):
    session = get_session()
    if form is None:
        form = EditRuleForm(formdata=None, due_kind="date" if rule.due_on else
                            "days" if rule.due_days_after_joining else "none",
                            due_days=rule.due_days_after_joining or 30, due_on=rule.due_on,
                            recur_months=rule.recur_months, note=rule.note, enabled=rule.enabled)
    removal = rules.preview(session=session, rule=rule, now=utcnow(), removing=True)
    return page_or_fragment("teams/rule.html", block="rule", target="group-rule", status=status, group=group,
                            rule=rule, path=path, form=form, describe=rules.describe_due, removal=removal,
                            notice=notice)


@bp.get("/<slug>/rules/<id:rule_id>")
@role_required(Role.learner)
def rule_page(slug: str, rule_id: int):
    return _rule_page(*_rule(slug, rule_id))


@bp.post("/<slug>/rules/<id:rule_id>")
@role_required(Role.learner)
def edit_rule(slug: str, rule_id: int):
    """Change the rule's due date, repeat, note or whether it is on, and queue a run that brings everyone in
    line. Bad input: as for adding one."""
    session = get_session()
    group, rule, path = _rule(slug, rule_id)
    form = EditRuleForm()
    if not form.validate():
        if is_htmx():
            raise Invalid(form.first_error())
        return _rule_page(group, rule, path, form, status=400)
    due_on, due_days = form.due()
    try:
        changed = rules.edit_rule(session=session, rule=rule, due_on=due_on, due_days_after_joining=due_days,
                                  recur_months=form.recur_months.data, note=form.note.data or "",
                                  enabled=form.enabled.data, actor=require_account(), today=_today())
    except RuleError as exc:
        if is_htmx():
            raise
        session.rollback()
        _field_error(form, exc)
        return _rule_page(group, rule, path, form, status=400)
    message = "Nothing changed."
    if changed:
        run = rules.queue_run(session=session, rule=rule, actor=require_account())
        session.commit()
        queue_rule_run(run.id)
        message = f"The rule is saved. {_queued_message(path)}"
    if is_htmx():
        return _rule_page(group, rule, path, notice=message)
    flash(message, "success")
    return see_other(url_for("teams.rule_page", slug=group.slug, rule_id=rule.id))


@bp.post("/<slug>/rules/<id:rule_id>/delete")
@role_required(Role.learner)
def delete_rule(slug: str, rule_id: int):
    """Delete the rule, withdrawing what it assigned (the rule's page previews who loses it)."""
    Form().checked()
    session = get_session()
    group, rule, path = _rule(slug, rule_id)
    counts = rules.delete_rule(session=session, rule=rule, actor=require_account(), now=utcnow())
    session.commit()
    flash(f"The rule for “{path.title}” is deleted; {counts.withdrawn} withdrawn (their progress is kept).",
          "success")
    return see_other(url_for("teams.rules_page", slug=group.slug))


@bp.post("/<slug>/rules/<id:rule_id>/runs")
@role_required(Role.learner)
def run_rule(slug: str, rule_id: int):
    """Run now: log a run and queue it."""
    Form().checked()
    session = get_session()
    group, rule, path = _rule(slug, rule_id)
    run = rules.queue_run(session=session, rule=rule, actor=require_account())
    session.commit()
    queue_rule_run(run.id)
    if is_htmx():
        return _list_page(group, notice=_queued_message(path))
    flash(_queued_message(path), "success")
    return see_other(url_for("teams.runs_page", slug=group.slug))


@bp.get("/<slug>/rules/<id:rule_id>/preview")
@role_required(Role.learner)
def preview_rule(slug: str, rule_id: int):
    """Who a run would assign, withdraw or give a new due date, and why; for HTMX, the table alone."""
    group, rule, path = _rule(slug, rule_id)
    plan = rules.preview(session=get_session(), rule=rule, now=utcnow())
    return page_or_fragment("teams/preview.html", block="preview", group=group, rule=rule, path=path, plan=plan,
                            describe=rules.describe_due, kinds=rules.ChangeKind)


@bp.get("/<slug>/rules/<id:rule_id>/preview.csv")
@role_required(Role.learner)
def preview_csv(slug: str, rule_id: int):
    group, rule, path = _rule(slug, rule_id)
    plan = rules.preview(session=get_session(), rule=rule, now=utcnow())
    return download(csv_text(rules.PREVIEW_HEADER, rules.preview_rows(plan)),
                    filename=f"{group.slug}-{path.slug}-preview.csv", mimetype="text/csv")


@bp.get("/<slug>/rules/runs")
@role_required(Role.learner)
def runs_page(slug: str):
    """The log of the group's rule runs: who started each, for what, when, and what it changed."""
    group = _group(slug)
    return page_or_fragment("teams/runs.html", group=group, runs=rules.list_runs(session=get_session(), group=group))
