"""Completion credentials through the browser and the API: earned by marking, verified by anyone with the
published keys alone, shared or private, revoked by an admin."""

from __future__ import annotations

import base64
import gzip
import io
import json

import jwt as pyjwt
import pytest
from joserfc import jws
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet
from sqlmodel import select

from tests import factories, ob_schema
from tests.conftest import PASSWORD
from tracker.models import Credential, CredentialSigningKey, ProgressState, TokenScope
from tracker.services.people import tokens
from tracker.services.progress import marks as progress

pytestmark = pytest.mark.filterwarnings("ignore:EdDSA is deprecated")  # credentials signed before ES256


def required_articles(session, slug="api-designer"):
    view = progress.path_progress(session=session, user=None, slug=slug)
    return [e.card.article for section in view.detail.sections for e in section.entries if not e.item.optional]


def credentials_of(session, username="lena") -> list[Credential]:
    session.expire_all()
    user = factories.user(session, username)
    return list(session.exec(select(Credential).where(Credential.user_id == user.id)).all())


def finish_but_one(session, make_client, username="lena", slug="api-designer"):
    """A client for the learner, following the path with every required article done but the last."""
    client = make_client(username)
    client.post(f"/paths/{slug}/follow")
    articles = required_articles(session, slug)
    user = factories.user(session, username)
    for article in articles[:-1]:
        progress.write_mark(session=session, user=user, article=article, state=ProgressState.done)
    return client, articles[-1]


@pytest.fixture
def earned(session, make_client):
    """lena finished api-designer through the page: (her client, the credential)."""
    lena, last = finish_but_one(session, make_client)
    marked = lena.post(f"/articles/{last.slug}/progress", data={"state": "done", "path": "api-designer"})
    assert marked.status_code == 303
    [credential] = credentials_of(session)
    return lena, credential


