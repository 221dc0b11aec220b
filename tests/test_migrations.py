"""Migrations are the only way the schema is made, and they run both ways."""

from collections.abc import Set
from itertools import pairwise

import pytest
from sqlalchemy import Engine, inspect

from tests.conftest import make_app
from tracker import db

EXPECTED_TABLES = {"source", "topic", "article", "article_topic", "learning_path", "path_section",
                   "path_item", "user"}


def tables(engine: Engine) -> set[str]:
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


def _revisions() -> list[str]:
    """Every revision, oldest first."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(db.alembic_config(None))
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


# Per table: its columns, and its rows as text by column.
Snapshot = dict[str, tuple[list[str], list[dict[str, str]]]]
# Per table: its rows cut to some columns, sorted.
Rows = dict[str, list[tuple[str, ...]]]


def _snapshot(engine: Engine) -> Snapshot:
    """Every row of every table, as the database holds it at its current revision."""
    from sqlalchemy import MetaData

    metadata = MetaData()
    metadata.reflect(bind=engine)
    with engine.connect() as connection:
        return {name: ([c.name for c in table.columns],
                       [{k: str(v) for k, v in row._mapping.items()} for row in connection.execute(table.select())])
                for name, table in metadata.tables.items() if name != "alembic_version"}


# Columns whose newer values a downgrade folds into the older revision's (documented in the migration):
# the rows stay, these values cannot. Keyed by the revision that is undone.
FOLDED_BY_DOWNGRADE: dict[str, Set[tuple[str, str]]] = {"0007": {("notification", "kind")},
                                                        "0012": {("notification", "kind")},
                                                        "0022": {("security_event", "kind"),
                                                                 ("security_event", "detail")},
                                                        "0030": {("api_token", "scope")}}

# Columns an upgrade rewrites on purpose, by the revision that does it.
REWRITTEN_BY_UPGRADE: dict[str, Set[tuple[str, str]]] = {"0030": {("api_token", "scope")}}


def _common(one: Snapshot, other: Snapshot, folded: Set[tuple[str, str]] = frozenset()) -> tuple[Rows, Rows]:
    """Both snapshots cut to the tables and columns they share, rows in a comparable order."""
    def cut(snapshot: Snapshot, name: str, shared: list[str]) -> list[tuple[str, ...]]:
        return sorted(tuple(row[c] for c in shared) for row in snapshot[name][1])

    shared = {name: [c for c in columns if c in other[name][0] and (name, c) not in folded]
              for name, (columns, _rows) in one.items() if name in other}
    return ({name: cut(one, name, columns) for name, columns in shared.items()},
            {name: cut(other, name, columns) for name, columns in shared.items()})


@pytest.mark.slow
def test_every_revision_steps_down_and_up_again_keeping_every_row(app, session, make_client):
    """On a populated database: each revision down one and up again; every row of every table that exists at
    both revisions comes back, column for column."""
    from tests import factories

    factories.lived_in(session, make_client)
    session.close()
    engine = app.extensions["tracker.engine"]
    revisions = _revisions()
    assert db.current_revision(engine) == revisions[-1]
    full = _snapshot(engine)
    assert all(rows for _columns, rows in full.values()), [t for t, (_c, rows) in full.items() if not rows]

    for newer, older in pairwise(reversed(revisions)):
        before = _snapshot(engine)
        db.downgrade(engine, older)
        below = _snapshot(engine)
        # nothing is lost going down: every table and column that stays keeps its rows
        folded = FOLDED_BY_DOWNGRADE.get(newer, frozenset())
        kept, had = _common(below, before, folded)
        assert kept == had, f"{newer} -> {older}"
        db.upgrade(engine, newer)
        again = _snapshot(engine)
        # and nothing is lost coming back up: what both revisions have is as it was before the step down
        assert _common(below, again, folded)[1] == _common(below, before, folded)[1], f"{older} -> {newer}"
        db.downgrade(engine, older)
    db.upgrade(engine)


@pytest.mark.slow
def test_a_populated_database_at_every_revision_upgrades_to_head_keeping_every_row(app, session, make_client):
    """A lived-in database taken down to each revision, then upgraded to head, has every row it had there."""
    from tests import factories

    factories.lived_in(session, make_client)
    session.close()
    engine = app.extensions["tracker.engine"]
    revisions = _revisions()
    for revision in reversed(revisions[:-1]):
        db.downgrade(engine, revision)
        at_revision = _snapshot(engine)
        assert all(rows for _columns, rows in at_revision.values()), revision
        db.upgrade(engine)
        # Upgrades that rewrite a value on purpose (0030: an admin's read-write tokens get the admin scope, so
        # they keep opening the admin endpoints) are compared without that column.
        rewritten = frozenset().union(*(columns for newer, columns in REWRITTEN_BY_UPGRADE.items()
                                        if newer > revision))
        upgraded, had = _common(_snapshot(engine), at_revision, rewritten)
        assert upgraded == had, revision
        db.downgrade(engine, revision)
    db.upgrade(engine)


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


def test_events_already_queued_keep_their_statement_id_through_the_upgrade_and_the_others_get_fresh_ones(
        app, session, make_client):
    """0016 stores each event's statement id: one already in the outbox keeps the id it is (or was) sent under."""
    from sqlalchemy import text

    from tests import factories

    factories.lived_in(session, make_client)
    session.close()
    engine = app.extensions["tracker.engine"]
    db.downgrade(engine, "0015")
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM xapi_outbox WHERE event_id = (SELECT max(id) FROM progress_event)"))
        queued = dict(connection.execute(text("SELECT event_id, statement_id FROM xapi_outbox "
                                              "WHERE event_id IS NOT NULL")).all())
    db.upgrade(engine)
    with engine.connect() as connection:
        stored = dict(connection.execute(text("SELECT id, statement_id FROM progress_event")).all())
    assert queued and all(stored[event] == statement for event, statement in queued.items())
    fresh = [statement for event, statement in stored.items() if event not in queued]
    assert fresh and len(set(stored.values())) == len(stored)
    assert all(len(statement) == 36 and statement[14] == "4" for statement in fresh)  # random (version 4) UUIDs


