"""The `tracker` command line."""

import shutil

import pytest
from sqlmodel import select

from tests.conftest import PATHS_DIR, SEEDS
from tracker.http.issuer import key_store
from tracker.models import Role, User
from tracker.services.records import signing_keys


def test_catalog_import_regenerates_the_data_file_and_updates_the_database(runner, tmp_path, session):
    output = tmp_path / "catalog.yaml"
    shutil.copy(PATHS_DIR / "catalog.yaml", output)
    result = runner.invoke(args=["catalog", "import", *sorted(map(str, SEEDS.glob("*.txt"))), "--output", str(output)])
    assert result.exit_code == 0, result.output
    assert "Wrote 136 articles" in result.output
    assert "0 added, 0 updated, 136 unchanged" in result.output
    assert output.read_text() == (PATHS_DIR / "catalog.yaml").read_text()


def test_catalog_import_gives_the_same_file_whatever_the_order_of_the_files(runner, tmp_path):
    files = sorted(map(str, SEEDS.glob("*.txt")))
    texts = []
    for number, order in enumerate([files, files[::-1], files[3:] + files[:3]]):
        output = tmp_path / f"catalog{number}.yaml"
        result = runner.invoke(args=["catalog", "import", *order, "--output", str(output), "--no-load"])
        assert result.exit_code == 0, result.output
        texts.append(output.read_text())
    assert texts[0] == texts[1] == texts[2]


def test_catalog_import_warns_where_a_listing_s_counts_disagree_and_imports_all_the_same(runner, tmp_path):
    output = tmp_path / "catalog.yaml"
    result = runner.invoke(args=["catalog", "import", str(next(SEEDS.glob("000_*.txt"))), "--output", str(output),
                                 "--no-load"])
    assert result.exit_code == 0, result.output
    warnings = result.stderr.splitlines()
    assert warnings[0] == "Warning: 000_f6cd1c9ae54fe2cc.txt: the page says 75 articles, 69 were found"
    assert len(warnings) == 5 and all(w.startswith("Warning: 000_f6cd1c9ae54fe2cc.txt: the page says ")
                                      for w in warnings)
    assert "Wrote 69 articles" in result.stdout


