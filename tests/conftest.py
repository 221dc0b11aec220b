"""Fixtures: an app per test on SQLite and (when TRACKER_TEST_DATABASE_URL is set) on PostgreSQL.

Each backend gets a migrated database with the bundled catalog and paths built once per run;
every test then starts from a fresh copy of it (a file copy for SQLite, CREATE DATABASE ...
TEMPLATE for PostgreSQL), so tests never see each other's writes.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from email.message import EmailMessage
from pathlib import Path
from typing import IO, Any, ClassVar, Protocol, Self

import pytest
from click import Command
from click.testing import Result
from flask import Flask, got_request_exception
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session
from werkzeug.test import TestResponse

from tracker import create_app, db
from tracker.cli import cli as tracker_cli
from tracker.http.issuer import key_store
from tracker.models import Role
from tracker.resources import resource_dir
from tracker.services.curriculum.loading import load_curriculum
from tracker.services.people import accounts
from tracker.services.people.passwords import PasswordPolicy
from tracker.services.records import signing_keys

SEEDS = Path(__file__).parent / "seeds"
PATHS_DIR = resource_dir("paths")
PG_URL = os.environ.get("TRACKER_TEST_DATABASE_URL")
PG_SKIP_REASON = ("PostgreSQL runs need TRACKER_TEST_DATABASE_URL, "
                  "e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test")
SECRET = "test-secret-key-" + "x" * 32
# Tests sign in hundreds of times: the cheapest Argon2id parameters keep that fast (production uses the defaults).
CHEAP_HASHING = {"PASSWORD_HASH_TIME_COST": 1, "PASSWORD_HASH_MEMORY_KIB": 8, "PASSWORD_HASH_PARALLELISM": 1}

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgresql: runs against the PostgreSQL in TRACKER_TEST_DATABASE_URL")


@pytest.hookimpl(trylast=True)  # after tests/browser/conftest.py has marked its tests
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests first, then the browser's, then the rest: the run's last tests are short ones, so
    neither worker is left waiting for the other's long test at the end."""
    def rank(item: pytest.Item) -> int:
        return 0 if item.get_closest_marker("slow") else 1 if item.get_closest_marker("browser") else 2

    items.sort(key=rank)


def seed_file(prefix: str) -> Path:
    """The copy of a seed listing kept under tests/seeds, by its number ('000'...'004')."""
    return next(SEEDS.glob(f"{prefix}_*.txt"))


def seed_text(prefix: str) -> str:
    return seed_file(prefix).read_text(encoding="utf-8")


# ---------------------------------------------------------------- PostgreSQL databases

# Databases dropped side by side (each holds a connection; the server's limit is shared with everyone else).
DROPS_AT_ONCE = 8


class PostgresDatabases:
    """Creates and drops scratch databases beside the one TRACKER_TEST_DATABASE_URL names.

    Each DROP DATABASE waits for a checkpoint, which flushes every database on the server: one after
    another at the end of a run, a few hundred drops kept a worker waiting for half a minute or more.
    So a test's database is dropped in the background once it is done with, several at a time: drops
    waiting side by side share a checkpoint, and the waiting overlaps the tests that follow. The copy of
    the template the next test will start from is likewise made while the test before it runs.
    """

    def __init__(self, url: str) -> None:
        self.base = make_url(url)
        # a connection for each drop, one for the copy made ahead and one for the test's own
        self.admin = create_engine(self.base, isolation_level="AUTOCOMMIT", pool_size=DROPS_AT_ONCE + 2)
        self.prefix = f"tracker_test_{os.getpid()}"
        self.created: list[str] = []
        self.spent: list[str] = []
        self.dropping: list[Future[None]] = []
        self.droppers = ThreadPoolExecutor(max_workers=DROPS_AT_ONCE, thread_name_prefix="drop-database")
        self.next_copy: dict[str, Future[str]] = {}
        self.copier = ThreadPoolExecutor(max_workers=1, thread_name_prefix="copy-database")

    def url(self, name: str) -> str:
        return self.base.set(database=name).render_as_string(hide_password=False)

    def create(self, suffix: str, template: str | None = None) -> str:
        name = f"{self.prefix}_{suffix}"
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
            # A scratch database need not outlive a crash of the server: its commits wait for no disk that
            # other work on the machine keeps busy. What a commit makes visible, and when, is unchanged.
            conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
        self.created.append(name)
        return name

    def copy(self, template: str) -> str:
        """A fresh copy of `template`. The next one is made in the background while this one is in use."""
        ahead = self.next_copy.pop(template, None)
        name = ahead.result() if ahead else self.create(f"case_{uuid.uuid4().hex[:8]}", template=template)
        self.next_copy[template] = self.copier.submit(self.create, f"case_{uuid.uuid4().hex[:8]}", template)
        return name

    def drop(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def release(self, name: str) -> None:
        """Done with `name`: it is dropped in the background with the next few released."""
        self.created.remove(name)
        self.spent.append(name)
        if len(self.spent) >= DROPS_AT_ONCE:
            self.dropping += [self.droppers.submit(self.drop, spent) for spent in self.spent]
            self.spent = []

    def drop_all(self) -> None:
        """Drops every database still there, several at once, and waits for all of them."""
        self.copier.shutdown(wait=True)  # a copy made ahead and never used is dropped too
        left = self.spent + self.created[::-1]
        self.dropping += [self.droppers.submit(self.drop, name) for name in left]
        self.droppers.shutdown(wait=True)
        failed = [error for error in (future.exception() for future in self.dropping) if error is not None]
        self.admin.dispose()
        if failed:
            raise RuntimeError(f"{len(failed)} scratch databases were not dropped: {failed[0]!r}")


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresDatabases]:
    if not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    databases = PostgresDatabases(PG_URL)
    yield databases
    databases.drop_all()


