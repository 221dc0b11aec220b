"""The group pages' blueprint: each module of this package adds its routes to it."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("teams", __name__, url_prefix="/groups")