def decode(part: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def encode(value: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).decode().rstrip("=")


# ---------------------------------------------------------------- issuing

def test_marking_the_last_required_article_on_the_page_issues_a_credential(session, make_client):
    lena, last = finish_but_one(session, make_client)
    assert credentials_of(session) == []
    lena.post(f"/articles/{last.slug}/progress", data={"state": "in_progress"}, headers={"HX-Request": "true"})
    assert credentials_of(session) == []  # started is not finished
    lena.post(f"/articles/{last.slug}/progress", data={"state": "skipped"}, headers={"HX-Request": "true"})
    assert credentials_of(session) == []  # the bar is full, but a skipped article was not read
    lena.post(f"/articles/{last.slug}/progress", data={"state": "done"}, headers={"HX-Request": "true"})
    assert [c.path_slug for c in credentials_of(session)] == ["api-designer"]
    lena.post(f"/articles/{last.slug}/progress", data={"state": "done"})
    assert len(credentials_of(session)) == 1  # not twice


def test_marking_the_last_required_article_through_the_api_issues_a_credential(session, make_client):
    lena, last = finish_but_one(session, make_client)
    raw, _ = tokens.create_token(session=session, user=factories.user(session, "lena"), name="script",
                                 scope=TokenScope.write)
    response = lena.put(f"/api/v1/me/progress/{last.slug}", json={"state": "done"},
                        headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    [credential] = credentials_of(session)
    listed = lena.get("/api/v1/me/credentials", headers={"Authorization": f"Bearer {raw}"}).get_json()["items"]
    assert listed == [{"id": credential.public_id, "path": "api-designer", "title": credential.path_title,
                       "version": credential.path_version,
                       "issued_at": credential.issued_at.isoformat().replace("+00:00", "Z"),
                       "url": f"http://localhost:5000/credentials/{credential.public_id}", "jwt": credential.jwt,
                       "shared": False, "revoked": False, "revoked_at": None, "revoked_reason": "",
                       "valid_until": None, "period_started_on": None, "recalled": False, "articles_recalled": 0}]
    assert make_client("leo").get("/api/v1/me/credentials").get_json() == {"items": []}


def test_the_signing_keys_are_kept_in_the_database_sealed_not_in_the_data_dir(app, session, earned):
    _, credential = earned
    kid = jws.extract_compact(credential.jwt.encode()).headers()["kid"]
    [row] = session.exec(select(CredentialSigningKey)).all()
    assert kid.endswith("/" + row.kid) and '"d"' not in row.private_sealed
    assert not list(app.config["DATA_DIR"].glob("credential_key*"))


# ---------------------------------------------------------------- verifying independently

def test_the_jwt_verifies_with_nothing_but_the_published_jwks(make_client, earned):
    _, credential = earned
    response = make_client().get("/.well-known/jwks.json")
    assert response.status_code == 200 and "public" in response.headers["Cache-Control"]
    jwks = response.get_json()
    assert all("d" not in key for key in jwks["keys"])  # never the private part
    signed = jws.deserialize_compact(credential.jwt, KeySet.import_key_set(jwks), algorithms=["ES256"])
    header = signed.headers()
    assert header["alg"] == "ES256" and header["typ"] == "JWT" and header["kid"] in {k["kid"] for k in jwks["keys"]}

    claims = json.loads(signed.payload)
    assert claims["@context"] == ["https://www.w3.org/ns/credentials/v2",
                                  "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert claims["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert claims["id"] == claims["jti"] == f"http://localhost:5000/credentials/{credential.public_id}"
    assert claims["issuer"]["id"] == claims["iss"] == "http://localhost:5000"
    assert claims["issuer"]["type"] == ["Profile"] and claims["issuer"]["name"]
    assert claims["validFrom"].endswith("Z") and isinstance(claims["nbf"], int) and claims["name"]
    subject = claims["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"] and subject["id"] == claims["sub"]
    assert subject["id"].startswith("urn:uuid:") and "lena" not in json.dumps(claims)
    achievement = subject["achievement"]
    assert achievement["id"] == "http://localhost:5000/paths/api-designer" and achievement["type"] == ["Achievement"]
    assert achievement["name"] == credential.path_title and achievement["description"]
    assert achievement["criteria"]["narrative"].startswith(
        f"Read every required article of version {credential.path_version} of the path (")
    evidence = claims["evidence"][0]
    assert evidence["type"] == ["Evidence"] and "none of them skipped" in evidence["narrative"]


def test_changing_one_character_of_the_payload_is_refused_by_anyone(make_client, earned):
    lena, credential = earned
    header, body, signature = credential.jwt.split(".")
    claims = decode(body)
    claims["credentialSubject"]["achievement"]["name"] = claims["credentialSubject"]["achievement"]["name"][:-1] + "X"
    tampered = ".".join([header, encode(claims), signature])
    jwks = make_client().get("/.well-known/jwks.json").get_json()
    with pytest.raises(BadSignatureError):
        jws.deserialize_compact(tampered, KeySet.import_key_set(jwks), algorithms=["ES256"])

    answer = lena.post("/api/v1/credentials/verify", json={"jwt": tampered}).get_json()
    assert answer == {"valid": False, "reason": answer["reason"], "credential": None}
    assert answer["reason"].startswith("tampered")
    page = make_client().post("/credentials/verify", data={"jwt": tampered}).get_data(as_text=True)
    assert "Not valid" in page and "Tampered" in page
    # anyone may verify through the API too: no account, no CSRF token (it writes nothing)
    anonymous = make_client().post("/api/v1/credentials/verify", json={"jwt": credential.jwt}, csrf=False)
    assert anonymous.status_code == 200 and anonymous.get_json()["valid"] is True


def test_anyone_verifies_on_the_page_by_pasting_or_uploading(make_client, earned):
    _, credential = earned
    visitor = make_client()
    assert visitor.get("/credentials/verify").status_code == 200
    pasted = visitor.post("/credentials/verify", data={"jwt": credential.jwt})
    assert pasted.status_code == 200 and "Valid" in pasted.get_data(as_text=True)
    assert credential.path_title in pasted.get_data(as_text=True)
    uploaded = visitor.post("/credentials/verify", content_type="multipart/form-data",
                            data={"file": (io.BytesIO(credential.jwt.encode()), "credential.jwt")})
    assert "Valid" in uploaded.get_data(as_text=True) and "Not valid" not in uploaded.get_data(as_text=True)
    assert visitor.post("/credentials/verify", data={}).status_code == 400
    binary = visitor.post("/credentials/verify", content_type="multipart/form-data",
                          data={"file": (io.BytesIO(b"\xff\xfe\x00"), "credential.jwt")})
    assert binary.status_code == 400
    assert visitor.post("/credentials/verify", data={"jwt": credential.jwt}, csrf=False).status_code == 400


def test_the_api_verifies_for_anyone(make_client, earned):
    _, credential = earned
    answer = make_client("leo").post("/api/v1/credentials/verify", json={"jwt": credential.jwt}).get_json()
    assert answer["valid"] is True and answer["reason"].startswith("valid")
    assert answer["credential"]["id"].endswith(credential.public_id)
    assert make_client().post("/api/v1/credentials/verify", json={"jwt": credential.jwt}).status_code == 200
    assert make_client("leo").post("/api/v1/credentials/verify", json={"jwt": 3}).status_code == 400


# ---------------------------------------------------------------- revoking

def test_an_admin_revokes_and_every_verification_then_says_when_and_why(session, make_client, earned):
    lena, credential = earned
    ada = make_client("ada")
    listing = ada.get("/admin/credentials?username=lena").get_data(as_text=True)
    assert credential.path_title in listing and "Revoke" in listing
    assert ada.post(f"/admin/credentials/{credential.id}/revoke", data={"reason": " "},
                    follow_redirects=True).get_data(as_text=True).count("say why") == 1
    assert ada.post(f"/admin/credentials/{credential.id}/revoke",
                    data={"reason": "Progress was marked by a script"}).status_code == 303
    assert make_client("lena").post(f"/admin/credentials/{credential.id}/revoke",
                                    data={"reason": "mine"}).status_code == 403
    answer = lena.post("/api/v1/credentials/verify", json={"jwt": credential.jwt}).get_json()
    assert answer["valid"] is False and answer["reason"].startswith("revoked on ")
    assert answer["reason"].endswith(": Progress was marked by a script")
    page = lena.get(f"/credentials/{credential.public_id}").get_data(as_text=True)
    assert "Revoked on" in page and "Progress was marked by a script" in page
    assert lena.get("/api/v1/me/credentials").get_json()["items"][0]["revoked"] is True
    again = ada.post(f"/admin/credentials/{credential.id}/revoke", data={"reason": "twice"}, follow_redirects=True)
    assert "already revoked" in again.get_data(as_text=True)


def test_a_revocation_sticks_whatever_the_learner_marks_next(session, make_client, earned):
    lena, credential = earned
    assert make_client("ada").post(f"/admin/credentials/{credential.id}/revoke",
                                   data={"reason": "Plagiarised"}).status_code == 303
    last = required_articles(session, "api-designer")[-1]
    # The same state again through the API, then unmarking and reading it again on the page and as a fragment.
    assert lena.put(f"/api/v1/me/progress/{last.slug}", json={"state": "done"}).status_code == 200
    lena.post(f"/articles/{last.slug}/progress", data={"state": "in_progress"}, headers={"HX-Request": "true"})
    lena.post(f"/articles/{last.slug}/progress", data={"state": "done"}, headers={"HX-Request": "true"})
    lena.post(f"/articles/{last.slug}/progress", data={"state": "in_progress"})
    lena.post(f"/articles/{last.slug}/progress", data={"state": "done"})
    assert [(c.public_id, c.revoked_reason) for c in credentials_of(session)] == [(credential.public_id, "Plagiarised")]
    assert [item["revoked"] for item in lena.get("/api/v1/me/credentials").get_json()["items"]] == [True]


def test_a_learner_who_skips_every_required_article_earns_no_credential(session, make_client):
    lena = make_client("lena")
    lena.post("/paths/api-designer/follow")
    for article in required_articles(session, "api-designer"):
        assert lena.put(f"/api/v1/me/progress/{article.slug}", json={"state": "skipped"}).status_code == 200
    assert credentials_of(session) == []
    assert lena.get("/api/v1/me/credentials").get_json() == {"items": []}
    page = lena.get("/paths/api-designer").get_data(as_text=True)
    assert "The certificate is for reading" in page and "You finished this path" not in page


# ---------------------------------------------------------------- the certificate page and sharing

def urls(credential) -> list[str]:
    base = f"/credentials/{credential.public_id}"
    return [base, f"{base}/credential.jwt", f"{base}/credential.json"]


@pytest.mark.parametrize("viewer", [None, "leo", "mona", "ada"])
def test_a_private_certificate_does_not_exist_for_anyone_but_its_owner(session, make_client, earned, viewer):
    lena, credential = earned
    factories.mentor_of(session, "mona", "lena")  # even her mentor: the learner decides
    for url in urls(credential):
        assert lena.get(url).status_code == 200, url
        assert make_client(viewer).get(url).status_code == 404, (viewer, url)


@pytest.mark.parametrize("viewer", [None, "leo", "mona", "ada"])
def test_a_shared_certificate_is_open_to_everyone_until_made_private(make_client, earned, viewer):
    lena, credential = earned
    assert lena.post(f"/credentials/{credential.public_id}/sharing", data={"shared": "y"}).status_code == 303
    other = make_client(viewer)
    for url in urls(credential):
        assert other.get(url).status_code == 200, (viewer, url)
    assert lena.post(f"/credentials/{credential.public_id}/sharing", data={}).status_code == 303
    for url in urls(credential):
        assert other.get(url).status_code == 404, (viewer, url)


def test_the_certificate_page_shows_the_path_version_date_articles_and_name(session, make_client, earned):
    lena, credential = earned
    page = lena.get(f"/credentials/{credential.public_id}").get_data(as_text=True)
    for text in (credential.path_title, f"version {credential.path_version}", str(credential.articles_read),
                 factories.user(session, "lena").name, "Download the credential", "Private."):
        assert text in page, text
    download = lena.get(f"/credentials/{credential.public_id}/credential.jwt")
    assert download.mimetype == "application/vc+jwt" and download.get_data(as_text=True) == credential.jwt
    document = lena.get(f"/credentials/{credential.public_id}/credential.json").get_json()
    assert document == {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": "EnvelopedVerifiableCredential",
                        "id": f"data:application/vc+jwt,{credential.jwt}"}
    lena.post(f"/credentials/{credential.public_id}/sharing", data={"shared": "y"})
    for url in urls(credential):  # shared, but no cache on the way keeps it once it is private again
        assert make_client().get(url).headers["Cache-Control"] == "no-store", url


def test_only_the_owner_changes_sharing_and_only_with_the_form_token(make_client, earned):
    lena, credential = earned
    url = f"/credentials/{credential.public_id}/sharing"
    assert lena.post(url, data={"shared": "y"}, csrf=False).status_code == 400
    assert make_client("leo").post(url, data={"shared": "y"}).status_code == 404  # still private: no such thing
    assert lena.post(url, data={"shared": "y"}).status_code == 303
    assert make_client("leo").post(url, data={}).status_code == 403  # visible now, but not hers to change
    anonymous = make_client().post(url, data={})
    assert anonymous.status_code == 401 and 'href="/signin?next=' in anonymous.get_data(as_text=True)
    assert make_client("lena").post("/credentials/0123456789abcdef0123456789abcdef/sharing", data={}).status_code == 404


def test_the_path_page_and_the_dashboard_point_to_the_certificate(make_client, earned):
    lena, credential = earned
    link = f"/credentials/{credential.public_id}"
    assert "You finished this path." in lena.get("/paths/api-designer").get_data(as_text=True)
    assert link in lena.get("/paths/api-designer").get_data(as_text=True)
    dashboard = lena.get("/").get_data(as_text=True)
    assert "Your certificates" in dashboard and link in dashboard
    leo = make_client("leo")
    assert link not in leo.get("/paths/api-designer").get_data(as_text=True)
    assert "Your certificates" not in leo.get("/").get_data(as_text=True)


def test_the_credential_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "get" in paths["/api/v1/me/credentials"] and "post" in paths["/api/v1/credentials/verify"]


# ---------------------------------------------------------------- what an outside verifier does (PyJWT only)

def fetch(client, url: str):
    """GET one of the tracker's public URLs as an outside verifier would (the test app is at localhost:5000)."""
    assert url.startswith("http://localhost:5000/"), url
    response = client.get(url.removeprefix("http://localhost:5000"))
    assert response.status_code == 200, url
    return response


def verified_with_pyjwt(client, token: str) -> dict:
    """The payload of a VC-JWT verified with PyJWT alone: the key is the JWK its kid URL answers with, and it
    must also be in the published JWKS."""
    header = pyjwt.get_unverified_header(token)
    assert header == {"alg": "ES256", "typ": "JWT", "kid": header["kid"]}
    key = fetch(client, header["kid"]).get_json()
    assert key in fetch(client, "http://localhost:5000/.well-known/jwks.json").get_json()["keys"]
    return pyjwt.decode(token, pyjwt.PyJWK(key).key, algorithms=["ES256"], options={"verify_sub": False})


def revoked_per_status_list(client, token: str) -> bool:
    entry = verified_with_pyjwt(client, token)["credentialStatus"]
    assert (entry["type"], entry["statusPurpose"]) == ("BitstringStatusListEntry", "revocation")
    listed = verified_with_pyjwt(client, fetch(client, entry["statusListCredential"]).get_data(as_text=True))
    assert "BitstringStatusListCredential" in listed["type"] and listed["issuer"] == "http://localhost:5000"
    encoded = listed["credentialSubject"]["encodedList"]
    assert encoded.startswith("u")
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(bits) * 8 >= 131_072
    index = int(entry["statusListIndex"])
    return bool(bits[index // 8] >> (7 - index % 8) & 1)


def test_an_outside_verifier_finds_a_revoked_credential_revoked_and_a_valid_one_not(session, make_client, earned):
    _, credential = earned
    leo, last = finish_but_one(session, make_client, "leo")
    leo.post(f"/articles/{last.slug}/progress", data={"state": "done", "path": "api-designer"})
    [standing] = credentials_of(session, "leo")
    outsider = make_client()
    assert not revoked_per_status_list(outsider, credential.jwt)
    assert make_client("ada").post(f"/admin/credentials/{credential.id}/revoke",
                                   data={"reason": "Copied"}).status_code == 303
    assert revoked_per_status_list(outsider, credential.jwt)  # at once: the list is not cached anywhere
    assert not revoked_per_status_list(outsider, standing.jwt)
    assert outsider.get("/credentials/status/revocation").headers["Cache-Control"] == "no-cache"


def test_each_key_url_answers_with_exactly_that_key(make_client, earned):
    _, credential = earned
    visitor = make_client()
    kid = pyjwt.get_unverified_header(credential.jwt)["kid"]
    answer = fetch(visitor, kid)
    assert answer.get_json() == {k: v for k, v in answer.get_json().items() if k != "d"}
    assert answer.get_json()["kid"] == kid and answer.get_json()["alg"] == "ES256"
    assert visitor.get("/.well-known/jwks/not-a-key").status_code == 404
    assert visitor.get("/.well-known/jwks/" + "x" * 5000).status_code == 404


def test_the_downloaded_json_carries_a_proof_an_outside_verifier_checks(make_client, earned):
    lena, credential = earned
    document = lena.get(f"/credentials/{credential.public_id}/credential.json").get_json()
    media_type, token = document["id"].removeprefix("data:").split(",", 1)
    assert media_type == "application/vc+jwt" and document["type"] == "EnvelopedVerifiableCredential"
    claims = verified_with_pyjwt(make_client(), token)
    assert claims["id"] == f"http://localhost:5000/credentials/{credential.public_id}"
    tampered = token[:-6] + ("AAAAAA" if not token.endswith("AAAAAA") else "BBBBBB")
    with pytest.raises(pyjwt.InvalidSignatureError):
        verified_with_pyjwt(make_client(), tampered)


def test_the_downloaded_credential_follows_1edtechs_open_badges_schema(make_client, earned):
    """What a wallet or verifier does with credential.json: take the VC-JWT out of the envelope, check its
    signature, drop the JWT claims and check the credential against 1EdTech's Open Badges 3.0 schema."""
    lena, credential = earned
    document = lena.get(f"/credentials/{credential.public_id}/credential.json").get_json()
    claims = verified_with_pyjwt(make_client(), document["id"].split(",", 1)[1])
    errors = ob_schema.schema_errors(ob_schema.extracted(claims))
    assert errors == [], ob_schema.report(errors)


def test_the_badge_image_is_served_under_the_path_and_is_safe(session, make_client, earned):
    _, credential = earned
    claims = decode(credential.jwt.split(".")[1])
    image = claims["credentialSubject"]["achievement"]["image"]
    assert image["type"] == "Image" and image["caption"]
    badge = fetch(make_client(), image["id"])
    assert badge.mimetype == "image/svg+xml" and badge.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in badge.headers["Content-Security-Policy"]
    assert "<script" not in badge.get_data(as_text=True) and badge.get_data(as_text=True).startswith("<svg")
    assert make_client().get("/paths/no-such-path/badge.svg").status_code == 404


# ---------------------------------------------------------------- a deleted account's credential

def test_after_the_learner_deletes_the_account_the_credential_still_verifies_and_says_so(session, make_client,
                                                                                          earned):
    lena, credential = earned
    account = lena.get("/account").get_data(as_text=True)
    assert "Certificates you earned still verify" in account  # the deletion section says what happens to them
    answer = lena.post("/account/delete", data={"password": PASSWORD, "understood": "y"})
    assert answer.status_code == 303
    visitor = make_client()
    page = visitor.post("/credentials/verify", data={"jwt": credential.jwt}).get_data(as_text=True)
    assert "Not valid" not in page and "the holder’s account was since deleted" in page
    api = visitor.post("/api/v1/credentials/verify", json={"jwt": credential.jwt}, csrf=False).get_json()
    assert api["valid"] is True and "account was since deleted" in api["reason"]
    assert not revoked_per_status_list(visitor, credential.jwt)
    for url in urls(credential):
        assert visitor.get(url).status_code == 404
    # The admin still finds the record, says whose it was not, and can revoke it: the list then says so.
    ada = make_client("ada")
    listing = ada.get("/admin/credentials").get_data(as_text=True)
    assert "Deleted account" in listing and "API Designer" in listing
    assert ada.post(f"/admin/credentials/{credential.id}/revoke", data={"reason": "Shared by someone else"},
                    headers={"HX-Request": "true"}).status_code == 200
    assert revoked_per_status_list(visitor, credential.jwt)
    verdict = visitor.post("/api/v1/credentials/verify", json={"jwt": credential.jwt}, csrf=False).get_json()
    assert verdict["valid"] is False and "Shared by someone else" in verdict["reason"]
