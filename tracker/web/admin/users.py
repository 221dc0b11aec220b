"""Admin: finding users, changing roles, deactivating, setting temporary passwords, and deleting accounts."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from tracker.db import get_session
from tracker.http.auth import client_address, password_policy, require_account, role_required
from tracker.models import Role, SecurityEventKind
from tracker.services.errors import NotAllowed
from tracker.services.people import accounts, security_log
from tracker.services.records import deletion as account_deletion
from tracker.web.admin.blueprint import bp
from tracker.web.forms import DeleteUserForm, UserActionForm


@bp.get("/users")
@role_required(Role.admin)
def users():
    q = request.args.get("q", "")[:64]
    return render_template("admin/users.html", users=accounts.list_users(session=get_session(), q=q), q=q,
                           roles=list(Role))


def _event(kind: SecurityEventKind, user, detail: str) -> None:
    security_log.record(session=get_session(), kind=kind, user=user, address=client_address(), detail=detail)


@bp.post("/users/<username>")
@role_required(Role.admin)
def update_user(username: str):
    session = get_session()
    user = accounts.require_user(session=session, username=username)
    form = UserActionForm().checked()
    action, admin = form.action.data, require_account()
    try:
        if action == "role":
            role = Role(form.role.data)
            accounts.set_role(session=session, admin=admin, user=user, role=role)
            _event(SecurityEventKind.role_changed, user, f"{role.value}, by {admin.username}")
            flash(f"{user.username} is now {role.value}.", "success")
        elif action in {"deactivate", "reactivate"}:
            active = action == "reactivate"
            accounts.set_active(session=session, admin=admin, user=user, active=active)
            _event(SecurityEventKind.reactivated if active else SecurityEventKind.deactivated, user,
                   f"by {admin.username}")
            flash(f"{user.username} is {'reactivated' if active else 'deactivated; their sessions ended'}.",
                  "success")
        elif action == "password":
            accounts.set_temporary_password(session=session, user=user, password=form.password.data or "",
                                            policy=password_policy())
            _event(SecurityEventKind.temporary_password_set, user, f"by {admin.username}")
            flash(f"Temporary password set; {user.username} must change it at the next sign-in.", "success")
    except accounts.AccountError as exc:
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
