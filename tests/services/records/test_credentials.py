"""Completion credentials: issued once on finishing a path, signed with a key kept sealed in the database,
verified with a reason for every refusal."""

from __future__ import annotations

import base64
import dataclasses
import gzip
import json
import threading
import uuid
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

import pytest
from joserfc import jws
from joserfc.jwk import ECKey, KeySet, OKPKey
from sqlmodel import Session, col, delete, select

from tests import factories, ob_schema
from tests.conftest import SECRET
from tracker.models import Credential, CredentialSigningKey, LearningPath, ProgressState, User
from tracker.services import access
from tracker.services.errors import Conflict, Invalid, NotAllowed, NotFound
from tracker.services.mentoring import assignments
from tracker.services.progress import follows
from tracker.services.progress import marks as progress
from tracker.services.records import badges, credentials, deletion, status_list
from tracker.services.records import signing_keys as credential_keys
from tracker.services.records import verification as credential_verification

NOW = datetime(2026, 3, 7, 18, 30, tzinfo=UTC)
SITE = "https://tracker.example.org"
# Credentials issued before ES256 carry EdDSA; joserfc's advice to say "Ed25519" instead is not news here.
pytestmark = pytest.mark.filterwarnings("ignore:EdDSA is deprecated")


def store_for(session, data_dir, secret=SECRET) -> credential_keys.KeyStore:
    return credential_keys.KeyStore(engine=session.get_bind(), sealing_key=credential_keys.sealing_key(secret),
                                    data_dir=data_dir)


@pytest.fixture
def issuer(session, tmp_path) -> credential_keys.Issuer:
    return credential_keys.Issuer(url="https://tracker.example.com", store=store_for(session, tmp_path))


def no_keys_yet(session) -> None:
    """The database as the upgrade leaves it: the key table there, and empty."""
    session.exec(delete(CredentialSigningKey))
    session.commit()


def fresh(issuer: credential_keys.Issuer) -> credential_keys.Issuer:
    """The same issuer as the next request builds it: its keys read again."""
    return dataclasses.replace(issuer)


def entries(session, user, slug):
    view = progress.path_progress(session=session, user=user, slug=slug)
    return [entry for section in view.detail.sections for entry in section.entries]


def settle(session, user, slug, *, state=ProgressState.done, optional=False, leave=0):
    """Mark the path's required articles (and the optional ones, if asked), leaving the last `leave` required."""
    required = [e for e in entries(session, user, slug) if not e.item.optional]
    for entry in required[:len(required) - leave]:
        progress.write_mark(session=session, user=user, article=entry.card.article, state=state)
    if optional:
        for entry in entries(session, user, slug):
            if entry.item.optional:
                progress.write_mark(session=session, user=user, article=entry.card.article, state=ProgressState.done)
    return required


def follow(session, username="lena", slug="api-designer"):
    user = factories.user(session, username)
    follows.follow_path(session=session, user=user, path=factories.path(session, slug))
    return user


def issued(session, user) -> list[Credential]:
    return list(session.exec(select(Credential).where(Credential.user_id == user.id)).all())


