"""SCIM provisioning: the bearer tokens identity providers use at /scim/v2."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from tracker.cli.group import cli, prepared_session
from tracker.services.errors import Invalid, NotFound
from tracker.services.provisioning import tokens


@cli.group("scim")
def scim_group() -> None:
    """SCIM 2.0 provisioning (Entra ID, Okta) at /scim/v2."""


@scim_group.command("token")
@click.argument("name")
@click.option("--revoke", is_flag=True, help="Revoke the working token called NAME instead of making one.")
@with_appcontext
def scim_token(name: str, revoke: bool) -> None:
    """Make a SCIM bearer token called NAME (printed once: paste it into the identity provider), or revoke it."""
    session = prepared_session()
    if revoke:
        try:
            token = tokens.revoke_token(session=session, name=name)
        except NotFound as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"SCIM token '{token.name}' ({token.hint}…) revoked: it opens nothing any more.")
        return
    try:
        raw, token = tokens.create_token(session=session, name=name)
    except Invalid as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"SCIM token '{token.name}' (shown once; paste it into the identity provider as its secret token):",
               err=True)
    click.echo(raw)


@scim_group.command("tokens")
@with_appcontext
def scim_tokens() -> None:
    """List the SCIM tokens: name, hint, when made and last used, and whether revoked."""
    found = tokens.list_tokens(session=prepared_session())
    if not found:
        click.echo("No SCIM tokens. Make one with `tracker scim token NAME`.")
        return
    for token in found:
        used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never used"
        state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "works"
        click.echo(f"{token.name:<32}  {token.hint}…  made {token.created_at:%Y-%m-%d}  {used:<16}  {state}")
