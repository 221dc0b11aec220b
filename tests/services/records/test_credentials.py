"""Completion credentials: issued once on finishing a path, signed with a key kept owner-only, verified with
a reason for every refusal."""

from __future__ import annotations

import base64
import json
import stat
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from joserfc import jws
from joserfc.jwk import KeySet, OKPKey
from sqlmodel import Session, select

from tests import factories
from tracker.models import Credential, LearningPath, ProgressState, User
from tracker.services import access
from tracker.services.errors import Conflict, Invalid, NotAllowed, NotFound
from tracker.services.mentoring import assignments
from tracker.services.progress import follows
from tracker.services.progress import marks as progress
from tracker.services.records import credentials
from tracker.services.records import signing_keys as credential_keys
from tracker.services.records import verification as credential_verification

NOW = datetime(2026, 3, 7, 18, 30, tzinfo=UTC)
SITE = "https://tracker.example.org"
# EdDSA is what VC-JOSE-COSE verifiers expect; joserfc's advice to say "Ed25519" instead is not news here.
pytestmark = pytest.mark.filterwarnings("ignore:EdDSA is deprecated")


@pytest.fixture
def issuer(tmp_path) -> credential_keys.Issuer:
    return credential_keys.Issuer(url="https://tracker.example.com", data_dir=tmp_path)


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
    assert not (tmp_path / credential_keys.KEY_FILE).exists()


# ---------------------------------------------------------------- the credential

def test_the_credential_is_an_open_badge_signed_as_a_vc_jwt(session, issuer):
    lena = follow(session)
    settle(session, lena, "api-designer")
    credential = credentials.issue_due(session=session, user=lena, now=NOW, issuer=issuer)[0]
    keys = KeySet.import_key_set(issuer.jwks())
    signed = jws.deserialize_compact(credential.jwt, keys, algorithms=["EdDSA"])
    assert signed.headers() == {"alg": "EdDSA", "typ": "vc+jwt", "cty": "vc", "kid": issuer.key.kid}
    claims = json.loads(signed.payload)
    url = f"https://tracker.example.com/credentials/{credential.public_id}"
    assert claims["@context"] == credentials.CONTEXTS
    assert claims["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert claims["id"] == claims["jti"] == url
    assert claims["issuer"] == {"id": "https://tracker.example.com", "type": ["Profile"],
                                "name": "Learning-path tracker"}
    assert claims["validFrom"] == "2026-03-07T18:30:00Z" and claims["nbf"] == claims["iat"] == int(NOW.timestamp())
    subject = claims["credentialSubject"]
    assert subject["id"] == claims["sub"] == f"urn:uuid:{uuid.UUID(hex=lena.public_id)}"
    assert "lena" not in json.dumps(claims)
    path = factories.path(session, "api-designer")
    required = sum(not e.item.optional for e in entries(session, lena, "api-designer"))
    assert subject["achievement"] == {
        "id": "https://tracker.example.com/paths/api-designer", "type": ["Achievement"], "name": path.title,
        "description": path.summary,
        "criteria": {"narrative": f"Read every required article of version {path.version} of the path "
                                 f"({required} articles)"}}
    read = credential.articles_read
    assert claims["evidence"] == [{
        "type": ["Evidence"], "name": f"Articles read: {path.title}, version {path.version}",
        "narrative": f"Read {read} articles of the path, {required} of {required} required ones, "
                     "none of them skipped."}]
    assert credentials.document(credential) == {k: v for k, v in claims.items()
                                                if k not in ("iss", "jti", "sub", "nbf", "iat")}


def test_the_signing_key_is_created_once_readable_by_the_owner_only(tmp_path):
    key = credential_keys.signing_key(tmp_path)
    key_file = tmp_path / credential_keys.KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    stored = json.loads(key_file.read_text())
    assert stored["kty"] == "OKP" and stored["crv"] == "Ed25519" and "d" in stored and stored["kid"] == key.kid
    assert credential_keys.signing_key(tmp_path).kid == key.kid
    assert [name for name in (p.name for p in tmp_path.iterdir())] == [credential_keys.KEY_FILE]  # no temporary left


def test_processes_starting_at_once_agree_on_one_key(tmp_path):
    kids, start = [], threading.Barrier(8)

    def load():
        start.wait()
        kids.append(credential_keys.signing_key(tmp_path).kid)

    threads = [threading.Thread(target=load) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(kids) == 8 and len(set(kids)) == 1


def test_a_damaged_key_file_is_reported_not_replaced(tmp_path):
    (tmp_path / credential_keys.KEY_FILE).write_text("{not json")
    with pytest.raises(credential_keys.CredentialKeyError, match="no usable Ed25519 key"):
        credential_keys.signing_key(tmp_path)
    assert (tmp_path / credential_keys.KEY_FILE).read_text() == "{not json"


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
    stranger = OKPKey.generate_key("Ed25519", private=True)
    claims = payload(credential.jwt)
    unknown = jws.serialize_compact({"alg": "EdDSA", "kid": "someone-else"}, json.dumps(claims), stranger,
                                    algorithms=["EdDSA"])
    assert check(session, issuer, unknown).reason.startswith("unknown key")
    forged = jws.serialize_compact({"alg": "EdDSA", "kid": issuer.key.kid}, json.dumps(claims | {"x": 1}), stranger,
                                   algorithms=["EdDSA"])
    assert check(session, issuer, forged).reason.startswith("tampered")
    signed_bytes = json.dumps(claims, ensure_ascii=False, separators=(",", ":")).encode()
    own_payload = jws.serialize_compact({"alg": "EdDSA", "typ": "vc+jwt", "cty": "vc", "kid": issuer.key.kid},
                                        signed_bytes, stranger, algorithms=["EdDSA"])
    assert own_payload.split(".")[:2] == credential.jwt.split(".")[:2]
    assert check(session, issuer, own_payload).reason.startswith("bad signature")


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
