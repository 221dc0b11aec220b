"""The audit log from the command line: `tracker audit export`."""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask.cli import with_appcontext

from tracker.cli.group import cli, prepared_session
from tracker.http.downloads import csv_lines, jsonl_lines
from tracker.services.audit import queries as audit
from tracker.services.audit.log import AuditKind
from tracker.services.errors import Invalid


@cli.group("audit")
def audit_group() -> None:
    """The audit log: enrolments, role and group changes, rule runs, provisioning, sign-ins through the identity
    provider."""


@audit_group.command("export")
@click.option("--since", metavar="DATE", help="From this day on (YYYY-MM-DD, UTC).")
@click.option("--until", metavar="DATE", help="Up to and including this day (YYYY-MM-DD, UTC).")
@click.option("--kind", type=click.Choice([kind.value for kind in AuditKind]), help="Only entries of this kind.")
@click.option("--actor", help="Only what this username (or scim, rule, system, command line) did.")
@click.option("--subject", help="Only entries about this username.")
@click.option("--group", help="Only entries about this group (its slug).")
@click.option("--path", help="Only entries about this path (its slug).")
@click.option("--format", "file_format", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True,
              help="csv (cells a spreadsheet would run are neutralised) or JSON Lines.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="The file to write (readable by its owner only); default: standard output.")
@with_appcontext
def audit_export(since: str | None, until: str | None, kind: str | None, actor: str | None, subject: str | None,
                 group: str | None, path: str | None, file_format: str, output: Path | None) -> None:
    """Write the audit entries the options match, newest first, times in UTC."""
    try:
        filters = audit.AuditFilters.from_args({"since": since, "until": until, "kind": kind, "actor": actor,
                                                "subject": subject, "group": group, "path": path})
    except Invalid as exc:
        raise click.UsageError(str(exc).replace("since:", "--since:").replace("until:", "--until:")) from None
    rows = audit.export_rows(session=prepared_session(), filters=filters)
    lines = (csv_lines(audit.EXPORT_FIELDS, ([row.as_record()[field] for field in audit.EXPORT_FIELDS]
                                             for row in rows))
             if file_format == "csv" else jsonl_lines(row.as_record() for row in rows))
    if output is None:
        for line in lines:
            click.echo(line, nl=False)
        return
    count = -1 if file_format == "csv" else 0  # the header is no entry
    try:
        with os.fdopen(os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8",
                       newline="") as file:
            for line in lines:
                file.write(line)
                count += 1
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror}") from None
    click.echo(f"Wrote {count} audit entr{'y' if count == 1 else 'ies'} to {output}", err=True)
