"""1EdTech's Open Badges 3.0 JSON schema for an AchievementCredential (tests/data), and what it finds wrong.

The schema is draft 2019-09; formats are checked too (date-time by rfc3339-validator, which the test extras
install: without it jsonschema would pass any string as a date-time without saying so)."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from jsonschema import Draft201909Validator
from jsonschema.exceptions import ValidationError

from tracker.services.records.credentials import JWT_CLAIMS

SCHEMA_FILE = Path(__file__).resolve().parent / "data" / "ob_v3p0_achievementcredential_schema.json"
SCHEMA_ID = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json-ld/ob_v3p0_achievementcredential_schema.json"


@functools.cache
def validator() -> Draft201909Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    Draft201909Validator.check_schema(schema)
    checker = Draft201909Validator.FORMAT_CHECKER
    missing = {"date-time", "date"} - set(checker.checkers)
    assert not missing, f"no checker for the formats {sorted(missing)}: install rfc3339-validator"
    return Draft201909Validator(schema, format_checker=checker)


def schema_errors(document: Any) -> list[str]:
    """Every error the schema finds, as "path: message" (with the reasons of a failed oneOf/anyOf under it),
    in document order; [] when the document follows the schema."""
    return [line for error in sorted(validator().iter_errors(document), key=lambda e: [str(p) for p in e.path])
            for line in _lines(error, "")]


def _lines(error: ValidationError, indent: str) -> list[str]:
    lines = [f"{indent}{error.json_path}: {error.message} (schema: {'/'.join(map(str, error.schema_path))})"]
    for reason in error.context or ():
        lines += _lines(reason, indent + "    ")
    return lines


def report(errors: list[str]) -> str:
    found = sum(not line.startswith(" ") for line in errors)  # the indented lines are reasons, not errors
    return f"{found} error(s) against 1EdTech's OB 3.0 schema:\n" + "\n".join(errors)


def extracted(payload: dict[str, Any]) -> dict[str, Any]:
    """The credential a verifier reads from a VC-JWT payload: the payload without the JWT registered claims."""
    return {name: value for name, value in payload.items() if name not in JWT_CLAIMS}