# Accounts present in every test database: username -> role. All share PASSWORD.
PASSWORD = "correct horse battery staple"
USERS = {"lena": Role.learner, "leo": Role.learner, "mona": Role.mentor, "ada": Role.admin}


def _build_template(url: str, data_dir: Path) -> None:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET, "DATA_DIR": data_dir, "TESTING": True}
                     | CHEAP_HASHING)
    with app.app_context():
        db.upgrade(db.get_engine())
        session = db.get_session()
        load_curriculum(session=session, paths_dir=PATHS_DIR)
        for username, role in USERS.items():
            accounts.create_user(session=session, username=username, password=PASSWORD, role=role,
                                 policy=PasswordPolicy())
        signing_keys.key_ring(store=key_store())  # as `tracker run` makes them before serving
    app.extensions["tracker.engine"].dispose()


@pytest.fixture(scope="session")
def template_databases(tmp_path_factory: pytest.TempPathFactory,
                       request: pytest.FixtureRequest) -> Callable[[str], str]:
    """Per backend, a migrated and loaded database built once."""
    built: dict[str, str] = {}

    def get(backend: str) -> str:
        if backend not in built:
            if backend == "sqlite":
                folder = tmp_path_factory.mktemp("template")
                path = folder / "template.db"
                _build_template(f"sqlite:///{path}", folder)
                built[backend] = str(path)
            else:
                postgres: PostgresDatabases = request.getfixturevalue("postgres")
                name = postgres.create("template")
                _build_template(postgres.url(name), tmp_path_factory.mktemp("pg-template"))
                built[backend] = name
        return built[backend]

    return get


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def database_url(backend: str, template_databases: Callable[[str], str], tmp_path: Path,
                 request: pytest.FixtureRequest) -> str:
    """A fresh copy of the loaded database."""
    template = template_databases(backend)
    if backend == "sqlite":
        target = tmp_path / "tracker.db"
        shutil.copy(template, target)
        return f"sqlite:///{target}"
    postgres: PostgresDatabases = request.getfixturevalue("postgres")
    name = postgres.copy(template)
    request.addfinalizer(lambda: postgres.release(name))  # after the app's teardown, which needs it
    return postgres.url(name)


@pytest.fixture
def empty_database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A database with no tables at all."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    postgres: PostgresDatabases = request.getfixturevalue("postgres")
    name = postgres.create(f"empty_{uuid.uuid4().hex[:8]}")
    request.addfinalizer(lambda: postgres.release(name))
    return postgres.url(name)


# ---------------------------------------------------------------- app and clients

def make_app(database_url: str, tmp_path: Path, **overrides: Any) -> Flask:
    config = {"DATABASE_URL": database_url, "SECRET_KEY": SECRET, "DATA_DIR": tmp_path / "data",
              "TESTING": True} | CHEAP_HASHING | overrides
    return create_app(config)


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = make_app(database_url, tmp_path)
    crashes: list[BaseException] = []

    def record(sender: Flask, exception: BaseException, **extra: Any) -> None:
        crashes.append(exception)

    got_request_exception.connect(record, app)
    yield app
    got_request_exception.disconnect(record, app)
    app.extensions["tracker.engine"].dispose()
    assert not crashes, f"a request answered 500: {crashes[0]!r}"


CSRF_RE = re.compile(r'"X-CSRFToken": "([^"]+)"')


