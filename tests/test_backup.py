"""Backups: a consistent snapshot while writes go on, restored row for row on either database."""

from __future__ import annotations

import threading

import pytest
from sqlmodel import Session, SQLModel, select

from tests import factories
from tests.conftest import CSRFClient, make_app
from tracker import db
from tracker.cli import cli
from tracker.models import Article, ProgressEvent, ProgressState, User
from tracker.services.operations import backup
from tracker.services.progress import marks as progress


def every_row(engine) -> dict[str, list[tuple]]:
    with engine.connect() as connection:
        return {table.name: sorted(tuple(str(v) for v in row) for row in connection.execute(table.select()))
                for table in SQLModel.metadata.sorted_tables}


def test_a_restore_gives_back_every_row_of_every_table(app, make_client, session, runner, empty_database_url,
                                                       tmp_path):
    factories.lived_in(session, make_client)
    file = tmp_path / "tracker.backup.json.gz"
    result = runner.invoke(args=["backup", str(file)])
    assert result.exit_code == 0, result.output
    assert file.stat().st_mode & 0o777 == 0o600  # password hashes and notes: the owner only
    target = make_app(empty_database_url, tmp_path / "restored")
    restored = target.test_cli_runner().invoke(cli, ["restore", str(file)])
    assert restored.exit_code == 0, restored.output
    assert every_row(target.extensions["tracker.engine"]) == every_row(app.extensions["tracker.engine"])
    # the restored installation works: the same sign-in, and new rows get fresh ids
    target.test_client_class = CSRFClient
    lena = target.test_client().sign_in("lena")
    assert lena.post("/articles/restful-api-design/progress", data={"state": "done"}).status_code == 303
    target.extensions["tracker.engine"].dispose()


def test_restore_refuses_a_database_that_has_rows(runner, tmp_path):
    file = tmp_path / "b.json.gz"
    assert runner.invoke(args=["backup", str(file)]).exit_code == 0
    refused = runner.invoke(args=["restore", str(file)])
    assert refused.exit_code == 1 and "not empty" in refused.output
    assert runner.invoke(args=["restore", str(tmp_path / "missing.gz")]).output.strip().endswith("no such file")


def test_restore_refuses_a_backup_from_another_migration_and_writes_nothing(runner, tmp_path, empty_database_url):
    import gzip
    import json

    file = tmp_path / "b.json.gz"
    assert runner.invoke(args=["backup", str(file)]).exit_code == 0
    lines = gzip.decompress(file.read_bytes()).decode("utf-8").splitlines()
    header = json.loads(lines[0])
    assert header["revision"] == db.head_revision()
    # a database at an older migration: told which command brings the two together
    older_db = make_app(empty_database_url, tmp_path / "older")
    with older_db.app_context():
        db.upgrade(db.get_engine(), "0011")
    refused = older_db.test_cli_runner().invoke(cli, ["restore", str(file)])
    assert refused.exit_code == 1
    assert f"the backup is at migration {db.head_revision()} and this database at 0011" in refused.output
    with older_db.app_context():
        assert db.get_session().exec(select(Article)).all() == []
    older_db.extensions["tracker.engine"].dispose()
    # a backup from a version this one does not know, into a fresh database: one line, nothing made
    newer = tmp_path / "newer.json.gz"
    newer.write_bytes(gzip.compress("\n".join([json.dumps(header | {"revision": "0099"}), *lines[1:]]).encode()))
    fresh_url = empty_database_url.replace("empty", "fresh") if "sqlite" in empty_database_url else None
    if fresh_url:
        fresh = make_app(fresh_url, tmp_path / "fresh")
        refused = fresh.test_cli_runner().invoke(cli, ["restore", str(newer)])
        assert refused.exit_code == 1 and "migration 0099, which this version of the tracker does not know" in \
            refused.output and "Traceback" not in refused.output
        assert db.current_revision(fresh.extensions["tracker.engine"]) is None
        fresh.extensions["tracker.engine"].dispose()


