"""scim2-tester, an outside SCIM compliance checker, against /scim/v2: every check it runs passes."""

from __future__ import annotations

from collections import Counter

from flask import Flask
from scim2_client.engines.wsgi import WSGISCIMClient
from scim2_tester import Status, check_server

from tests.scim.conftest import BASE_URL

# What counts as passing: conforming to the RFCs' MUSTs, their SHOULDs, or a MAY they allow.
PASSING = {Status.SUCCESS, Status.COMPLIANT, Status.ACCEPTABLE}


def test_every_check_of_the_scim_compliance_checker_passes(app: Flask, scim_token: str) -> None:
    # No models given: the checker learns the resources from /Schemas and /ResourceTypes, as any client would.
    client = WSGISCIMClient(app, base_url=BASE_URL, headers={"Authorization": f"Bearer {scim_token}"})
    results = check_server(client)

    report = [f"{r.status.name:<10} {r.resource_type or '-':<6} {r.title}: {r.reason}" for r in results]
    counts = Counter(r.status.name for r in results)
    print(f"scim2-tester: {len(results)} checks, {dict(counts)}", *report, sep="\n")
    failing = [line for r, line in zip(results, report, strict=True) if r.status not in PASSING]
    assert not failing, "scim2-tester checks that did not pass:\n" + "\n".join(failing)
    assert len(results) > 50  # it really ran: discovery, then create, read, replace, patch and delete of each type
