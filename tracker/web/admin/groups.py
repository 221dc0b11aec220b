"""Admin: groups (teams or cohorts) — the list with member counts and provider mappings, making one, and a group's
page: its details, its members (searched, a page at a time), adding members by usernames pasted or uploaded
(previewed, then applied all or nothing), removing one, naming managers, and deleting the group.

Members of a group provisioned over SCIM are the identity provider's to choose: its page only names managers.
Every change goes through `tracker.services.teams`, which writes the audit log with the admin as the actor.
"""

from __future__ import annotations

from flask import flash, request, url_for

from tracker.db import get_session
from tracker.http.auth import require_account, role_required
from tracker.http.render import is_htmx, page_or_fragment, see_other
from tracker.models import Group, Role, User
from tracker.services import access, documents, teams
from tracker.services.errors import Invalid, NotAllowed
from tracker.services.teams import roster
from tracker.web.admin.blueprint import UPLOAD_LIMIT, bp
from tracker.web.forms import (
    AddMembersForm,
    ConfirmMembersForm,
    DeleteGroupForm,
    Form,
    GroupForm,
    ManagerForm,
    NewGroupForm,
)


def _administrator() -> User:
    admin = require_account()
    if not access.can_administer_groups(admin):
        raise NotAllowed("Only administrators manage groups.")
    return admin


def _group(slug: str) -> Group:
    _administrator()
    return teams.get_group(session=get_session(), slug=slug)


def _put_error(form: Form, exc: Invalid, default: str) -> None:
    """The service's refusal under the field it names (or `default`)."""
    name = exc.details.get("field", default)
    field = getattr(form, name, None) or getattr(form, default)
    field.errors = [str(exc)]


# ---------------------------------------------------------------- the list

def _list_page(form: NewGroupForm | None = None, *, status: int = 200):
    session = get_session()
    groups = teams.list_groups(session=session)
    return page_or_fragment("admin/groups.html", status=status, groups=groups,
                            counts=teams.member_counts(session=session, groups=groups),
                            form=form or NewGroupForm(formdata=None))


@bp.get("/groups")
@role_required(Role.admin)
def group_list():
    _administrator()
    return _list_page()


@bp.post("/groups")
@role_required(Role.admin)
def create_group():
    """Make a group and go to its page. Bad input (a taken address or mapping): the list again with the form as
    typed and the field's error (400)."""
    admin = _administrator()
    form = NewGroupForm()
    if not form.validate():
        return _list_page(form, status=400)
    session = get_session()
    try:
        with teams.one_change(session=session):
            group = teams.create_group(session=session, name=form.name.data or "", slug=form.slug.data or None,
                                       description=form.description.data or "",
                                       idp_name=(form.idp_name.data or "").strip() or None, actor=admin)
    except Invalid as exc:
        _put_error(form, exc, "name")
        return _list_page(form, status=400)
    flash(f"The group {group.name} is made. Add its members below.", "success")
    return see_other(url_for("admin.group_page", slug=group.slug))


# ---------------------------------------------------------------- one group

def _view_args() -> tuple[str, int]:
    """The member search and page the request came from (kept across changes made on the page)."""
    q = request.args.get("q", "")[: roster.SEARCH_MAX]
    raw = request.args.get("page", "1")
    page = int(raw) if raw.isdigit() and 0 < len(raw) < 7 else 1
    return q, page


def _group_page(group: Group, *, details: GroupForm | None = None, add: AddMembersForm | None = None,
                additions: teams.Additions | None = None, confirm: ConfirmMembersForm | None = None,
                notice: str = "", block: str | None = "roster", target: str | None = "group-roster",
                status: int = 200):
    """The group's page, or for HTMX the block aimed at (the roster: members and the add form; or the members)."""
    session = get_session()
    q, page = _view_args()
    members = teams.member_page(session=session, group=group, q=q, page=page)
    if members.page > members.pages:  # the last member of the last page left: show the page before
        members = teams.member_page(session=session, group=group, q=q, page=members.pages)
    return page_or_fragment(
        "admin/group.html", block=block, target=target, status=status, group=group, members=members,
        hand_managed=teams.hand_managed(group),
        details=details or GroupForm(formdata=None, name=group.name, description=group.description,
                                     idp_name=group.idp_name or ""),
        add=add or AddMembersForm(formdata=None), additions=additions, confirm=confirm, notice=notice,
        here={"q": members.q or None, "page": members.page if members.page > 1 else None},
        delete_form=DeleteGroupForm(formdata=None))


@bp.get("/groups/<slug>")
@role_required(Role.admin)
def group_page(slug: str):
    """The page; a search from the members' own form (HTMX) swaps the members alone."""
    return _group_page(_group(slug), block="members", target="group-members")


