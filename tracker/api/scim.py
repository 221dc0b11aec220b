"""SCIM 2.0 provisioning under /scim/v2 (RFC 7643, RFC 7644): Users, Groups and the discovery endpoints, for
identity providers (Entra ID, Okta) that create, change and remove accounts and groups.

Its own blueprint with its own error handlers: every answer, a refusal included, is `application/scim+json`
(errors as urn:ietf:params:scim:api:messages:2.0:Error with their scimType), never the /api/v1 JSON errors.
Only a SCIM bearer token (`tracker scim token`) opens it: no cookies, no CSRF, no personal API tokens; refused
tokens are counted per address and slowed down. The decisions are in `tracker.services.provisioning`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Blueprint, Flask, Response, current_app, got_request_exception, request
from pydantic import ValidationError
from scim2_models import (
    Context,
    Error,
    InvalidFilterException,
    InvalidSyntaxException,
    ListResponse,
    NotFoundException,
    PatchOp,
    ResourceType,
    ResponseParameters,
    Schema,
    SCIMException,
    SearchRequest,
    UnauthorizedException,
)
from werkzeug.exceptions import HTTPException

from tracker.db import get_session
from tracker.http import limits as limit_store
from tracker.http.auth import bearer_token, client_address
from tracker.http.errors import loggable, roll_back
from tracker.services.errors import DomainError
from tracker.services.people import limits
from tracker.services.provisioning import common, groups, schema, tokens, users

bp = Blueprint("scim", __name__, url_prefix="/scim/v2")
MEDIA_TYPE = "application/scim+json"
SCIM_TYPES = {400: "invalidValue", 409: "uniqueness"}
KNOWN_PATHS = re.compile(r"^(Users|Groups|Schemas|ResourceTypes)(/[^/]+)?$|^ServiceProviderConfig$")


# ---------------------------------------------------------------- answers

def base_url() -> str:
    return request.url_root.rstrip("/") + (bp.url_prefix or "")


def answer(payload: dict[str, Any] | None, status: int = 200, *, version: str | None = None,
           location: str | None = None) -> Response:
    body = "" if payload is None else json.dumps(payload, ensure_ascii=False)
    response = Response(body, status=status, mimetype=None if payload is None else MEDIA_TYPE)
    if payload is None:
        response.headers.pop("Content-Type", None)
    if version:
        response.headers["ETag"] = version
    if location:
        response.headers["Location"] = location
    return response


def error(status: int, detail: str, scim_type: str | None = None, headers: dict[str, str] | None = None):
    """A SCIM error body; the request's unsaved work rolled back first."""
    roll_back()
    response = answer(Error(status=status, scim_type=scim_type, detail=detail).model_dump(), status)
    response.headers.update(headers or {})
    return response


def scim_exception(exc: SCIMException):
    found = exc.to_error()
    headers = {"WWW-Authenticate": 'Bearer realm="scim"'} if found.status == 401 else None
    return error(found.status or 400, found.detail or "", found.scim_type, headers)


def validation_error(exc: ValidationError):
    first = Error.from_validation_errors(exc)[0]
    return error(first.status or 400, first.detail or "The request body is not valid.", first.scim_type)


def domain_error(exc: DomainError):
    headers = {"Retry-After": str(exc.details["retry_after"])} if "retry_after" in exc.details else None
    return error(exc.status, exc.message or "Refused.", SCIM_TYPES.get(exc.status), headers)


def http_error(exc: HTTPException):
    code = exc.code or 500
    if code >= 500:
        return unexpected_error(exc)
    if code == 413:
        limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
        return error(413, f"The request body is larger than the {limit // 1024} KiB this server accepts.")
    if code == 400:
        return error(400, "The request body is not valid JSON.", "invalidSyntax")
    return error(code, exc.description or "Refused.")


def unexpected_error(exc: Exception):
    current_app.logger.exception("Unhandled error on %s %s", request.method, loggable(request.path))
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is a proxy typed as Flask
    got_request_exception.send(app, exception=exc)
    return error(500, "Something went wrong on our side. The error was logged; please try again.")


# ---------------------------------------------------------------- who is asking

