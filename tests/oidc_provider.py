"""A real OpenID Provider for the tests: node's oidc-provider (tests/oidc/provider.mjs) on 127.0.0.1, and a way
through its own login and consent pages without a browser.

The node packages are installed into tests/oidc/node_modules on first use (`npm install`, exact versions pinned
in tests/oidc/package.json). Without node or npm the tests fail: they are never skipped.
"""

from __future__ import annotations

import fcntl
import html
import json
import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
import requests

HERE = Path(__file__).parent / "oidc"
CLIENT_ID, CLIENT_SECRET = "tracker", "tracker-secret-for-tests"
_install_lock = threading.Lock()

# Who can sign in at the provider: the login name typed on its page -> the claims it releases.
ACCOUNTS: dict[str, dict[str, Any]] = {
    "nadia": {"email": "nadia@example.com", "email_verified": True, "name": "Nadia Okafor",
              "preferred_username": "nadia.okafor", "zoneinfo": "Europe/Berlin",
              "groups": ["engineering", "tracker-mentors"]},
    "lena-at-idp": {"email": "lena@example.com", "email_verified": True, "name": "Lena",
                    "preferred_username": "lena", "zoneinfo": "Not/A_Zone", "groups": ["engineering"]},
    "lena-unverified": {"email": "lena@example.com", "email_verified": False, "name": "Lena",
                        "preferred_username": "lena2", "groups": []},
    "sam-at-idp": {"email": "sam@example.com", "email_verified": True, "name": "Sam", "groups": []},
    "no-email": {"name": "Nobody", "preferred_username": "nobody", "groups": []},
    "boss": {"email": "boss@example.com", "email_verified": True, "name": "Bea Boss",
             "preferred_username": "boss", "groups": ["tracker-admins", "engineering"]},
    "ada-at-idp": {"email": "ada@example.com", "email_verified": True, "name": "Ada", "groups": []},
}


def ensure_installed() -> None:
    """tests/oidc/node_modules, installed from the pinned package.json when missing (once, whichever test worker
    gets there first: the others wait on the lock file)."""
    marker = HERE / "node_modules" / "oidc-provider" / "package.json"
    with _install_lock, open(HERE / ".install-lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.exists():
            return
        npm = shutil.which("npm")
        if npm is None or shutil.which("node") is None:
            pytest.fail("the OpenID Connect tests need node and npm (node 20.19 or newer) to run oidc-provider")
        result = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--no-package-lock"], cwd=HERE,
                                capture_output=True, text=True, timeout=600)
        if result.returncode != 0 or not marker.exists():
            pytest.fail(f"npm install in tests/oidc failed: {result.stderr[-1000:]}")


class Provider:
    """A running oidc-provider: its issuer, and the login names it knows."""

    def __init__(self, process: subprocess.Popen[str], issuer: str):
        self.process, self.issuer = process, issuer

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@contextmanager
def running_provider(*, redirect_uris: list[str], post_logout_redirect_uris: list[str],
                     accounts: Mapping[str, dict[str, Any]] | None = None) -> Iterator[Provider]:
    """Start oidc-provider on a free port of 127.0.0.1 for this tracker client, and stop it afterwards."""
    ensure_installed()
    node = shutil.which("node")
    assert node is not None  # ensure_installed fails the test without it
    env = os.environ | {"OIDC_PORT": "0", "OIDC_CLIENT_ID": CLIENT_ID, "OIDC_CLIENT_SECRET": CLIENT_SECRET,
                        "OIDC_REDIRECT_URIS": ",".join(redirect_uris),
                        "OIDC_POST_LOGOUT_REDIRECT_URIS": ",".join(post_logout_redirect_uris),
                        "OIDC_ACCOUNTS": json.dumps(accounts if accounts is not None else ACCOUNTS)}
    process = subprocess.Popen([node, str(HERE / "provider.mjs")], cwd=HERE, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None  # both piped
    deadline = time.monotonic() + 30
    issuer = None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        if line.startswith("listening "):
            issuer = line.split()[1]
            break
    if issuer is None:
        process.kill()
        pytest.fail(f"oidc-provider did not start: {process.stderr.read()[-1000:]}")
    # Its warnings go to stderr: read them away so that a full pipe never stops it.
    threading.Thread(target=process.stderr.read, daemon=True).start()
    threading.Thread(target=process.stdout.read, daemon=True).start()
    provider = Provider(process, issuer)
    try:
        yield provider
    finally:
        provider.stop()


def tracker_settings(provider: Provider, **more: Any) -> dict[str, Any]:
    """The tracker's settings for this provider (the keys `create_app` takes)."""
    return {"OIDC_ISSUER": provider.issuer, "OIDC_CLIENT_ID": CLIENT_ID, "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_PROVIDER_NAME": "Example ID", "OIDC_SCOPES": "openid email profile groups"} | more


_FORM = re.compile(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', re.S)
_HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', re.S)


def through_provider(authorize_url: str, login: str, *, back_to: str, cancel: bool = False) -> str:
    """Follow the provider's pages as a person would (its login page with `login` and any password, then its
    consent page), without a browser; returns the address it sends the browser back to (under `back_to`)."""
    http = requests.Session()
    url, data = authorize_url, None
    for _ in range(20):
        answer = (http.post(url, data=data, allow_redirects=False, timeout=10) if data is not None
                  else http.get(url, allow_redirects=False, timeout=10))
        data = None
        if answer.is_redirect:
            url = urljoin(url, answer.headers["Location"])
            if url.startswith(back_to):
                return url
            continue
        page = answer.text
        if cancel and "[ Cancel ]" in page:
            url = urljoin(url, html.unescape(re.search(r'href="([^"]+)">\[ Cancel \]', page).group(1)))  # type: ignore[union-attr]
            continue
        form = _FORM.search(page)
        assert form is not None, f"no form on the provider's page ({answer.status_code}): {page[:500]}"
        data = dict(_HIDDEN.findall(form.group(2)))
        if data.get("prompt") == "login":
            data |= {"login": login, "password": "anything"}
        url = urljoin(url, html.unescape(form.group(1)))
    raise AssertionError("the provider never sent the browser back")
