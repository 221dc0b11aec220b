"""The learner's blueprint: each module of this package adds its routes to it."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("main", __name__)
