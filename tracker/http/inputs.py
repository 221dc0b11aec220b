"""Bounded input: ids that fit the database, text without NUL bytes, JSON of sane depth, bodies that validate.

Whatever a client sends, the answer is a 4xx naming the problem, never a 500 from deep inside.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from flask import Flask, current_app, request
from pydantic import BaseModel, ValidationError
from werkzeug.routing import IntegerConverter

from tracker.services.documents import DEPTH_MAX, nesting_depth
from tracker.services.errors import Invalid, NotFound

DB_INT_MAX = 2**31 - 1       # ids and versions are INTEGER columns: the range both databases store
JSON_DEPTH_MAX = DEPTH_MAX   # deeper than any body this API accepts
Body = TypeVar("Body", bound=BaseModel)


class IdConverter(IntegerConverter):
    """`<id:name>`: a positive id that fits an INTEGER column. Anything else (0, 2^31, 'abc') matches no route: 404."""

    def __init__(self, map, **kwargs):
        super().__init__(map, min=1, max=DB_INT_MAX, **kwargs)


def has_nul(value: Any) -> bool:
    """True when any string in `value` (nested lists and dicts included) holds a NUL character."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


NUL_MESSAGE = "Text may not contain NUL characters (\\0)."


def reject_nul_bytes() -> None:
    """No database stores NUL in text (PostgreSQL refuses it): refuse it at the door, in every input."""
    if "\x00" in request.path or has_nul(request.view_args or {}):
        raise NotFound("There is no such page.")
    sources: list[Iterable[tuple[str, list[str]]]] = [request.args.lists()]
    if request.mimetype in _FORM_TYPES:
        sources += [request.form.lists(), [(name, [f.filename or "" for f in files])
                                           for name, files in request.files.lists()]]
    for items in sources:
        if any(has_nul([key, *values]) for key, values in items):
            raise Invalid(NUL_MESSAGE)


_FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


def json_document() -> Any:
    """The request's JSON, checked for depth and NUL bytes; Invalid (400) with a readable message otherwise."""
    if not request.is_json:
        raise Invalid("Send JSON with the header 'Content-Type: application/json'.")
    try:
        data = current_app.json.loads(request.get_data(cache=True))
    except RecursionError:
        raise Invalid(f"The JSON is nested too deeply; the limit is {JSON_DEPTH_MAX} levels.") from None
    except ValueError as exc:
        raise Invalid(f"The body is not valid JSON: {exc}.") from None
    if nesting_depth(data) > JSON_DEPTH_MAX:
        raise Invalid(f"The JSON is nested too deeply; the limit is {JSON_DEPTH_MAX} levels.")
    if has_nul(data):
        raise Invalid(NUL_MESSAGE)
    return data


def json_body(model: type[Body], *, hint: str = "send a JSON object") -> Body:
    """The request's JSON object validated by `model`; Invalid naming the first bad field otherwise."""
    data = json_document()
    if not isinstance(data, dict):
        raise Invalid(hint)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "body"
        message = "this field is required" if error["type"] == "missing" else error["msg"].removeprefix("Value error, ")
        raise Invalid(f"{where}: {message}") from None


def init_app(app: Flask) -> None:
    app.url_map.converters["id"] = IdConverter
    # First of all hooks: nothing reads the input before it is checked.
    app.before_request_funcs.setdefault(None, []).insert(0, reject_nul_bytes)


def form_int(name: str, *, label: str | None = None, minimum: int = 0, maximum: int = DB_INT_MAX,
             default: int | None = None) -> int | None:
    """A whole number from the submitted form, within bounds; Invalid naming the field otherwise."""
    raw = request.form.get(name, "").strip()
    if raw == "":
        return default
    label = label or name.replace("_", " ")
    if len(raw) > 20 or not raw.lstrip("-").isdigit():
        raise Invalid(f"{label.capitalize()}: '{raw[:20]}' is not a whole number.")
    value = int(raw)
    if not minimum <= value <= maximum:
        raise Invalid(f"{label.capitalize()}: must be between {minimum} and {maximum}.")
    return value
