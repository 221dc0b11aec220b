"""Users over SCIM, driven by an outside SCIM client (scim2-client) as an identity provider drives them."""

from __future__ import annotations

import pytest
from flask import Flask
from scim2_models import Email, ListResponse, PatchOp, PatchOperation, SCIMException, SearchRequest, User
from sqlmodel import Session, col, select

from tests import factories
from tests.conftest import make_app
from tests.scim.conftest import is_scim_error, patch_body, scim_client, scim_id
from tracker.models import AuditEvent, DeviceSession, SecurityEvent
from tracker.models import User as Account
from tracker.services.people import accounts, tokens


def account(session: Session, username: str) -> Account | None:
    session.expire_all()
    return session.exec(select(Account).where(Account.username == username)).one_or_none()


def audit(session: Session) -> list[str]:
    session.expire_all()
    entries = session.exec(select(AuditEvent).where(AuditEvent.kind == "provisioned").order_by(col(AuditEvent.id)))
    return [f"{e.actor_label} {e.subject_label} {e.detail}" for e in entries]


def grace(**extra) -> User:
    return User(user_name="Grace@Example.com", display_name="Grace Hopper", active=True, external_id="entra-1",
                timezone="America/New_York", emails=[Email(value="grace@example.com", type="work", primary=True)],
                **extra)


def test_an_identity_provider_creates_reads_replaces_and_deletes_an_account(scim, session):
    created = scim.create(grace())
    assert created.user_name == "grace@example.com"  # usernames are lower-case
    assert created.meta.version == 'W/"1"' and created.meta.location.endswith(f"/scim/v2/Users/{created.id}")
    stored = account(session, "grace@example.com")
    assert stored is not None and stored.provisioned and stored.external_id == "entra-1"
    assert stored.display_name == "Grace Hopper" and stored.time_zone == "America/New_York"
    assert stored.email == "grace@example.com"
    # it signs in through the identity provider: no password opens it
    assert accounts.authenticate(session=session, username="grace@example.com", password="!provisioned") is None

    read = scim.query(User, created.id)
    assert (read.display_name, read.emails[0].value, read.active) == ("Grace Hopper", "grace@example.com", True)

    read.display_name = "Rear Admiral Hopper"
    read.timezone = None
    replaced = scim.replace(read)
    assert replaced.display_name == "Rear Admiral Hopper" and replaced.meta.version == 'W/"2"'
    assert account(session, "grace@example.com").time_zone == "UTC"

    scim.delete(User, created.id)
    with pytest.raises(SCIMException) as gone:
        scim.query(User, created.id)
    assert gone.value.status == 404
    kept = account(session, "grace@example.com")  # TRACKER_SCIM_DELETE=deactivate (the default): kept
    assert kept is not None and not kept.is_active and kept.deprovisioned_at is not None
    assert [line.split(":")[0] for line in audit(session)] == [
        "scim grace@example.com created", "scim grace@example.com replaced", "scim grace@example.com deleted"]


def test_provisioning_a_deleted_and_kept_account_again_brings_it_back_with_its_data(scim, session):
    first = scim.create(grace())
    scim.delete(User, first.id)
    again = scim.create(grace())
    assert again.id == first.id and again.active
    assert account(session, "grace@example.com").deprovisioned_at is None


def test_filters_find_accounts_as_identity_providers_look_them_up(scim):
    created = scim.create(grace())
    for query in ('userName eq "GRACE@example.com"', 'externalId eq "entra-1"', 'displayName eq "grace hopper"',
                  'emails.value eq "Grace@Example.com"', 'emails[value eq "grace@example.com"]',
                  'userName eq "grace@example.com" and externalId eq "entra-1"', f'id eq "{created.id}"'):
        found = scim.query(User, query_parameters=SearchRequest(filter=query))
        assert found.total_results == 1 and found.resources[0].id == created.id, query
    missing = scim.query(User, query_parameters=SearchRequest(filter='externalId eq "ENTRA-1"'))  # case-exact
    assert missing.total_results == 0 and not missing.resources


@pytest.mark.parametrize("query", ['userName sw "gr"', 'userName eq "a" or userName eq "b"', "title pr",
                                  'not (userName eq "a")', 'userName eq "unterminated'])
def test_filters_it_cannot_answer_exactly_are_refused_with_invalid_filter(raw, query):
    assert is_scim_error(raw("GET", "/Users", query_string={"filter": query}), 400, "invalidFilter")


