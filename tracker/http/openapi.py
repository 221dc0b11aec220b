"""The API's OpenAPI 3.1 document, built from the URL map and the pydantic models the views use.

Each API view is marked with `@documented(...)`, naming its request body, query and answer models;
the document's schemas come from pydantic (`models_json_schema`), so what validates a request and
what serialises an answer is exactly what the document says. Nothing here is written by hand twice.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema
from werkzeug.routing import IntegerConverter

from tracker.http.schemas import ErrorBody

REF = "#/components/schemas/{model}"
ERROR_TEXT = {400: "The input breaks a rule; the message names the field.",
              401: "Not signed in: send a personal API token as `Authorization: Bearer <token>`.",
              403: "Signed in, but the role or the token's scope does not allow this.",
              404: "No such thing, or not yours to see.",
              409: "Conflicts with what is stored (changed since the version the request was based on, or held by "
                   "something only someone else can change); nothing was written.",
              429: "Too many requests; retry after the time in `Retry-After`."}


def documented(*, summary: str, response: type[BaseModel] | None = None, body: type[BaseModel] | None = None,
               query: type[BaseModel] | None = None, status: int = 200, errors: tuple[int, ...] = (),
               signed_in: bool = True, description: str = ""):
    """Describe an API view for the OpenAPI document (the view itself is unchanged). `signed_in=False`
    marks the public reads; everything else answers 401 without a token or a session."""
    def decorate(view):
        view.openapi = {"summary": summary, "response": response, "body": body, "query": query, "status": status,
                        "errors": errors, "signed_in": signed_in,
                        "description": description or (view.__doc__ or "").strip()}
        return view
    return decorate


def api_operations(app: Flask):
    """(rule, method, view) for every JSON API route."""
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule, method, app.view_functions[rule.endpoint]


def _path_template(rule) -> tuple[str, list[dict[str, Any]]]:
    path, parameters = rule.rule, []
    for name, converter in rule._converters.items():
        integer = isinstance(converter, IntegerConverter)
        path = (path.replace(f"<{'id' if integer else 'string'}:{name}>", f"{{{name}}}")
                .replace(f"<{name}>", f"{{{name}}}"))
        schema = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1} if integer else {"type": "string"}
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    return path, parameters


def openapi_document(app: Flask | None = None) -> dict[str, Any]:
    """The whole API as an OpenAPI 3.1 document."""
    app = app or current_app
    operations = [(rule, method, _spec(rule, method, view)) for rule, method, view in api_operations(app)]
    wanted: set[tuple[type[BaseModel], JsonSchemaMode]] = {(ErrorBody, "serialization")}
    for _, _, spec in operations:
        if spec["body"] is not None:
            wanted.add((spec["body"], "validation"))
        if spec["response"] is not None:
            wanted.add((spec["response"], "serialization"))
    refs, definitions = models_json_schema(sorted(wanted, key=lambda pair: (pair[0].__name__, pair[1])),
                                           ref_template=REF)
    error = {"content": {"application/json": {"schema": refs[(ErrorBody, "serialization")]}}}
    paths: dict[str, dict[str, Any]] = {}
    for rule, method, spec in operations:
        path, parameters = _path_template(rule)
        operation = _operation(rule, method, spec, refs, error, parameters)
        paths.setdefault(path, {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "Learning-path tracker API", "version": "1",
                 "description": "Catalog, paths, your own progress, and mentoring. Every error answers with an "
                                "error object holding its status and a message fit to show."},
        "servers": [{"url": "/"}],
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": definitions.get("$defs", {}), "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer",
                       "description": "A personal API token from the account page: read, read-write, or (an "
                                          "administrator's) admin, the only scope that opens the admin endpoints."},
            "session": {"type": "apiKey", "in": "cookie", "name": "tracker_session",
                        "description": "The browser's session; writes also need the X-CSRFToken header."}}},
    }


def _operation(rule, method: str, spec: dict[str, Any], refs: dict, error: dict[str, Any],
               parameters: list[dict[str, Any]]) -> dict[str, Any]:
    """One route and method as an OpenAPI operation: its parameters, body, answer and refusals."""
    operation: dict[str, Any] = {"operationId": f"{rule.endpoint.removeprefix('api.')}_{method.lower()}",
                                 "summary": spec["summary"], "tags": [rule.rule.split("/")[3]]}
    if spec["description"]:
        operation["description"] = spec["description"]
    if spec["query"] is not None:
        properties = spec["query"].model_json_schema()["properties"]
        parameters += [{"name": name, "in": "query", "required": field.is_required(), "schema": properties[name]}
                       for name, field in spec["query"].model_fields.items()]
    if parameters:
        operation["parameters"] = parameters
    if spec["body"] is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": refs[(spec["body"], "validation")]}}}
    success: dict[str, Any] = {"description": spec["summary"]}
    if spec["response"] is not None:
        success["content"] = {"application/json": {"schema": refs[(spec["response"], "serialization")]}}
    codes = set(spec["errors"]) | ({400} if spec["body"] or spec["query"] else set())
    if spec["signed_in"]:
        codes |= {401, 403}  # 403: a role that does not allow it, or a read-only token's write
    operation["responses"] = {str(spec["status"]): success} | {
        str(code): {"description": ERROR_TEXT[code]} | error for code in sorted(codes)}
    if spec["signed_in"]:
        operation["security"] = [{"bearer": []}, {"session": []}]
    return operation


def _spec(rule, method: str, view) -> dict[str, Any]:
    spec = getattr(view, "openapi", None)
    if spec is None:
        raise LookupError(f"{method} {rule.rule} has no OpenAPI description")
    return spec
