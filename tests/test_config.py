"""Settings come from TRACKER_* variables; mistakes stop the start with a one-line message."""

import subprocess
import sys

import pytest

from tracker.config import ConfigError, load_settings


def test_defaults_put_sqlite_and_a_generated_secret_in_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("TRACKER_SECRET_KEY", raising=False)
    monkeypatch.delenv("TRACKER_DATABASE_URL", raising=False)
    config = load_settings()
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'data' / 'tracker.db'}"
    key_file = tmp_path / "data" / "secret_key"
    assert key_file.read_text().strip() == config["SECRET_KEY"]
    assert key_file.stat().st_mode & 0o077 == 0
    assert load_settings()["SECRET_KEY"] == config["SECRET_KEY"]  # kept across restarts


@pytest.mark.parametrize(("variable", "value", "fragment"), [
    ("TRACKER_DATABASE_URL", "mysql://x@localhost/db", "unsupported database"),
    ("TRACKER_DATABASE_URL", "postgresql+psycopg2://x@localhost/db", "psycopg 3"),
    ("TRACKER_DATABASE_URL", "not a url", "not a database URL"),
    ("TRACKER_OPEN_SIGNUP", "maybe", "bool"),
    ("TRACKER_SECRET_KEY", "short", "at least 16"),
    ("TRACKER_SMTP_URL", "mail.example:25", "expected smtp://"),
    ("TRACKER_PUBLIC_URL", "learn.example", "expected http://HOST"),
    ("TRACKER_PWNED_PASSWORDS_URL", "api.pwnedpasswords.com/range", "expected https://HOST/range/"),
    ("TRACKER_OIDC_ISSUER", "id.example.com", "expected https://HOST"),
    ("TRACKER_OIDC_SCOPES", "email profile", "must include openid"),
    ("TRACKER_LOCAL_PASSWORDS", "sometimes", "bool"),
])
def test_invalid_settings_name_the_variable(tmp_path, monkeypatch, variable, value, fragment):
    monkeypatch.setenv("TRACKER_DATA_DIR", str(tmp_path))
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as error:
        load_settings()
    message = str(error.value)
    assert message.startswith(f"{variable} is invalid")
    assert fragment in message
    assert "\n" not in message


def test_an_identity_provider_needs_its_client_and_passwords_off_needs_a_provider(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TRACKER_OIDC_ISSUER", "https://id.example.com/realms/staff")
    with pytest.raises(ConfigError, match=r"^TRACKER_OIDC_CLIENT_ID must be set with TRACKER_OIDC_ISSUER$"):
        load_settings()
    monkeypatch.setenv("TRACKER_OIDC_CLIENT_ID", "tracker")
    monkeypatch.setenv("TRACKER_OIDC_CLIENT_SECRET", "s3cret")
    monkeypatch.setenv("TRACKER_OIDC_ADMIN_GROUPS", " admins, ,platform-admins ")
    monkeypatch.setenv("TRACKER_BREAK_GLASS_ADMINS", "Ada")
    config = load_settings()
    assert config["OIDC_PROVIDER_NAME"] == "id.example.com"  # the button's name, when none is given
    assert config["OIDC_ADMIN_GROUPS"] == ("admins", "platform-admins") and config["BREAK_GLASS_ADMINS"] == ("ada",)
    monkeypatch.delenv("TRACKER_OIDC_ISSUER")
    monkeypatch.setenv("TRACKER_LOCAL_PASSWORDS", "off")
    with pytest.raises(ConfigError, match=r"^TRACKER_LOCAL_PASSWORDS=off needs TRACKER_OIDC_ISSUER"):
        load_settings()


def test_the_range_service_s_address_is_off_by_default_and_ends_with_a_slash(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_DATA_DIR", str(tmp_path))
    assert load_settings()["PWNED_PASSWORDS_URL"] is None
    monkeypatch.setenv("TRACKER_PWNED_PASSWORDS_URL", "https://api.pwnedpasswords.com/range")
    assert load_settings()["PWNED_PASSWORDS_URL"] == "https://api.pwnedpasswords.com/range/"


def test_the_command_line_reports_bad_configuration_in_one_line(tmp_path):
    env = {"TRACKER_DATA_DIR": str(tmp_path), "TRACKER_DATABASE_URL": "mysql://nobody@localhost/x",
           "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-m", "tracker", "db", "upgrade"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "Error: TRACKER_DATABASE_URL is invalid: unsupported database 'mysql' (use sqlite or postgresql)"]
    assert "Traceback" not in result.stderr + result.stdout


def _start_and_read_key(data_dir: str) -> str:
    from tracker.config import load_settings

    return load_settings({"DATA_DIR": data_dir})["SECRET_KEY"]


def test_processes_starting_together_on_a_fresh_data_dir_agree_on_one_secret_key(tmp_path):
    import multiprocessing

    for trial in range(3):
        data_dir = str(tmp_path / f"fresh{trial}")
        with multiprocessing.get_context("fork").Pool(8) as pool:
            keys = pool.map(_start_and_read_key, [data_dir] * 8)
        assert len(set(keys)) == 1 and len(keys[0]) == 64
        assert sorted(p.name for p in (tmp_path / f"fresh{trial}").iterdir()) == ["secret_key"]
