"""Groups (teams or cohorts): list, make, show and delete them, add and remove members, name managers. Every
change is audited with "command line" as its actor."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask.cli import with_appcontext

from tracker.cli.group import cli, prepared_session
from tracker.models import GroupSource
from tracker.services import teams
from tracker.services.errors import DomainError
from tracker.services.people import accounts
from tracker.services.teams import roster

ACTOR = "command line"
SOURCES = {GroupSource.local: "made here", GroupSource.scim: "SCIM", GroupSource.oidc: "sign-in claim"}


@cli.group("groups")
def groups_group() -> None:
    """Groups (teams or cohorts), their members, and the rules that assign their paths."""


def _group(session, slug: str):
    try:
        return teams.get_group(session=session, slug=slug)
    except DomainError:
        raise click.ClickException(f"No group '{slug}'. See `tracker groups list`.") from None


@contextmanager
def _change(session) -> Iterator[None]:
    """One change, committed at the end; any refusal is one line (exit status 1) with nothing written."""
    try:
        with teams.one_change(session=session):
            yield
    except DomainError as exc:
        raise click.ClickException(str(exc)) from None


@groups_group.command("list")
@with_appcontext
def groups_list() -> None:
    """Every group with its member count, source and provider group."""
    session = prepared_session()
    groups = teams.list_groups(session=session)
    if not groups:
        click.echo("No groups yet. Make one with `tracker groups create NAME`.")
    counts = teams.member_counts(session=session, groups=groups)
    for group in groups:
        provider = f"  provider group {group.idp_name}" if group.idp_name else ""
        click.echo(f"{group.slug:<32}  {counts.get(group.id, 0):>5} members  {SOURCES[group.source]:<13}  "
                   f"{group.name}{provider}")


@groups_group.command("create")
@click.argument("name")
@click.option("--slug", default=None, help="Its address (made from the name when left out).")
@click.option("--description", default="", help="A line saying what the group is.")
@click.option("--idp-name", default=None, help="The identity provider's group name whose members join it.")
@with_appcontext
def groups_create(name: str, slug: str | None, description: str, idp_name: str | None) -> None:
    """Make a group called NAME."""
    session = prepared_session()
    with _change(session):
        group = teams.create_group(session=session, name=name, slug=slug, description=description,
                                   idp_name=idp_name, actor_label=ACTOR)
    click.echo(f"Made the group '{group.name}' at {group.slug}.")


@groups_group.command("show")
@click.argument("slug")
@with_appcontext
def groups_show(slug: str) -> None:
    """A group's details and every member (managers first)."""
    session = prepared_session()
    group = _group(session, slug)
    rows = teams.members(session=session, group=group)
    click.echo(f"{group.name} ({group.slug}), {SOURCES[group.source]}"
               + (f", provider group {group.idp_name}" if group.idp_name else ""))
    if group.description:
        click.echo(group.description)
    click.echo(f"{len(rows)} member{'' if len(rows) == 1 else 's'}:")
    for membership, user in rows:
        click.echo(f"  {user.username:<32}  {'manager' if membership.is_manager else 'member':<7}  "
                   f"joined {membership.joined_at:%Y-%m-%d}")


@groups_group.command("delete")
@click.argument("slug")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def groups_delete(slug: str, yes: bool) -> None:
    """Delete a group. Its members keep their accounts, progress and assignments."""
    session = prepared_session()
    group = _group(session, slug)
    if not yes:
        click.confirm(f"Delete the group '{group.name}' ({teams.member_count(session=session, group=group)} "
                      "members)? Their accounts stay.", abort=True)
    name = group.name
    with _change(session):
        teams.delete_group(session=session, group=group, actor_label=ACTOR)
    click.echo(f"Deleted the group '{name}'.")


@groups_group.command("add")
@click.argument("slug")
@click.argument("usernames", nargs=-1)
@click.option("--file", "csv_file", type=click.File("r", encoding="utf-8-sig"), default=None,
              help="A file of usernames, one a line, or a CSV with a 'username' column ('-' for standard input).")
@with_appcontext
def groups_add(slug: str, usernames: tuple[str, ...], csv_file) -> None:
    """Add USERNAMES (and those in --file) to a group: everyone, or nobody when any name is unknown."""
    session = prepared_session()
    group = _group(session, slug)
    text = "\n".join(usernames)
    if csv_file is not None:
        text = (text + "\n" if text else "") + csv_file.read(roster.TEXT_MAX + 1)
    with _change(session):
        try:
            additions = teams.add_usernames(session=session, group=group, text=text, actor_label=ACTOR)
        except teams.UnknownUsernames as exc:  # said as names (the arguments have no lines), and lines of a file
            names = ", ".join(name for _, name in exc.unknown)
            where = "" if csv_file is None else " (" + ", ".join(f"line {line}" for line, _ in exc.unknown) + ")"
            raise click.ClickException(f"No account has the username{'s' if len(exc.unknown) > 1 else ''} "
                                       f"{names}{where}. Nobody was added.") from None
    joined = [u.username for u in additions.joining]
    click.echo(f"Added {len(joined)} to {group.name}" + (f": {', '.join(joined)}" if joined else "") + ".")
    if additions.already:
        click.echo(f"Already in it: {', '.join(u.username for u in additions.already)}.")


@groups_group.command("remove")
@click.argument("slug")
@click.argument("usernames", nargs=-1, required=True)
@with_appcontext
def groups_remove(slug: str, usernames: tuple[str, ...]) -> None:
    """Take USERNAMES out of a group: all of them, or nobody when one is not in it. Their accounts stay."""
    session = prepared_session()
    group = _group(session, slug)
    with _change(session):
        leaving = teams.members_named(session=session, group=group, usernames=usernames)
        for user in leaving:
            teams.leave(session=session, group=group, user=user, actor_label=ACTOR)
    click.echo(f"Took {len(leaving)} out of {group.name}: {', '.join(u.username for u in leaving)}.")


@groups_group.command("manager")
@click.argument("slug")
@click.argument("username")
@click.option("--off", is_flag=True, help="Stop them managing the group (they stay a member).")
@with_appcontext
def groups_manager(slug: str, username: str, off: bool) -> None:
    """Make USERNAME a manager of a group, putting them in it first if needed (--off: no longer a manager)."""
    session = prepared_session()
    group = _group(session, slug)
    with _change(session):
        user = accounts.require_user(session=session, username=username)
        if off:
            user = teams.membership_user(session=session, group=group, username=username)
        teams.join(session=session, group=group, user=user, manager=not off, actor_label=ACTOR)
    click.echo(f"{user.username} {'no longer manages' if off else 'manages'} {group.name}.")
