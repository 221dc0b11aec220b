"""When the database is locked, too slow or gone, the app answers 503 with Retry-After (page, fragment and
JSON), logs the outage once, and recovers by itself; one stuck lock does not stall unrelated requests."""

from __future__ import annotations

import logging
import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from flask import got_request_exception
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, event, text
from sqlmodel import Session

from tests import factories
from tests.conftest import PASSWORD, CSRFClient, _build_template, make_app
from tracker.models import ProgressState
from tracker.services.progress import marks as progress

HX = {"HX-Request": "true"}


@pytest.fixture
def backend() -> str:
    return "sqlite"


def signed_in(app, username: str) -> CSRFClient:
    app.test_client_class = CSRFClient
    return app.test_client().sign_in(username)


def database_errors(client) -> float:
    text_format = client.get("/metrics").get_data(as_text=True)
    return sum(sample.value for family in text_string_to_metric_families(text_format) for sample in family.samples
               if sample.name == "tracker_database_errors_total")


def test_a_write_blocked_by_a_sqlite_lock_answers_503_and_recovers(database_url, tmp_path, caplog):
    app = make_app(database_url, tmp_path, DB_BUSY_TIMEOUT_MS=200, METRICS=True)
    lena = signed_in(app, "lena")
    errors_before = database_errors(lena)
    blocker = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the write lock
    with caplog.at_level(logging.WARNING):
        page = lena.post("/articles/http-protocol/progress", data={"state": "done"})
        fragment = lena.post("/articles/http-protocol/progress", data={"state": "done"}, headers=HX)
        api = lena.put("/api/v1/me/progress/http-protocol", json={"state": "done"})
        blocker.execute("ROLLBACK")
        recovered = lena.post("/articles/http-protocol/progress", data={"state": "done"})
    blocker.close()
    assert page.status_code == 503 and page.headers["Retry-After"] == "5"
    assert "busy or unavailable" in page.get_data(as_text=True) and "<html" in page.get_data(as_text=True)
    assert fragment.status_code == 503 and fragment.headers["HX-Retarget"] == "#alerts"
    assert api.status_code == 503 and api.get_json()["error"]["status"] == 503
    assert recovered.status_code == 303
    outage = [r for r in caplog.records if "not answering" in r.getMessage()]
    assert len(outage) == 1 and outage[0].exc_info is None  # once per outage, no traceback
    assert any("answers again" in r.getMessage() for r in caplog.records)
    assert database_errors(lena) - errors_before == 3  # the operator's dashboard sees the outage too
    app.extensions["tracker.engine"].dispose()


@pytest.mark.postgresql
def test_a_held_row_lock_times_out_the_write_but_not_unrelated_reads(postgres, template_databases, tmp_path):
    name = postgres.create("locks", template=template_databases("postgresql"))
    url = postgres.url(name)
    app = make_app(url, tmp_path, DB_LOCK_TIMEOUT_MS=300)
    lena = signed_in(app, "lena")
    with Session(app.extensions["tracker.engine"]) as session:
        progress.write_mark(session=session, user=factories.user(session, "lena"),
                              article=factories.article(session, "http-protocol"), state=ProgressState.in_progress)
    holder = create_engine(url).connect()
    holder.execute(text("SELECT * FROM progress FOR UPDATE"))  # a stuck transaction holds every progress row
    try:
        blocked = lena.post("/articles/http-protocol/progress", data={"state": "done"})
        unrelated = lena.get("/catalog?q=http")
    finally:
        holder.rollback()
        holder.close()
    assert blocked.status_code == 503
    assert unrelated.status_code == 200
    assert lena.post("/articles/http-protocol/progress", data={"state": "done"}).status_code == 303
    app.extensions["tracker.engine"].dispose()


# ---------------------------------------------------------------- a PostgreSQL that goes away and comes back

