"""Every change through the API needs a read-write token, and every admin endpoint an administrator's token with
the admin scope; a refused request writes nothing."""

from __future__ import annotations

import pytest
from werkzeug.routing import IntegerConverter

from tests import factories
from tests.api.tokens import bearer, everything
from tests.conftest import PASSWORD
from tracker.http.openapi import api_operations
from tracker.models import Role, TokenScope
from tracker.services.people import tokens


def _url(rule) -> str:
    values = {name: (1 if isinstance(conv, IntegerConverter) else "lena")
              for name, conv in rule._converters.items()}
    return rule.build(values, append_unknown=False)[1]


def _changes(app):
    return [(rule, method) for rule, method, view in api_operations(app) if method != "GET"
            and not getattr(view, "changes_nothing", False)]


def _admin_operations(app):
    return [(rule, method) for rule, method, view in api_operations(app)
            if getattr(view, "required_role", None) is Role.admin]


def test_a_read_only_token_is_refused_every_change_and_nothing_is_written(app, client, session):
    factories.mentor_of(session, "mona", "lena")
    headers = {name: bearer(session, name, TokenScope.read) for name in ("lena", "mona")}
    headers["ada"] = bearer(session, "ada", TokenScope.read)  # the strongest owner, the weakest scope
    engine = app.extensions["tracker.engine"]
    before = everything(engine)
    refused = 0
    for rule, method in _changes(app):
        for name, header in headers.items():
            response = client.open(_url(rule), method=method, json={}, headers=header)
            assert response.status_code == 403, (name, method, rule.rule, response.status_code)
            assert "read-only" in response.get_json()["error"]["message"]
            refused += 1
    assert refused >= 3 * 60
    assert everything(engine) == before


def test_every_admin_endpoint_refuses_a_mentor_and_an_admins_token_without_the_admin_scope(app, client, session):
    factories.mentor_of(session, "mona", "lena")
    mentor, admin_write = bearer(session, "mona"), bearer(session, "ada", TokenScope.write)
    engine = app.extensions["tracker.engine"]
    before = everything(engine)
    operations = _admin_operations(app)
    assert len(operations) >= 35
    for rule, method in operations:
        kwargs = {"json": {}} if method != "GET" else {}
        as_mentor = client.open(_url(rule), method=method, headers=mentor, **kwargs)
        assert as_mentor.status_code == 403, (method, rule.rule)
        assert "admin role" in as_mentor.get_json()["error"]["message"]
        as_admin = client.open(_url(rule), method=method, headers=admin_write, **kwargs)
        assert as_admin.status_code == 403, (method, rule.rule)
        assert "admin scope" in as_admin.get_json()["error"]["message"]
    assert everything(engine) == before


def test_an_admin_scope_token_of_someone_no_longer_admin_opens_no_admin_endpoint(client, session):
    headers = bearer(session, "ada", TokenScope.admin)
    assert client.get("/api/v1/admin/users", headers=headers).status_code == 200
    other = factories.user(session, "mona")
    other.role = Role.admin
    session.commit()
    ada = factories.user(session, "ada")
    ada.role = Role.mentor
    session.commit()
    refused = client.get("/api/v1/admin/users", headers=headers)
    assert refused.status_code == 403 and "admin role" in refused.get_json()["error"]["message"]


def test_only_an_administrator_can_make_an_admin_scope_token(session, make_client):
    with pytest.raises(tokens.TokenError, match="Only an administrator"):
        tokens.create_token(session=session, user=factories.user(session, "mona"), name="x", scope=TokenScope.admin)
    # the account page offers the scope to admins only, and refuses it from anyone else
    assert "Read, write and administer" in make_client("ada").get("/account").get_data(as_text=True)
    mona = make_client("mona")
    assert "Read, write and administer" not in mona.get("/account").get_data(as_text=True)
    response = mona.post("/account/tokens", data={"name": "x", "scope": "admin", "lifetime": "30",
                                                 "password": PASSWORD})
    assert response.status_code == 400
    assert tokens.list_tokens(session=session, user=factories.user(session, "mona")) == []


def test_an_admin_makes_an_admin_scope_token_on_the_account_page_and_it_administers(session, make_client, client):
    ada = make_client("ada")
    page = ada.post("/account/tokens", data={"name": "ops", "scope": "admin", "lifetime": "30",
                                             "password": PASSWORD}).get_data(as_text=True)
    assert "read, write and administer" in page
    raw = page.split('id="new-token">', 1)[1].split("<", 1)[0]
    answer = client.get("/api/v1/admin/users?q=lena", headers={"Authorization": f"Bearer {raw}"})
    assert answer.status_code == 200 and [u["username"] for u in answer.get_json()["items"]] == ["lena"]
