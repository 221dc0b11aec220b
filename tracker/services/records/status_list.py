"""The revocation status list: a W3C Bitstring Status List, published as a `BitstringStatusListCredential`
signed like the credentials themselves, so anyone holding a credential learns whether it was revoked without
asking the tracker about that credential.

Each credential carries a `credentialStatus` naming its own bit (`statusListIndex`, the credential's
`status_index`) in the one list at `Issuer.status_list_url`. The list is computed from the credential table on
every request, so a revocation shows at once: one indexed query and a GZIP of 16 KB of mostly zeros.
"""

from __future__ import annotations

import base64
import gzip
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from tracker.models import Credential
from tracker.services.records.signing_keys import Issuer, sign

PURPOSE = "revocation"
MIN_BITS = 131_072  # the minimum the specification asks, so one list hides each credential among many
CONTEXT = "https://www.w3.org/ns/credentials/v2"


def status_entry(*, issuer: Issuer, index: int) -> dict[str, Any]:
    """The `credentialStatus` of the credential holding bit `index` of the revocation list."""
    url = issuer.status_list_url
    return {"id": f"{url}#{index}", "type": "BitstringStatusListEntry", "statusPurpose": PURPOSE,
            "statusListIndex": str(index), "statusListCredential": url}


def revoked_indexes(*, session: Session) -> list[int]:
    """The status bits set: every revoked credential's, kept records of deleted accounts included."""
    return [index for index in session.exec(
        select(Credential.status_index).where(col(Credential.revoked_at).is_not(None),
                                              col(Credential.status_index).is_not(None))).all()
            if index is not None]


def bitstring(indexes: Iterable[int]) -> bytes:
    """The list's bits, bit 0 the leftmost of the first byte, at least MIN_BITS long (a whole multiple)."""
    wanted = list(indexes)
    size = MIN_BITS * (max(wanted, default=0) // MIN_BITS + 1)
    bits = bytearray(size // 8)
    for index in wanted:
        bits[index // 8] |= 0x80 >> (index % 8)
    return bytes(bits)


def encoded_list(indexes: Iterable[int]) -> str:
    """`encodedList`: the GZIP-compressed bitstring as multibase base64url without padding (prefix `u`)."""
    compressed = gzip.compress(bitstring(indexes), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode("ascii").rstrip("=")


def decoded_list(encoded: str) -> bytes:
    """The bitstring of an `encodedList` (the inverse of `encoded_list`); ValueError when it is not one."""
    if not encoded.startswith("u"):
        raise ValueError("not multibase base64url")
    body = encoded[1:]
    try:
        return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (OSError, EOFError, ValueError) as exc:
        raise ValueError(f"not a GZIP-compressed bitstring: {exc}") from None


def is_set(bits: bytes, index: int) -> bool:
    return 0 <= index < len(bits) * 8 and bool(bits[index // 8] & (0x80 >> (index % 8)))


def status_list_claims(*, issuer: Issuer, indexes: Iterable[int], now: datetime) -> dict[str, Any]:
    """The `BitstringStatusListCredential` as it is signed, with the JWT claims iss, jti, iat and nbf."""
    url = issuer.status_list_url
    moment = int(now.timestamp())
    body = {
        "@context": [CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer.url,
        "validFrom": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {"id": f"{url}#list", "type": "BitstringStatusList", "statusPurpose": PURPOSE,
                              "encodedList": encoded_list(indexes)},
    }
    return body | {"iss": issuer.url, "jti": url, "iat": moment, "nbf": moment}


def signed_status_list(*, session: Session, issuer: Issuer, now: datetime) -> str:
    """The revocation list as it stands, signed as a VC-JWT (as credentials are). Reads, never writes."""
    return sign(issuer=issuer, claims=status_list_claims(issuer=issuer, indexes=revoked_indexes(session=session),
                                                         now=now.replace(microsecond=0)))
