"""Groups' assignment rules from the command line: list them, add one, run them (or preview the runs)."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import with_appcontext

from tracker.cli.group import prepared_session
from tracker.cli.teams import groups_group as groups
from tracker.models import Group, utcnow
from tracker.services import teams
from tracker.services.curriculum import queries as path_queries
from tracker.services.errors import DomainError
from tracker.services.teams import assignment_rules as rules

COMMAND_LINE = "command line"  # who started a run from here, in the log of runs


def _group(session, slug: str) -> Group:
    try:
        return teams.get_group(session=session, slug=slug)
    except DomainError:
        raise click.ClickException(f"There is no group '{slug}'.") from None


@groups.command("rules")
@click.argument("slug")
@with_appcontext
def groups_rules(slug: str) -> None:
    """The group's assignment rules."""
    session = prepared_session()
    found = rules.list_rules(session=session, group=_group(session, slug))
    if not found:
        click.echo("No rules.")
    for rule, path in found:
        state = "" if rule.enabled else " [disabled]"
        click.echo(f"{rule.id}\t{path.slug}\t{rules.describe_due(rule)}{state}")


@groups.command("rule-add")
@click.argument("slug")
@click.argument("path_slug", metavar="PATH")
@click.option("--due-days", type=int, help="Due so many days after each member joined (1–3650).")
@click.option("--due-on", type=click.DateTime(formats=["%Y-%m-%d"]), help="Or a fixed due date, YYYY-MM-DD.")
@click.option("--every-months", type=int, help="Start over every so many months (1–60).")
@click.option("--note", default="", help="Shown with the assignment.")
@with_appcontext
def groups_rule_add(slug: str, path_slug: str, due_days: int | None, due_on, every_months: int | None,
                    note: str) -> None:
    """Add a rule giving PATH to every member of the group, and run it now."""
    session = prepared_session()
    group = _group(session, slug)
    path = path_queries.get_learning_path(session=session, slug=path_slug)
    if path is None:
        raise click.ClickException(f"There is no path '{path_slug}'.")
    try:
        rule = rules.create_rule(session=session, group=group, path=path, due_days_after_joining=due_days,
                                 due_on=due_on.date() if due_on else None, recur_months=every_months, note=note,
                                 actor=None, today=date.today())
    except DomainError as exc:
        session.rollback()
        raise click.ClickException(str(exc)) from None
    session.commit()
    (run,) = rules.run(session=session, rule=rule, actor=None, actor_label=COMMAND_LINE, now=utcnow())
    click.echo(f"Rule {rule.id}: {rules.label(rule, path)} for {group.name}. {_counts(run)}")


def _counts(run) -> str:
    return (f"{run.assigned} assigned, {run.withdrawn} withdrawn, {run.due_changed} due dates changed, "
            f"{run.unchanged} unchanged.")


@groups.command("run-rules")
@click.argument("slug", required=False)
@click.option("--preview", is_flag=True, help="Say what each run would change, person by person; change nothing.")
@with_appcontext
def groups_run_rules(slug: str | None, preview: bool) -> None:
    """Run every enabled rule (of the group SLUG, or of every group) now, each logged as a run."""
    session = prepared_session()
    found = rules.enabled_rules(session=session, group=_group(session, slug) if slug else None)
    if not found:
        click.echo("No enabled rules.")
    for rule in found:
        if preview:
            plan = rules.preview(session=session, rule=rule, now=utcnow())
            click.echo(f"{plan.group.slug}: {rules.label(rule, plan.path)}")
            for row in rules.preview_rows(plan):
                click.echo("  " + "\t".join(row))
            continue
        (run,) = rules.run(session=session, rule=rule, actor=None, actor_label=COMMAND_LINE, now=utcnow())
        click.echo(f"{run.rule_label}: {_counts(run)}")
