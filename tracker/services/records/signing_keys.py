"""The issuer of completion credentials and its keys: a key set kept in the database, shared by every machine
that serves this tracker, whose newest key signs and whose older keys stay published, so a credential stays
verifiable after the key is rotated and on whichever machine it is checked.

Credentials are signed with ES256 (ECDSA over P-256), the algorithm Open Badges 3.0 verifiers accept; each
header's `kid` is a URL under the issuer that answers with exactly that key as a JWK. The Ed25519 key that
signed credentials before is kept and published as it was, with its bare thumbprint as `kid`, so those
credentials keep verifying; it signs nothing new.

Each private key is stored encrypted (AES-GCM under a key derived from the tracker's secret key, passed in as
`sealing_key`): the database alone signs nothing. Earlier versions kept the keys in the data dir
(`credential_keys.json`, `credential_key.json`); when the table is empty those files are imported once.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import secrets
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySetSerialization, OKPKey
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col, func, select

from tracker.models import CredentialSigningKey, KeyAlgorithm, User

ISSUER_NAME = "Learning-path tracker"

KEY_SET_FILE = "credential_keys.json"  # earlier versions: {"keys": [private JWK, ...]}, the last one signed
KEY_FILE = "credential_key.json"       # earlier still: the Ed25519 key of the first credentials

ALGORITHM = "ES256"
LEGACY_ALGORITHM = "EdDSA"
ALGORITHMS = (ALGORITHM, LEGACY_ALGORITHM)
LEGACY_SERIAL = 0  # the Ed25519 key's place; ES256 keys count from 1

SigningKey = ECKey | OKPKey  # OKP: the Ed25519 key of earlier credentials


class CredentialKeyError(RuntimeError):
    """The signing keys cannot be read or made: an operator's problem, never the visitor's."""


def sealing_key(secret_key: str) -> bytes:
    """The AES-256 key that seals the signing keys in the database, derived from the tracker's secret key."""
    return hmac.new(secret_key.encode("utf-8"), b"tracker credentials: signing keys v1", hashlib.sha256).digest()


@dataclass(frozen=True)
class KeyRing:
    """Every key this issuer ever signed credentials with, oldest first, and the one that signs now."""

    signing: ECKey
    keys: tuple[SigningKey, ...]

    def find(self, thumbprint: str) -> SigningKey | None:
        return next((key for key in self.keys if key.thumbprint() == thumbprint), None)


@dataclass(frozen=True)
class KeyStore:
    """Where the keys are kept: the database behind `engine`, sealed with `sealing_key`; `data_dir` is where an
    earlier version may have left key files to import."""

    engine: Engine
    sealing_key: bytes = field(repr=False)
    data_dir: Path | None = None


@dataclass(frozen=True)
class Issuer:
    """This tracker as an issuer: its public address (the issuer's id), its name, and where its keys are kept.
    Building one reads nothing; the keys are read (or made) the first time it signs or publishes, once per
    issuer (one is built per request)."""

    url: str
    store: KeyStore
    name: str = ISSUER_NAME

    @functools.cached_property
    def ring(self) -> KeyRing:
        return key_ring(store=self.store)

    @property
    def key(self) -> ECKey:
        return self.ring.signing

    def credential_url(self, public_id: str) -> str:
        return f"{self.url}/credentials/{public_id}"

    def path_url(self, slug: str) -> str:
        return f"{self.url}/paths/{slug}"

    def badge_url(self, slug: str) -> str:
        return f"{self.url}/paths/{slug}/badge.svg"

    @property
    def status_list_url(self) -> str:
        return f"{self.url}/credentials/status/revocation"

    def key_url(self, thumbprint: str) -> str:
        return f"{self.url}/.well-known/jwks/{thumbprint}"

    def kid(self, key: SigningKey) -> str:
        """The `kid` a header names the key by: its URL; the Ed25519 key of old credentials keeps the bare
        thumbprint they were signed with."""
        thumbprint = key.thumbprint()
        return thumbprint if isinstance(key, OKPKey) else self.key_url(thumbprint)

    def public_jwk(self, key: SigningKey) -> dict[str, Any]:
        alg = LEGACY_ALGORITHM if isinstance(key, OKPKey) else ALGORITHM
        return dict(key.as_dict(private=False)) | {"kid": self.kid(key), "alg": alg, "use": "sig"}

    def jwks(self) -> KeySetSerialization:
        """The public key set verifiers fetch from /.well-known/jwks.json: every key still trusted."""
        return {"keys": [self.public_jwk(key) for key in self.ring.keys]}


