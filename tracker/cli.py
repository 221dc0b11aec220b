"""The `tracker` command: a Flask CLI group with the app's own commands."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, NoAppException, ScriptInfo, routes_command, shell_command, with_appcontext

from tracker import create_app, db, serving
from tracker.config import ConfigError, load_settings
from tracker.models import Role, TokenScope
from tracker.services import accounts, backup, card_suggestions, catalog_file, catalog_store, curriculum, listings, mentorships, path_format, path_store, tokens
from tracker.services import account_deletion, my_data
from tracker.services.errors import NotAllowed, NotFound


class ConfigProblem(NoAppException):
    """A configuration error, shown as one line without a usage banner."""

    def show(self, file=None) -> None:
        click.echo(f"Error: {self.format_message()}", err=True)


def _create_app():
    try:
        return create_app()
    except ConfigError as exc:
        raise ConfigProblem(str(exc)) from None


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False, add_version_option=False,
             help="Learning-path tracker: run the app and manage its data.")
def cli() -> None:
    pass


cli.add_command(shell_command)
cli.add_command(routes_command)


def _prepared_session():
    """Apply pending migrations, then hand out the command's session."""
    db.upgrade(db.get_engine())
    return db.get_session()


# ---------------------------------------------------------------- run and serve

def _prepare_to_serve():
    """Before serving: migrations applied, the catalog and paths loaded; bad files stop here in one line."""
    click.echo("Applying migrations and loading the catalog and paths…")
    session = _prepared_session()
    try:
        report = curriculum.load_curriculum(session=session, paths_dir=current_app.config["PATHS_DIR"])
    except (catalog_file.CatalogError, path_format.PathDefinitionError, card_suggestions.CardsFileError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Catalog: {report.articles.created} articles added, {report.paths.created} paths added.")
    if report.paths.differing:
        click.echo(f"Path files differ from the database for {', '.join(sorted(report.paths.differing))}: the "
                   "database's versions are served (edits made in the app are kept). `tracker paths load` applies "
                   "the files as new versions.")
    return session


@cli.command("run")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64), help="Worker threads.")
@click.option("--demo", is_flag=True, help="Create demo accounts (passwords printed) with some progress.")
@with_appcontext
def run_command(host: str, port: int, threads: int, demo: bool) -> None:
    """Apply migrations, load the catalog and paths, and serve the app (one process, several threads)."""
    session = _prepare_to_serve()
    if demo:
        from tracker.models import utcnow
        from tracker.services.demo import create_demo

        click.echo("Creating the demo accounts and their history…")
        accounts_made = create_demo(session=session, now=utcnow())
        click.echo("Demo accounts (passwords are new at every start):")
        for account in accounts_made:
            click.echo(f"  {account.role.value:<8} {account.username:<13} password: {account.password}")
    click.echo(f"Data directory: {current_app.config['DATA_DIR']}")
    click.echo(f"Serving on http://{host}:{port} (press Ctrl+C to stop)")
    serving.configure_logging()
    serving.serve_embedded(current_app._get_current_object(), host=host, port=port, threads=threads)


@cli.command("serve", with_appcontext=False)  # the app is built in the body, after the metrics setup
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--workers", type=click.IntRange(1, 64), default=serving.default_workers, show_default="2 per core",
              help="Worker processes.")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64), help="Threads per worker.")
@click.pass_context
def serve_command(ctx: click.Context, host: str, port: int, workers: int, threads: int) -> None:
    """Serve with gunicorn and several worker processes (production; needs TRACKER_REDIS_URL for more than
    one worker). Applies migrations and loads the curriculum first, as `run` does."""
    settings = _settings_or_exit()
    if workers > 1 and not settings["RATELIMIT_STORAGE_URI"].startswith(("redis", "unix")):
        raise click.UsageError("several workers must share their sign-in limits: set TRACKER_REDIS_URL, "
                               "or use --workers 1")
    if settings["METRICS"] and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # before any metric exists in this process, so the workers count into files /metrics adds up
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(serving.metrics_directory(settings["DATA_DIR"]))
    app = ctx.find_object(ScriptInfo).load_app()
    with app.app_context():
        _prepare_to_serve()
        db.get_session().close()
    app.extensions["tracker.engine"].dispose()  # no connection may cross into the workers
    click.echo(f"Serving on http://{host}:{port} with {workers} workers of {threads} threads (Ctrl+C stops)")
    serving.configure_logging()
    serving.serve_workers(host=host, port=port, workers=workers, threads=threads, data_dir=settings["DATA_DIR"])


def _settings_or_exit() -> dict:
    try:
        return load_settings()
    except ConfigError as exc:
        raise ConfigProblem(str(exc)) from None


