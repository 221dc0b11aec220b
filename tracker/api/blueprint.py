"""The API's blueprint, under /api/v1: each module of this package adds its routes to it."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
