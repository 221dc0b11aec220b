"""The API describing itself: its OpenAPI document."""

from __future__ import annotations

from tracker.api.blueprint import bp
from tracker.http.openapi import documented, openapi_document


@bp.get("/openapi.json")
@documented(summary="This API's OpenAPI 3.1 document", signed_in=False)
def openapi_json():
    """Generated from the routes and the pydantic models that validate requests and shape answers."""
    return openapi_document()
