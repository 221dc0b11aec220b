"""The code keeps its boundary: refusals are decided in services, guards are shared, templates ask the rules."""

from __future__ import annotations

import re
from pathlib import Path

from werkzeug.routing import IntegerConverter

from tracker.config import resource_dir
from tracker.http.inputs import IdConverter

PACKAGE = Path(__file__).resolve().parent.parent / "tracker"
TEMPLATES = resource_dir("templates")


def sources(folder: str):
    return {path: path.read_text(encoding="utf-8") for path in (PACKAGE / folder).rglob("*.py")}


def test_views_never_write_their_own_not_found_or_refusal_blocks():
    offenders = [f"{path.name}: {line.strip()}" for folder in ("web", "api")
                 for path, text in sources(folder).items() for line in text.splitlines()
                 if re.search(r"\babort\(|NotFound\(|Forbidden\(", line)]
    assert offenders == []


def test_the_api_does_not_import_from_the_pages():
    offenders = [path.name for path, text in sources("api").items() if re.search(r"tracker\.web\b", text)]
    assert offenders == []


def test_services_import_nothing_from_flask_or_the_http_layer():
    offenders = [path.name for path, text in sources("services").items()
                 if re.search(r"^\s*(from|import) (flask|tracker\.(web|api|http))\b", text, re.M)]
    assert offenders == []


def test_templates_ask_the_access_rules_instead_of_comparing_statuses():
    offenders = [f"{path.name}: {match.group(0)}" for path in TEMPLATES.rglob("*.html")
                 for match in re.finditer(r"\.(status|value|kind|scope)\s*[!=]=\s*['\"]\w+['\"]",
                                          path.read_text(encoding="utf-8"))]
    assert offenders == []


def test_no_module_is_over_300_lines_and_no_long_function_goes_without_its_reason():
    """Migrations are exempt from the line count: a revision states a whole schema step."""
    import ast

    long_modules, long_functions = [], []
    for path, text in sources(".").items():
        if "migrations" in path.parts:
            continue
        if text.count("\n") > 300:
            long_modules.append(f"{path.relative_to(PACKAGE)}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                first = node.decorator_list[0].lineno if node.decorator_list else node.lineno
                body = "\n".join(text.splitlines()[first - 1:node.end_lineno])
                if node.end_lineno - first + 1 > 50 and "Long on purpose" not in body:
                    long_functions.append(f"{path.relative_to(PACKAGE)}: {node.name}")
    assert long_modules == [] and long_functions == []


def test_every_id_in_a_route_is_bounded(app):
    unbounded = [rule.rule for rule in app.url_map.iter_rules()
                 for converter in rule._converters.values()
                 if isinstance(converter, IntegerConverter) and not isinstance(converter, IdConverter)]
    assert unbounded == []
    assert any(isinstance(c, IdConverter) for rule in app.url_map.iter_rules() for c in rule._converters.values())


def test_pages_that_can_answer_a_fragment_always_vary_on_hx_request(make_client, session):
    from tests.web.test_admin import editor_form

    ada = make_client("ada")
    factories_form = editor_form(session) | {"action": "refresh"}
    for method, url, data, target in [
        ("GET", "/catalog?q=http", None, "catalog-results"),
        ("GET", "/mentor/", None, "overview-table"),
        ("POST", "/admin/paths/api-designer/edit", factories_form, "editor"),
        ("POST", "/articles/http-protocol/progress", {"state": "done"}, None),
        ("POST", "/articles/http-protocol/note", {"body": "A note"}, None),
    ]:
        for headers in ({}, {"HX-Request": "true", **({"HX-Target": target} if target else {})}):
            response = ada.open(url, method=method, data=data, headers=headers)
            assert response.status_code < 400, (url, headers)
            assert "HX-Request" in response.headers.get("Vary", ""), (url, headers)
