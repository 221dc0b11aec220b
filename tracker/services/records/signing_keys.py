"""The issuer of completion credentials and its keys: a key set in the data dir, whose newest key signs and whose
older keys stay published, so a credential stays verifiable after the key is rotated.

Credentials are signed with ES256 (ECDSA over P-256), the algorithm Open Badges 3.0 verifiers accept; each
header's `kid` is a URL under the issuer that answers with exactly that key as a JWK. The Ed25519 key that
signed credentials before (`credential_key.json`, one private JWK) is kept and published as it was, with its
bare thumbprint as `kid`, so those credentials keep verifying; it signs nothing new.
"""

from __future__ import annotations

import fcntl
import functools
import json
import os
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySetSerialization, OKPKey

from tracker import private_files
from tracker.models import (
    User,
)

ISSUER_NAME = "Learning-path tracker"

KEY_SET_FILE = "credential_keys.json"  # {"keys": [private JWK, ...]}: the last one signs
KEY_FILE = "credential_key.json"       # the Ed25519 key of credentials issued before the key set (verify only)
ROTATION_LOCK = ".credential_keys.lock"

ALGORITHM = "ES256"
LEGACY_ALGORITHM = "EdDSA"
ALGORITHMS = (ALGORITHM, LEGACY_ALGORITHM)

SigningKey = ECKey | OKPKey  # OKP: the Ed25519 key of earlier credentials


class CredentialKeyError(RuntimeError):
    """A key file exists but holds no usable key: an operator's problem, never the visitor's."""


@dataclass(frozen=True)
class KeyRing:
    """Every key this issuer ever signed credentials with, oldest first, and the one that signs now."""

    signing: ECKey
    keys: tuple[SigningKey, ...]

    def find(self, thumbprint: str) -> SigningKey | None:
        return next((key for key in self.keys if key.thumbprint() == thumbprint), None)


@dataclass(frozen=True)
class Issuer:
    """This tracker as an issuer: its public address (the issuer's id), its name, and where its keys are kept.
    Building one reads nothing; the keys are loaded (or created) the first time it signs or publishes."""

    url: str
    data_dir: Path
    name: str = ISSUER_NAME

    @property
    def ring(self) -> KeyRing:
        return key_ring(self.data_dir)

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


def key_ring(data_dir: Path) -> KeyRing:
    """The issuer's keys: the key set in the data dir (created with one ES256 key on first use, readable by the
    owner only) and the Ed25519 key of earlier credentials if there is one.

    Several processes may sign the first credential at once: the set is written under a temporary name and
    linked into place with an exclusive create, so exactly one set wins and every process reads that one.
    """
    set_file, legacy_file = Path(data_dir) / KEY_SET_FILE, Path(data_dir) / KEY_FILE
    for _ in range(5):
        try:
            stat = set_file.stat()
        except FileNotFoundError:
            private_files.create_once(set_file, _serialised([_new_key()]))
            continue
        try:
            legacy = legacy_file.stat()
            legacy_version: tuple[int, int] | None = (legacy.st_mtime_ns, legacy.st_ino)
        except FileNotFoundError:
            legacy_version = None
        return _read_ring(str(set_file), (stat.st_mtime_ns, stat.st_ino), str(legacy_file), legacy_version)
    raise CredentialKeyError(f"cannot create the credential key set {set_file}")


def signing_key(data_dir: Path) -> ECKey:
    """The key new credentials are signed with (the newest of the set)."""
    return key_ring(data_dir).signing


def rotate_key(data_dir: Path) -> ECKey:
    """Add a new ES256 key to the set: it signs from now on, and every older key stays published so what it
    signed still verifies. Rotations take turns (a lock file); the set is replaced in one step."""
    set_file = Path(data_dir) / KEY_SET_FILE
    lock = os.open(Path(data_dir) / ROTATION_LOCK, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        ring = key_ring(data_dir)
        new = _new_key()
        kept = [key for key in ring.keys if isinstance(key, ECKey)]
        candidate = set_file.with_name(f".{set_file.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(_serialised([*kept, new]))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(candidate, set_file)
    finally:
        os.close(lock)
    return new


def _new_key() -> ECKey:
    return ECKey.generate_key("P-256", private=True)


def _serialised(keys: list[ECKey]) -> str:
    return json.dumps({"keys": [dict(key.as_dict(private=True)) | {"kid": key.thumbprint(), "alg": ALGORITHM,
                                                                     "use": "sig"} for key in keys]}) + "\n"


@functools.lru_cache(maxsize=8)
def _read_ring(set_file: str, _set_version: tuple[int, int], legacy_file: str,
               legacy_version: tuple[int, int] | None) -> KeyRing:
    """The keys in the files, read once per version of them (the stat values are the cache key)."""
    try:
        stored = json.loads(Path(set_file).read_text(encoding="utf-8"))["keys"]
        keys = [ECKey.import_key(jwk) for jwk in stored]
    except (OSError, ValueError, TypeError, KeyError, JoseError) as exc:
        raise CredentialKeyError(f"{set_file} holds no usable key set ({exc!r}); restore it from a backup "
                                 "(new keys would make every credential issued so far unverifiable)") from None
    if not keys or not all(key.is_private and key.as_dict(private=False).get("crv") == "P-256" for key in keys):
        raise CredentialKeyError(f"{set_file} must hold P-256 private keys only")
    legacy = [_read_legacy(legacy_file)] if legacy_version is not None else []
    return KeyRing(signing=keys[-1], keys=(*legacy, *keys))


def _read_legacy(key_file: str) -> OKPKey:
    try:
        key = OKPKey.import_key(json.loads(Path(key_file).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError, JoseError) as exc:
        raise CredentialKeyError(f"{key_file} holds no usable Ed25519 key ({exc}); restore it from a backup "
                                 "(credentials signed with it would no longer verify)") from None
    if key.as_dict(private=False).get("crv") != "Ed25519":
        raise CredentialKeyError(f"{key_file} is not an Ed25519 key")
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
