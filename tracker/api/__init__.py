"""The JSON API, version 1, under /api/v1."""

from __future__ import annotations

from typing import TypeVar

from flask import Blueprint, Flask, abort, request
from pydantic import BaseModel, ValidationError

bp = Blueprint("api", __name__, url_prefix="/api/v1")
Body = TypeVar("Body", bound=BaseModel)


def json_body(model: type[Body], *, hint: str = "send a JSON object") -> Body:
    """The request's JSON object validated by `model`; a 400 naming the first bad field otherwise."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, description=hint)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "body"
        abort(400, description=f"{where}: {error['msg']}")


def init_app(app: Flask) -> None:
    from tracker.api import catalog, me, mentoring  # noqa: F401  (registers the routes)

    app.register_blueprint(bp)
