"""Where the bundled data lives (templates, the curriculum files): inside the wheel, or beside the package."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """Locate bundled data (templates, paths): inside the wheel, or beside the package in a checkout."""
    bundled = PACKAGE_DIR / name
    if bundled.is_dir():
        return bundled
    return PACKAGE_DIR.parent / name
