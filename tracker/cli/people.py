"""Accounts, API tokens and mentor links."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from tracker.cli.group import cli, password_policy, prepared_session
from tracker.http.issuer import key_store
from tracker.models import Role, SecurityEventKind, TokenScope
from tracker.services.errors import NotAllowed, NotFound
from tracker.services.mentoring import mentorships
from tracker.services.people import accounts, security_log, tokens
from tracker.services.records import deletion as account_deletion
from tracker.services.records import signing_keys as credential_keys


@cli.group("users")
def users_group() -> None:
    """User accounts."""


@cli.group("credentials")
def credentials_group() -> None:
    """Completion credentials and the keys that sign them."""


@credentials_group.command("rotate-key")
@with_appcontext
def credentials_rotate_key() -> None:
    """Sign new credentials with a new ES256 key (in the database: every machine signs with it); the older keys
    stay published, so what they signed verifies."""
    prepared_session()
    try:
        key = credential_keys.rotate_key(store=key_store())
    except (credential_keys.CredentialKeyError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"New credentials are signed with key {key.thumbprint()} on every machine; the earlier keys stay "
               "in the JWKS.")


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
        user = accounts.create_user(session=prepared_session(), username=username, password=password,
                                    policy=password_policy(), role=Role(role), actor_label="command line")
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Created {user.role} '{user.username}'.")


@users_group.command("delete")
@click.argument("username")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def users_delete(username: str, yes: bool) -> None:
    """Delete USERNAME's account and everything personal in it (as the account page does)."""
    session = prepared_session()
    try:
        user = accounts.require_user(session=session, username=username)
    except NotFound as exc:
        raise click.ClickException(str(exc)) from None
    if not yes:
        click.confirm(f"Delete '{user.username}' with their progress, notes, sessions, tokens and credentials, "
                      "for good?", abort=True)
    try:
        account_deletion.erase_account(session=session, user=user, by="the command line",
                                       actor_label="command line")
    except NotAllowed as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Deleted '{user.username}'.")


# ---------------------------------------------------------------- tokens

@cli.group("tokens")
def tokens_group() -> None:
    """Personal API tokens."""


@tokens_group.command("create")
@click.argument("username")
@click.option("--name", default="command line", show_default=True, help="What the token is for.")
@click.option("--scope", type=click.Choice([s.value for s in TokenScope]), default=TokenScope.read.value,
              show_default=True, help="read: GET only; write: everything the user may do through the API but the admin "
                   "endpoints; admin: write and the admin endpoints (administrators only).")
@click.option("--expires-in-days", type=click.IntRange(1, 3650), default=None,
              help="Days until the token stops working (default: until revoked).")
@with_appcontext
def tokens_create(username: str, name: str, scope: str, expires_in_days: int | None) -> None:
    """Create a token for USERNAME and print it (it is shown only this once)."""
    session = prepared_session()
    user = accounts.get_user(session=session, username=username)
    if user is None:
        raise click.ClickException(f"No user '{username}'.")
    try:
        raw, token = tokens.create_token(session=session, user=user, name=name, scope=TokenScope(scope),
                                         expires_in_days=expires_in_days)
    except tokens.TokenError as exc:
        raise click.ClickException(str(exc)) from None
    security_log.record(session=session, kind=SecurityEventKind.token_created, user=user,
                        detail=f"{token.name} ({token.scope.value}, {token.hint}…) from the command line")
    click.echo(f"Token '{name}' for {user.username} (shown once; store it safely):", err=True)
    click.echo(raw)


def _named_user(session, username: str):
    try:
        return accounts.require_user(session=session, username=username)
    except NotFound as exc:
        raise click.ClickException(str(exc)) from None


def _day(moment) -> str:
    return moment.strftime("%Y-%m-%d") if moment else "never"


@tokens_group.command("list")
@click.option("--user", "username", default=None, help="Only this user's tokens.")
@with_appcontext
def tokens_list(username: str | None) -> None:
    """List the tokens that still work (never their secrets: only the first characters)."""
    session = prepared_session()
    user = _named_user(session, username) if username else None
    found = tokens.live_tokens(session=session, user=user)
    if not found:
        click.echo("No tokens that work.")
    for token, owner in found:
        click.echo(f"{token.id:>6}  {owner.username:<32}  {token.hint}…  {token.scope.value:<5}  "
                   f"made {_day(token.created_at)}  expires {_day(token.expires_at)}  "
                   f"last used {_day(token.last_used_at)}  {token.name}")


@tokens_group.command("revoke")
@click.option("--user", "username", required=True, help="Whose tokens.")
@click.option("--id", "token_id", type=int, default=None, help="Revoke this token (see `tracker tokens list`).")
@click.option("--all", "every", is_flag=True, help="Revoke every token of the user.")
@with_appcontext
def tokens_revoke(username: str, token_id: int | None, every: bool) -> None:
    """Revoke one token (--id) or every token (--all) of a user; requests using them are refused at once."""
    if (token_id is not None) == every:
        raise click.UsageError("give either --id N or --all")
    session = prepared_session()
    user = _named_user(session, username)
    if token_id is not None:
        try:
            token = tokens.revoke_token(session=session, user=user, token_id=token_id)
        except NotFound:
            raise click.ClickException(f"{user.username} has no working token {token_id}.") from None
        security_log.record(session=session, kind=SecurityEventKind.token_revoked, user=user,
                            detail=f"{token.name} ({token.hint}…) from the command line")
        click.echo(f"Token {token.id} ('{token.name}') of {user.username} revoked.")
        return
    count = tokens.revoke_all_tokens(session=session, user=user)
    session.commit()
    if count:
        security_log.record(session=session, kind=SecurityEventKind.tokens_revoked, user=user,
                            detail=tokens.describe_revocation(count, "revoked from the command line"))
    click.echo(f"{count} token{'' if count == 1 else 's'} of {user.username} revoked.")


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
    session = prepared_session()
    mentor_user, learner_user = _two_users(session, mentor, learner)
    already = mentorships.mentors(session=session, mentor=mentor_user, learner=learner_user)
    try:
        mentorships.link(session=session, mentor=mentor_user, learner=learner_user, actor_label="command line")
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
    session = prepared_session()
    mentor_user, learner_user = _two_users(session, mentor, learner)
    try:
        mentorships.unlink(session=session, mentor=mentor_user, learner=learner_user,
                            actor_label="command line")
    except NotFound as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{mentor_user.username} no longer mentors {learner_user.username}.")