# The values an older schema has no place for, that going down and up again used to change (the xAPI actor, the
# estimates, the notification kinds) or drop (credentials, the xAPI outbox).
WATCHED = {"notification": "id, kind", "user": "id, public_id", "article": "id, estimated_minutes",
           "credential": "*", "xapi_outbox": "*"}


def _watched(engine: Engine) -> dict[str, list[tuple]]:
    from sqlalchemy import text

    with engine.connect() as connection:
        return {table: sorted(tuple(str(v) for v in row)
                              for row in connection.execute(text(f'SELECT {columns} FROM "{table}"')))
                for table, columns in WATCHED.items()}


@pytest.mark.slow
def test_a_downgrade_that_would_lose_values_is_refused_with_the_list_and_the_database_untouched(
        app, session, make_client, runner):
    """On a lived-in database, `tracker db downgrade REV` to every older revision: either it refuses, naming what
    would be lost, and leaves the database as it was; or going down and up again gives back every watched value."""
    from tests import factories

    factories.lived_in(session, make_client)
    session.close()
    engine = app.extensions["tracker.engine"]
    head = db.current_revision(engine)
    before = _watched(engine)
    assert all(before.values()), {table: len(rows) for table, rows in before.items()}
    for revision in reversed(_revisions()[:-1]):
        result = runner.invoke(args=["db", "downgrade", revision])
        if result.exit_code == 0:
            db.upgrade(engine)
        else:
            assert "would lose" in result.output and "--force" in result.output, result.output
            assert db.current_revision(engine) == head, revision
        assert _watched(engine) == before, revision
    below_0010 = runner.invoke(args=["db", "downgrade", "0009"]).output
    assert "user.public_id: " in below_0010 and "table credential: " in below_0010
    assert "table xapi_outbox: " in below_0010, below_0010
    below_0009 = runner.invoke(args=["db", "downgrade", "0008"]).output
    assert "article.estimated_minutes: " in below_0009
    assert "notification.kind: " in runner.invoke(args=["db", "downgrade", "0006"]).output