@cli.command("reminders")
@with_appcontext
def reminders_command() -> None:
    """Add due-date reminders for every learner, then send the notification emails that are due
    (idempotent; safe from cron on several machines)."""
    from flask import current_app

    from tracker.models import utcnow
    from tracker.services.notifications import scheduled_round

    result = scheduled_round(session=_prepared_session(), now=utcnow(), config=current_app.config)
    click.echo(f"{result.reminders} reminder{'s' if result.reminders != 1 else ''} added.")
    if result.mail is not None:
        click.echo(f"{result.mail.sent} email{'s' if result.mail.sent != 1 else ''} sent.")
    if result.xapi is not None:
        click.echo(f"{result.xapi.sent} xAPI statement{'s' if result.xapi.sent != 1 else ''} sent.")
    problems = []
    if result.mail is not None and result.mail.failed:
        problems.append(f"email stopped: {result.mail.failed}")
    if result.xapi is not None and result.xapi.failed:
        problems.append(f"xAPI stopped: {result.xapi.failed}")
    if problems:
        raise click.ClickException("; ".join(problems) + "; the rest is sent next time")


@cli.group("xapi")
def xapi_group() -> None:
    """xAPI statements for a Learning Record Store (TRACKER_XAPI_ENDPOINT)."""


@xapi_group.command("push")
@with_appcontext
def xapi_push() -> None:
    """Queue new statements and send every one that is due to the LRS now."""
    from flask import current_app

    from tracker.models import utcnow
    from tracker.services import xapi

    store = xapi.record_store_from_config(current_app.config)
    if store is None:
        raise click.ClickException("no Learning Record Store is set up (set TRACKER_XAPI_ENDPOINT)")
    session = _prepared_session()
    now = utcnow()
    queued = xapi.enqueue_new(session=session, site=current_app.config["PUBLIC_URL"], now=now)
    result = xapi.push(session=session, store=store, now=now)
    state = xapi.outbox_state(session=session)
    click.echo(f"{queued} queued, {result.sent} sent, {state.waiting} waiting.")
    if result.failed:
        raise click.ClickException(f"the LRS did not take a batch: {result.failed}; it is retried later")


