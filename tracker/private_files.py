"""Files only their owner may read: keys, the secret, exports."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def create_once(path: Path, text: str) -> bool:
    """Create `path` holding `text`, readable by its owner only, unless it exists already; whether this call
    made it. The text is written beside it and then linked into place, so several processes starting at once
    agree on one file and none ever reads a half-written one."""
    candidate = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    try:
        os.link(candidate, path)  # atomic, and fails if another process won
        return True
    except FileExistsError:
        return False
    finally:
        candidate.unlink()


def replace(path: Path, text: str) -> None:
    """Write `path` holding `text`, readable by its owner only, replacing what it held in one step (a reader
    sees the old text or the new, never a mix)."""
    candidate = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(candidate, path)
    finally:
        candidate.unlink(missing_ok=True)


def tighten(paths: list[Path]) -> list[Path]:
    """Make each existing path its owner's only (a folder 0700, a file without group or other bits); the ones
    that were changed. A file an older release made 0644 is closed at the next start."""
    changed = []
    for path in paths:
        try:
            mode = path.stat().st_mode & 0o777
        except FileNotFoundError:
            continue
        wanted = 0o700 if path.is_dir() else mode & 0o700
        if mode != wanted:
            path.chmod(wanted)
            changed.append(path)
    return changed
