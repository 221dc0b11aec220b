"""Running the app: `run` (one process), `serve` (the production server), the scheduled round."""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import ScriptInfo, with_appcontext
from sqlalchemy.engine import make_url

from tracker import db, private_files, serving
from tracker.cli.group import ConfigProblem, cli, password_policy, prepared_session
from tracker.config import ConfigError, Settings, load_settings
from tracker.http.issuer import key_store
from tracker.models import utcnow
from tracker.services.catalog import datafile as catalog_file
from tracker.services.curriculum import format as path_format
from tracker.services.curriculum import loading as curriculum
from tracker.services.curriculum.store import FileDifference
from tracker.services.learning import suggestions as card_suggestions
from tracker.services.people import accounts, first_run
from tracker.services.records import outbox as xapi_outbox
from tracker.services.records import signing_keys


def prepare_to_serve():
    """Before serving: migrations applied, the catalog and paths loaded; bad files stop here in one line."""
    click.echo("Applying migrations and loading the catalog and paths…")
    session = prepared_session()
    tighten_file_modes()
    try:
        report = curriculum.load_curriculum(session=session, paths_dir=current_app.config["PATHS_DIR"])
    except (catalog_file.CatalogError, path_format.PathDefinitionError, card_suggestions.CardsFileError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Catalog: {report.articles.created} articles added, {report.paths.created} paths added.")
    for difference in sorted(report.paths.differing, key=lambda d: d.slug):
        click.echo(path_file_difference(difference))
    if report.paths.differing:
        click.echo("The database's versions are served (edits made in the app are kept).")
    try:  # made (or imported from the data dir's key files) before serving; a wrong secret key stops here
        keys = signing_keys.key_ring(store=key_store())
    except signing_keys.CredentialKeyError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Credentials are signed with key {keys.signing.thumbprint()} ({len(keys.keys)} published).")
    return session


def tighten_file_modes() -> None:
    """The data folder, every file in it (the secret, keys, tokens) and the SQLite database with its -wal and
    -shm files: readable by their owner only, whatever mode an older release or a copy left them with."""
    data_dir = Path(current_app.config["DATA_DIR"])
    paths = [data_dir, *(path for path in sorted(data_dir.glob("*")) if path.is_file())]
    url = make_url(current_app.config["DATABASE_URL"])
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        database = Path(url.database)
        paths += [database, database.with_name(database.name + "-wal"), database.with_name(database.name + "-shm")]
    changed = private_files.tighten(list(dict.fromkeys(paths)))
    if changed:
        click.echo(f"Made readable by their owner only: {', '.join(str(path) for path in changed)}.")


CHANGES_SHOWN = 3  # change lines quoted per differing path file; the rest are counted


def path_file_difference(difference: FileDifference) -> str:
    """One path whose file differs from the database: which version is served, what the file would change."""
    made = "edited in the app" if difference.edited_in_app else "loaded from the path files"
    shown = [change.rstrip(".") for change in difference.changes[:CHANGES_SHOWN]]
    more = len(difference.changes) - len(shown)
    changes = "; ".join(shown) + (f"; and {more} more change{'s' if more != 1 else ''}" if more else "")
    return (f"{difference.slug}: the database has version {difference.version} ({made}); its path file differs: "
            f"{changes}. `tracker paths load` would replace the database's version with the file's.")


def _site_address(host: str, port: int) -> str:
    """Where people open the tracker: TRACKER_PUBLIC_URL when it is set, else the address being served."""
    configured = current_app.config["PUBLIC_URL"]
    if configured != Settings.model_fields["public_url"].default:
        return configured
    shown = "localhost" if host in {"", "127.0.0.1", "0.0.0.0", "::", "::1"} else host
    return f"http://{shown}:{port}"


def offer_setup_link(session, *, site: str) -> None:
    """While no administrator exists, print a new one-time setup link (the one before stops working); once one
    exists, make sure no link is left."""
    data_dir = current_app.config["DATA_DIR"]
    if accounts.has_administrator(session=session):
        first_run.discard_setup_token(data_dir=data_dir)
        return
    token = first_run.issue_setup_token(data_dir=data_dir)
    click.echo(f"No administrator yet. Open this link to create one (it works until the administrator exists or "
               f"the next start):\n\n    {site}/setup?token={token}\n")


@cli.command("setup-link")
@with_appcontext
def setup_link_command() -> None:
    """Print a new link to create the first administrator (while there is none); the link before stops working."""
    session = prepared_session()
    if accounts.has_administrator(session=session):
        first_run.discard_setup_token(data_dir=current_app.config["DATA_DIR"])
        raise click.ClickException("setup is done: an administrator exists (`tracker users create` adds accounts)")
    offer_setup_link(session, site=current_app.config["PUBLIC_URL"])


@cli.command("run")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64), help="Worker threads.")
@click.option("--demo", is_flag=True, help="Create demo accounts (passwords printed) with some progress.")
@with_appcontext
def run_command(host: str, port: int, threads: int, demo: bool) -> None:
    """Apply migrations, load the catalog and paths, and serve the app (one process, several threads)."""
    session = prepare_to_serve()
    if demo:
        from tracker.services.operations.demo import create_demo

        click.echo("Creating the demo accounts and their history…")
        accounts_made = create_demo(session=session, now=utcnow(), policy=password_policy())
        click.echo("Demo accounts (passwords are new at every start):")
        for account in accounts_made:
            click.echo(f"  {account.role.value:<8} {account.username:<13} password: {account.password}")
    offer_setup_link(session, site=_site_address(host, port))
    click.echo(f"Data directory: {current_app.config['DATA_DIR']}")
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is a proxy typed as Flask
    try:
        server = serving.embedded_server(app, host=host, port=port, threads=threads)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc} (is another server "
                                   "running there? --port chooses another)") from None
    click.echo(f"Serving on http://{host}:{port} (press Ctrl+C to stop)")
    serving.configure_logging()
    serving.serve_embedded(app, server)


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
    app = ctx.ensure_object(ScriptInfo).load_app()
    with app.app_context():
        offer_setup_link(prepare_to_serve(), site=_site_address(host, port))
        db.get_session().close()
    app.extensions["tracker.engine"].dispose()  # no connection may cross into the workers
    click.echo(f"Serving on http://{host}:{port} with {workers} workers of {threads} threads (Ctrl+C stops); "
               "background jobs run in `tracker worker` processes")
    serving.configure_logging()
    serving.serve_workers(host=host, port=port, workers=workers, threads=threads, data_dir=settings["DATA_DIR"])


