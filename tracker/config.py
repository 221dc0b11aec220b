"""Settings read from TRACKER_* environment variables and validated at start."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """Locate bundled data (templates, paths): inside the wheel, or beside the package in a checkout."""
    bundled = PACKAGE_DIR / name
    if bundled.is_dir():
        return bundled
    return PACKAGE_DIR.parent / name


class ConfigError(Exception):
    """A setting is wrong; the message names the variable and fits on one line."""


class Settings(BaseSettings):
    """What an operator can set. Every field maps to TRACKER_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="TRACKER_", extra="ignore")

    data_dir: Path = Path("instance")
    database_url: str | None = None
    secret_key: str | None = Field(default=None, min_length=16)
    open_signup: bool = True
    secure_cookies: bool = False
    paths_dir: Path | None = None
    # Argon2id cost of a password hash (argon2-cffi's defaults: about 50 ms and 64 MiB per sign-in).
    password_hash_time_cost: int = Field(default=3, ge=1, le=20)
    password_hash_memory_kib: int = Field(default=65536, ge=8, le=4 * 1024 * 1024)
    password_hash_parallelism: int = Field(default=4, ge=1, le=64)

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise ValueError("not a database URL (expected sqlite:///FILE or postgresql+psycopg://...)") from exc
        if url.get_backend_name() not in {"sqlite", "postgresql"}:
            raise ValueError(f"unsupported database '{url.get_backend_name()}' (use sqlite or postgresql)")
        if url.get_backend_name() == "postgresql":
            if url.drivername in {"postgresql", "postgres"}:
                url = url.set(drivername="postgresql+psycopg")
            elif url.get_driver_name() != "psycopg":
                raise ValueError("PostgreSQL URLs must use the psycopg 3 driver: postgresql+psycopg://...")
            return url.render_as_string(hide_password=False)
        return value


def _one_line(exc: ValidationError) -> str:
    error = exc.errors()[0]
    field = str(error["loc"][0]) if error["loc"] else "settings"
    message = error["msg"].removeprefix("Value error, ")
    return f"TRACKER_{field.upper()} is invalid: {message}"


def load_settings(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the Flask config mapping from the environment, with optional overrides (tests)."""
    overrides = {k.lower(): v for k, v in (overrides or {}).items()}
    known = set(Settings.model_fields)
    try:
        settings = Settings(**{k: v for k, v in overrides.items() if k in known})
    except ValidationError as exc:
        raise ConfigError(_one_line(exc)) from None

    data_dir = settings.data_dir.expanduser().resolve()
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"TRACKER_DATA_DIR is invalid: cannot create {data_dir} ({exc.strerror})") from None

    database_url = settings.database_url or f"sqlite:///{data_dir / 'tracker.db'}"
    secret_key = settings.secret_key or _persisted_secret_key(data_dir)
    paths_dir = (settings.paths_dir or resource_dir("paths")).resolve()
    if not paths_dir.is_dir():
        raise ConfigError(f"TRACKER_PATHS_DIR is invalid: {paths_dir} is not a directory")

    config = {
        "DATA_DIR": data_dir,
        "DATABASE_URL": database_url,
        "SECRET_KEY": secret_key,
        "OPEN_SIGNUP": settings.open_signup,
        "PATHS_DIR": paths_dir,
        "PASSWORD_HASHING": {"time_cost": settings.password_hash_time_cost,
                             "memory_kib": max(settings.password_hash_memory_kib, 8 * settings.password_hash_parallelism),
                             "parallelism": settings.password_hash_parallelism},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SECURE": settings.secure_cookies,
        "REMEMBER_COOKIE_SECURE": settings.secure_cookies,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        # Nothing the app accepts is larger than a path file or a pasted listing (256 KiB).
        "MAX_CONTENT_LENGTH": 1024 * 1024,
    }
    # Flask-style keys (TESTING, WTF_CSRF_ENABLED, ...) pass straight through.
    config.update({k.upper(): v for k, v in overrides.items() if k not in known})
    return config


def _persisted_secret_key(data_dir: Path) -> str:
    """Read the secret key kept in the data dir, creating it (readable by the owner only) on first run."""
    key_file = data_dir / "secret_key"
    if key_file.exists():
        key = key_file.read_text(encoding="utf-8").strip()
        if len(key) >= 32:
            return key
    key = secrets.token_hex(32)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return key