@bp.before_request
def require_scim_token() -> None:
    """A working SCIM token, or 401; refused tokens are counted per address (429 after too many)."""
    raw = bearer_token()
    with limit_store.counted(limits.scim_token_counters(address=client_address())) as attempt:
        found = tokens.check_token(session=get_session(), raw=raw) if raw else None
        if found is not None:
            attempt.did_not_count()
    if found is None:
        raise UnauthorizedException(detail="Send a SCIM token as 'Authorization: Bearer <token>' (made with "
                                           "`tracker scim token`).")


# ---------------------------------------------------------------- reading requests

def body() -> dict[str, Any]:
    """The JSON object the request carries; invalidSyntax (400) for anything else."""
    raw = request.get_data(cache=False)  # past MAX_CONTENT_LENGTH: 413
    try:
        payload = json.loads(raw)
    except (ValueError, RecursionError):
        raise InvalidSyntaxException(detail="The request body is not valid JSON.") from None
    if not isinstance(payload, dict):
        raise InvalidSyntaxException(detail="The request body must be a JSON object.")
    return payload


def read(model: Any, context: Context) -> Any:
    try:
        return model.model_validate(body(), scim_ctx=context, scim_policy=schema.POLICY)
    except RecursionError:
        raise InvalidSyntaxException(detail="The request body is nested too deeply.") from None


def search_request(model: Any) -> SearchRequest[Any]:
    args = {key: value for key, value in request.args.items()
            if key in {"filter", "startIndex", "count", "attributes", "excludedAttributes"}}
    return SearchRequest[model].model_validate(args, scim_ctx=Context.SEARCH_REQUEST, scim_policy=schema.POLICY)


def response_parameters(model: Any) -> ResponseParameters[Any]:
    args = {key: value for key, value in request.args.items() if key in {"attributes", "excludedAttributes"}}
    return ResponseParameters[model].model_validate(args)


def dump(resource: Any, context: Context, parameters: ResponseParameters[Any] | None = None) -> dict[str, Any]:
    return resource.model_dump(scim_ctx=context, response_parameters=parameters, scim_policy=schema.POLICY)


def listed(model: Any, total: int, start_index: int, resources: list[Any],
           parameters: ResponseParameters[Any] | None = None) -> Response:
    page = ListResponse[model](total_results=total, start_index=start_index, items_per_page=len(resources),
                               resources=resources)
    return answer(dump(page, Context.SEARCH_RESPONSE, parameters))


def excludes(parameters: ResponseParameters[Any], name: str) -> bool:
    """Whether the client asked to leave `name` out (so it need not even be read)."""
    excluded = {str(p).rsplit(":", 1)[-1].lower() for p in parameters.excluded_attributes or []}
    included = {str(p).rsplit(":", 1)[-1].split(".")[0].lower() for p in parameters.attributes or []}
    return name.lower() in excluded or bool(included and name.lower() not in included)


# ---------------------------------------------------------------- discovery

def _with_meta(resource: Any, resource_type: str, path: str) -> Any:
    from scim2_models import Meta

    return resource.model_copy(update={"meta": Meta(resource_type=resource_type, location=f"{base_url()}/{path}")})


def _schemas() -> list[Schema]:
    return [_with_meta(s, "Schema", f"Schemas/{s.id}") for s in schema.PROVIDER.schemas]


def _resource_types() -> list[ResourceType]:
    return [_with_meta(r, "ResourceType", f"ResourceTypes/{r.id}") for r in schema.PROVIDER.resource_types]


@bp.get("/ServiceProviderConfig")
def service_provider_config():
    return answer(dump(_with_meta(schema.CONFIG, "ServiceProviderConfig", "ServiceProviderConfig"),
                       Context.RESOURCE_QUERY_RESPONSE))


@bp.get("/Schemas")
def schemas():
    found = _schemas()
    return listed(Schema, len(found), 1, found)


@bp.get("/Schemas/<path:schema_id>")
def one_schema(schema_id: str):
    for found in _schemas():
        if found.id == schema_id:
            return answer(dump(found, Context.RESOURCE_QUERY_RESPONSE))
    raise NotFoundException(detail=f"There is no schema {schema_id[:200]}.")


@bp.get("/ResourceTypes")
def resource_types():
    found = _resource_types()
    return listed(ResourceType, len(found), 1, found)


@bp.get("/ResourceTypes/<type_id>")
def one_resource_type(type_id: str):
    for found in _resource_types():
        if found.id == type_id:
            return answer(dump(found, Context.RESOURCE_QUERY_RESPONSE))
    raise NotFoundException(detail=f"There is no resource type {type_id[:64]}.")