def test_catalog_import_applies_the_topic_rules_given(runner, tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text("aliases:\n  Getting Started: Start Here\n", encoding="utf-8")
    output = tmp_path / "catalog.yaml"
    result = runner.invoke(args=["catalog", "import", str(next(SEEDS.glob("003_*.txt"))), "--output", str(output),
                                 "--topic-rules", str(rules), "--no-load"])
    assert result.exit_code == 0, result.output
    assert "name: Start Here" in output.read_text() and "Getting Started" not in output.read_text()
    rules.write_text("aliases:\n  A: B\n  B: C\n", encoding="utf-8")
    bad = runner.invoke(args=["catalog", "import", str(next(SEEDS.glob("003_*.txt"))), "--output", str(output),
                              "--topic-rules", str(rules), "--no-load"])
    assert bad.exit_code == 1 and "rules.yaml" in bad.output and "itself aliased" in bad.output


def test_catalog_import_refuses_an_unknown_layout_in_one_line(runner, tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("hello\nworld\n")
    result = runner.invoke(args=["catalog", "import", str(bad), "--output", str(tmp_path / "c.yaml")])
    assert result.exit_code == 1
    assert result.output.strip().startswith(f"Error: {bad}: not a listing layout")
    assert not (tmp_path / "c.yaml").exists()


def test_paths_load_reports_a_bad_definition_and_loads_nothing(runner, tmp_path):
    folder = tmp_path / "paths"
    shutil.copytree(PATHS_DIR, folder)
    (folder / "extra.yaml").write_text("slug: extra\ntitle: Extra\n")
    result = runner.invoke(args=["paths", "load", str(folder)])
    assert result.exit_code == 1
    assert result.output.strip() == "Error: extra.yaml: missing field 'summary' (nothing was loaded)"


def test_paths_load_is_idempotent(runner):
    result = runner.invoke(args=["paths", "load"])
    assert result.exit_code == 0, result.output
    assert "0 added, 0 updated, 4 unchanged" in result.output


def test_paths_export_writes_yaml_files(runner, tmp_path):
    result = runner.invoke(args=["paths", "export", "--out", str(tmp_path)])
    assert result.exit_code == 0
    assert (tmp_path / "api-designer.yaml").read_text() == (PATHS_DIR / "api-designer.yaml").read_text()


def test_users_create_reads_the_password_from_stdin(runner, session):
    result = runner.invoke(args=["users", "create", "Grace", "--role", "mentor", "--password-stdin"],
                           input="a long enough passphrase\n")
    assert result.exit_code == 0, result.output
    assert "Created mentor 'grace'" in result.output
    user = session.exec(select(User).where(User.username == "grace")).one()
    assert user.role == Role.mentor
    assert "a long enough passphrase" not in user.password_hash


def test_users_create_refuses_a_common_password_and_a_taken_name(runner):
    weak = runner.invoke(args=["users", "create", "newbie", "--password-stdin"], input="password123\n")
    assert weak.exit_code == 1 and "lists of breached passwords" in weak.output
    taken = runner.invoke(args=["users", "create", "LENA", "--password-stdin"], input="another fine passphrase\n")
    assert taken.exit_code == 1 and "The username 'lena' is taken." in taken.output


def test_db_upgrade_reports_the_revision(runner):
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0
    assert "Database at revision" in result.output


def test_tokens_are_created_with_a_scope_and_an_expiry(runner, session):
    from tracker.models import ApiToken, TokenScope

    result = runner.invoke(args=["tokens", "create", "lena", "--name", "backup", "--scope", "read",
                                 "--expires-in-days", "30"])
    assert result.exit_code == 0, result.output
    token = session.exec(select(ApiToken).where(ApiToken.name == "backup")).one()
    assert token.scope is TokenScope.read and token.expires_at is not None
    assert result.output.strip().splitlines()[-1].startswith("trk_")
    from tracker.models import SecurityEvent, SecurityEventKind

    [event] = session.exec(select(SecurityEvent).where(SecurityEvent.kind == SecurityEventKind.token_created)).all()
    assert event.username == "lena" and event.detail.startswith("backup (read, ")
    assert event.detail.endswith("from the command line") and token.hint in event.detail
    bad = runner.invoke(args=["tokens", "create", "lena", "--expires-in-days", "0"])
    assert bad.exit_code == 2 and "expires-in-days" in bad.output


def test_bad_curriculum_files_stop_the_start_with_one_line(runner, tmp_path, empty_database_url):
    from tests.conftest import make_app
    from tracker.cli import cli

    folder = tmp_path / "paths"
    folder.mkdir()
    app = make_app(empty_database_url, tmp_path, PATHS_DIR=folder)
    start = app.test_cli_runner()
    empty = start.invoke(cli, ["paths", "load", str(folder)])
    assert empty.exit_code == 1 and "no catalog to start from" in empty.output
    (folder / "catalog.yaml").write_text("sources:\n  - slug: a\n    name: [unclosed", encoding="utf-8")
    cut = start.invoke(cli, ["paths", "load", str(folder)])
    assert cut.exit_code == 1 and cut.output.strip().count("\n") == 0 and "not valid YAML at line" in cut.output
    (folder / "catalog.yaml").write_bytes("sources: []\narticles:\n  - slug: caf\xe9\n".encode("latin-1"))
    latin = start.invoke(cli, ["paths", "load", str(folder)])
    assert latin.exit_code == 1 and "catalog.yaml: not UTF-8 text" in latin.output
    app.extensions["tracker.engine"].dispose()


def _free_port() -> str:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return str(probe.getsockname()[1])


def _start_lines(args: list[str], env: dict, until: str) -> tuple[list[str], int | None]:
    """Start `tracker ARGS`, read its output until a line containing `until` (or its exit), then stop it."""
    import subprocess
    import sys

    process = subprocess.Popen([sys.executable, "-m", "tracker", *args], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None  # stdout=PIPE
    lines = []
    try:
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if until in line:
                break
    finally:
        process.terminate()
        process.wait(timeout=20)
    return lines, process.returncode


@pytest.mark.slow
def test_the_start_says_when_path_files_differ_from_the_database(database_url, tmp_path):
    import os
    import shutil

    from tests.conftest import CHEAP_HASHING, PATHS_DIR, SECRET

    folder = tmp_path / "paths"
    shutil.copytree(PATHS_DIR, folder)
    edited = folder / "api-designer.yaml"
    edited.write_text(edited.read_text(encoding="utf-8").replace("title: API Designer", "title: API Craft"),
                      encoding="utf-8")
    env = os.environ | {"TRACKER_DATABASE_URL": database_url, "TRACKER_SECRET_KEY": SECRET,
                        "TRACKER_DATA_DIR": str(tmp_path / "data"), "TRACKER_PATHS_DIR": str(folder)}
    env |= {f"TRACKER_{key}": str(value) for key, value in CHEAP_HASHING.items()}
    lines, _ = _start_lines(["run", "--port", _free_port()], env, until="Serving on")
    drift = [line for line in lines if "differ" in line]
    assert drift and "api-designer" in drift[0] and "tracker paths load" in drift[0], lines
    assert "production-services" not in drift[0]


@pytest.mark.slow
def test_run_on_a_port_in_use_says_so_in_one_line(database_url, tmp_path):
    import os
    import socket

    from tests.conftest import SECRET

    env = os.environ | {"TRACKER_DATABASE_URL": database_url, "TRACKER_SECRET_KEY": SECRET,
                        "TRACKER_DATA_DIR": str(tmp_path / "data")}
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        lines, code = _start_lines(["run", "--port", port], env, until="Serving on")
    assert code == 1, lines
    assert lines[-1] == (f"Error: cannot listen on 127.0.0.1:{port}: Address already in use (is another server "
                         "running there? --port chooses another)"), lines
    assert not any("Traceback" in line or "Serving on" in line for line in lines), lines


@pytest.mark.slow
def test_serve_with_several_workers_needs_shared_limits(database_url, tmp_path):
    import os

    from tests.conftest import SECRET

    env = os.environ | {"TRACKER_DATABASE_URL": database_url, "TRACKER_SECRET_KEY": SECRET,
                        "TRACKER_DATA_DIR": str(tmp_path / "data")}
    env.pop("TRACKER_REDIS_URL", None)
    lines, code = _start_lines(["serve", "--workers", "2", "--port", _free_port()], env, until="Serving on")
    assert code == 2 and any("set TRACKER_REDIS_URL" in line for line in lines), lines
    assert not any("Serving on" in line for line in lines)


def test_rotating_the_credential_key_publishes_both_and_signs_with_the_new_one(runner, app):
    with app.app_context():
        before = signing_keys.signing_key(store=key_store()).thumbprint()
    result = runner.invoke(args=["credentials", "rotate-key"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        ring = signing_keys.key_ring(store=key_store())
    assert ring.signing.thumbprint() != before and ring.signing.thumbprint() in result.output
    assert [key.thumbprint() for key in ring.keys] == [before, ring.signing.thumbprint()]


def test_tokens_are_listed_for_everyone_or_one_user(runner, session):
    from tests import factories
    from tracker.services.people import tokens

    tokens.create_token(session=session, user=factories.user(session, "lena"), name="lena's backup")
    tokens.create_token(session=session, user=factories.user(session, "leo"), name="leo's script")
    everyone = runner.invoke(args=["tokens", "list"])
    assert everyone.exit_code == 0, everyone.output
    assert "lena's backup" in everyone.output and "leo's script" in everyone.output
    only_leo = runner.invoke(args=["tokens", "list", "--user", "leo"])
    assert "leo's script" in only_leo.output and "lena" not in only_leo.output
    assert "trk_" in only_leo.output  # the hint, never the secret: a hint is 8 characters
    assert runner.invoke(args=["tokens", "list", "--user", "nobody"]).exit_code == 1


def test_an_operator_revokes_one_token_or_all_of_a_users_tokens(runner, session, make_client):
    from tests import factories
    from tracker.models import SecurityEvent, SecurityEventKind
    from tracker.services.people import tokens

    lena = factories.user(session, "lena")
    one, first = tokens.create_token(session=session, user=lena, name="one")
    two, _ = tokens.create_token(session=session, user=lena, name="two")
    three, _ = tokens.create_token(session=session, user=lena, name="three")
    leos, leo_token = tokens.create_token(session=session, user=factories.user(session, "leo"), name="leo's")
    api = make_client()

    def answers(raw: str) -> int:
        return api.get("/api/v1/me/export", headers={"Authorization": f"Bearer {raw}"}).status_code

    # another person's token id is refused: nothing is revoked
    wrong = runner.invoke(args=["tokens", "revoke", "--user", "lena", "--id", str(leo_token.id)])
    assert wrong.exit_code == 1 and answers(leos) == 200
    assert runner.invoke(args=["tokens", "revoke", "--user", "lena"]).exit_code == 2  # --id or --all
    single = runner.invoke(args=["tokens", "revoke", "--user", "lena", "--id", str(first.id)])
    assert single.exit_code == 0, single.output
    assert answers(one) == 401 and answers(two) == 200
    every = runner.invoke(args=["tokens", "revoke", "--user", "lena", "--all"])
    assert every.exit_code == 0 and "2 tokens of lena revoked" in every.output
    assert answers(two) == 401 and answers(three) == 401 and answers(leos) == 200
    details = session.exec(select(SecurityEvent.detail).where(SecurityEvent.kind == SecurityEventKind.tokens_revoked)
                           ).all()
    assert details == ["2 tokens: revoked from the command line"]


def test_the_start_names_each_path_file_that_differs_and_what_loading_it_would_change(app, session, capsys):
    """One path edited in the app: the start names that path only, the version the database serves, who made it,
    and what `tracker paths load` would change; the paths whose file matches say nothing."""
    from tests import factories
    from tracker.cli.serve import prepare_to_serve
    from tracker.models import Article
    from tracker.services.curriculum import store
    from tracker.services.curriculum.queries import get_learning_path, path_definition

    admin = factories.user(session, "ada")
    assert admin.role is Role.admin
    path = get_learning_path(session=session, slug="api-designer")
    assert path is not None
    definition = path_definition(session=session, path=path)
    first = definition.sections[0]
    dropped = first.items[-1].slug
    edited = definition.model_copy(update={"sections": [first.model_copy(update={"items": first.items[:-1]}),
                                                        *definition.sections[1:]]})
    version = path.version
    store.save_path(session=session, definition=edited, base_version=version, author=admin)
    titles = dict(session.exec(select(Article.slug, Article.title)).all())
    session.close()
    capsys.readouterr()
    with app.app_context():
        prepare_to_serve()
    lines = [line for line in capsys.readouterr().out.splitlines() if "differs" in line]
    assert len(lines) == 1, lines
    [line] = lines
    assert line.startswith(f"api-designer: the database has version {version + 1} (edited in the app)")
    assert "Added 1 article" in line and "tracker paths load" in line
    assert titles[dropped] in line


def test_after_an_upgrade_the_start_says_what_each_path_file_adds_to_the_database(app, session, capsys):
    """A database from a release before sections had their "why": every file differs by those texts, and the
    start says so path by path rather than only naming the paths."""
    from tracker import db
    from tracker.cli.serve import prepare_to_serve

    session.close()
    engine = app.extensions["tracker.engine"]
    db.downgrade(engine, "0008")
    db.upgrade(engine)
    capsys.readouterr()
    with app.app_context():
        prepare_to_serve()
    lines = [line for line in capsys.readouterr().out.splitlines() if "differs" in line]
    assert [line.split(":")[0] for line in lines] == sorted(line.split(":")[0] for line in lines)
    assert lines and all("(loaded from the path files)" in line and "'s why changed from “”" in line
                         for line in lines), lines


def test_the_start_makes_the_database_its_files_and_the_keys_readable_by_their_owner_only(tmp_path, capsys):
    """A database file an older release left 0644 (and a data folder 0755): closed at the next start."""
    import os

    from tests.conftest import make_app
    from tracker.cli.serve import prepare_to_serve

    data = tmp_path / "data"
    app = make_app(f"sqlite:///{data / 'tracker.db'}", tmp_path)
    with app.app_context():
        prepare_to_serve()
    app.extensions["tracker.engine"].dispose()
    (data / "secret_key").write_text("an older release's secret\n", encoding="utf-8")
    opened = [data / "tracker.db", data / "secret_key", *data.glob("tracker.db-*")]
    for path in opened:
        path.chmod(0o644)
    data.chmod(0o755)
    capsys.readouterr()
    app = make_app(f"sqlite:///{data / 'tracker.db'}", tmp_path)
    with app.app_context():
        prepare_to_serve()
    app.extensions["tracker.engine"].dispose()
    assert os.stat(data).st_mode & 0o777 == 0o700
    assert {path.name: path.stat().st_mode & 0o777 for path in opened} == {path.name: 0o600 for path in opened}
    assert "readable by their owner only" in capsys.readouterr().out
