"""Admin: finding users (with the groups each is in), changing roles, deactivating, setting temporary passwords,
revoking API tokens, and deleting accounts."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from tracker.db import get_session
from tracker.http.auth import (
    client_address,
    password_policy,
    password_settings,
    require_account,
    role_required,
)
from tracker.models import Role
from tracker.services.errors import NotAllowed
from tracker.services.people import accounts, administration, tokens
from tracker.services.records import deletion as account_deletion
from tracker.services.teams import groups_of_users
from tracker.web.admin.blueprint import bp
from tracker.web.forms import DeleteUserForm, UserActionForm


@bp.get("/users")
@role_required(Role.admin)
def users():
    q = request.args.get("q", "")[:64]
    session = get_session()
    found = accounts.list_users(session=session, q=q)
    ids = [u.id for u in found]
    return render_template("admin/users.html", users=found, q=q, roles=list(Role),
                           token_counts=tokens.live_token_counts(session=session, user_ids=ids),
                           user_groups=groups_of_users(session=session, user_ids=ids))


@bp.post("/users/<username>")
@role_required(Role.admin)
def update_user(username: str):
    session = get_session()
    user = accounts.require_user(session=session, username=username)
    form = UserActionForm().checked()
    action, admin = form.action.data, require_account()
    address = client_address()
    try:
        if action == "role":
            role = Role(form.role.data)
            administration.change_role(session=session, admin=admin, user=user, address=address, role=role)
            flash(f"{user.username} is now {role.value}.", "success")
        elif action in {"deactivate", "reactivate"}:
            active = action == "reactivate"
            administration.change_active(session=session, admin=admin, user=user, address=address, active=active)
            flash(f"{user.username} is {'reactivated' if active else 'deactivated; their sessions ended'}.",
                  "success")
        elif action == "password":
            administration.give_temporary_password(session=session, admin=admin, user=user, address=address,
                                                   password=form.password.data or "", policy=password_policy(),
                                                   **password_settings())
            flash(f"Temporary password set; {user.username} must change it at the next sign-in. Their API tokens "
                  "are revoked.", "success")
        elif action == "revoke_tokens":
            count = administration.revoke_tokens_of(session=session, admin=admin, user=user, address=address)
            flash(f"{count} API token{'' if count == 1 else 's'} of {user.username} revoked.", "success")
    except (accounts.AccountError, administration.PasswordsClosed) as exc:
        flash(str(exc), "error")
    return redirect(url_for("admin.users", q=request.args.get("q", "")), code=303)


@bp.post("/users/<username>/delete")
@role_required(Role.admin)
def delete_user(username: str):
    """Delete an account and everything personal in it, once its username is typed to confirm."""
    session = get_session()
    user = accounts.require_user(session=session, username=username)
    form = DeleteUserForm().checked()
    if form.confirm.data.strip().lower() != user.username:
        flash(f"Type '{user.username}' to confirm; nothing was deleted.", "error")
    else:
        try:
            account_deletion.delete_user(session=session, admin=require_account(), user=user)
        except NotAllowed as exc:
            flash(str(exc), "error")
        else:
            flash(f"The account '{user.username}' is deleted, with everything in it.", "success")
    return redirect(url_for("admin.users", q=request.args.get("q", "")), code=303)