# ---------------------------------------------------------------- db

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
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION ('base' removes every table)."""
    db.downgrade(db.get_engine(), revision)
    click.echo(f"Database at revision {db.current_revision(db.get_engine()) or 'base'}.")


@db_group.command("copy")
@click.option("--to", "target_url", required=True, help="The new database, e.g. postgresql+psycopg://user@host/db.")
@with_appcontext
def db_copy(target_url: str) -> None:
    """Copy every row into another (empty) database, e.g. from SQLite to PostgreSQL."""
    from tracker.config import Settings

    try:
        target_url = Settings(database_url=target_url).database_url
    except Exception as exc:  # noqa: BLE001 - a bad URL is reported in one line
        raise click.ClickException(f"--to is not a database URL: {exc}") from None
    source = db.get_engine()
    target = db.make_engine(target_url)
    try:
        db.upgrade(source)
        db.upgrade(target)
        with backup.Snapshot(engine=source, revision=db.current_revision(source)) as snapshot:
            counts = backup.restore(engine=target, revision=db.current_revision(target), source=snapshot)
    except (backup.BackupError, ConfigError) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        target.dispose()
    click.echo(f"Copied {sum(counts.values())} rows in {len(counts)} tables. Point TRACKER_DATABASE_URL at the "
               "new database and restart.")


@cli.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file: Path) -> None:
    """Write every row to FILE (gzip JSON lines), consistently, while the server keeps running."""
    engine = db.get_engine()
    counts = backup.write_backup(engine=engine, revision=db.current_revision(engine), path=file)
    click.echo(f"Backed up {sum(counts.values())} rows ({counts.get('progress_event', 0)} events) to {file}.")


@cli.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(file: Path) -> None:
    """Load FILE into this (empty) database; refuses a database that has rows."""
    engine = db.get_engine()
    try:
        with backup.BackupFile(file) as source:
            if db.current_revision(engine) is None:  # a fresh database: build the backup's schema
                db.upgrade(engine, source.revision)
            counts = backup.restore(engine=engine, revision=db.current_revision(engine), source=source)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Restored {sum(counts.values())} rows from {file}.")


# ---------------------------------------------------------------- catalog

@cli.group("catalog")
def catalog_group() -> None:
    """The article catalog."""


@catalog_group.command("links")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def catalog_links(file: Path) -> None:
    """Give articles their links from FILE: CSV `slug,url` lines or a YAML mapping (all or nothing)."""
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise click.ClickException(f"{file}: not UTF-8 text") from None
    try:
        links = catalog_store.parse_links(text)
        changed = catalog_store.set_links(session=_prepared_session(), links=links)
    except catalog_file.CatalogError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Links: {changed} article{'s' if changed != 1 else ''} changed, {len(links) - changed} already so.")


@catalog_group.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source-name", help="Name the source (only with one FILE); the layout's default otherwise.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Catalog data file to regenerate [default: catalog.yaml in the paths folder].")
@click.option("--topic-rules", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help=f"Topic aliases and keywords [default: {catalog_file.TOPIC_RULES_FILENAME} in the paths folder, "
                   "else the app's own].")
@click.option("--load/--no-load", default=True, show_default=True, help="Also update the database.")
@with_appcontext
def catalog_import(files: tuple[Path, ...], source_name: str | None, output: Path | None, topic_rules: Path | None,
                   load: bool) -> None:
    """Parse listing FILES into the catalog data file (and the database); their order does not matter."""
    if source_name and len(files) > 1:
        raise click.UsageError("--source-name applies to a single FILE")
    output = output or current_app.config["PATHS_DIR"] / catalog_file.CATALOG_FILENAME
    topic_rules = topic_rules or current_app.config["PATHS_DIR"] / catalog_file.TOPIC_RULES_FILENAME
    parsed = []
    for file in files:
        try:
            text = file.read_text(encoding="utf-8")
            listing = listings.parse_listing(text, provenance=file.name, source_name=source_name)
        except (UnicodeDecodeError, listings.ListingError) as exc:
            raise click.ClickException(f"{file}: {exc}") from None
        click.echo(f"{file.name}: {len(listing.articles)} articles from {listing.source_name}")
        for warning in listing.warnings:  # the page contradicts itself: say so, import what is there
            click.echo(f"Warning: {file.name}: {warning}", err=True)
        parsed.append(listing)
    try:
        rules = catalog_file.read_topic_rules(topic_rules) if topic_rules.exists() else None  # None: the app's own
        document = catalog_file.merge_listings(catalog_file.read_catalog_file(output), parsed, topic_rules=rules)
    except catalog_file.CatalogError as exc:
        raise click.ClickException(str(exc)) from None
    if load:  # the database first: if it refuses, the data file is left as it was
        session = _prepared_session()
        try:
            report = catalog_store.load_catalog(session=session, document=document, update_existing=True)
            session.commit()
        except BaseException:
            session.rollback()
            raise
    catalog_file.write_catalog_file(output, document)
    click.echo(f"Wrote {len(document.articles)} articles, {len(document.topics)} topics to {output}")
    if load:
        click.echo(f"Database: {report.created} added, {report.updated} updated, {report.unchanged} unchanged.")


# ---------------------------------------------------------------- paths

@cli.group("paths")
def paths_group() -> None:
    """Learning path definitions."""


@paths_group.command("load")
@click.argument("directory", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def paths_load(directory: Path | None) -> None:
    """Load the catalog and every path definition from DIRECTORY (default: the paths folder)."""
    directory = directory or current_app.config["PATHS_DIR"]
    try:
        report = curriculum.load_curriculum(session=_prepared_session(), paths_dir=directory, update_existing=True)
    except (catalog_file.CatalogError, path_format.PathDefinitionError, card_suggestions.CardsFileError) as exc:
        raise click.ClickException(f"{exc} (nothing was loaded)") from None
    click.echo(f"Paths: {report.paths.created} added, {report.paths.updated} updated, "
               f"{report.paths.unchanged} unchanged. Suggested cards: {report.cards_added} added.")


@paths_group.command("export")
@click.option("--out", "directory", default="paths", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Folder to write <slug>.yaml files into.")
@with_appcontext
def paths_export(directory: Path) -> None:
    """Write every path as YAML, in the format `paths load` reads."""
    written = path_store.export_paths(session=_prepared_session(), directory=directory)
    for file in written:
        click.echo(f"Wrote {file}")


# ---------------------------------------------------------------- users

@cli.group("users")
def users_group() -> None:
    """User accounts."""


@users_group.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.learner.value, show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def users_create(username: str, role: str, password_stdin: bool) -> None:
    """Create an account; the password is asked for (never given as an argument)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = accounts.create_user(session=_prepared_session(), username=username, password=password,
                                    role=Role(role))
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Created {user.role} '{user.username}'.")


