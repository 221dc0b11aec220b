"""The credential issuer and its Ed25519 signing key, made once in the data dir (owner-only) and published as
a JWK set."""

from __future__ import annotations

import functools
import json
import uuid
from dataclasses import dataclass
from pathlib import Path

from joserfc.errors import JoseError
from joserfc.jwk import KeySetSerialization, OKPKey

from tracker import private_files
from tracker.models import (
    User,
)

ISSUER_NAME = "Learning-path tracker"


KEY_FILE = "credential_key.json"


ALGORITHM = "EdDSA"


class CredentialKeyError(RuntimeError):
    """The signing key file exists but holds no usable key: an operator's problem, never the visitor's."""


@dataclass(frozen=True)
class Issuer:
    """This tracker as an issuer: its public address (the issuer's id), its name, and where its key is kept.
    Building one reads nothing; the key is loaded (or created) the first time it signs or is published."""

    url: str
    data_dir: Path
    name: str = ISSUER_NAME

    @property
    def key(self) -> OKPKey:
        return signing_key(self.data_dir)

    def credential_url(self, public_id: str) -> str:
        return f"{self.url}/credentials/{public_id}"

    def path_url(self, slug: str) -> str:
        return f"{self.url}/paths/{slug}"

    def jwks(self) -> KeySetSerialization:
        """The public key set verifiers fetch from /.well-known/jwks.json."""
        return {"keys": [self.key.as_dict(private=False)]}


def signing_key(data_dir: Path) -> OKPKey:
    """The Ed25519 key credentials are signed with, kept in the data dir as a private JWK readable by the owner
    only, and created on first use.

    Several processes may sign the first credential at once: the key is written under a temporary name and
    linked into place with an exclusive create, so exactly one key wins and every process reads that one.
    """
    key_file = Path(data_dir) / KEY_FILE
    for _ in range(5):
        try:
            stat = key_file.stat()
        except FileNotFoundError:
            _create_key(key_file)
            continue
        return _read_key(str(key_file), stat.st_mtime_ns, stat.st_ino)
    raise CredentialKeyError(f"cannot create the credential signing key {key_file}")


def _create_key(key_file: Path) -> None:
    key = OKPKey.generate_key("Ed25519", private=True)
    jwk = key.as_dict(private=True) | {"kid": key.thumbprint(), "alg": ALGORITHM, "use": "sig"}
    private_files.create_once(key_file, json.dumps(jwk) + "\n")


@functools.lru_cache(maxsize=8)
def _read_key(key_file: str, _mtime_ns: int, _inode: int) -> OKPKey:
    """The key in `key_file`, read once per version of the file (the stat values are the cache key)."""
    try:
        jwk = json.loads(Path(key_file).read_text(encoding="utf-8"))
        key = OKPKey.import_key(jwk)
    except (OSError, ValueError, TypeError, JoseError) as exc:
        raise CredentialKeyError(f"{key_file} holds no usable Ed25519 key ({exc}); restore it from a backup "
                                 "(a new key would make every credential issued so far unverifiable)") from None
    if not key.is_private or key.as_dict(private=False).get("crv") != "Ed25519":
        raise CredentialKeyError(f"{key_file} is not an Ed25519 private key")
    return key


def subject_id(user: User) -> str:
    """The learner as a credential names them: a URN made from their opaque public id, never a name or email."""
    return f"urn:uuid:{uuid.UUID(hex=user.public_id)}"