# ---------------------------------------------------------------- users

def _user_answer(user, status: int = 200, context: Context = Context.RESOURCE_QUERY_RESPONSE,
                 parameters: ResponseParameters[Any] | None = None) -> Response:
    resource = users.to_resource(session=get_session(), user=user, base_url=base_url())
    assert resource.meta is not None
    return answer(dump(resource, context, parameters or response_parameters(schema.User)), status,
                  version=resource.meta.version, location=resource.meta.location if status == 201 else None)


def _found_users(search: SearchRequest[Any], page: common.Page | None = None) -> tuple[int, list[Any], common.Page]:
    session = get_session()
    total, found, page = users.search_users(session=session, search=search, page=page)
    return total, users.to_resources(session=session, users=found, base_url=base_url()), page


@bp.get("/Users")
def list_users():
    search = search_request(schema.User)
    total, found, page = _found_users(search)
    return listed(schema.User, total, page.start_index, found, search)


@bp.post("/Users/.search")
def search_users():
    search = read(SearchRequest[schema.User], Context.SEARCH_REQUEST)
    total, found, page = _found_users(search)
    return listed(schema.User, total, page.start_index, found, search)


@bp.post("/Users")
def create_user():
    resource = read(schema.User, Context.RESOURCE_CREATION_REQUEST)
    user = users.create_user(session=get_session(), resource=resource)
    return _user_answer(user, 201, Context.RESOURCE_CREATION_RESPONSE)


@bp.get("/Users/<scim_id>")
def get_user(scim_id: str):
    return _user_answer(users.get_user(session=get_session(), scim_id=scim_id))


@bp.put("/Users/<scim_id>")
def replace_user(scim_id: str):
    session = get_session()
    user = users.get_user(session=session, scim_id=scim_id)
    resource = read(schema.User, Context.RESOURCE_REPLACEMENT_REQUEST)
    users.replace_user(session=session, user=user, resource=resource, if_match=request.headers.get("If-Match"))
    return _user_answer(user, 200, Context.RESOURCE_REPLACEMENT_RESPONSE)


@bp.patch("/Users/<scim_id>")
def patch_user(scim_id: str):
    session = get_session()
    user = users.get_user(session=session, scim_id=scim_id)
    patch = read(PatchOp[schema.User], Context.RESOURCE_PATCH_REQUEST)
    users.patch_user(session=session, user=user, patch=patch, base_url=base_url(),
                     if_match=request.headers.get("If-Match"))
    return _user_answer(user, 200, Context.RESOURCE_PATCH_RESPONSE)


@bp.delete("/Users/<scim_id>")
def delete_user(scim_id: str):
    session = get_session()
    user = users.get_user(session=session, scim_id=scim_id)
    users.delete_user(session=session, user=user, mode=current_app.config["SCIM_DELETE"],
                      if_match=request.headers.get("If-Match"))
    return answer(None, 204)


# ---------------------------------------------------------------- groups

def _group_answer(group, status: int = 200, context: Context = Context.RESOURCE_QUERY_RESPONSE) -> Response:
    parameters = response_parameters(schema.Group)
    resource = groups.to_resource(session=get_session(), group=group, base_url=base_url(),
                                  with_members=not excludes(parameters, "members"))
    assert resource.meta is not None
    return answer(dump(resource, context, parameters), status, version=resource.meta.version,
                  location=resource.meta.location if status == 201 else None)


def _found_groups(search: SearchRequest[Any], page: common.Page | None = None) -> tuple[int, list[Any], common.Page]:
    session = get_session()
    total, found, page = groups.search_groups(session=session, search=search, page=page)
    with_members = not excludes(search, "members")
    return total, [groups.to_resource(session=session, group=g, base_url=base_url(), with_members=with_members)
                   for g in found], page


@bp.get("/Groups")
def list_groups():
    search = search_request(schema.Group)
    total, found, page = _found_groups(search)
    return listed(schema.Group, total, page.start_index, found, search)


@bp.post("/Groups/.search")
def search_groups():
    search = read(SearchRequest[schema.Group], Context.SEARCH_REQUEST)
    total, found, page = _found_groups(search)
    return listed(schema.Group, total, page.start_index, found, search)


