"""The `tracker` command group and what its commands share: each module of this package adds commands to it."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import FlaskGroup, NoAppException, routes_command, shell_command

from tracker import create_app, db
from tracker.config import ConfigError
from tracker.services.people.passwords import PasswordPolicy, policy_for_site


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


def prepared_session():
    """Apply pending migrations, then hand out the command's session."""
    db.upgrade(db.get_engine())
    return db.get_session()


def password_policy() -> PasswordPolicy:
    """The site's password policy, as its pages apply it: its words and, if set, the range service."""
    config = current_app.config
    return policy_for_site(public_url=config["PUBLIC_URL"], range_url=config.get("PWNED_PASSWORDS_URL"))
