"""The database and its data: migrations, copy, backup and restore, exports."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from tracker import db
from tracker.cli.group import cli, prepared_session
from tracker.config import ConfigError
from tracker.models import utcnow
from tracker.services.errors import Invalid, NotFound
from tracker.services.operations import backup
from tracker.services.people import accounts
from tracker.services.records import export as my_data


@cli.group("db")
def db_group() -> None:
    """Database schema migrations."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    db.upgrade(db.get_engine(), revision)
    click.echo(f"Database at revision {db.current_revision(db.get_engine())}.")


@db_group.command("downgrade")
@click.argument("revision")
@click.option("--force", is_flag=True, help="Go down even though the older schema has no place for some values.")
@with_appcontext
def db_downgrade(revision: str, force: bool) -> None:
    """Revert migrations down to REVISION ('base' removes every table). Refuses, listing them, when rows or values
    would be lost (an upgrade does not bring them back), unless --force."""
    engine = db.get_engine()
    if revision != "base" and revision not in db.known_revisions(engine):
        raise click.ClickException(f"no migration {revision} (this version has "
                                   f"{', '.join(sorted(db.known_revisions(engine)))})")
    losses = db.downgrade_losses(engine, revision)
    if losses and not force:
        raise click.ClickException(
            f"going down to {revision} would lose what the older schema has no place for (upgrading again does not "
            "bring it back):\n  " + "\n  ".join(losses) + "\nBack up first (`tracker backup`), then run the "
            "command again with --force; or restore that older release's own backup instead.")
    if losses:
        click.echo(f"Dropping {len(losses)} kinds of values (--force).", err=True)
    db.downgrade(engine, revision)
    click.echo(f"Database at revision {db.current_revision(engine) or 'base'}.")


@db_group.command("copy")
@click.option("--to", "target_url", required=True, help="The new database, e.g. postgresql+psycopg://user@host/db.")
@with_appcontext
def db_copy(target_url: str) -> None:
    """Copy every row into another (empty) database, e.g. from SQLite to PostgreSQL."""
    from tracker.config import Settings

    try:
        checked_url = Settings(database_url=target_url).database_url
    except Exception as exc:
        raise click.ClickException(f"--to is not a database URL: {exc}") from None
    if checked_url is None:
        raise click.ClickException("--to is empty: give the new database's URL")
    source = db.get_engine()
    target = db.make_engine(checked_url)
    try:
        db.upgrade(source)
        db.upgrade(target)
        with backup.Snapshot(engine=source, revision=_revision(source)) as snapshot:
            counts = backup.restore(engine=target, revision=_revision(target), source=snapshot)
    except (backup.BackupError, ConfigError) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        target.dispose()
    click.echo(f"Copied {sum(counts.values())} rows in {len(counts)} tables. Point TRACKER_DATABASE_URL at the "
               "new database and restart.")


def _revision(engine: Engine) -> str:
    """The migration the database is at; one never migrated has no tables to copy or back up."""
    revision = db.current_revision(engine)
    if revision is None:
        raise click.ClickException("the database has no tables yet: run `tracker db upgrade` first")
    return revision


@cli.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file: Path) -> None:
    """Write every row to FILE (gzip JSON lines), consistently, while the server keeps running."""
    engine = db.get_engine()
    revision, head = _revision(engine), db.head_revision()
    if revision != head:  # the tables this version reads are not (or no longer) those of the database
        advice = ("run `tracker db upgrade` first, or copy the database as it is (the SQLite file while the tracker "
                  "is stopped, or pg_dump)") if revision in db.known_revisions(engine) else \
            "back it up with the version of the tracker that made it"
        raise click.ClickException(f"the database is at migration {revision} and this version of the tracker at "
                                   f"{head}: {advice}")
    counts = backup.write_backup(engine=engine, revision=revision, path=file, key=_signing_key())
    click.echo(f"Backed up {sum(counts.values())} rows ({counts.get('progress_event', 0)} events) to {file}, "
               "signed with this installation's key.")


def _signing_key() -> bytes:
    """Backups are signed with a key derived from the installation's secret key (TRACKER_SECRET_KEY, or the
    data dir's `secret_key` file)."""
    return backup.signing_key(current_app.config["SECRET_KEY"])


@cli.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--unsigned", is_flag=True,
              help="Restore without checking the signature: a backup from another installation, or from before "
                   "backups were signed, that you trust.")