def test_lists_come_in_pages_with_their_total(scim, raw):
    for n in range(5):
        scim.create(User(user_name=f"learner{n}", active=True))
    everyone = raw("GET", "/Users").get_json()
    total = everyone["totalResults"]
    assert total == 9 and everyone["itemsPerPage"] == 9  # four accounts were there before
    page = raw("GET", "/Users?startIndex=3&count=2").get_json()
    assert (page["totalResults"], page["startIndex"], page["itemsPerPage"]) == (9, 3, 2)
    assert [r["id"] for r in page["Resources"]] == [r["id"] for r in everyone["Resources"][2:4]]
    counted = raw("GET", "/Users?count=0").get_json()
    assert counted["totalResults"] == 9 and counted["itemsPerPage"] == 0 and not counted.get("Resources")
    past_the_end = raw("GET", "/Users?startIndex=50").get_json()
    assert past_the_end["totalResults"] == 9 and past_the_end["itemsPerPage"] == 0


def test_the_etag_is_the_version_and_a_stale_if_match_changes_nothing(scim, raw, session):
    user_id = scim.create(grace()).id
    read = raw("GET", f"/Users/{user_id}")
    assert read.headers["ETag"] == 'W/"1"' == read.get_json()["meta"]["version"]
    renamed = raw("PATCH", f"/Users/{user_id}", headers={"If-Match": 'W/"1"'},
                  json=patch_body({"op": "replace", "path": "displayName", "value": "Amazing Grace"}))
    assert renamed.status_code == 200 and renamed.headers["ETag"] == 'W/"2"'
    stale = raw("PUT", f"/Users/{user_id}", headers={"If-Match": 'W/"1"'},
                json={"schemas": [str(User.__schema__)], "userName": "grace@example.com", "active": True,
                      "displayName": "Someone Else"})
    assert is_scim_error(stale, 412)
    assert account(session, "grace@example.com").display_name == "Amazing Grace"
    assert raw("DELETE", f"/Users/{user_id}", headers={"If-Match": 'W/"1"'}).status_code == 412
    assert raw("DELETE", f"/Users/{user_id}", headers={"If-Match": 'W/"2"'}).status_code == 204


def test_a_taken_username_is_a_uniqueness_conflict_whatever_its_case(scim, raw):
    scim.create(grace())
    taken = raw("POST", "/Users", json={"schemas": [str(User.__schema__)], "userName": "GRACE@EXAMPLE.COM",
                                        "active": True})
    assert is_scim_error(taken, 409, "uniqueness")
    lena = raw("POST", "/Users", json={"schemas": [str(User.__schema__)], "userName": "Lena", "active": True})
    assert is_scim_error(lena, 409, "uniqueness")


def test_a_patch_that_fails_half_way_writes_nothing(scim, raw, session):
    user_id = scim.create(grace()).id
    refused = raw("PATCH", f"/Users/{user_id}", json=patch_body(
        {"op": "replace", "path": "displayName", "value": "Half Changed"},
        {"op": "replace", "path": "active", "value": False},
        {"op": "replace", "path": "timezone", "value": "Atlantis/Lost_City"}))
    assert is_scim_error(refused, 400, "invalidValue")
    kept = account(session, "grace@example.com")
    assert (kept.display_name, kept.is_active, kept.version) == ("Grace Hopper", True, 1)
    assert len(audit(session)) == 1  # the creation only


def test_deactivating_ends_the_persons_browser_session_and_api_token_at_their_next_request(raw, make_client,
                                                                                           session):
    browser = make_client("lena")
    assert browser.get("/account").status_code == 200
    token, _ = tokens.create_token(session=session, user=factories.user(session, "lena"), name="script")
    assert make_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200

    # Entra ID sends the boolean as a string, without a path; Okta with one
    deactivated = raw("PATCH", f"/Users/{scim_id(raw, 'lena')}",
                      json=patch_body({"op": "Replace", "value": {"active": "False"}}))
    assert deactivated.status_code == 200 and deactivated.get_json()["active"] is False

    assert browser.get("/account").status_code == 302  # sent to sign in
    assert make_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    session.expire_all()
    devices = session.exec(select(DeviceSession).where(DeviceSession.user_id == factories.user(session, "lena").id))
    assert all(d.ended_at is not None for d in devices)
    kinds = [e.kind for e in session.exec(select(SecurityEvent).order_by(SecurityEvent.id))][-2:]
    assert kinds == ["deactivated", "tokens_revoked"]
    assert audit(session) == ["scim lena changed: deactivated"]

    reactivated = raw("PATCH", f"/Users/{scim_id(raw, 'lena')}",
                      json=patch_body({"op": "replace", "path": "active", "value": True}))
    assert reactivated.get_json()["active"] is True
    assert make_client("lena").get("/account").status_code == 200  # she signs in again; the token stays revoked
    assert make_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_the_last_active_administrator_cannot_be_deprovisioned(raw, session):
    ada = scim_id(raw, "ada")
    assert is_scim_error(raw("PATCH", f"/Users/{ada}", json=patch_body(
        {"op": "replace", "path": "active", "value": False})), 403)
    assert raw("DELETE", f"/Users/{ada}").status_code == 403
    assert account(session, "ada").is_active