@bp.post("/.search")
def search_everything():
    """Users, then groups, as one list (RFC 7644 §3.4.3); a filter on what one type lacks matches none of it."""
    search = read(SearchRequest[schema.User | schema.Group], Context.SEARCH_REQUEST)
    page = common.page_of(search)
    user_search, group_search = _for_one_type(search, schema.User), _for_one_type(search, schema.Group)
    user_total = group_total = 0
    found: list[Any] = []
    refused: list[InvalidFilterException] = []
    try:
        if user_search is not None:
            user_total, found, _ = _found_users(user_search, page)
    except InvalidFilterException as exc:
        refused.append(exc)
    try:
        if group_search is not None:
            room = max(page.limit - len(found), 0)
            group_page = common.Page(offset=max(page.offset - user_total, 0), limit=room)
            group_total, more, _ = _found_groups(group_search, group_page)
            found += more
    except InvalidFilterException as exc:
        refused.append(exc)
    if len(refused) == 2:
        raise refused[0]
    return listed(schema.User | schema.Group, user_total + group_total, page.start_index, found, search)


def _for_one_type(search: SearchRequest[Any], model: Any) -> SearchRequest[Any] | None:
    """The search as one resource type reads it; None when its filter names what that type does not have."""
    try:
        return SearchRequest[model].model_validate(search.model_dump(scim_ctx=Context.SEARCH_REQUEST),
                                                   scim_ctx=Context.SEARCH_REQUEST, scim_policy=schema.POLICY)
    except (ValidationError, SCIMException):
        return None


@bp.post("/Groups")
def create_group():
    resource = read(schema.Group, Context.RESOURCE_CREATION_REQUEST)
    group = groups.create_group(session=get_session(), resource=resource)
    return _group_answer(group, 201, Context.RESOURCE_CREATION_RESPONSE)


@bp.get("/Groups/<scim_id>")
def get_group(scim_id: str):
    return _group_answer(groups.get_group(session=get_session(), scim_id=scim_id))


@bp.put("/Groups/<scim_id>")
def replace_group(scim_id: str):
    session = get_session()
    group = groups.get_group(session=session, scim_id=scim_id)
    resource = read(schema.Group, Context.RESOURCE_REPLACEMENT_REQUEST)
    groups.replace_group(session=session, group=group, resource=resource, if_match=request.headers.get("If-Match"))
    return _group_answer(group, 200, Context.RESOURCE_REPLACEMENT_RESPONSE)


@bp.patch("/Groups/<scim_id>")
def patch_group(scim_id: str):
    """200 with the group when the client names attributes to see; otherwise 204 (RFC 7644 §3.5.2), so a
    batch of members added to a large group does not send every member back."""
    session = get_session()
    group = groups.get_group(session=session, scim_id=scim_id)
    patch = read(PatchOp[schema.Group], Context.RESOURCE_PATCH_REQUEST)
    groups.patch_group(session=session, group=group, patch=patch, base_url=base_url(),
                       if_match=request.headers.get("If-Match"))
    if request.args.get("attributes") or request.args.get("excludedAttributes"):
        return _group_answer(group, 200, Context.RESOURCE_PATCH_RESPONSE)
    return answer(None, 204, version=f'W/"{group.version}"')


@bp.delete("/Groups/<scim_id>")
def delete_group(scim_id: str):
    session = get_session()
    groups.delete_group(session=session, group=groups.get_group(session=session, scim_id=scim_id),
                        if_match=request.headers.get("If-Match"))
    return answer(None, 204)


# ---------------------------------------------------------------- everything else under /scim/v2

@bp.route("/", defaults={"rest": ""}, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@bp.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def elsewhere(rest: str):
    """A SCIM answer for addresses and methods with no endpoint: 405 on a known resource, 404 otherwise."""
    if KNOWN_PATHS.match(rest):
        return error(405, f"{request.method} is not supported on /{rest.split('/')[0]}.")
    if rest == "Bulk":
        return error(501, "Bulk operations are not supported: send each change on its own.")
    raise NotFoundException(detail=f"There is nothing at /scim/v2/{rest[:200]}.")


bp.register_error_handler(SCIMException, scim_exception)
bp.register_error_handler(ValidationError, validation_error)
bp.register_error_handler(DomainError, domain_error)
bp.register_error_handler(HTTPException, http_error)
bp.register_error_handler(Exception, unexpected_error)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