@with_appcontext
def restore_command(file: Path, unsigned: bool) -> None:
    """Load FILE into this (empty) database after checking all of it: its signature, every row against the
    tables, the row counts it states. Refuses a database that has rows."""
    engine = db.get_engine()
    try:
        with backup.BackupFile(file, key=None if unsigned else _signing_key()) as source:
            source.check()  # the whole file, before anything (even the schema) is written
            if db.current_revision(engine) is None:  # a fresh database: build the backup's schema
                if source.revision not in db.known_revisions(engine):
                    raise backup.BackupError(f"the backup is at migration {source.revision or '(none)'}, which this "
                                             "version of the tracker does not know; restore it with the version "
                                             "that made it")
                db.upgrade(engine, source.revision)
            counts = backup.restore(engine=engine, revision=_revision(engine), source=source)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    except SQLAlchemyError as exc:  # a constraint the rows break together (a reference, a unique name)
        problem = str(getattr(exc, "orig", exc)).strip().splitlines()[0][:300]
        raise click.ClickException(f"{file}: the database refused the backup's rows ({problem}); nothing was "
                                   "restored") from None
    if unsigned:
        click.echo("Warning: the backup's signature was not checked (--unsigned).", err=True)
    click.echo(f"Restored {sum(counts.values())} rows from {file}.")


# ---------------------------------------------------------------- export

@cli.command("export")
@click.option("--user", "username", help="The account to export.")
@click.option("--all", "everyone", is_flag=True, help="Every account, one file each (needs --out DIR).")
@click.option("--out", type=click.Path(path_type=Path),
              help="The file to write (--user; default: standard output), or the folder (--all).")
@with_appcontext
def export_command(username: str | None, everyone: bool, out: Path | None) -> None:
    """Write a person's data export, the JSON document their account page offers."""

    if bool(username) == everyone:
        raise click.UsageError("give either --user NAME or --all")
    if username:
        _export_account(username, out)
    elif out is None:
        raise click.UsageError("--all writes one file per account: give the folder with --out DIR")
    else:
        _export_everyone(out)


def _export_account(username: str, out: Path | None) -> None:
    """One account's export, to the file `out` or else to standard output."""
    session = prepared_session()
    now = utcnow()
    try:
        user = accounts.require_user(session=session, username=username)
    except NotFound as exc:
        raise click.ClickException(str(exc)) from None
    text = my_data.as_json(my_data.export_account(session=session, user=user, now=now))
    if out is None:
        click.echo(text, nl=False)
    else:
        _write_private(out, text)
        click.echo(f"Wrote {out}", err=True)


def _export_everyone(folder: Path) -> None:
    """Every account's export, one file each in `folder`."""
    session = prepared_session()
    now = utcnow()
    if folder.exists() and not folder.is_dir():
        raise click.ClickException(f"{folder} is not a folder")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    count = 0
    for user, document in my_data.export_everyone(session=session, now=now):
        _write_private(folder / my_data.export_filename(user=user, now=now), my_data.as_json(document))
        count += 1
    click.echo(f"Wrote {count} export{'s' if count != 1 else ''} to {folder}", err=True)


def _write_private(path: Path, text: str) -> None:
    """Personal data: a file readable by its owner only."""
    try:
        path.touch(mode=0o600, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.strerror}") from None


# ---------------------------------------------------------------- demo data

@cli.command("demo-data")
@click.option("--users", type=click.IntRange(2, 1_000_000), default=10_000, show_default=True,
              help="Accounts to make (1% of them mentors).")
@click.option("--events", type=click.IntRange(0, 50_000_000), default=1_000_000, show_default=True,
              help="Progress events over the last six months.")
@click.option("--seed", type=int, default=1, show_default=True, help="The same seed gives the same data.")
@with_appcontext
def demo_data_command(users: int, events: int, seed: int) -> None:
    """Generate a large synthetic data set (for benchmarks): learners reading the real paths, mentors with
    50-200 mentees, assignments, notes and cards. Its accounts share one password: not for people."""
    from tracker.cli.serve import prepare_to_serve
    from tracker.services.operations import demo_data

    session = prepare_to_serve()  # migrations applied, the catalog and paths loaded
    started = time.perf_counter()

    def report(step: str, done: int, total: int) -> None:
        width = 30
        filled = width * done // total if total else width
        click.echo(f"\r{step:<12} [{'#' * filled}{'.' * (width - filled)}] {done:>9,}/{total:,}", nl=False, err=True)
        if done >= total:
            click.echo(err=True)

    try:
        made = demo_data.generate(session=session, users=users, events=events, seed=seed, now=utcnow(),
                                  report=report)
    except Invalid as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Made {made.users:,} users ({made.mentors:,} mentors, {made.mentorships:,} mentee links, "
               f"{made.assignments:,} assignments), {made.follows:,} follows, {made.events:,} events, "
               f"{made.progress:,} progress rows, {made.notes:,} notes and {made.cards:,} cards in "
               f"{time.perf_counter() - started:.1f} s. Their password: {demo_data.DEMO_PASSWORD!r}.")