def payload(token: str) -> dict:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def encode(value: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


# ---------------------------------------------------------------- issuing

def test_finishing_a_followed_path_issues_one_credential(session, issuer):
    lena = follow(session)
    required = settle(session, lena, "api-designer")
    made = credentials.issue_due(session=session, user=lena, now=NOW, issuer=issuer, article=required[-1].card.article)
    assert [c.path_slug for c in made] == ["api-designer"]
    credential = issued(session, lena)[0]
    path = factories.path(session, "api-designer")
    assert (credential.path_title, credential.path_version, credential.issued_at) == (path.title, path.version, NOW)
    assert credential.articles_read == len(required) and not credential.shared and credential.revoked_at is None


def test_no_credential_before_the_last_required_article_is_settled(session, issuer):
    lena = follow(session)
    settle(session, lena, "api-designer", leave=1, optional=True)
    assert credentials.issue_due(session=session, user=lena, now=NOW, issuer=issuer) == []
    assert issued(session, lena) == []


def test_optional_articles_do_not_block_a_credential_but_a_skipped_required_one_earns_nothing(session, issuer):
    lena = follow(session)
    required = settle(session, lena, "api-designer", leave=2)
    for entry in required[-2:]:
        progress.write_mark(session=session, user=lena, article=entry.card.article, state=ProgressState.skipped)
    assert credentials.issue_due(session=session, user=lena, now=NOW, issuer=issuer) == []
    for entry in required[-2:]:  # reading them after all earns it
        progress.write_mark(session=session, user=lena, article=entry.card.article, state=ProgressState.done)
    made = credentials.issue_due(session=session, user=lena, now=NOW, issuer=issuer)
    assert len(made) == 1 and made[0].articles_read == len(required)


def test_a_learner_who_skipped_every_required_article_earns_nothing(session, issuer):
    lena = follow(session)
    for entry in entries(session, lena, "api-designer"):
        if not entry.item.optional:
            progress.write_mark(session=session, user=lena, article=entry.card.article, state=ProgressState.skipped)
    assert credentials.issue_due(session=session, user=lena, now=NOW, issuer=issuer) == []
    assert issued(session, lena) == []


def test_finishing_again_issues_no_second_credential(session, issuer):
    lena = follow(session)
    settle(session, lena, "api-designer")
    assert len(credentials.issue_due(session=session, user=lena, now=NOW, issuer=issuer)) == 1
    assert credentials.issue_due(session=session, user=lena, now=NOW + timedelta(days=1), issuer=issuer) == []
    assert len(issued(session, lena)) == 1


def test_a_revoked_credential_is_never_issued_again_by_finishing_again(session, issuer):
    lena, ada = follow(session), factories.user(session, "ada")
    required = settle(session, lena, "api-designer")
    first = credentials.issue_due(session=session, user=lena, now=NOW, issuer=issuer)[0]
    credentials.revoke(session=session, admin=ada, credential_id=first.id, reason="Plagiarised", now=NOW, site=SITE)
    assert credentials.issue_due(session=session, user=lena, now=NOW + timedelta(days=1), issuer=issuer) == []
    last = required[-1].card.article  # unmarking and marking the last article again changes nothing either
    progress.write_mark(session=session, user=lena, article=last, state=ProgressState.in_progress)
    progress.write_mark(session=session, user=lena, article=last, state=ProgressState.done)
    assert credentials.issue_due(session=session, user=lena, now=NOW + timedelta(days=2), issuer=issuer,
                                 article=last) == []
    assert [c.public_id for c in issued(session, lena)] == [first.public_id]
    assert credentials.credential_for_path(session=session, user=lena, path=factories.path(session, "api-designer")
                                           ).revoked_at is not None


def test_two_marks_finishing_a_path_at_once_issue_one_credential(app, session, issuer, monkeypatch):
    lena = follow(session)
    settle(session, lena, "api-designer")
    both_decided = threading.Barrier(2)
    decide = credentials._finished

    def decide_together(*args):
        finished = decide(*args)
        both_decided.wait(timeout=10)  # each request has seen the path finished and no credential yet
        return finished

    monkeypatch.setattr(credentials, "_finished", decide_together)
    made = []

    def finish():
        with Session(app.extensions["tracker.engine"], expire_on_commit=False) as own:
            made.extend(credentials.issue_due(session=own, user=own.get(User, lena.id), now=NOW, issuer=issuer))

    threads = [threading.Thread(target=finish) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 1 and len(issued(session, lena)) == 1


def test_finished_paths_the_learner_neither_follows_nor_was_assigned_earn_nothing(session, issuer):
    lena = factories.user(session, "lena")
    settle(session, lena, "api-designer")
    assert credentials.issue_due(session=session, user=lena, now=NOW, issuer=issuer) == []


def test_an_assigned_path_earns_a_credential(session, issuer):
    factories.mentor_of(session, "mona", "lena")
    lena = factories.user(session, "lena")
    assignments.assign_path(session=session, mentor=factories.user(session, "mona"), usernames=["lena"],
                            path=factories.path(session, "api-designer"), due_on=None, note="", today=NOW.date())
    settle(session, lena, "api-designer")
    assert [c.path_slug for c in credentials.issue_due(session=session, user=lena, now=NOW, issuer=issuer)] == [
        "api-designer"]


def test_after_a_mark_only_the_paths_holding_that_article_are_considered(session, issuer):
    lena = follow(session)
    settle(session, lena, "api-designer")
    elsewhere = next(e.card.article for e in entries(session, lena, "systems-performance")
                     if e.card.article.id not in {x.card.article.id for x in entries(session, lena, "api-designer")})
    assert credentials.issue_due(session=session, user=lena, now=NOW, issuer=issuer, article=elsewhere) == []
    on_path = entries(session, lena, "api-designer")[0].card.article
    assert len(credentials.issue_due(session=session, user=lena, now=NOW, issuer=issuer, article=on_path)) == 1


def test_the_issuer_and_its_key_are_not_touched_when_nothing_is_due(session, tmp_path):
    lena = follow(session)
    settle(session, lena, "api-designer", leave=1)

    def no_issuer():
        raise AssertionError("the issuer was asked for although nothing was due")

    article = entries(session, lena, "api-designer")[0].card.article
    assert credentials.issue_due(session=session, user=lena, now=NOW, issuer=no_issuer, article=article) == []


# ---------------------------------------------------------------- the credential

def test_the_credential_is_an_open_badge_signed_as_a_vc_jwt(session, issuer):
    lena = follow(session)
    settle(session, lena, "api-designer")
    credential = credentials.issue_due(session=session, user=lena, now=NOW, issuer=issuer)[0]
    keys = KeySet.import_key_set(issuer.jwks())
    signed = jws.deserialize_compact(credential.jwt, keys, algorithms=["ES256"])
    kid = f"https://tracker.example.com/.well-known/jwks/{issuer.key.thumbprint()}"
    assert signed.headers() == {"alg": "ES256", "typ": "JWT", "kid": kid}
    claims = json.loads(signed.payload)
    url = f"https://tracker.example.com/credentials/{credential.public_id}"
    assert claims["@context"] == credentials.CONTEXTS
    assert claims["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert claims["id"] == claims["jti"] == url
    assert claims["issuer"] == {"id": "https://tracker.example.com", "type": ["Profile"],
                                "name": "Learning-path tracker", "url": "https://tracker.example.com"}
    assert claims["validFrom"] == claims["awardedDate"] == "2026-03-07T18:30:00Z"
    assert claims["nbf"] == claims["iat"] == int(NOW.timestamp())
    subject = claims["credentialSubject"]
    assert subject["id"] == claims["sub"] == f"urn:uuid:{uuid.UUID(hex=lena.public_id)}"
    assert "lena" not in json.dumps(claims)
    path = factories.path(session, "api-designer")
    required = sum(not e.item.optional for e in entries(session, lena, "api-designer"))
    assert subject["achievement"] == {
        "id": "https://tracker.example.com/paths/api-designer", "type": ["Achievement"], "name": path.title,
        "description": path.summary,
        "image": {"id": "https://tracker.example.com/paths/api-designer/badge.svg", "type": "Image",
                  "caption": f"Badge for completing the path “{path.title}”"},
        "criteria": {"narrative": f"Read every required article of version {path.version} of the path "
                                 f"({required} articles)"}}
    read = credential.articles_read
    assert claims["evidence"] == [{
        "type": ["Evidence"], "name": f"Articles read: {path.title}, version {path.version}",
        "narrative": f"Read {read} articles of the path, {required} of {required} required ones, "
                     "none of them skipped."}]
    assert claims["credentialSchema"] == [{
        "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
        "type": "1EdTechJsonSchemaValidator2019"}]
    status_url = "https://tracker.example.com/credentials/status/revocation"
    assert claims["credentialStatus"] == {
        "id": f"{status_url}#{credential.status_index}", "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation", "statusListIndex": str(credential.status_index),
        "statusListCredential": status_url}
    assert credentials.document(credential) == {k: v for k, v in claims.items()
                                                if k not in ("iss", "jti", "sub", "nbf", "iat")}


def test_the_first_key_set_is_made_once_in_the_database_sealed_and_no_file_is_written(session, tmp_path):
    no_keys_yet(session)
    store = store_for(session, tmp_path)
    key = credential_keys.signing_key(store=store)
    [row] = session.exec(select(CredentialSigningKey)).all()
    assert (row.serial, row.kid, row.algorithm.value) == (1, key.thumbprint(), "ES256")
    private = str(key.as_dict(private=True)["d"])
    assert private not in row.private_sealed and private not in base64.urlsafe_b64decode(row.private_sealed).hex()
    assert credential_keys.signing_key(store=store).thumbprint() == key.thumbprint()
    assert not list(tmp_path.rglob("credential_key*"))


def test_processes_starting_at_once_agree_on_one_key(session, tmp_path):
    no_keys_yet(session)
    store = store_for(session, tmp_path)
    kids, start = [], threading.Barrier(8)

    def load():
        start.wait()
        kids.append(credential_keys.signing_key(store=store).thumbprint())

    threads = [threading.Thread(target=load) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(kids) == 8 and len(set(kids)) == 1
    assert len(session.exec(select(CredentialSigningKey)).all()) == 1


@pytest.mark.parametrize(("name", "reason"), [(credential_keys.KEY_SET_FILE, "no usable key set"),
                                              (credential_keys.KEY_FILE, "no usable Ed25519 key")])
def test_a_damaged_key_file_is_reported_not_replaced(session, tmp_path, name, reason):
    no_keys_yet(session)
    (tmp_path / name).write_text("{not json")
    with pytest.raises(credential_keys.CredentialKeyError, match=reason):
        credential_keys.key_ring(store=store_for(session, tmp_path))
    assert (tmp_path / name).read_text() == "{not json"
    assert session.exec(select(CredentialSigningKey)).all() == []  # nothing made in its place


def test_another_secret_key_cannot_read_the_keys_and_says_which_setting(session, issuer, credential):
    other = credential_keys.Issuer(url=issuer.url, store=store_for(session, None, secret="another-" + "y" * 40))
    with pytest.raises(credential_keys.CredentialKeyError, match="TRACKER_SECRET_KEY"):
        other.jwks()
    assert check(session, fresh(issuer), credential.jwt).valid  # nothing was replaced


def test_a_sealed_key_moved_to_another_row_is_refused(session, issuer, credential):
    credential_keys.rotate_key(store=issuer.store)
    first, second = session.exec(select(CredentialSigningKey).order_by(col(CredentialSigningKey.serial))).all()
    first.private_sealed, second.private_sealed = second.private_sealed, first.private_sealed
    session.add_all([first, second])
    session.commit()
    with pytest.raises(credential_keys.CredentialKeyError, match="TRACKER_SECRET_KEY"):
        fresh(issuer).jwks()


# ---------------------------------------------------------------- verifying

@pytest.fixture
def credential(session, issuer) -> Credential:
    lena = follow(session)
    settle(session, lena, "api-designer")
    return credentials.issue_due(session=session, user=lena, now=NOW, issuer=issuer)[0]


def check(session, issuer, token, now=NOW + timedelta(days=1)) -> credential_verification.Verification:
    return credential_verification.verify(session=session, token=token, issuer=issuer, now=now)


def test_an_issued_credential_verifies(session, issuer, credential):
    found = check(session, issuer, credential.jwt)
    assert found.valid and found.reason.startswith("valid: Learning-path tracker issued it on March 7, 2026")
    assert found.record.id == credential.id and found.claims["id"].endswith(credential.public_id)
    assert found.described()["Achievement"] == credential.path_title
    # pasted with line breaks, it is the same credential
    assert check(session, issuer, credential.jwt[:40] + "\n" + credential.jwt[40:] + "\n").valid


def test_changing_the_payload_is_refused_as_tampering(session, issuer, credential):
    header, _body, signature = credential.jwt.split(".")
    claims = payload(credential.jwt)
    claims["credentialSubject"]["achievement"]["name"] = "Something harder"
    found = check(session, issuer, ".".join([header, encode(claims), signature]))
    assert not found.valid and found.reason.startswith("tampered") and found.claims is None


def test_changing_one_character_anywhere_is_refused(session, issuer, credential):
    for index in (5, len(credential.jwt.split(".")[0]) + 10, len(credential.jwt) - 5):
        character = credential.jwt[index]
        changed = credential.jwt[:index] + ("A" if character != "A" else "B") + credential.jwt[index + 1:]
        assert not check(session, issuer, changed).valid, index


def test_a_signature_from_another_key_is_refused(session, issuer, credential):
    stranger = ECKey.generate_key("P-256", private=True)
    claims = payload(credential.jwt)
    kid = issuer.kid(issuer.key)
    unknown = jws.serialize_compact({"alg": "ES256", "kid": "https://elsewhere.example/key"}, json.dumps(claims),
                                    stranger, algorithms=["ES256"])
    assert check(session, issuer, unknown).reason.startswith("unknown key")
    bare = jws.serialize_compact({"alg": "ES256", "kid": issuer.key.thumbprint()}, json.dumps(claims), stranger,
                                 algorithms=["ES256"])  # the new key is named by its URL only
    assert check(session, issuer, bare).reason.startswith("unknown key")
    forged = jws.serialize_compact({"alg": "ES256", "kid": kid}, json.dumps(claims | {"x": 1}), stranger,
                                   algorithms=["ES256"])
    assert check(session, issuer, forged).reason.startswith("tampered")
    signed_bytes = json.dumps(claims, ensure_ascii=False, separators=(",", ":")).encode()
    own_payload = jws.serialize_compact({"alg": "ES256", "typ": "JWT", "kid": kid}, signed_bytes, stranger,
                                        algorithms=["ES256"])
    assert own_payload.split(".")[:2] == credential.jwt.split(".")[:2]
    assert check(session, issuer, own_payload).reason.startswith("bad signature")
    # the same content under the other algorithm this tracker knows is refused, whatever the key says
    confused = jws.serialize_compact({"alg": "EdDSA", "typ": "JWT", "kid": kid}, signed_bytes,
                                     OKPKey.generate_key("Ed25519", private=True), algorithms=["EdDSA"])
    assert check(session, issuer, confused).reason.startswith("bad signature")


@pytest.mark.parametrize(("token", "reason"), [
    ("", "empty"),
    ("not a jwt", "malformed"),
    ("a.b", "malformed"),
    ("!!!.e30.sig", "malformed: the header"),
    (encode({"alg": "HS256", "kid": "x"}) + ".e30.sig", "unsupported algorithm 'HS256'"),
    (encode({"alg": "none"}) + ".e30.sig", "unsupported algorithm"),
    (encode({"alg": "EdDSA", "kid": ["a", "list"]}) + ".e30.sig", "unknown key"),
    (encode({"alg": "EdDSA"}) + ".e30.sig", "unknown key"),
    ("x" * 30_000, "too long"),
])
def test_garbage_is_refused_with_a_reason(session, issuer, token, reason):
    found = check(session, issuer, token)
    assert not found.valid and found.reason.startswith(reason) and found.claims is None


def test_a_revoked_credential_says_when_and_why(session, issuer, credential):
    ada = factories.user(session, "ada")
    credentials.revoke(session=session, admin=ada, credential_id=credential.id, reason="Marked in  bulk\nby a script",
                       now=datetime(2026, 4, 2, 9, tzinfo=UTC), site=SITE)
    found = check(session, issuer, credential.jwt)
    assert not found.valid and found.reason == "revoked on April 2, 2026: Marked in bulk by a script"
    assert found.claims is not None


def test_an_expired_or_not_yet_valid_credential_is_refused(session, issuer, credential):
    claims = payload(credential.jwt)
    expiring = credentials.sign(issuer=issuer, claims=claims | {"exp": int(NOW.timestamp()) + 3600})
    assert check(session, issuer, expiring, now=NOW).valid
    assert check(session, issuer, expiring, now=NOW + timedelta(days=2)).reason == "expired on March 7, 2026"
    assert check(session, issuer, credential.jwt, now=NOW - timedelta(days=1)).reason.startswith("not valid before")


def test_a_credential_no_longer_on_record_is_refused(session, issuer, credential):
    session.delete(session.get(Credential, credential.id))
    session.commit()
    assert check(session, issuer, credential.jwt).reason.startswith("not on record")


# ---------------------------------------------------------------- who may do what

def test_access_rules():
    owner, other = User(id=1, username="owner", password_hash="x"), User(id=2, username="other", password_hash="x")
    private, shared = Credential(user_id=1, shared=False), Credential(user_id=1, shared=True)
    assert access.can_view_credential(owner, private) and not access.can_view_credential(other, private)
    assert not access.can_view_credential(None, private)
    assert access.can_view_credential(None, shared) and access.can_view_credential(other, shared)
    assert access.can_share_credential(owner, shared) and not access.can_share_credential(other, shared)


def test_only_the_owner_shares_and_a_private_certificate_does_not_exist_for_others(session, credential):
    lena, leo = factories.user(session, "lena"), factories.user(session, "leo")
    with pytest.raises(NotFound):
        credentials.visible_credential(session=session, viewer=leo, public_id=credential.public_id)
    with pytest.raises(NotFound):
        credentials.set_sharing(session=session, viewer=leo, public_id=credential.public_id, shared=True)
    credentials.set_sharing(session=session, viewer=lena, public_id=credential.public_id, shared=True)
    shown = credentials.visible_credential(session=session, viewer=None, public_id=credential.public_id)
    assert shown.learner.id == lena.id
    with pytest.raises(NotAllowed):
        credentials.set_sharing(session=session, viewer=leo, public_id=credential.public_id, shared=False)


def test_revoking_needs_an_admin_a_reason_and_happens_once(session, credential):
    ada, mona = factories.user(session, "ada"), factories.user(session, "mona")
    with pytest.raises(NotAllowed):
        credentials.revoke(session=session, admin=mona, credential_id=credential.id, reason="No", now=NOW, site=SITE)
    with pytest.raises(Invalid, match="say why"):
        credentials.revoke(session=session, admin=ada, credential_id=credential.id, reason="  \n ", now=NOW, site=SITE)
    with pytest.raises(Invalid, match="at most 300"):
        credentials.revoke(session=session, admin=ada, credential_id=credential.id, reason="x" * 301,
                           now=NOW, site=SITE)
    credentials.revoke(session=session, admin=ada, credential_id=credential.id, reason="Duplicate", now=NOW, site=SITE)
    with pytest.raises(Conflict, match="already revoked"):
        credentials.revoke(session=session, admin=ada, credential_id=credential.id, reason="Again", now=NOW, site=SITE)
    with pytest.raises(NotFound):
        credentials.revoke(session=session, admin=ada, credential_id=10**6, reason="Gone", now=NOW, site=SITE)


def test_a_deleted_path_leaves_its_credentials_readable(session, credential):
    session.delete(session.get(LearningPath, credential.path_id))
    session.commit()
    kept = credentials.my_credentials(session=session, user=factories.user(session, "lena"))
    assert [(c.path_id, c.path_title) for c in kept] == [(None, credential.path_title)]


# ---------------------------------------------------------------- keys kept across an upgrade and a rotation

def legacy_credential(session, issuer, tmp_path) -> tuple[Credential, OKPKey]:
    """A credential as this tracker issued them before ES256: EdDSA, typ vc+jwt, bare thumbprint as kid,
    signed with the one Ed25519 key in credential_key.json (written before the key set existed), imported
    into the database at first use."""
    no_keys_yet(session)
    old = OKPKey.generate_key("Ed25519", private=True)
    (tmp_path / credential_keys.KEY_FILE).write_text(json.dumps(
        old.as_dict(private=True) | {"kid": old.thumbprint(), "alg": "EdDSA", "use": "sig"}))
    credential_keys.key_ring(store=issuer.store)  # the upgrade's first start imports the file
    lena = follow(session)
    settle(session, lena, "api-designer")
    credential = credentials.issue_due(session=session, user=lena, now=NOW, issuer=issuer)[0]
    claims = {k: v for k, v in payload(credential.jwt).items() if k != "credentialStatus"}
    credential.jwt = jws.serialize_compact({"alg": "EdDSA", "typ": "vc+jwt", "cty": "vc", "kid": old.thumbprint()},
                                           json.dumps(claims, separators=(",", ":")), old, algorithms=["EdDSA"])
    session.add(credential)
    session.commit()
    return credential, old


def test_credentials_signed_with_the_ed25519_key_before_the_upgrade_still_verify(session, issuer, tmp_path):
    credential, old = legacy_credential(session, issuer, tmp_path)
    assert check(session, issuer, credential.jwt).valid
    published = {key["kid"]: key for key in issuer.jwks()["keys"]}
    assert published[old.thumbprint()] == old.as_dict(private=False) | {"kid": old.thumbprint(), "alg": "EdDSA",
                                                                         "use": "sig"}
    assert issuer.kid(issuer.key) in published and all("d" not in key for key in published.values())
    # the old key signs nothing new, and a forgery under its name is still refused
    assert jws.extract_compact(credentials.sign(issuer=issuer, claims={"a": 1}).encode()).headers()["alg"] == "ES256"
    forged = jws.serialize_compact({"alg": "EdDSA", "kid": old.thumbprint()}, credential.jwt.split(".")[1],
                                   OKPKey.generate_key("Ed25519", private=True), algorithms=["EdDSA"])
    assert check(session, issuer, forged.split(".")[0] + "." + ".".join(credential.jwt.split(".")[1:2])
                 + "." + forged.split(".")[2]).reason.startswith("bad signature")


def test_rotating_the_key_signs_with_a_new_one_and_keeps_the_old_ones_verifying(session, issuer, tmp_path, credential):
    before = issuer.key
    new = credential_keys.rotate_key(store=issuer.store)
    issuer = fresh(issuer)
    assert issuer.key.thumbprint() == new.thumbprint() != before.thumbprint()
    assert {key["kid"] for key in issuer.jwks()["keys"]} == {issuer.kid(before), issuer.kid(new)}
    assert check(session, issuer, credential.jwt).valid  # signed with the key before
    later = follow(session, "leo")
    settle(session, later, "api-designer")
    signed_later = credentials.issue_due(session=session, user=later, now=NOW, issuer=issuer)[0]
    assert jws.extract_compact(signed_later.jwt.encode()).headers()["kid"] == issuer.kid(new)
    assert check(session, issuer, signed_later.jwt).valid


# ---------------------------------------------------------------- the revocation status list

def test_each_credential_has_its_own_bit_and_the_list_sets_it_once_revoked(session, issuer, credential):
    leo = follow(session, "leo")
    settle(session, leo, "api-designer")
    other = credentials.issue_due(session=session, user=leo, now=NOW, issuer=issuer)[0]
    assert credential.status_index is not None and other.status_index not in (None, credential.status_index)
    credentials.revoke(session=session, admin=factories.user(session, "ada"), credential_id=credential.id,
                       reason="Copied", now=NOW, site=SITE)
    token = status_list.signed_status_list(session=session, issuer=issuer, now=NOW)
    signed = jws.deserialize_compact(token, KeySet.import_key_set(issuer.jwks()), algorithms=["ES256"])
    assert signed.headers() == {"alg": "ES256", "typ": "JWT", "kid": issuer.kid(issuer.key)}
    listed = json.loads(signed.payload)
    assert listed["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    subject = listed["credentialSubject"]
    assert (subject["type"], subject["statusPurpose"]) == ("BitstringStatusList", "revocation")
    body = subject["encodedList"]
    assert body[0] == "u" and "=" not in body
    bits = gzip.decompress(base64.urlsafe_b64decode(body[1:] + "=" * (-len(body[1:]) % 4)))
    assert len(bits) * 8 >= 131_072
    bit = lambda index: bits[index // 8] >> (7 - index % 8) & 1  # noqa: E731  # index 0 is the leftmost bit
    assert bit(credential.status_index) == 1 and bit(other.status_index) == 0
    assert sum(bin(byte).count("1") for byte in bits) == 1


def test_the_list_grows_past_its_minimum_without_losing_a_bit():
    assert len(status_list.bitstring([])) * 8 == 131_072
    bits = status_list.bitstring([0, 131_071, 131_072])
    assert len(bits) * 8 == 2 * 131_072
    assert [status_list.is_set(bits, i) for i in (0, 1, 131_071, 131_072, 131_073)] == [True, False, True, True, False]


# ---------------------------------------------------------------- a deleted account's credentials

def test_deleting_the_account_keeps_a_status_only_record_that_still_verifies(session, issuer, credential):
    lena = factories.user(session, "lena")
    token = credential.jwt
    deletion.erase_account(session=session, user=lena, by="test")
    session.expire_all()
    kept = session.get(Credential, credential.id)
    assert kept is not None and (kept.user_id, kept.jwt, kept.shared, kept.articles_read) == (None, "", False, 0)
    assert kept.holder_deleted_at is not None and kept.status_index == credential.status_index
    assert (kept.public_id, kept.path_title, kept.issued_at) == (credential.public_id, credential.path_title, NOW)
    found = check(session, issuer, token)
    assert found.valid and "the holder’s account was since deleted" in found.reason
    with pytest.raises(NotFound):  # no certificate page: nothing about the person is left to show
        credentials.visible_credential(session=session, viewer=None, public_id=credential.public_id)
    credentials.revoke(session=session, admin=factories.user(session, "ada"), credential_id=credential.id,
                       reason="Copied", now=NOW, site=SITE)
    found = check(session, issuer, token)
    assert not found.valid and found.reason.startswith("revoked on March 7, 2026: Copied; the holder’s account")
    bits = status_list.bitstring(status_list.revoked_indexes(session=session))
    assert status_list.is_set(bits, credential.status_index)


# ---------------------------------------------------------------- against 1EdTech's Open Badges 3.0 schema

def test_the_schema_is_1edtechs_and_finds_what_is_wrong_with_a_credential(credential):
    schema = json.loads(ob_schema.SCHEMA_FILE.read_text(encoding="utf-8"))
    assert (schema["$id"], schema["$schema"]) == (ob_schema.SCHEMA_ID, "https://json-schema.org/draft/2019-09/schema#")
    assert "validFrom" in schema["required"]  # the VC 2.0 version of Open Badges 3.0, as the tracker signs
    broken = credentials.document(credential)
    del broken["issuer"]
    broken["validFrom"] = "March 7, 2026"
    broken["credentialSubject"]["achievement"]["image"]["alt"] = "a badge"
    broken["@context"] = broken["@context"][:1]
    errors = ob_schema.schema_errors(broken)
    for expected in ("$: 'issuer' is a required property", "$.validFrom: 'March 7, 2026' is not a 'date-time'",
                     "$.credentialSubject.achievement.image: Additional properties are not allowed ('alt'",
                     "$['@context']: ['https://www.w3.org/ns/credentials/v2'] is too short"):
        assert any(error.startswith(expected) for error in errors), (expected, ob_schema.report(errors))


def test_the_signed_credential_follows_1edtechs_open_badges_schema(issuer, credential):
    signed = jws.deserialize_compact(credential.jwt, KeySet.import_key_set(issuer.jwks()), algorithms=["ES256"])
    claims = json.loads(signed.payload)
    # What a verifier reads: the payload without the JWT claims (iss, jti, sub, nbf, iat), and the payload whole,
    # as VC 2.0 takes it (the schema lets a credential carry more properties than it names).
    for name, document in (("the credential", ob_schema.extracted(claims)), ("the whole payload", claims)):
        errors = ob_schema.schema_errors(document)
        assert errors == [], f"{name}: {ob_schema.report(errors)}"


def test_the_readable_document_follows_1edtechs_open_badges_schema(credential):
    document = credentials.document(credential)
    assert document["credentialSubject"]["achievement"]["name"] == credential.path_title
    errors = ob_schema.schema_errors(document)
    assert errors == [], ob_schema.report(errors)


def test_a_path_without_summary_or_outcome_still_gives_a_credential_the_schema_accepts(session, issuer):
    path = factories.path(session, "api-designer")
    path.title, path.summary, path.outcome = 'APIs, "quoted" — and 1 × ünïcode', "", ""
    session.add(path)
    session.commit()
    lena = follow(session)
    settle(session, lena, "api-designer")
    [credential] = credentials.issue_due(session=session, user=lena, now=NOW, issuer=issuer)
    document = credentials.document(credential)
    assert document["credentialSubject"]["achievement"]["description"] == path.title
    errors = ob_schema.schema_errors(document)
    assert errors == [], ob_schema.report(errors)


def test_a_deleted_accounts_credential_as_its_holder_kept_it_follows_the_schema(session, issuer, credential):
    token = credential.jwt
    deletion.erase_account(session=session, user=factories.user(session, "lena"), by="test")
    session.expire_all()
    # The tracker keeps no document naming the person; the credential is the JWT the holder kept.
    assert credentials.document(session.get(Credential, credential.id)) == {}
    found = check(session, issuer, token)
    assert found.valid and found.claims is not None
    errors = ob_schema.schema_errors(ob_schema.extracted(found.claims))
    assert errors == [], ob_schema.report(errors)


# ---------------------------------------------------------------- the badge image

def test_the_badge_escapes_the_title_and_holds_no_script():
    title = '<script>alert(1)</script> & "quotes" onload=x'
    root = ElementTree.fromstring(badges.badge_svg(title))  # well-formed whatever the title
    svg = "{http://www.w3.org/2000/svg}"
    assert {element.tag.removeprefix(svg) for element in root.iter()} == {"svg", "circle", "text", "tspan"}
    assert not any(name.startswith("on") or "href" in name for element in root.iter() for name in element.attrib)
    assert root.attrib["aria-label"] == f"Completion badge: {title}"
    assert " ".join(t.text or "" for t in root.iter(f"{svg}tspan")).replace("  ", " ").startswith("<script>alert(1)")
    assert badges.title_lines("word " * 40)[-1].endswith("…") and len(badges.title_lines("word " * 40)) == 3