def key_ring(*, store: KeyStore) -> KeyRing:
    """The issuer's keys, read in a transaction of their own. When there are none yet, the first set is made
    (and committed): the data dir's key files of an earlier version if there are any, else one new ES256 key.

    Several processes (on several machines) may make the first set at once: every one inserts at the same
    serials, the unique constraint lets exactly one set in, and the others read that one.
    """
    for _ in range(5):
        with Session(store.engine) as session:
            rows = _rows(session)
            if rows:
                return _ring(rows, store.sealing_key)
            made = [_row(serial, key, store.sealing_key) for serial, key in _first_keys(store.data_dir)]
            session.add_all(made)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()  # another process made the set first: read theirs
                continue
            except OperationalError as exc:
                raise CredentialKeyError(f"cannot store the credential signing keys ({exc.orig!r}); start the "
                                         "tracker with `tracker run` or `tracker serve`, which make them "
                                         "before serving") from None
            return _ring(made, store.sealing_key)
    raise CredentialKeyError("cannot create the credential signing keys: the table keeps changing")


def signing_key(*, store: KeyStore) -> ECKey:
    """The key new credentials are signed with (the newest of the set)."""
    return key_ring(store=store).signing


def rotate_key(*, store: KeyStore) -> ECKey:
    """Add a new ES256 key to the set: it signs from now on, and every older key stays published so what it
    signed still verifies. Two rotations at once each add their key, one after the other (the unique serial).
    Commits."""
    key_ring(store=store)  # the set exists (imported or made) before it grows
    new = _new_key()
    for _ in range(5):
        with Session(store.engine) as session:
            highest = session.exec(select(func.max(col(CredentialSigningKey.serial)))).one() or LEGACY_SERIAL
            session.add(_row(highest + 1, new, store.sealing_key))
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                continue
            return new
    raise CredentialKeyError("cannot add a credential signing key: other rotations keep taking its place")


def _rows(session: Session) -> list[CredentialSigningKey]:
    return list(session.exec(select(CredentialSigningKey).order_by(col(CredentialSigningKey.serial))))


def _ring(rows: list[CredentialSigningKey], key: bytes) -> KeyRing:
    keys = tuple(_unsealed(row.algorithm.value, row.kid, row.private_sealed, key) for row in rows)
    signing = [k for k in keys if isinstance(k, ECKey)]
    if not signing:
        raise CredentialKeyError("the credential signing keys hold no ES256 key; restore the database from a "
                                 "backup (new keys would make every credential issued so far unverifiable)")
    return KeyRing(signing=signing[-1], keys=keys)


def _row(serial: int, key: SigningKey, sealing: bytes) -> CredentialSigningKey:
    algorithm = KeyAlgorithm.eddsa if isinstance(key, OKPKey) else KeyAlgorithm.es256
    kid = key.thumbprint()
    private = json.dumps(dict(key.as_dict(private=True))).encode("utf-8")
    nonce = secrets.token_bytes(12)
    sealed = base64.urlsafe_b64encode(nonce + AESGCM(sealing).encrypt(nonce, private, _bound(algorithm.value, kid)))
    return CredentialSigningKey(serial=serial, kid=kid, algorithm=algorithm, private_sealed=sealed.decode("ascii"))


def _bound(algorithm: str, kid: str) -> bytes:
    """What a sealed key is bound to: its row's algorithm and kid, so a key moved to another row is refused."""
    return f"credential signing key {algorithm} {kid}".encode()


