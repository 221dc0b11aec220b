"""The administration blueprint, under /admin, and its landing page."""

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
