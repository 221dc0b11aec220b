"""The curriculum: the catalog (links, listing imports) and the path files."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from tracker.cli.group import cli, prepared_session
from tracker.services import documents
from tracker.services.catalog import datafile as catalog_file
from tracker.services.catalog import editing as article_editing
from tracker.services.catalog import layouts, listings
from tracker.services.catalog import store as catalog_store
from tracker.services.curriculum import format as path_format
from tracker.services.curriculum import loading as curriculum
from tracker.services.curriculum import store as path_store
from tracker.services.learning import suggestions as card_suggestions


@cli.group("catalog")
def catalog_group() -> None:
    """The article catalog."""


@catalog_group.command("links")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def catalog_links(file: Path) -> None:
    """Give articles their links from FILE: CSV `slug,url` lines or a YAML mapping (all or nothing)."""
    try:
        text = documents.read_file(file, name=str(file), limit=documents.FILE_MAX)
        links = article_editing.parse_links(text, name=str(file))
        changed = article_editing.set_links(session=prepared_session(), links=links)
    except (documents.DocumentError, catalog_file.CatalogError) as exc:
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
            text = documents.read_file(file, name=str(file), limit=documents.FILE_MAX)
            listing = layouts.parse_listing(text, provenance=file.name, source_name=source_name)
        except documents.DocumentError as exc:
            raise click.ClickException(str(exc)) from None
        except listings.ListingError as exc:
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
        session = prepared_session()
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
        report = curriculum.load_curriculum(session=prepared_session(), paths_dir=directory, update_existing=True)
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
    written = path_store.export_paths(session=prepared_session(), directory=directory)
    for file in written:
        click.echo(f"Wrote {file}")
