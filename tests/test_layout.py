"""The code keeps its boundary: refusals are decided in services, guards are shared, templates ask the rules."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from werkzeug.routing import IntegerConverter

from tracker.http.inputs import IdConverter
from tracker.resources import resource_dir

PACKAGE = Path(__file__).resolve().parent.parent / "tracker"
TEMPLATES = resource_dir("templates")


def sources(folder: str):
    return {path: path.read_text(encoding="utf-8") for path in (PACKAGE / folder).rglob("*.py")}


def test_views_never_write_their_own_not_found_or_refusal_blocks():
    offenders = [f"{path.name}: {line.strip()}" for folder in ("web", "api")
                 for path, text in sources(folder).items() for line in text.splitlines()
                 if re.search(r"\babort\(|NotFound\(|Forbidden\(", line)]
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


def test_no_long_function_goes_without_its_reason():
    """A function over 50 lines says why it is long ("Long on purpose"); migrations are exempt."""
    long_functions = []
    for path, text in sources(".").items():
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                first = node.decorator_list[0].lineno if node.decorator_list else node.lineno
                body = "\n".join(text.splitlines()[first - 1:node.end_lineno])
                if (node.end_lineno or first) - first + 1 > 50 and "Long on purpose" not in body:
                    long_functions.append(f"{path.relative_to(PACKAGE)}: {node.name}")
    assert long_functions == []


def test_the_import_graph_has_no_circles():
    """Every import counts, at the top of a module or inside a function (typing-only imports aside)."""
    graph = import_graph()
    circles = [sorted(part) for part in strongly_connected(graph) if len(part) > 1]
    assert circles == []


def test_pages_and_the_api_never_import_each_other():
    graph = import_graph()
    crossing = [f"{module} -> {target}" for module, targets in graph.items() for target in targets
                if (module.startswith("tracker.web") and target.startswith("tracker.api"))
                or (module.startswith("tracker.api") and target.startswith("tracker.web"))]
    assert crossing == []


def test_the_domain_imports_neither_settings_nor_the_layers_above_it():
    graph = import_graph()
    upward = [f"{module} -> {target}" for module, targets in graph.items() if module.startswith("tracker.services")
              for target in targets if target.split(".")[:2] in (["tracker", "config"], ["tracker", "web"],
                                                                   ["tracker", "api"], ["tracker", "http"],
                                                                   ["tracker", "cli"], ["tracker", "db"])]
    assert upward == []


def test_each_domain_package_says_what_it_owns():
    undocumented = [path.parent.name for path in (PACKAGE / "services").glob("*/__init__.py")
                    if len((ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or "").splitlines()) < 3]
    assert undocumented == []


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Each module of the package and the package modules it imports (a name imported from a package counts
    as its module when it is one). Importing a module also runs its parents' `__init__`, which is not an edge."""
    files = {module_name(path): path for path in PACKAGE.rglob("*.py") if "migrations" not in path.parts}
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = {id(child) for node in ast.walk(tree) if isinstance(node, ast.If)
                       and "TYPE_CHECKING" in ast.unparse(node.test) for child in ast.walk(node)}
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.Import):
                targets |= {alias.name for alias in node.names if alias.name in files}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, *([node.module] if node.module else [])])
                targets |= {f"{base}.{alias.name}" if f"{base}.{alias.name}" in files else base
                            for alias in node.names}
        graph[module] = {target for target in targets if target in files and target != module}
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's strongly connected components: any with more than one module is an import circle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    parts: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            part = set()
            while True:
                member = stack.pop()
                part.add(member)
                if member == node:
                    break
            parts.append(part)

    for node in graph:
        if node not in index:
            visit(node)
    return parts


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
