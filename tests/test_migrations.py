"""Migrations are the only way the schema is made, and they run both ways."""

from sqlalchemy import inspect

from tests.conftest import make_app
from tracker import db

EXPECTED_TABLES = {"source", "topic", "article", "article_topic", "learning_path", "path_section",
                   "path_item", "user"}


def tables(engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def test_upgrade_on_an_empty_database_then_downgrade_and_upgrade_again(empty_database_url, tmp_path):
    app = make_app(empty_database_url, tmp_path)
    engine = app.extensions["tracker.engine"]
    assert tables(engine) == set()

    db.upgrade(engine)
    assert EXPECTED_TABLES <= tables(engine)
    head = db.current_revision(engine)
    assert head is not None

    db.downgrade(engine, "base")
    assert tables(engine) == set()
    assert db.current_revision(engine) is None

    db.upgrade(engine)
    assert EXPECTED_TABLES <= tables(engine)
    assert db.current_revision(engine) == head
    engine.dispose()


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'p.db'}", tmp_path)
    with app.extensions["tracker.engine"].connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    app.extensions["tracker.engine"].dispose()