def test_a_backup_taken_during_writes_holds_every_write_acknowledged_before_it(app, session):
    engine = app.extensions["tracker.engine"]
    lena_id = factories.user(session, "lena").id
    article_ids = list(session.exec(select(Article.id).order_by(Article.id)).all())
    acknowledged = []  # the writer's marks that write_mark has committed, by their index
    twenty = threading.Event()  # waited on, not polled: a busy loop would take the interpreter from the writer
    stop = threading.Event()

    def writer():
        with Session(engine) as own:
            user = own.get(User, lena_id)
            for i, article_id in enumerate(article_ids * 3):
                if stop.is_set():
                    return
                state = [ProgressState.done, ProgressState.skipped][i % 2]
                progress.write_mark(session=own, user=user, article=own.get(Article, article_id), state=state)
                acknowledged.append(i)
                if len(acknowledged) >= 20:
                    twenty.set()

    thread = threading.Thread(target=writer)
    thread.start()
    assert twenty.wait(timeout=60), "the writer did not get 20 marks in"
    before = len(acknowledged)
    with Session(engine) as own:
        events_before = own.exec(select(ProgressEvent.id).order_by(ProgressEvent.id.desc())).first()
    with backup.Snapshot(engine=engine, revision=db.current_revision(engine)) as snapshot:
        ids = {row[0] for name, _columns, rows in snapshot.batches() if name == "progress_event" for row in rows}
    stop.set()
    thread.join()
    assert before >= 20 and events_before in ids
    assert set(range(1, events_before + 1)) - ids == set()


def test_a_damaged_or_cut_short_backup_restores_nothing(app, make_client, session, runner, empty_database_url,
                                                        tmp_path):
    import gzip

    factories.lived_in(session, make_client)
    file = tmp_path / "whole.json.gz"
    assert runner.invoke(args=["backup", str(file)]).exit_code == 0
    lines = gzip.decompress(file.read_bytes()).decode().splitlines()
    cut = tmp_path / "cut.json.gz"
    cut.write_bytes(gzip.compress("\n".join(lines[:-1]).encode()))  # every row, but no closing line
    torn = tmp_path / "torn.json.gz"
    torn.write_bytes(file.read_bytes()[: file.stat().st_size // 2])  # the gzip stream itself ends early
    target = make_app(empty_database_url, tmp_path / "restored")
    for broken, message in ((cut, "cut short"), (torn, "damaged or cut short")):
        result = target.test_cli_runner().invoke(cli, ["restore", str(broken)])
        assert result.exit_code == 1 and message in result.output and "nothing was restored" in result.output
        assert all(not rows for name, rows in every_row(target.extensions["tracker.engine"]).items()
                   if name not in backup.MIGRATION_ROWS)  # as the migrations left it
    assert target.test_cli_runner().invoke(cli, ["restore", str(file)]).exit_code == 0
    target.extensions["tracker.engine"].dispose()


def test_copy_moves_an_installation_from_sqlite_to_postgresql(app, make_client, session, runner, backend, request,
                                                             tmp_path):
    if backend != "sqlite":
        pytest.skip("copies from SQLite")
    postgres = request.getfixturevalue("postgres")
    target_url = postgres.url(postgres.create("copy_target"))
    factories.lived_in(session, make_client)
    result = runner.invoke(args=["db", "copy", "--to", target_url])
    assert result.exit_code == 0, result.output
    moved = make_app(target_url, tmp_path / "pg")
    assert every_row(moved.extensions["tracker.engine"]) == every_row(app.extensions["tracker.engine"])
    moved.test_client_class = CSRFClient
    lena = moved.test_client().sign_in("lena")
    page = lena.get("/paths/api-designer").get_data(as_text=True)
    assert "Done: “HTTP Protocol” (press to mark as not done)" in page
    moved.extensions["tracker.engine"].dispose()