def test_with_scim_delete_set_to_delete_the_account_and_its_data_are_deleted(database_url, tmp_path,
                                                                             scim_token: str, make_client, session):
    app: Flask = make_app(database_url, tmp_path, SCIM_DELETE="delete")
    try:
        scim = scim_client(app, scim_token)
        make_client("lena").put("/api/v1/me/progress/http-protocol", json={"state": "done"})
        found = scim.query(User, query_parameters=SearchRequest(filter='userName eq "lena"'))
        assert isinstance(found, ListResponse) and found.resources
        lena = found.resources[0]
        scim.delete(User, lena.id)
        assert account(session, "lena") is None
        with pytest.raises(SCIMException):
            scim.query(User, lena.id)
        assert audit(session) == ["scim lena deleted with its data"]  # the entry outlives the account
    finally:
        app.extensions["tracker.engine"].dispose()


def test_patch_operations_as_okta_and_entra_id_send_them(scim, raw, session):
    user_id = scim.create(User(user_name="alan", active=True)).id
    entra = raw("PATCH", f"/Users/{user_id}", json=patch_body(
        {"op": "Add", "path": 'emails[type eq "work"].value', "value": "alan@example.com"},
        {"op": "Replace", "path": "displayName", "value": "Alan Turing"},
        {"op": "Add", "path": "externalId", "value": "entra-77"},
        {"op": "Replace", "path": "urn:ietf:params:scim:schemas:core:2.0:User:timezone", "value": "Europe/London"}))
    assert entra.status_code == 200, entra.get_json()
    stored = account(session, "alan")
    assert (stored.email, stored.email_type, stored.display_name, stored.external_id, stored.time_zone) == (
        "alan@example.com", "work", "Alan Turing", "entra-77", "Europe/London")
    okta = scim.modify(User, user_id, PatchOp[User](operations=[
        PatchOperation(op="remove", path="emails"), PatchOperation(op="replace", path="active", value=False)]))
    assert okta.emails is None and okta.active is False
    assert account(session, "alan").email == ""


def test_scim_only_speaks_scim_and_names_a_missing_resource(raw):
    missing = raw("GET", "/Users/no-such-id")
    assert is_scim_error(missing, 404)
    assert is_scim_error(raw("GET", "/Elsewhere"), 404)
    assert is_scim_error(raw("DELETE", "/ServiceProviderConfig"), 405)
    assert is_scim_error(raw("POST", "/Bulk", json={}), 501)


@pytest.mark.parametrize("body", ["not json", "[1, 2]", "", "[" * 100_000 + "]" * 100_000,
                                  '{"a": ' * 5000 + "1" + "}" * 5000,
                                  '{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": 12}',
                                  '{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]}'])
def test_malformed_bodies_are_answered_with_a_scim_400(raw, body):
    response = raw("POST", "/Users", data=body, content_type="application/scim+json")
    assert response.status_code == 400 and is_scim_error(response, 400, response.get_json()["scimType"])


def test_a_body_past_the_size_limit_is_answered_with_a_scim_error(raw):
    huge = '{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "' + "a" * 2_000_000 + '"}'
    assert is_scim_error(raw("POST", "/Users", data=huge, content_type="application/scim+json"), 413)



def test_okta_s_name_parts_and_primary_address_become_the_display_name_and_the_email(raw, session):
    created = raw("POST", "/Users", json={
        "schemas": [str(User.__schema__)], "userName": "ada.lovelace@example.com", "active": True,
        "name": {"givenName": "Ada", "familyName": "Lovelace"}, "title": "Countess",
        "emails": [{"value": "ada@home.example", "type": "home", "primary": False},
                   {"value": "ada.lovelace@example.com", "type": "work", "primary": True}]})
    assert created.status_code == 201 and created.headers["Location"] == created.get_json()["meta"]["location"]
    stored = account(session, "ada.lovelace@example.com")
    assert (stored.display_name, stored.email, stored.email_type) == ("Ada Lovelace", "ada.lovelace@example.com",
                                                                      "work")
    assert "name" not in created.get_json() and "title" not in created.get_json()
