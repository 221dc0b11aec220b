"""Admin: finding users, changing roles, deactivating, and setting temporary passwords."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from tracker.db import get_session
from tracker.http.auth import current_account, role_required
from tracker.models import Role
from tracker.services import accounts
from tracker.web.forms import UserActionForm
from tracker.web.admin import bp


@bp.get("/users")
@role_required(Role.admin)
def users():
    q = request.args.get("q", "")[:64]
    return render_template("admin/users.html", users=accounts.list_users(session=get_session(), q=q), q=q,
                           roles=list(Role))


@bp.post("/users/<username>")
@role_required(Role.admin)
def update_user(username: str):
    session = get_session()
    user = accounts.require_user(session=session, username=username)
    form = UserActionForm().checked()
    action = form.action.data
    try:
        if action == "role":
            role = Role(form.role.data)
            accounts.set_role(session=session, admin=current_account(), user=user, role=role)
            flash(f"{user.username} is now {role.value}.", "success")
        elif action in {"deactivate", "reactivate"}:
            accounts.set_active(session=session, admin=current_account(), user=user, active=action == "reactivate")
            flash(f"{user.username} is {'reactivated' if action == 'reactivate' else 'deactivated; their sessions ended'}.",
                  "success")
        elif action == "password":
            accounts.set_temporary_password(session=session, user=user, password=form.password.data or "")
            flash(f"Temporary password set; {user.username} must change it at the next sign-in.", "success")
    except accounts.AccountError as exc:
        flash(str(exc), "error")
    return redirect(url_for("admin.users", q=request.args.get("q", "")), code=303)
