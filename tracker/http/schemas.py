"""The JSON shapes the HTTP boundary itself owns: the base of every answer and the error body every refusal
carries (the API's own models build on `Public`)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, field_serializer


class Public(BaseModel):
    """Base of every answer: times in UTC with a 'Z', nothing read from attributes by accident."""

    model_config = ConfigDict(from_attributes=False)

    @field_serializer("*", when_used="json")
    def _utc(self, value):
        if isinstance(value, datetime):
            return value.isoformat().replace("+00:00", "Z")
        return value


class ErrorDetail(Public):
    status: int
    message: str
    current_version: int | None = None
    changes: list[str] | None = None


class ErrorBody(Public):
    """Every refusal: `{"error": {"status", "message"}}`; a 409 adds the current version and what changed."""

    error: ErrorDetail