@users_group.command("delete")
@click.argument("username")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def users_delete(username: str, yes: bool) -> None:
    """Delete USERNAME's account and everything personal in it (as the account page does)."""
    session = _prepared_session()
    try:
        user = accounts.require_user(session=session, username=username)
    except NotFound as exc:
        raise click.ClickException(str(exc)) from None
    if not yes:
        click.confirm(f"Delete '{user.username}' with their progress, notes, sessions, tokens and credentials, "
                      "for good?", abort=True)
    try:
        account_deletion.erase_account(session=session, user=user, by="the command line")
    except NotAllowed as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Deleted '{user.username}'.")


# ---------------------------------------------------------------- export

@cli.command("export")
@click.option("--user", "username", help="The account to export.")
@click.option("--all", "everyone", is_flag=True, help="Every account, one file each (needs --out DIR).")
@click.option("--out", type=click.Path(path_type=Path),
              help="The file to write (--user; default: standard output), or the folder (--all).")
@with_appcontext
def export_command(username: str | None, everyone: bool, out: Path | None) -> None:
    """Write a person's data export, the JSON document their account page offers."""
    from tracker.models import utcnow

    if bool(username) == everyone:
        raise click.UsageError("give either --user NAME or --all")
    if everyone and out is None:
        raise click.UsageError("--all writes one file per account: give the folder with --out DIR")
    session = _prepared_session()
    now = utcnow()
    if username:
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
        return
    if out.exists() and not out.is_dir():
        raise click.ClickException(f"{out} is not a folder")
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    count = 0
    for user, document in my_data.export_everyone(session=session, now=now):
        _write_private(out / my_data.export_filename(user=user, now=now), my_data.as_json(document))
        count += 1
    click.echo(f"Wrote {count} export{'s' if count != 1 else ''} to {out}", err=True)


def _write_private(path: Path, text: str) -> None:
    """Personal data: a file readable by its owner only."""
    try:
        path.touch(mode=0o600, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.strerror}") from None


# ---------------------------------------------------------------- tokens

@cli.group("tokens")
def tokens_group() -> None:
    """Personal API tokens."""


@tokens_group.command("create")
@click.argument("username")
@click.option("--name", default="command line", show_default=True, help="What the token is for.")
@click.option("--scope", type=click.Choice([s.value for s in TokenScope]), default=TokenScope.read.value,
              show_default=True, help="read: GET only; write: everything the user may do through the API.")
@click.option("--expires-in-days", type=click.IntRange(1, 3650), default=None,
              help="Days until the token stops working (default: until revoked).")
@with_appcontext
def tokens_create(username: str, name: str, scope: str, expires_in_days: int | None) -> None:
    """Create a token for USERNAME and print it (it is shown only this once)."""
    session = _prepared_session()
    user = accounts.get_user(session=session, username=username)
    if user is None:
        raise click.ClickException(f"No user '{username}'.")
    try:
        raw, _ = tokens.create_token(session=session, user=user, name=name, scope=TokenScope(scope),
                                     expires_in_days=expires_in_days)
    except tokens.TokenError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Token '{name}' for {user.username} (shown once; store it safely):", err=True)
    click.echo(raw)


# ---------------------------------------------------------------- mentors

@cli.group("mentors")
def mentors_group() -> None:
    """Who mentors whom."""


def _two_users(session, mentor_name: str, learner_name: str):
    try:
        return mentorships.resolve_pair(session=session, mentor_name=mentor_name, learner_name=learner_name)
    except mentorships.UnknownUser as exc:
        raise click.ClickException(str(exc)) from None


@mentors_group.command("link")
@click.argument("mentor")
@click.argument("learner")
@with_appcontext
def mentors_link(mentor: str, learner: str) -> None:
    """Make MENTOR a mentor of LEARNER."""
    session = _prepared_session()
    mentor_user, learner_user = _two_users(session, mentor, learner)
    already = mentorships.mentors(session=session, mentor=mentor_user, learner=learner_user)
    try:
        mentorships.link(session=session, mentor=mentor_user, learner=learner_user)
    except mentorships.MentoringError as exc:
        raise click.ClickException(str(exc)) from None
    if already:
        click.echo(f"{mentor_user.username} already mentors {learner_user.username}; nothing changed.")
    else:
        click.echo(f"{mentor_user.username} now mentors {learner_user.username}.")


@mentors_group.command("unlink")
@click.argument("mentor")
@click.argument("learner")
@with_appcontext
def mentors_unlink(mentor: str, learner: str) -> None:
    """End the mentorship of MENTOR over LEARNER."""
    session = _prepared_session()
    mentor_user, learner_user = _two_users(session, mentor, learner)
    try:
        mentorships.unlink(session=session, mentor=mentor_user, learner=learner_user)
    except NotFound as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{mentor_user.username} no longer mentors {learner_user.username}.")
