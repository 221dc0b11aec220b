"""Vendored front-end files are the pinned releases, served locally."""

import hashlib
import json
from pathlib import Path

import pytest

from tracker.resources import PACKAGE_DIR

VENDOR = PACKAGE_DIR / "static" / "vendor"


TEST_VENDOR = Path(__file__).parent / "browser" / "vendor"  # axe-core, which only the tests run


@pytest.mark.parametrize("folder", [VENDOR, TEST_VENDOR], ids=["app", "tests"])
def test_vendored_files_match_their_pinned_sha256(folder):
    manifest = json.loads((folder / "vendor.json").read_text())
    assert manifest
    for entry in manifest.values():
        digest = hashlib.sha256((folder / entry["file"]).read_bytes()).hexdigest()
        assert digest == entry["sha256"], entry["file"]
        assert (folder / entry["license"]).read_text().strip()


def test_pages_load_htmx_from_our_own_static_folder_only(client):
    page = client.get("/").get_data(as_text=True)
    assert '/static/vendor/htmx-2.0.11.min.js' in page
    assert "https://" not in page.split("<body")[0]
    assert client.get("/static/vendor/htmx-2.0.11.min.js").status_code == 200


def test_pages_send_a_strict_content_security_policy(client):
    headers = client.get("/catalog").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