class OwnPostgres:
    """A PostgreSQL cluster of this test's own (initdb into a temporary folder, its own port, run as the
    postgres user), so it can be stopped and started without touching the machine's server."""

    def __init__(self, bindir: Path, folder: Path, port: int):
        self.bindir, self.data, self.port = bindir, folder / "data", port
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"

    def _run(self, *args: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", str(self.bindir / args[0]), *args[1:]],
                       check=True, capture_output=True, timeout=60)

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data.parent} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-w", "-l", str(self.data.parent / "log"), "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def own_postgres():
    bindirs = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not bindirs or shutil.which("runuser") is None or os.geteuid() != 0:
        pytest.skip("needs PostgreSQL's server programs and root, to run a cluster as the postgres user")
    folder = Path(tempfile.mkdtemp(prefix="tracker-pg-"))
    shutil.chown(folder, "postgres")
    cluster = OwnPostgres(bindirs[-1].parent, folder, _free_port())
    cluster.init()
    cluster.start()
    try:
        yield cluster
    finally:
        try:
            cluster.stop()
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow
@pytest.mark.postgresql
def test_postgresql_going_away_answers_503_and_the_app_recovers_when_it_is_back(own_postgres, tmp_path, caplog):
    _build_template(own_postgres.url, tmp_path / "build")
    app = make_app(own_postgres.url, tmp_path)
    lena = signed_in(app, "lena")
    assert lena.post("/articles/http-protocol/progress", data={"state": "done"}).status_code == 303

    own_postgres.stop()
    with caplog.at_level(logging.WARNING):
        page = lena.get("/")
        fragment = lena.post("/articles/rest-api-design/progress", data={"state": "done"}, headers=HX)
        api = lena.get("/api/v1/me/paths")
        more = [lena.get("/catalog").status_code for _ in range(5)]
    assert page.status_code == 503 and "busy or unavailable" in page.get_data(as_text=True)
    assert page.headers["Retry-After"] == "5"
    assert fragment.status_code == 503 and fragment.headers["HX-Retarget"] == "#alerts"
    assert api.status_code == 503 and api.get_json()["error"]["status"] == 503
    assert more == [503] * 5
    outage = [r for r in caplog.records if "not answering" in r.getMessage()]
    assert len(outage) == 1 and outage[0].exc_info is None  # eight failed requests, one log line

    own_postgres.start()
    back = time.monotonic()
    while (answer := lena.get("/")).status_code != 200 and time.monotonic() - back < 30:
        time.sleep(0.05)
    recovery = time.monotonic() - back
    print(f"recovered {recovery * 1000:.0f} ms after PostgreSQL accepted connections again")
    assert answer.status_code == 200 and recovery < 30
    # the same session goes on, and the write made before the outage is there
    assert "HTTP" in answer.get_data(as_text=True)
    with Session(app.extensions["tracker.engine"]) as session:
        lena_row = factories.user(session, "lena")
        article = factories.article(session, "http-protocol")
        assert progress.states_for(session=session, user=lena_row, article_ids=[article.id]) == {
            article.id: ProgressState.done}
    app.extensions["tracker.engine"].dispose()


def stop_when(engine, own_postgres, event_name: str, matches=lambda statement: True) -> list[str]:
    """Stop the cluster at the first `event_name` on the app's engine that `matches`: the database goes away in
    the middle of a request, after the person was loaded."""
    stopped: list[str] = []

    def stop(*args) -> None:
        statement = args[2] if event_name == "before_cursor_execute" else "COMMIT"
        if not stopped and matches(statement):
            stopped.append(statement)
            own_postgres.stop()

    event.listen(engine, event_name, stop)
    return stopped


@pytest.mark.slow
@pytest.mark.postgresql
def test_postgresql_stopping_mid_request_never_answers_500_and_logs_the_outage_once(own_postgres, tmp_path, caplog):
    _build_template(own_postgres.url, tmp_path / "build")
    app = make_app(own_postgres.url, tmp_path)
    crashes: list[BaseException] = []
    got_request_exception.connect(lambda sender, exception, **extra: crashes.append(exception), app)
    lena = signed_in(app, "lena")
    engine = app.extensions["tracker.engine"]
    stopped = stop_when(engine, own_postgres, "before_cursor_execute", lambda s: "progress" in s.lower())
    with caplog.at_level(logging.INFO):
        during = lena.post("/articles/http-protocol/progress", data={"state": "done"})
        assert stopped, "the write reached the database"
        answers = [during.status_code]
        for _ in range(6):  # between requests: pages, fragments, the API, and answers that need no database
            answers += [lena.get("/").status_code, lena.get("/healthz").status_code,
                        lena.post("/articles/rest-api-design/progress", data={"state": "done"},
                                  headers=HX).status_code,
                        lena.get("/api/v1/me/paths").status_code]
        own_postgres.start()
        back = time.monotonic()
        while lena.get("/").status_code != 200 and time.monotonic() - back < 30:
            time.sleep(0.05)
    page = during.get_data(as_text=True)
    assert answers == [503] + [503, 200, 503, 503] * 6 and not crashes
    # the 503 page keeps its header, with the person's name, read without asking the database again
    assert "Nothing was changed" in page and "Sign out" in page and "<nav" in page
    outage = [r.getMessage() for r in caplog.records if "not answering" in r.getMessage()]
    recovery = [r.getMessage() for r in caplog.records if "answers again" in r.getMessage()]
    assert len(outage) == 1 and "database refuses connections" in outage[0]
    assert len(recovery) == 1  # /healthz answering 200 meanwhile was not a recovery
    assert not [r for r in caplog.records if "could not be rendered" in r.getMessage()]
    engine.dispose()


