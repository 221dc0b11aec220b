"""Administration, one blueprint: paths (editor, history, import), the catalog, users and mentorships.

Each area is a module of this package; importing them registers their routes on `bp`.
"""

from __future__ import annotations

from flask import Blueprint, redirect, url_for

from tracker.http.auth import role_required
from tracker.models import Role

bp = Blueprint("admin", __name__, url_prefix="/admin")
UPLOAD_LIMIT = 256 * 1024  # a path file or a pasted listing page


@bp.get("/")
@role_required(Role.admin)
def index():
    return redirect(url_for("admin.path_list"))


from tracker.web.admin import catalog, credentials, mentorships, paths, records, security, users  # noqa: E402,F401  (registers the routes)
