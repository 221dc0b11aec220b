"""Everything a person can do in a page, a token with the right scope can do through /api/v1: each page route
maps to API operations in the OpenAPI document, or says why it has none (`tests/api/parity.py`)."""

from __future__ import annotations

from tests.api.parity import PARITY, Exempt
from tracker.http.openapi import openapi_document

# Blueprints that are not pages: the API itself, SCIM (its own protocol for identity providers), and static files.
NOT_PAGES = {"api", "scim", "static"}


def page_routes(app) -> set[str]:
    """Every page route as "METHOD endpoint"."""
    found = set()
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.partition(".")[0] if "." in rule.endpoint else rule.endpoint
        if blueprint in NOT_PAGES:
            continue
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            found.add(f"{method} {rule.endpoint}")
    return found


def documented_operations(app) -> set[str]:
    with app.app_context():
        document = openapi_document(app)
    return {f"{method.upper()} {path}" for path, methods in document["paths"].items() for method in methods}


def test_every_page_route_has_an_api_counterpart_or_a_stated_reason(app):
    unmapped = sorted(page_routes(app) - set(PARITY))
    assert not unmapped, ("page routes with neither an API counterpart nor a reason in tests/api/parity.py: "
                          + ", ".join(unmapped) + '. Add a line for each: "METHOD endpoint": ("METHOD /api/v1/…",) '
                          'naming the operations that do the same, or Exempt("why it has none").')


def test_every_counterpart_named_is_an_operation_of_the_openapi_document(app):
    operations = documented_operations(app)
    missing = sorted(f"{page} -> {operation}" for page, mapped in PARITY.items() if not isinstance(mapped, Exempt)
                     for operation in mapped if operation not in operations)
    assert not missing, "API operations named in tests/api/parity.py but not in the document: " + ", ".join(missing)


def test_the_table_names_no_page_route_that_is_gone(app):
    routes = page_routes(app)
    # The operator's metrics page is only there when metrics are on.
    gone = sorted(page for page in set(PARITY) - routes if page != "GET metrics.prometheus_metrics")
    assert not gone, "tests/api/parity.py names page routes that no longer exist: " + ", ".join(gone)


def test_every_exemption_says_why_and_every_counterpart_names_at_least_one_operation():
    for page, mapped in PARITY.items():
        if isinstance(mapped, Exempt):
            assert len(mapped.reason) > 20, page
        else:
            assert mapped and all(op.split(" ", 1)[0] in {"GET", "POST", "PUT", "PATCH", "DELETE"}
                                  for op in mapped), page


def test_a_state_change_maps_to_api_changes_and_a_page_to_api_reads(app):
    """A page's POST is done by the API's writes (never only by a read), and a page read by API reads: a read-only
    token can see what a page shows, and changing anything needs a read-write token."""
    wrong = []
    for page, mapped in PARITY.items():
        if isinstance(mapped, Exempt):
            continue
        method = page.split(" ", 1)[0]
        methods = {operation.split(" ", 1)[0] for operation in mapped}
        if method == "GET" and methods != {"GET"} and page not in READ_PAGES_WITH_WRITES:
            wrong.append(page)
        if method == "POST" and methods == {"GET"}:
            wrong.append(page)
    assert not wrong, wrong


# Pages that show a form as well as data: their API counterparts include the changes the form makes.
READ_PAGES_WITH_WRITES = {"GET main.cards_io_page", "GET credentials.verify"}
