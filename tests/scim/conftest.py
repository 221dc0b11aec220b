"""A SCIM client on the app: scim2-client's WSGI engine calls the app in-process with a real SCIM token."""

from __future__ import annotations

import pytest
from flask import Flask
from scim2_client.engines.wsgi import WSGISCIMClient
from scim2_models import Group, ScimProvider, User
from sqlmodel import Session

from tracker.services.provisioning import tokens

BASE_URL = "http://localhost/scim/v2"


@pytest.fixture
def scim_token(session: Session) -> str:
    raw, _ = tokens.create_token(session=session, name="Entra ID")
    return raw


def scim_client(app: Flask, token: str, **kwargs) -> WSGISCIMClient:
    """An outside SCIM client, with the standard User and Group models, as an identity provider has them."""
    return WSGISCIMClient(app, base_url=BASE_URL, headers={"Authorization": f"Bearer {token}"},
                          provider=ScimProvider(models=[User, Group]), **kwargs)


@pytest.fixture
def scim(app: Flask, scim_token: str) -> WSGISCIMClient:
    return scim_client(app, scim_token)


@pytest.fixture
def raw(app: Flask, scim_token: str):
    """Plain HTTP on /scim/v2 with the token, for what a typed client would never send."""
    client = app.test_client()

    def call(method: str, path: str, **kwargs):
        headers = {"Authorization": f"Bearer {scim_token}", **kwargs.pop("headers", {})}
        return client.open(f"/scim/v2{path}", method=method, headers=headers, **kwargs)
    return call


def scim_id(raw_call, username: str) -> str:
    """The SCIM id of an account, found the way an identity provider links one: by userName."""
    found = raw_call("GET", f'/Users?filter=userName eq "{username}"').get_json()
    assert found["totalResults"] == 1, found
    return found["Resources"][0]["id"]


def patch_body(*operations: dict) -> dict:
    return {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": list(operations)}


def is_scim_error(response, status: int, scim_type: str | None = None) -> bool:
    """A SCIM error body of this status (and scimType), sent as application/scim+json."""
    body = response.get_json(force=True)
    return (response.status_code == status and response.mimetype == "application/scim+json"
            and body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"] and body["status"] == str(status)
            and body.get("scimType") == scim_type)
