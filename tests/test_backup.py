"""Backups: a consistent snapshot while writes go on, restored row for row on either database."""

from __future__ import annotations

import gzip
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, SQLModel, select

from tests import factories
from tests.conftest import SECRET, CSRFClient, make_app
from tracker import db
from tracker.cli import cli
from tracker.models import Article, ProgressEvent, ProgressState, User
from tracker.services.operations import backup
from tracker.services.progress import marks as progress


def every_row(engine) -> dict[str, list[tuple]]:
    with engine.connect() as connection:
        return {table.name: sorted(tuple(str(v) for v in row) for row in connection.execute(table.select()))
                for table in SQLModel.metadata.sorted_tables}


def signed(path: Path, lines: list[str], *, secret: str = SECRET) -> None:
    """Write backup lines (a closing line last, no signature) as a file signed the way `tracker backup` signs."""
    import hashlib
    import hmac

    body = "".join(line + "\n" for line in lines if not line.startswith('{"signature"'))
    mac = hmac.new(backup.signing_key(secret), body.encode("utf-8"), hashlib.sha256).hexdigest()
    path.write_bytes(gzip.compress((body + json.dumps({"signature": f"hmac-sha256:{mac}"}) + "\n").encode()))


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
        assert db.get_session().exec(select(Article.id)).all() == []
    older_db.extensions["tracker.engine"].dispose()
    # a backup from a version this one does not know, into a fresh database: one line, nothing made
    newer = tmp_path / "newer.json.gz"
    signed(newer, [json.dumps(header | {"revision": "0099"}), *lines[1:]])  # made here, by a newer version
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
    factories.lived_in(session, make_client)
    file = tmp_path / "whole.json.gz"
    assert runner.invoke(args=["backup", str(file)]).exit_code == 0
    lines = gzip.decompress(file.read_bytes()).decode().splitlines()
    cut = tmp_path / "cut.json.gz"
    cut.write_bytes(gzip.compress("\n".join(lines[:-2]).encode()))  # every row, but no closing line
    torn = tmp_path / "torn.json.gz"
    torn.write_bytes(file.read_bytes()[: file.stat().st_size // 2])  # the gzip stream itself ends early
    target = make_app(empty_database_url, tmp_path / "restored")
    for broken, message in ((cut, "cut short"), (torn, "damaged or cut short")):
        result = target.test_cli_runner().invoke(cli, ["restore", str(broken)])
        assert result.exit_code == 1 and message in result.output and "nothing was restored" in result.output
        assert db.current_revision(target.extensions["tracker.engine"]) is None  # checked before anything is made
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


# ---------------------------------------------------------------- tampered backups

def backup_lines(runner, tmp_path: Path) -> list[str]:
    file = tmp_path / "good.json.gz"
    assert runner.invoke(args=["backup", str(file)]).exit_code == 0
    return gzip.decompress(file.read_bytes()).decode("utf-8").splitlines()


def lena_row(lines: list[str]) -> tuple[int, list[str], list[Any]]:
    """Where lena's account is in a backup: its line index, the user table's columns and the row."""
    table_at = next(i for i, line in enumerate(lines) if line.startswith('{"table":"user"'))
    columns = json.loads(lines[table_at])["columns"]
    for index in range(table_at + 1, len(lines)):
        row = json.loads(lines[index])
        if row[columns.index("username")] == "lena":
            return index, columns, row
    raise AssertionError("lena is not in the backup")


def with_lena(lines: list[str], column: str, value: Any) -> list[str]:
    index, columns, row = lena_row(lines)
    row[columns.index(column)] = value
    return [*lines[:index], json.dumps(row), *lines[index + 1:]]


def with_counts(lines: list[str], change: dict[str, int]) -> list[str]:
    closing = json.loads(lines[-2])
    return [*lines[:-2], json.dumps(closing | {"counts": closing["counts"] | change}), lines[-1]]


TAMPERED = {
    "a number for a time": (lambda lines: with_lena(lines, "created_at", 1_700_000_000),
                            "user.created_at is not a date or time"),
    "text for a whole number": (lambda lines: with_lena(lines, "id", "lena"), "user.id is not a whole number"),
    "NULL where none is allowed": (lambda lines: with_lena(lines, "username", None),
                                   "user.username is empty (NULL), which the column does not allow"),
    "an unknown role": (lambda lines: with_lena(lines, "role", "owner"),
                        "user.role is not one of learner, mentor, admin"),
    "a name too long": (lambda lines: with_lena(lines, "username", "l" * 65), "user.username is longer than 64"),
    "a NUL in text": (lambda lines: with_lena(lines, "display_name", "Le\u0000na"), "NUL"),
    "a list for text": (lambda lines: with_lena(lines, "display_name", json.loads("[" * 40 + "]" * 40)),
                        "user.display_name is not a single value"),
    "50,000 brackets": (lambda lines: [*lines[:5], "[" * 50_000, *lines[6:]], "nested more than 32 levels deep"),
    "a row more than stated": (lambda lines: [*lines[:lena_row(lines)[0] + 1], json.dumps(lena_row(lines)[2]),
                                              *lines[lena_row(lines)[0] + 1:]],
                               "row counts do not match the rows the backup holds (table 'user': 4 stated, 5 held)"),
    "a count changed": (lambda lines: with_counts(lines, {"user": 3}),
                        "row counts do not match the rows the backup holds (table 'user': 3 stated, 4 held)"),
}


@pytest.mark.parametrize("case", list(TAMPERED))
def test_a_tampered_backup_is_refused_in_one_line_before_anything_is_written(runner, tmp_path, empty_database_url,
                                                                             case):
    """Signed again with this installation's key, or restored --unsigned: the rows are checked all the same."""
    tamper, message = TAMPERED[case]
    file = tmp_path / "tampered.json.gz"
    signed(file, tamper(backup_lines(runner, tmp_path)))
    target = make_app(empty_database_url, tmp_path / "target")
    for args in (["restore", str(file)], ["restore", "--unsigned", str(file)]):
        result = target.test_cli_runner().invoke(cli, args)
        assert result.exit_code == 1, result.output
        assert message in result.output and "nothing was restored" in result.output
        assert "Traceback" not in result.output and result.output.strip().count("\n") == 0
        assert db.current_revision(target.extensions["tracker.engine"]) is None  # not even the tables were made
    target.extensions["tracker.engine"].dispose()


def test_a_learner_who_made_themselves_admin_in_a_backup_is_caught_by_its_signature(runner, tmp_path,
                                                                                    empty_database_url):
    lines = backup_lines(runner, tmp_path)
    file = tmp_path / "promoted.json.gz"
    file.write_bytes(gzip.compress("\n".join(with_lena(lines, "role", "admin")).encode()))  # the old signature
    target = make_app(empty_database_url, tmp_path / "target")
    refused = target.test_cli_runner().invoke(cli, ["restore", str(file)])
    assert refused.exit_code == 1 and "the signature does not match this installation's key" in refused.output
    assert "--unsigned" in refused.output and db.current_revision(target.extensions["tracker.engine"]) is None
    unsigned = tmp_path / "unsigned.json.gz"  # the signature line taken away: not signed at all
    unsigned.write_bytes(gzip.compress("\n".join(with_lena(lines, "role", "admin")[:-1]).encode()))
    refused = target.test_cli_runner().invoke(cli, ["restore", str(unsigned)])
    assert refused.exit_code == 1 and "the backup is not signed" in refused.output
    # the operator who trusts the file says so, and is told the signature was not checked
    trusted = target.test_cli_runner().invoke(cli, ["restore", "--unsigned", str(file)])
    assert trusted.exit_code == 0 and "signature was not checked (--unsigned)" in trusted.output
    with Session(target.extensions["tracker.engine"]) as own:
        assert own.exec(select(User).where(User.username == "lena")).one().role == "admin"
    target.extensions["tracker.engine"].dispose()


def test_a_backup_from_another_installation_needs_its_key_or_unsigned(runner, tmp_path, empty_database_url):
    lines = backup_lines(runner, tmp_path)
    file = tmp_path / "theirs.json.gz"
    signed(file, lines, secret="another-installation-" + "y" * 32)
    target = make_app(empty_database_url, tmp_path / "target")
    refused = target.test_cli_runner().invoke(cli, ["restore", str(file)])
    assert refused.exit_code == 1 and "another installation made it" in refused.output
    assert target.test_cli_runner().invoke(cli, ["restore", "--unsigned", str(file)]).exit_code == 0
    target.extensions["tracker.engine"].dispose()
    theirs = make_app(empty_database_url.replace("empty", "theirs") if "sqlite" in empty_database_url
                      else empty_database_url, tmp_path / "theirs", SECRET_KEY="another-installation-" + "y" * 32)
    if "sqlite" in empty_database_url:  # the same key restores it without --unsigned
        assert theirs.test_cli_runner().invoke(cli, ["restore", str(file)]).exit_code == 0
    theirs.extensions["tracker.engine"].dispose()


def test_a_backup_of_a_database_not_yet_upgraded_is_refused_in_one_line_and_leaves_no_partial_file(
        app, runner, tmp_path):
    """An operator backing up before an upgrade, with the new release already installed: told what to run (or how
    to copy the database as it is), with no traceback and no half-written file left behind."""
    engine = app.extensions["tracker.engine"]
    db.downgrade(engine, "0012")  # before the content stamp every backup reads
    file = tmp_path / "before-upgrade.json.gz"
    result = runner.invoke(args=["backup", str(file)])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)  # no traceback
    message = result.output.strip()
    assert len(message.splitlines()) == 1
    assert "migration 0012" in message and "tracker db upgrade" in message
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("before-upgrade")) == []
    db.upgrade(engine)
    assert runner.invoke(args=["backup", str(file)]).exit_code == 0


def test_a_backup_that_fails_while_writing_leaves_no_partial_file(app, tmp_path):
    engine = app.extensions["tracker.engine"]
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE content_stamp")  # a table the models have, gone from the database
    file = tmp_path / "b.json.gz"
    with pytest.raises(Exception):  # noqa: B017  (the driver's own error; only what is left behind matters)
        backup.write_backup(engine=engine, revision=db.head_revision(), path=file, key=b"k")
    assert list(tmp_path.glob("b.json.gz*")) == []