def test_a_forced_downgrade_goes_down_and_an_upgrade_comes_back(app, session, make_client, runner):
    from tests import factories

    factories.lived_in(session, make_client)
    session.close()
    engine = app.extensions["tracker.engine"]
    forced = runner.invoke(args=["db", "downgrade", "0021", "--force"])
    assert forced.exit_code == 0, forced.output
    assert db.current_revision(engine) == "0021"
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    assert runner.invoke(args=["db", "downgrade", "9999"]).output.strip().startswith("Error: no migration 9999")


def test_an_admins_read_write_tokens_get_the_admin_scope_on_the_upgrade_and_no_one_elses_do(app, session,
                                                                                            make_client):
    """0030: what an admin's read-write token could do before (the admin endpoints), it still can; a learner's
    read-write token and an admin's read-only token are left as they were."""
    from sqlalchemy import text

    from tests import factories
    from tracker.models import TokenScope
    from tracker.services.people import tokens

    made = {name: tokens.create_token(session=session, user=factories.user(session, owner), name=name,
                                      scope=scope)[1].id
            for name, owner, scope in [("ada-write", "ada", TokenScope.write), ("ada-read", "ada", TokenScope.read),
                                       ("lena-write", "lena", TokenScope.write)]}
    session.close()
    engine = app.extensions["tracker.engine"]
    db.downgrade(engine, "0029")
    db.upgrade(engine)
    with engine.connect() as connection:
        scopes = dict(connection.execute(text("SELECT id, scope FROM api_token")).all())
    assert {name: scopes[token_id] for name, token_id in made.items()} == {
        "ada-write": "admin", "ada-read": "read", "lena-write": "write"}


# What "done" meant before section rules (0031): every non-optional article of the path marked done, out of all
# of them. Counted in SQL, so it holds at a revision whose models this code no longer has.
_READ_BEFORE_RULES = """
SELECT u.username, p.slug,
       SUM(CASE WHEN pr.state = 'done' THEN 1 ELSE 0 END) AS done,
       SUM(CASE WHEN pr.state = 'skipped' THEN 1 ELSE 0 END) AS skipped,
       COUNT(*) AS total
FROM "user" u
CROSS JOIN learning_path p
JOIN path_section s ON s.path_id = p.id
JOIN path_item i ON i.section_id = s.id AND i.optional = false
LEFT JOIN progress pr ON pr.article_id = i.article_id AND pr.user_id = u.id
WHERE p.slug IN ('backend-architect-path', 'api-designer', 'production-services', 'real-time-streaming',
                 'systems-performance')
GROUP BY u.username, p.slug
"""


@pytest.mark.slow
def test_every_learner_keeps_the_seed_paths_completion_numbers_through_the_section_rules_both_ways(
        app, session, make_client):
    """The four seed paths, for every learner of a lived-in database: the numbers counted the old way at 0031
    are the numbers `tally()` gives after the upgrade to head, and after going down and up again."""
    from sqlalchemy import text
    from sqlmodel import Session as Plain
    from sqlmodel import select

    from tests import factories
    from tracker.models import LearningPath, User
    from tracker.services.progress import marks

    factories.lived_in(session, make_client)
    session.close()
    engine = app.extensions["tracker.engine"]

    def old_way() -> dict[tuple[str, str], tuple[int, int, int]]:
        with engine.connect() as connection:
            return {(u, p): (int(d), int(s), int(t)) for u, p, d, s, t in connection.execute(text(_READ_BEFORE_RULES))}

    def by_tally() -> dict[tuple[str, str], tuple[int, int, int]]:
        with Plain(engine) as fresh:
            paths = fresh.exec(select(LearningPath).where(LearningPath.owner_id == None)).all()  # noqa: E711
            numbers = {}
            for user in fresh.exec(select(User)).all():
                tallies = marks.path_tallies(session=fresh, user=user, paths=paths)
                for path in paths:
                    t = tallies[path.id]
                    numbers[(user.username, path.slug)] = (t.done, t.skipped, t.total)
            return numbers

    db.downgrade(engine, "0031")
    before = old_way()
    assert len({p for _u, p in before}) == 4 and any(d for d, _s, _t in before.values())
    db.upgrade(engine)
    after = by_tally()
    assert {key: after[key] for key in before} == before
    db.downgrade(engine, "0031")
    assert old_way() == before
    db.upgrade(engine)
    assert {key: by_tally()[key] for key in before} == before