@pytest.mark.slow
@pytest.mark.postgresql
def test_a_commit_cut_off_by_the_database_going_away_says_the_change_may_be_saved(own_postgres, tmp_path):
    _build_template(own_postgres.url, tmp_path / "build")
    app = make_app(own_postgres.url, tmp_path)
    lena = signed_in(app, "lena")
    engine = app.extensions["tracker.engine"]
    stopped = stop_when(engine, own_postgres, "commit")
    page = lena.post("/articles/http-protocol/progress", data={"state": "done"})
    api = lena.put("/api/v1/me/progress/http-protocol", json={"state": "done"})
    assert stopped and page.status_code == 503 and api.status_code == 503
    assert "Your change may have been saved; reload to check" in page.get_data(as_text=True)
    assert "Nothing was changed" not in page.get_data(as_text=True)
    # the next request, which sent no COMMIT, says plainly that nothing changed
    assert "Nothing was changed" in api.get_json()["error"]["message"]
    engine.dispose()


def test_probes_write_no_log_lines(app, caplog):
    client = app.test_client()
    with caplog.at_level(logging.DEBUG):
        answers = [client.get("/readyz").status_code for _ in range(10)] + [client.get("/healthz").status_code]
    assert answers == [200] * 11
    assert [r.getMessage() for r in caplog.records] == []


@pytest.mark.slow
@pytest.mark.postgresql
def test_healthz_answers_within_a_second_while_every_server_thread_waits_on_a_lock(own_postgres, tmp_path):
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import requests

    from tests.test_serving import csrf_token
    from tracker import serving

    _build_template(own_postgres.url, tmp_path / "build")
    app = make_app(own_postgres.url, tmp_path, DB_LOCK_TIMEOUT_MS=5000)
    server = serving.embedded_server(app, host="127.0.0.1", port=_free_port(), threads=2)
    base = f"http://127.0.0.1:{server.effective_port}"
    threading.Thread(target=server.run, daemon=True).start()
    lena = requests.Session()
    token = csrf_token(lena.get(base + "/signin", timeout=10).text)
    signed = lena.post(base + "/signin", data={"username": "lena", "password": PASSWORD},
                       headers={"X-CSRFToken": token}, timeout=10)
    assert signed.status_code == 200 and "Sign out" in signed.text
    holder = create_engine(own_postgres.url).connect()
    holder.execute(text("LOCK TABLE progress IN ACCESS EXCLUSIVE MODE"))
    pool = ThreadPoolExecutor(6)
    try:
        stuck = [pool.submit(lena.get, base + "/", timeout=30) for _ in range(6)]  # 3 x the server's threads
        time.sleep(0.5)  # both threads are now waiting on the lock, four requests queued behind them
        started = time.perf_counter()
        probe = requests.get(base + "/healthz", timeout=30)
        latency = time.perf_counter() - started
    finally:
        holder.rollback()
        holder.close()
        statuses = [future.result().status_code for future in stuck]
        pool.shutdown()
        server.close()
        app.extensions["tracker.engine"].dispose()
    print(f"/healthz answered in {latency * 1000:.0f} ms while 6 requests waited on a table lock (2 threads)")
    assert probe.status_code == 200 and probe.json() == {"status": "ok"}
    assert latency < 1.0
    assert set(statuses) <= {200, 503}