@bp.post("/groups/<slug>")
@role_required(Role.admin)
def update_group(slug: str):
    """Change a group's name, description or provider group name. Bad input: the page again with the field's
    error (400)."""
    admin = _administrator()
    session = get_session()
    group = teams.get_group(session=session, slug=slug)
    form = GroupForm()
    if not form.validate():
        return _group_page(group, details=form, block=None, status=400)
    try:
        with teams.one_change(session=session):
            teams.rename_group(session=session, group=group, name=form.name.data or "",
                               description=form.description.data or "",
                               idp_name=(form.idp_name.data or "").strip(), actor=admin)
    except Invalid as exc:
        session.rollback()  # the page shows the group as it is stored, the form as it was typed
        _put_error(form, exc, "name")
        return _group_page(teams.get_group(session=session, slug=slug), details=form, block=None, status=400)
    flash(f"{group.name} is saved.", "success")
    return see_other(url_for("admin.group_page", slug=group.slug))


def _usernames_given(form: AddMembersForm) -> str:
    """The uploaded file's text when a file is chosen, else the pasted text."""
    upload = request.files.get(form.file.name)
    if upload is not None and upload.filename:
        return documents.decoded(upload.read(UPLOAD_LIMIT + 1), name=upload.filename, limit=UPLOAD_LIMIT)
    return form.usernames.data or ""


@bp.post("/groups/<slug>/members/preview")
@role_required(Role.admin)
def preview_members(slug: str):
    """Who the usernames pasted or uploaded would add, writing nothing. An unknown name: nothing is offered, and
    the answer names its line (the form again with the error, 400; for HTMX the alert)."""
    group = _group(slug)
    form = AddMembersForm()
    try:
        if not form.validate():
            raise Invalid(form.first_error())
        additions = teams.plan_additions(session=get_session(), group=group, text=_usernames_given(form))
    except Invalid as exc:
        if is_htmx():
            raise
        form.usernames.errors = [str(exc)]
        return _group_page(group, add=form, block=None, status=400)
    confirm = ConfirmMembersForm(formdata=None, usernames=" ".join(u.username for u in additions.joining))
    return _group_page(group, add=form, additions=additions, confirm=confirm)


@bp.post("/groups/<slug>/members")
@role_required(Role.admin)
def add_members(slug: str):
    """Apply a previewed list: everyone in it joins, or (when a name became unknown since) nobody."""
    admin = _administrator()
    session = get_session()
    group = teams.get_group(session=session, slug=slug)
    form = ConfirmMembersForm()
    try:
        form.checked()
        with teams.one_change(session=session):
            additions = teams.add_usernames(session=session, group=group, text=form.usernames.data or "",
                                            actor=admin)
    except Invalid as exc:
        if is_htmx():
            raise
        add = AddMembersForm(formdata=None, usernames=form.usernames.data or "")
        add.usernames.errors = [str(exc)]
        return _group_page(teams.get_group(session=session, slug=slug), add=add, block=None, status=400)
    joined = len(additions.joining)
    message = (f"{joined} {'person joins' if joined == 1 else 'people join'} {group.name}." if joined
               else f"Everyone listed was already in {group.name}; nothing changed.")
    return _changed(group, message)


def _changed(group: Group, message: str):
    """After a change: for HTMX the roster with `message` said in it; otherwise back to the page (303)."""
    if is_htmx():
        return _group_page(group, notice=message)
    flash(message, "success")
    q, page = _view_args()
    return see_other(url_for("admin.group_page", slug=group.slug, q=q or None, page=page if page > 1 else None))


@bp.post("/groups/<slug>/members/<username>/remove")
@role_required(Role.admin)
def remove_member(slug: str, username: str):
    """Take one person out of the group; their account, progress and assignments stay."""
    admin = _administrator()
    session = get_session()
    group = teams.get_group(session=session, slug=slug)
    Form().checked()
    user = teams.membership_user(session=session, group=group, username=username)
    with teams.one_change(session=session):
        teams.leave(session=session, group=group, user=user, actor=admin)
    return _changed(group, f"{user.username} is no longer in {group.name}.")


@bp.post("/groups/<slug>/members/<username>/manager")
@role_required(Role.admin)
def set_manager(slug: str, username: str):
    """Make a member a manager of the group (`manager=1`) or not (`manager=0`)."""
    admin = _administrator()
    session = get_session()
    group = teams.get_group(session=session, slug=slug)
    form = ManagerForm().checked()
    user = teams.membership_user(session=session, group=group, username=username)
    manager = form.wanted()
    with teams.one_change(session=session):
        teams.join(session=session, group=group, user=user, manager=manager, actor=admin)
    return _changed(group, f"{user.username} {'now manages' if manager else 'no longer manages'} {group.name}.")


@bp.post("/groups/<slug>/delete")
@role_required(Role.admin)
def delete_group(slug: str):
    """Delete the group once its address is typed to confirm. Its members keep their accounts, progress and
    assignments."""
    admin = _administrator()
    session = get_session()
    group = teams.get_group(session=session, slug=slug)
    form = DeleteGroupForm().checked()
    if (form.confirm.data or "").strip().lower() != group.slug:
        message = f"Type “{group.slug}” to confirm; nothing was deleted."
        if is_htmx():
            raise Invalid(message)
        flash(message, "error")
        return see_other(url_for("admin.group_page", slug=group.slug))
    name = group.name
    with teams.one_change(session=session):
        teams.delete_group(session=session, group=group, actor=admin)
    flash(f"The group {name} is deleted. Its members keep their accounts and assignments.", "success")
    return see_other(url_for("admin.group_list"))
