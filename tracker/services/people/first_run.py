"""The setup link of a fresh install: only whoever can read the server's output creates the administrator.

`tracker run` and `tracker serve` print a link with a random token while no administrator exists (as Gitea and
Grafana do); /setup asks for it. The data directory keeps only the token's SHA-256, in a file its owner alone
may read; a new start (or `tracker setup-link`) replaces it, and creating the administrator deletes it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path

from tracker import private_files

SETUP_TOKEN_FILE = "setup-token"
SETUP_TOKEN_MAX = 200


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def issue_setup_token(*, data_dir: Path) -> str:
    """A new setup token (the one before stops working); returns it for the link, keeping only its hash."""
    raw = secrets.token_urlsafe(32)
    private_files.replace(data_dir / SETUP_TOKEN_FILE, _digest(raw) + "\n")
    return raw


def setup_token_matches(*, data_dir: Path, offered: str) -> bool:
    """Whether `offered` is the current setup token (compared in constant time); False once none is issued."""
    if not offered or len(offered) > SETUP_TOKEN_MAX:
        return False
    try:
        stored = (data_dir / SETUP_TOKEN_FILE).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return False
    return bool(stored) and hmac.compare_digest(_digest(offered), stored)


def discard_setup_token(*, data_dir: Path) -> None:
    """No setup link works any more (the administrator exists)."""
    (data_dir / SETUP_TOKEN_FILE).unlink(missing_ok=True)