def _settings_or_exit() -> dict:
    try:
        return load_settings()
    except ConfigError as exc:
        raise ConfigProblem(str(exc)) from None


@cli.command("worker")
@click.option("--threads", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Jobs this process runs at once.")
@with_appcontext
def worker_command(threads: int) -> None:
    """Run the background jobs (reminders, email, xAPI statements) beside `tracker serve`; start as many as you
    like, on as many machines as share TRACKER_REDIS_URL: each periodic job runs once per period among them."""
    from tracker.jobs import consumer, jobs_for

    prepared_session()
    db.get_session().close()
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is a proxy typed as Flask
    jobs = jobs_for(app)
    where = "Redis" if app.config["REDIS_URL"] else f"{app.config['DATA_DIR'] / 'jobs.db'}"
    click.echo(f"Running background jobs from {where} with {threads} threads (Ctrl+C stops)")
    serving.configure_logging()
    consumer.run_worker(jobs, workers=threads)


@cli.command("reminders")
@with_appcontext
def reminders_command() -> None:
    """Start the new periods of recurring assignments, add due-date reminders for every learner, then send the
    notification emails that are due (idempotent; safe from cron on several machines)."""
    from tracker.services.operations.scheduled import scheduled_round

    result = scheduled_round(session=prepared_session(), now=utcnow(), config=current_app.config)
    if result.periods:
        click.echo(f"{result.periods} recurring assignment{'s' if result.periods != 1 else ''} began a new period.")
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
    store = xapi_outbox.record_store_from_config(current_app.config)
    if store is None:
        raise click.ClickException("no Learning Record Store is set up (set TRACKER_XAPI_ENDPOINT)")
    session = prepared_session()
    now = utcnow()
    queued = xapi_outbox.enqueue_new(session=session, site=current_app.config["PUBLIC_URL"], now=now)
    result = xapi_outbox.push(session=session, store=store, now=now)
    state = xapi_outbox.outbox_state(session=session)
    click.echo(f"{queued} queued, {result.sent} sent, {state.waiting} waiting.")
    if result.failed:
        raise click.ClickException(f"the LRS did not take a batch: {result.failed}; it is retried later")
