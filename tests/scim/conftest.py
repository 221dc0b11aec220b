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
