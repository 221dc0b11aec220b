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


def test_the_models_match_the_migrated_database(empty_database_url, tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    app = make_app(empty_database_url, tmp_path)
    engine = app.extensions["tracker.engine"]
    db.upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    assert differences == []


def _row_counts(engine) -> dict[str, int]:
    from sqlalchemy import text

    with engine.connect() as connection:
        return {table: connection.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one()
                for table in sorted(tables(engine))}


def test_downgrade_and_upgrade_keep_every_row_of_a_populated_database(app, session, make_client):
    """Down to 0003 and back up: every table that exists at 0003 keeps all its rows (tables made later go)."""
    from tests import factories

    factories.mentor_of(session, "mona", "lena")
    mona, lena = make_client("mona"), make_client("lena")
    lena.post("/paths/api-designer/follow")
    for slug in ("http-protocol", "restful-api-design"):
        lena.post(f"/articles/{slug}/progress", data={"state": "done"})
    lena.post("/articles/http-protocol/note", data={"body": "Kept", "shared": "on"})
    mona.post("/mentor/assignments", data={"learners": "lena", "path": "api-designer"})
    engine = app.extensions["tracker.engine"]
    before = _row_counts(engine)
    assert before["path_item"] > 100 and before["progress"] == 2 and before["assignment"] == 1

    db.downgrade(engine, "0003")
    db.upgrade(engine)
    after = _row_counts(engine)
    later = {"path_version", "user_session", "security_event", "installation"}
    assert {t: n for t, n in after.items() if t not in later} == {t: n for t, n in before.items() if t not in later}


def test_a_value_outside_its_enum_is_refused_by_the_database(app):
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    engine = app.extensions["tracker.engine"]
    with engine.connect() as connection, pytest.raises(IntegrityError):
        connection.execute(text("UPDATE learning_path SET status = 'deleted'"))
    with engine.connect() as connection, pytest.raises(IntegrityError):
        connection.execute(text("UPDATE \"user\" SET role = 'root'"))


def test_deleting_a_mentor_keeps_their_mentees_assignments(app, session, make_client):
    from sqlmodel import select

    from tests import factories
    from tracker.models import Assignment, User

    factories.mentor_of(session, "mona", "lena")
    make_client("mona").post("/mentor/assignments", data={"learners": "lena", "path": "api-designer"})
    session.delete(session.exec(select(User).where(User.username == "mona")).one())
    session.commit()
    assignment = session.exec(select(Assignment)).one()
    assert assignment.mentor_id is None
    assert "API Designer" in make_client("lena").get("/").get_data(as_text=True)
