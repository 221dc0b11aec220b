"""Several machines on one database: each with its own data dir, the same TRACKER_SECRET_KEY. They start at
once, make one key set between them, and sign and verify each other's credentials; a rotation on one is
published by both; a machine with another secret key stops at its start with one line."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time

import pytest
import requests
from joserfc import jws
from joserfc.jwk import ECKey, OKPKey
from sqlalchemy import create_engine
from sqlmodel import Session, col, delete, select

from tests import factories
from tests.conftest import CHEAP_HASHING, make_app
from tests.test_serving import Served, free_port
from tests.web.test_credentials import required_articles
from tracker.models import Credential, CredentialSigningKey, ProgressState
from tracker.services.progress import follows
from tracker.services.progress import marks as progress
from tracker.services.records import signing_keys

pytestmark = [pytest.mark.slow, pytest.mark.postgresql, pytest.mark.filterwarnings("ignore:EdDSA is deprecated")]
SHARED_SECRET = "several-machines-secret-" + "s" * 32


def machine_env(database_url: str, data_dir, secret: str = SHARED_SECRET) -> dict[str, str]:
    env = os.environ | {"TRACKER_DATABASE_URL": database_url, "TRACKER_DATA_DIR": str(data_dir),
                        "TRACKER_SECRET_KEY": secret}
    env.pop("TRACKER_REDIS_URL", None)
    return env | {f"TRACKER_{key}": str(value) for key, value in CHEAP_HASHING.items()}


def start(env: dict[str, str], log_path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen([sys.executable, "-m", "tracker", "run", "--port", str(port), "--threads", "2"],
                                   env=env, stdout=log, stderr=subprocess.STDOUT)
    return process, f"http://127.0.0.1:{port}"


def wait_ready(process: subprocess.Popen, base: str, log_path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/readyz", timeout=2).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        assert process.poll() is None, log_path.read_text(encoding="utf-8")
        time.sleep(0.2)
    pytest.fail("the machine did not get ready:\n" + log_path.read_text(encoding="utf-8"))


@pytest.fixture
def database(postgres, template_databases):
    """A database as the upgrade to 0023 leaves it: migrated, loaded, no signing key yet."""
    name = postgres.create("machines", template=template_databases("postgresql"))
    engine = create_engine(postgres.url(name))
    with Session(engine) as session:
        session.exec(delete(CredentialSigningKey))
        session.commit()
    yield postgres.url(name), engine
    engine.dispose()


@pytest.fixture
def machines(database, tmp_path):
    """Two machines started at the same moment, each with a data dir of its own."""
    url, _ = database
    started = [start(machine_env(url, tmp_path / f"data-{name}"), tmp_path / f"{name}.log") for name in "ab"]
    try:
        for (process, base), name in zip(started, "ab", strict=True):
            wait_ready(process, base, tmp_path / f"{name}.log")
        yield [Served(base, tmp_path / f"{name}.log") for (_, base), name in zip(started, "ab", strict=True)]
    finally:
        for process, _ in started:
            process.terminate()
            process.wait(timeout=30)


def keys_of(engine) -> list[CredentialSigningKey]:
    with Session(engine) as session:
        return list(session.exec(select(CredentialSigningKey).order_by(col(CredentialSigningKey.serial))))


def test_two_machines_starting_at_once_make_one_key_set_and_verify_each_others_credentials(machines, database):
    a, b = machines
    _, engine = database
    assert len(keys_of(engine)) == 1  # both started at once, one set
    jwks = [requests.get(m.base + "/.well-known/jwks.json", timeout=10).json() for m in machines]
    assert jwks[0] == jwks[1] and len(jwks[0]["keys"]) == 1
    # lena finishes a path, the last article marked through machine A
    with Session(engine) as session:
        lena = factories.user(session, "lena")
        follows.follow_path(session=session, user=lena, path=factories.path(session, "api-designer"))
        articles = required_articles(session)
        for article in articles[:-1]:
            progress.write_mark(session=session, user=lena, article=article, state=ProgressState.done)
        session.commit()
    browser = a.browser("lena")
    marked = a.post(browser, f"/articles/{articles[-1].slug}/progress",
                    data={"state": "done", "path": "api-designer"}, allow_redirects=False)
    assert marked.status_code == 303, marked.text[:300]
    with Session(engine) as session:
        [credential] = session.exec(select(Credential)).all()
    # machine B says it is valid, on the API and on the page, and answers the kid's URL
    checked = requests.post(b.base + "/api/v1/credentials/verify", json={"jwt": credential.jwt}, timeout=10)
    assert checked.status_code == 200 and checked.json()["valid"] is True, checked.text
    visitor = requests.Session()
    page = b.post(visitor, "/credentials/verify", data={"jwt": credential.jwt})
    assert page.status_code == 200 and "Valid" in page.text and "unknown key" not in page.text
    kid = jws.extract_compact(credential.jwt.encode()).headers()["kid"]
    thumbprint = kid.rsplit("/", 1)[1]
    for machine in machines:
        assert requests.get(f"{machine.base}/.well-known/jwks/{thumbprint}", timeout=10).status_code == 200
    # a rotation on one machine: both publish both keys, and both sign with the new one
    env = machine_env(database[0], a.log_path.parent / "data-a")
    rotated = subprocess.run([sys.executable, "-m", "tracker", "credentials", "rotate-key"], env=env,
                             capture_output=True, text=True, timeout=120)
    assert rotated.returncode == 0, rotated.stderr
    published = [requests.get(m.base + "/.well-known/jwks.json", timeout=10).json() for m in machines]
    assert published[0] == published[1] and len(published[0]["keys"]) == 2
    assert {k["kid"].rsplit("/", 1)[1] for k in published[0]["keys"]} == {row.kid for row in keys_of(engine)}
    again = requests.post(b.base + "/api/v1/credentials/verify", json={"jwt": credential.jwt}, timeout=10)
    assert again.json()["valid"] is True


def test_a_machine_with_another_secret_key_stops_at_its_start_and_visitors_see_no_500(machines, database, tmp_path):
    url, _ = database
    env = machine_env(url, tmp_path / "data-c", secret="a-different-secret-" + "d" * 32)
    process, _ = start(env, tmp_path / "c.log")
    try:
        assert process.wait(timeout=90) != 0
    finally:
        if process.poll() is None:
            process.terminate()
    said = (tmp_path / "c.log").read_text(encoding="utf-8")
    assert "TRACKER_SECRET_KEY" in said and "Traceback" not in said, said
    # the same machine served anyway (say, by another server): the JWKS and the verify API answer 503, not 500
    app = make_app(url, tmp_path, SECRET_KEY="a-different-secret-" + "d" * 32)
    client = app.test_client()
    header = base64.urlsafe_b64encode(b'{"alg":"ES256","kid":"k"}').decode().rstrip("=")
    for response in (client.get("/.well-known/jwks.json"),
                     client.post("/api/v1/credentials/verify", json={"jwt": f"{header}.e30.c2ln"})):
        assert response.status_code == 503 and "Credentials cannot be signed or checked" in response.get_data(True)
    app.extensions["tracker.engine"].dispose()


def test_the_upgrade_imports_the_key_files_so_earlier_credentials_still_verify(database, tmp_path):
    url, engine = database
    data_dir = tmp_path / "data-old"
    data_dir.mkdir()
    legacy = OKPKey.generate_key("Ed25519", private=True)
    earlier = [ECKey.generate_key("P-256", private=True) for _ in range(2)]
    (data_dir / signing_keys.KEY_FILE).write_text(json.dumps(legacy.as_dict(private=True)))
    (data_dir / signing_keys.KEY_SET_FILE).write_text(json.dumps({"keys": [k.as_dict(private=True) for k in earlier]}))
    process, base = start(machine_env(url, data_dir), tmp_path / "old.log")
    try:
        wait_ready(process, base, tmp_path / "old.log")
        published = requests.get(base + "/.well-known/jwks.json", timeout=10).json()["keys"]
        assert [k["kid"].rsplit("/", 1)[-1] for k in published] == [legacy.thumbprint()] + [
            k.thumbprint() for k in earlier]
        signed_before = [
            jws.serialize_compact({"alg": "EdDSA", "kid": legacy.thumbprint()}, b"{}", legacy, algorithms=["EdDSA"]),
            jws.serialize_compact({"alg": "ES256", "kid": f"http://localhost:5000/.well-known/jwks/"
                                                          f"{earlier[0].thumbprint()}"}, b"{}", earlier[0],
                                  algorithms=["ES256"])]
        for token in signed_before:  # the signature checks with the imported key (then the content is judged)
            reason = requests.post(base + "/api/v1/credentials/verify", json={"jwt": token}, timeout=10).json()
            assert not reason["reason"].startswith(("unknown key", "bad signature")), reason
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert (data_dir / signing_keys.KEY_SET_FILE).exists()  # left in place, no longer read
    assert [row.serial for row in keys_of(engine)] == [0, 1, 2]
