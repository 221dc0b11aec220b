"""What publishing the revocation status list costs: time per request and size, by credentials issued.

    python tests/benchmarks/bench_status_list.py [--credentials 1000 10000 100000] [--revoked 0.1]

The list is computed from the credential table on every request (so a revocation shows at once); this
prints, for each size, the median time of `signed_status_list` (one indexed query, the bitstring, GZIP,
an ES256 signature) over 50 calls, and the signed list's size. Figures depend on the machine.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, insert
from sqlmodel import Session, SQLModel

from tracker.models import Credential
from tracker.services.records.signing_keys import Issuer, KeyStore, sealing_key
from tracker.services.records.status_list import signed_status_list


def measure(count: int, revoked: float, folder: Path) -> tuple[float, int]:
    engine = create_engine(f"sqlite:///{folder / f'{count}.db'}")
    SQLModel.metadata.create_all(engine)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    every = max(1, round(1 / revoked)) if revoked else 0
    with Session(engine) as session:
        session.execute(insert(Credential), [
            {"public_id": uuid.uuid4().hex, "user_id": None, "path_id": None, "path_slug": "api-designer",
             "path_title": "API Designer", "path_version": 1, "articles_read": 20, "issued_at": now, "jwt": "",
             "status_index": number, "statement_id": str(uuid.uuid4()),
             "revoked_at": now if every and number % every == 0 else None} for number in range(count)])
        session.commit()
        store = KeyStore(engine=engine, sealing_key=sealing_key("benchmark-secret-" + "x" * 32))
        issuer = Issuer(url="https://tracker.example.org", store=store)
        signed_status_list(session=session, issuer=issuer, now=now)  # the key is made once, outside the timing
        times = []
        for _ in range(50):
            began = time.perf_counter()
            token = signed_status_list(session=session, issuer=issuer, now=now)
            times.append(time.perf_counter() - began)
    engine.dispose()
    return statistics.median(times) * 1000, len(token)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--credentials", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--revoked", type=float, default=0.1, help="the share of credentials revoked")
    args = parser.parse_args()
    print(f"{'credentials':>12} {'revoked':>8} {'median ms':>10} {'signed list bytes':>18}")
    with tempfile.TemporaryDirectory() as folder:
        for count in args.credentials:
            ms, size = measure(count, args.revoked, Path(folder))
            print(f"{count:>12,} {round(count * args.revoked):>8,} {ms:>10.2f} {size:>18,}")


if __name__ == "__main__":
    main()