@functools.lru_cache(maxsize=64)
def _unsealed(algorithm: str, kid: str, sealed: str, sealing: bytes) -> SigningKey:
    """A stored key, decrypted and checked once per process (the sealed text is part of the cache key)."""
    expected = "P-256" if algorithm == ALGORITHM else "Ed25519"
    try:
        raw = base64.urlsafe_b64decode(sealed.encode("ascii"))
        private = json.loads(AESGCM(sealing).decrypt(raw[:12], raw[12:], _bound(algorithm, kid)))
        key: SigningKey = ECKey.import_key(private) if algorithm == ALGORITHM else OKPKey.import_key(private)
    except InvalidTag:
        raise CredentialKeyError("the credential signing keys in the database cannot be decrypted with this "
                                 "TRACKER_SECRET_KEY: every machine needs the secret key the keys were made "
                                 "with (see docs/operations.md, \"Several machines\")") from None
    except (ValueError, TypeError, JoseError) as exc:
        raise CredentialKeyError(f"the credential signing key {kid} is damaged ({exc!r}); restore the database "
                                 "from a backup") from None
    if key.as_dict(private=False).get("crv") != expected or not key.is_private or key.thumbprint() != kid:
        raise CredentialKeyError(f"the credential signing key {kid} is not the {expected} key its row names")
    return key


def _first_keys(data_dir: Path | None) -> list[tuple[int, SigningKey]]:
    """The first set, by serial: the key files an earlier version left in the data dir (the Ed25519 key at 0,
    the ES256 keys from 1 in their order), else one new ES256 key."""
    imported: list[tuple[int, SigningKey]] = []
    if data_dir is not None and (Path(data_dir) / KEY_FILE).exists():
        imported.append((LEGACY_SERIAL, _read_legacy(Path(data_dir) / KEY_FILE)))
    stored = _read_key_set(Path(data_dir) / KEY_SET_FILE) if data_dir is not None else []
    return imported + list(enumerate(stored or [_new_key()], start=LEGACY_SERIAL + 1))


def _new_key() -> ECKey:
    return ECKey.generate_key("P-256", private=True)


def _read_key_set(set_file: Path) -> list[ECKey]:
    """The ES256 keys in an earlier version's key set file (none when there is no file)."""
    if not set_file.exists():
        return []
    try:
        keys = [ECKey.import_key(jwk) for jwk in json.loads(set_file.read_text(encoding="utf-8"))["keys"]]
    except (OSError, ValueError, TypeError, KeyError, JoseError) as exc:
        raise CredentialKeyError(f"{set_file} holds no usable key set ({exc!r}); restore it from a backup "
                                 "(new keys would make every credential issued so far unverifiable)") from None
    if not keys or not all(key.is_private and key.as_dict(private=False).get("crv") == "P-256" for key in keys):
        raise CredentialKeyError(f"{set_file} must hold P-256 private keys only")
    return keys


def _read_legacy(key_file: Path) -> OKPKey:
    try:
        key = OKPKey.import_key(json.loads(key_file.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError, JoseError) as exc:
        raise CredentialKeyError(f"{key_file} holds no usable Ed25519 key ({exc}); restore it from a backup "
                                 "(credentials signed with it would no longer verify)") from None
    if key.as_dict(private=False).get("crv") != "Ed25519" or not key.is_private:
        raise CredentialKeyError(f"{key_file} is not an Ed25519 private key")
    return key


def subject_id(user: User) -> str:
    """The learner as a credential names them: a URN made from their opaque public id, never a name or email."""
    return f"urn:uuid:{uuid.UUID(hex=user.public_id)}"


def sign(*, issuer: Issuer, claims: dict[str, Any]) -> str:
    """The claims as a VC-JWT with the header Open Badges 3.0 asks: alg ES256, typ JWT, and the signing key's
    URL as kid; nothing else."""
    key = issuer.key
    header = {"alg": ALGORITHM, "typ": "JWT", "kid": issuer.kid(key)}
    payload = json.dumps(claims, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return jws.serialize_compact(header, payload, key, algorithms=[ALGORITHM])