class CSRFClient(FlaskClient):
    """A test client that sends the CSRF header a page would, unless told `csrf=False`."""

    # Signing in (or out) starts a new session, and with it a new CSRF secret.
    SESSION_CHANGES: ClassVar[frozenset[str]] = frozenset(
        {"/signin", "/signout", "/signup", "/setup", "/account/password", "/account/sessions/end-all",
         "/signin/second-step", "/signin/passkey"})
    _csrf_token: str | None = None

    def open(self, *args: Any, csrf: bool = True, **kwargs: Any) -> TestResponse:
        method = kwargs.get("method", "GET").upper()
        if csrf and method in {"POST", "PUT", "PATCH", "DELETE"}:
            headers = dict(kwargs.pop("headers", None) or {})
            if "X-CSRFToken" not in headers and "Authorization" not in headers:
                headers["X-CSRFToken"] = self.csrf_token()
            kwargs["headers"] = headers
        response = super().open(*args, **kwargs)
        if method != "GET" and args and isinstance(args[0], str) and args[0].split("?")[0] in self.SESSION_CHANGES:
            self._csrf_token = None
        return response

    def csrf_token(self) -> str:
        """The token a page of this browser carries (it lives in the session, so one page load is enough)."""
        if self._csrf_token is None:
            page = super().open("/signin", method="GET", follow_redirects=True).get_data(as_text=True)
            found = CSRF_RE.search(page)
            assert found, f"no CSRF token on the sign-in page: {page[:300]}"
            self._csrf_token = found.group(1)
        return self._csrf_token

    def sign_in(self, username: str, password: str = PASSWORD, remember: bool = False) -> Self:
        data = {"username": username, "password": password}
        if remember:
            data["remember"] = "y"
        response = self.post("/signin", data=data)
        assert response.status_code == 302, f"sign-in as {username} failed"
        return self

    def sign_out(self) -> TestResponse:
        return self.post("/signout")


def csrf_client(app: Flask) -> CSRFClient:
    """A new browser on `app` that sends the CSRF header by itself."""
    app.test_client_class = CSRFClient
    client = app.test_client()
    assert isinstance(client, CSRFClient)
    return client


class MakeClient(Protocol):
    def __call__(self, username: str | None = None) -> CSRFClient: ...


@pytest.fixture
def client(app: Flask) -> CSRFClient:
    return csrf_client(app)


@pytest.fixture
def make_client(app: Flask) -> MakeClient:
    """Another browser: `make_client('lena')` is a client signed in as lena."""
    def make(username: str | None = None) -> CSRFClient:
        fresh = csrf_client(app)
        return fresh.sign_in(username) if username else fresh
    return make


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """A database session of the test's own, for arranging and checking data.

    It is not the app's request session: requests made during the test get their own, as in production.
    """
    with Session(app.extensions["tracker.engine"]) as own:
        yield own


class TrackerRunner(FlaskCliRunner):
    """Invokes the `tracker` command group against the test app."""

    def invoke(self, cli: Command | None = None, args: str | Sequence[str] | None = None,
               input: str | bytes | IO[Any] | None = None, env: Mapping[str, str | None] | None = None,
               catch_exceptions: bool | None = None, color: bool = False, **extra: Any) -> Result:
        return super().invoke(cli or tracker_cli, args, input=input, env=env, catch_exceptions=catch_exceptions,
                              color=color, **extra)


@pytest.fixture
def runner(app: Flask) -> TrackerRunner:
    return TrackerRunner(app)


def pytest_report_header(config: pytest.Config) -> str:
    if PG_URL:
        return f"PostgreSQL runs: on ({make_url(PG_URL).render_as_string(hide_password=True)})"
    return f"PostgreSQL runs: skipped ({PG_SKIP_REASON})"


class RecordingSMTP:
    """A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps every message it accepts."""

    def __init__(self) -> None:
        import socket

        from aiosmtpd.controller import Controller

        self.messages: list[EmailMessage] = []
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        from email import message_from_bytes
        from email.policy import default

        message = message_from_bytes(envelope.content, policy=default)
        assert isinstance(message, EmailMessage)  # what the default policy makes
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        import time

        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages


@pytest.fixture
def smtp_server() -> Iterator[RecordingSMTP]:
    server = RecordingSMTP()
    server.controller.start()
    yield server
    server.controller.stop()


@pytest.fixture(scope="session")
def ralph_lrs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A real Learning Record Store: Ralph's LRS server with its file backend, on a free port."""
    import json
    import socket
    import subprocess
    import sys
    import time

    import bcrypt
    import requests

    folder = tmp_path_factory.mktemp("lrs")
    auth = folder / "auth.json"
    password_hash = bcrypt.hashpw(b"lrs-secret", bcrypt.gensalt()).decode()
    auth.write_text(json.dumps([{"agent": {"mbox": "mailto:tracker@example.com"}, "scopes": ["all"],
                                 "username": "tracker", "hash": password_hash}]))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = os.environ | {"RALPH_RUNSERVER_BACKEND": "fs", "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(folder),
                        "RALPH_AUTH_FILE": str(auth), "RALPH_APP_DIR": str(folder)}
    process = subprocess.Popen([sys.executable, "-m", "tests.lrs_server", str(port)], env=env,
                               cwd=Path(__file__).parent.parent, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}/xAPI"
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(base + "/statements", timeout=1)  # any answer (401 without credentials): it is up
            break
        except (requests.ConnectionError, requests.Timeout):
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            assert process.stderr is not None  # stderr=PIPE
            pytest.fail(f"Ralph LRS did not start: {process.stderr.read().decode()[-500:]}")
        time.sleep(0.2)
    yield {"endpoint": base, "username": "tracker", "password": "lrs-secret"}
    process.terminate()
    process.wait(timeout=10)
