"""The OpenAPI document is generated, covers every API route, and the live API keeps to it."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from tests import factories
from tracker.http.openapi import api_operations
from tracker.models import TokenScope
from tracker.services.people import tokens


def test_the_document_lists_exactly_the_api_routes(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"] == "3.1.0"
    documented = {(path, method.upper()) for path, methods in doc["paths"].items() for method in methods}
    routed = {(rule.rule.replace("<id:", "{").replace("<", "{").replace(">", "}"), method)
              for rule, method, _ in api_operations(app)}
    assert documented == routed
    put = doc["paths"]["/api/v1/me/progress/{slug}"]["put"]
    assert put["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/StateBody")
    assert set(put["responses"]) >= {"200", "400", "401", "403", "404"}
    state = doc["components"]["schemas"]["ProgressState"]
    assert state["enum"] == ["not_started", "in_progress", "done", "skipped"]


def test_the_reference_page_is_readable_without_scripts(client):
    response = client.get("/api")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "PUT /api/v1/me/progress/{slug}" in page
    assert "<script>" not in page and "script-src 'self'" in response.headers["Content-Security-Policy"]


@pytest.mark.slow
def test_every_operation_keeps_to_the_document_as_every_role(app, session):
    """Schemathesis generates requests for every operation from the document and checks the answers:
    never a 5xx, only documented status codes, bodies that match their schemas."""
    factories.mentor_of(session, "mona", "lena")
    role_tokens = [tokens.create_token(session=session, user=factories.user(session, name), name="schemathesis",
                                       scope=scope)[0]
                   for name, scope in (("lena", TokenScope.write), ("mona", TokenScope.write),
                                       ("ada", TokenScope.admin))]
    api = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    checked = set()
    for result in api.get_all_operations():
        operation = result.ok()
        checked.add(operation.label)

        @given(case=operation.as_strategy())
        @settings(max_examples=6, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def exercise(case):
            for raw in role_tokens:
                case.call_and_validate(headers={"Authorization": f"Bearer {raw}"},
                                       checks=[not_a_server_error, status_code_conformance,
                                               response_schema_conformance])

        exercise()
    routed = {f"{method} {rule.rule}".replace("<id:", "{").replace("<", "{").replace(">", "}")
              for rule, method, _ in api_operations(app)}
    assert routed - checked == {"GET /api/v1/openapi.json"}  # schemathesis leaves the document itself out
