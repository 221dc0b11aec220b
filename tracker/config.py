"""Settings read from TRACKER_* environment variables and validated at start."""

from __future__ import annotations

import secrets
import time
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from tracker import private_files
from tracker.db import Timeouts
from tracker.resources import resource_dir


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
    # Signed-in devices: idle timeout (without remember-me), absolute lifetime, and remember-me's duration.
    session_idle_minutes: int = Field(default=120, ge=5, le=60 * 24 * 30)
    session_max_days: int = Field(default=7, ge=1, le=90)
    remember_days: int = Field(default=30, ge=1, le=365)
    # How long a request waits on the database before it answers 503 (milliseconds).
    db_busy_timeout_ms: int = Field(default=5000, ge=100, le=600_000)
    db_statement_timeout_ms: int = Field(default=10_000, ge=100, le=3_600_000)
    db_lock_timeout_ms: int = Field(default=5000, ge=100, le=3_600_000)
    # Minutes between the embedded server's due-date reminder rounds; 0 leaves them to `tracker reminders`.
    reminder_minutes: int = Field(default=15, ge=0, le=24 * 60)
    # Seconds between the background jobs' rounds, instead of TRACKER_REMINDER_MINUTES (short periods for tests).
    job_seconds: int = Field(default=0, ge=0, le=24 * 3600)
    # The first retry of a failed background job waits this long; each next one twice as long (4 retries at most).
    job_retry_seconds: float = Field(default=30, ge=0, le=3600)
    # Shared storage for rate limits (several processes or machines); in-process memory without it.
    redis_url: str | None = None
    # How many reverse proxies in front of the app set X-Forwarded-For; 0 ignores that header.
    trusted_proxies: int = Field(default=0, ge=0, le=5)
    # Prometheus metrics at /metrics (request latency per route, database errors, security events, caches).
    metrics: bool = False
    # Rendered parts of pages kept per process (each article row's head), in MiB of HTML; 0 keeps none.
    fragment_cache_mb: int = Field(default=32, ge=0, le=64 * 1024)
    # Email for notifications: smtp://[USER:PASSWORD@]HOST[:PORT] (STARTTLS when the server offers it),
    # smtps://... for TLS from the start; none: notifications stay in the app.
    smtp_url: str | None = None
    mail_from: str = "tracker@localhost"
    # The address people open the tracker at (https://tracker.example.com), for links in emails, and the
    # base of the ids in xAPI statements and credentials.
    public_url: str = "http://localhost:5000"
    # A Learning Record Store's xAPI endpoint (https://lrs.example.com/xAPI) and its Basic credentials:
    # progress then also goes there as xAPI 1.0.3 statements.
    xapi_endpoint: str | None = None
    xapi_username: str = ""
    xapi_password: str = ""
    # A Pwned Passwords range service (https://api.pwnedpasswords.com/range/) asked about each new password
    # with the first 5 hex digits of its SHA-1; without it, only the breached list shipped with the tracker.
    pwned_passwords_url: str | None = None
    # Mentors and admins must have a second factor (an authenticator app or a passkey): one without is sent to
    # set it up right after signing in, and can do nothing else until then.
    require_second_factor: bool = False
    # Where learners and mentors may have their notifications posted (Slack / Microsoft Teams incoming webhooks):
    # "official" (https to hooks.slack.com, *.webhook.office.com, *.logic.azure.com), "any-https" (any https host,
    # such as a self-hosted Mattermost), or "any" (http too: for tests and development only).
    chat_hosts: Literal["official", "any-https", "any"] = "official"
    # Sign-in through an OpenID Connect provider: its issuer (discovery at ISSUER/.well-known/openid-configuration)
    # and this tracker's client there. All three or none.
    oidc_issuer: str | None = None
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    # The name on the "Sign in with ..." button; the issuer's host when unset.
    oidc_provider_name: str = ""
    oidc_scopes: str = "openid email profile"
    # The claim listing the person's groups at the provider (Keycloak and Okta: groups; Entra ID: groups or roles).
    oidc_groups_claim: str = Field(default="groups", min_length=1, max_length=100)
    # Provider groups that make an admin or a mentor at each sign-in (comma-separated). With either set, each
    # sign-in also lowers a role the groups no longer give; with neither, roles are left to the tracker's admins.
    oidc_admin_groups: str = ""
    oidc_mentor_groups: str = ""
    # Provider groups no tracker group maps to (team_group.idp_name) become new tracker groups.
    oidc_create_groups: bool = False
    # off: passwords sign in only the break-glass administrators named below (sign-up and password changes closed).
    local_passwords: bool = True
    break_glass_admins: str = ""

    @field_validator("oidc_issuer")
    @classmethod
    def _check_oidc_issuer(cls, value: str | None) -> str | None:
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.hostname or parts.query or parts.fragment:
            raise ValueError("expected https://HOST[/PATH], the provider's issuer identifier")
        return value

    @field_validator("oidc_scopes")
    @classmethod
    def _check_oidc_scopes(cls, value: str) -> str:
        scopes = value.replace(",", " ").split()
        if "openid" not in scopes:
            raise ValueError("the scopes must include openid")
        return " ".join(dict.fromkeys(scopes))

    @model_validator(mode="after")
    def _check_oidc_client(self) -> Settings:
        if self.oidc_issuer and not (self.oidc_client_id and self.oidc_client_secret):
            missing = "oidc_client_id" if not self.oidc_client_id else "oidc_client_secret"
            raise ValueError(f"{missing.upper()} must be set with TRACKER_OIDC_ISSUER")
        if not self.local_passwords and not self.oidc_issuer:
            raise ValueError("LOCAL_PASSWORDS=off needs TRACKER_OIDC_ISSUER: nobody else could sign in")
        return self
    # What a SCIM DELETE of a user does: "deactivate" (the account is deactivated and kept with its data; SCIM no
    # longer shows it) or "delete" (the account and its data are deleted, as the person's own deletion does).
    scim_delete: Literal["deactivate", "delete"] = "deactivate"

    @field_validator("xapi_endpoint")
    @classmethod
    def _check_xapi_endpoint(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("expected https://HOST/xAPI (the LRS's xAPI base address)")
        return value.rstrip("/")

    @field_validator("pwned_passwords_url")
    @classmethod
    def _check_pwned_passwords_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("expected https://HOST/range/ (the range API's address, before the 5 hex digits)")
        return value if value.endswith("/") else value + "/"

    @field_validator("smtp_url")
    @classmethod
    def _check_smtp_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        from tracker.services.notifications.mail import parse_smtp_url

        parse_smtp_url(value)
        return value

    @field_validator("public_url")
    @classmethod
    def _check_public_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("expected http://HOST or https://HOST")
        return value.rstrip("/")

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("expected redis://HOST:PORT/DB")
        return value

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
    message = error["msg"].removeprefix("Value error, ")
    if not error["loc"]:  # a rule across settings names its variables itself
        return f"TRACKER_{message}"
    return f"TRACKER_{str(error['loc'][0]).upper()} is invalid: {message}"


def _names(value: str) -> tuple[str, ...]:
    """A comma-separated setting as its names, blanks dropped."""
    return tuple(dict.fromkeys(name.strip() for name in value.split(",") if name.strip()))


def load_settings(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the Flask config mapping from the environment, with optional overrides (tests).

    Long on purpose: one straight mapping from each setting to its Flask key, read top to bottom.
    """
    overrides = {k.lower(): v for k, v in (overrides or {}).items()}
    known = set(Settings.model_fields)
    try:
        settings = Settings(**{k: v for k, v in overrides.items() if k in known})
    except ValidationError as exc:
        raise ConfigError(_one_line(exc)) from None

    data_dir = settings.data_dir.expanduser().resolve()
    try:
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)  # the database and the secret key: owner only
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
                             "memory_kib": max(settings.password_hash_memory_kib,
                                               8 * settings.password_hash_parallelism),
                             "parallelism": settings.password_hash_parallelism},
        "SESSION_IDLE": timedelta(minutes=settings.session_idle_minutes),
        "SESSION_MAX_AGE": timedelta(days=settings.session_max_days),
        "REMEMBER_AGE": timedelta(days=settings.remember_days),
        # Cookies: every value explicit. Over HTTPS, the __Host- prefix pins them to this host and path.
        "SESSION_COOKIE_NAME": ("__Host-" if settings.secure_cookies else "") + "tracker_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SECURE": settings.secure_cookies,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_PATH": "/",
        "SESSION_COOKIE_DOMAIN": None,
        "SESSION_REFRESH_EACH_REQUEST": True,
        "PERMANENT_SESSION_LIFETIME": timedelta(days=settings.session_max_days),
        "REMEMBER_COOKIE_NAME": ("__Host-" if settings.secure_cookies else "") + "tracker_remember",
        "REMEMBER_COOKIE_DURATION": timedelta(days=settings.remember_days),
        "REMEMBER_COOKIE_SECURE": settings.secure_cookies,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_PATH": "/",
        "REMEMBER_COOKIE_DOMAIN": None,
        "REMEMBER_COOKIE_REFRESH_EACH_REQUEST": False,
        "SECURE_COOKIES": settings.secure_cookies,
        "WTF_CSRF_TIME_LIMIT": None,
        "RATELIMIT_STORAGE_URI": settings.redis_url or "memory://",
        "TRUSTED_PROXIES": settings.trusted_proxies,
        "REMINDER_MINUTES": settings.reminder_minutes,
        "JOB_PERIOD_SECONDS": settings.job_seconds or settings.reminder_minutes * 60,
        "JOB_RETRY_SECONDS": settings.job_retry_seconds,
        "REDIS_URL": settings.redis_url,
        "METRICS": settings.metrics,
        "FRAGMENT_CACHE_MB": settings.fragment_cache_mb,
        "SMTP_URL": settings.smtp_url,
        "MAIL_FROM": settings.mail_from,
        "PUBLIC_URL": settings.public_url,
        "XAPI_ENDPOINT": settings.xapi_endpoint,
        "XAPI_USERNAME": settings.xapi_username,
        "XAPI_PASSWORD": settings.xapi_password,
        "PWNED_PASSWORDS_URL": settings.pwned_passwords_url,
        "REQUIRE_SECOND_FACTOR": settings.require_second_factor,
        "CHAT_HOSTS": settings.chat_hosts,
        "OIDC_ISSUER": settings.oidc_issuer,
        "OIDC_CLIENT_ID": settings.oidc_client_id,
        "OIDC_CLIENT_SECRET": settings.oidc_client_secret,
        "OIDC_PROVIDER_NAME": (settings.oidc_provider_name.strip()
                               or (urlsplit(settings.oidc_issuer).hostname or "" if settings.oidc_issuer else "")),
        "OIDC_SCOPES": settings.oidc_scopes,
        "OIDC_GROUPS_CLAIM": settings.oidc_groups_claim,
        "OIDC_ADMIN_GROUPS": _names(settings.oidc_admin_groups),
        "OIDC_MENTOR_GROUPS": _names(settings.oidc_mentor_groups),
        "OIDC_CREATE_GROUPS": settings.oidc_create_groups,
        "LOCAL_PASSWORDS": settings.local_passwords,
        "BREAK_GLASS_ADMINS": tuple(name.lower() for name in _names(settings.break_glass_admins)),
        "SCIM_DELETE": settings.scim_delete,
        "DB_TIMEOUTS": Timeouts(busy_ms=settings.db_busy_timeout_ms, statement_ms=settings.db_statement_timeout_ms,
                                lock_ms=settings.db_lock_timeout_ms),
        # Nothing the app accepts is larger than a path file or a pasted listing (256 KiB).
        "MAX_CONTENT_LENGTH": 1024 * 1024,
    }
    # Flask-style keys (TESTING, WTF_CSRF_ENABLED, ...) pass straight through.
    config.update({k.upper(): v for k, v in overrides.items() if k not in known})
    return config


def _persisted_secret_key(data_dir: Path) -> str:
    """The secret key kept in the data dir, created on first run readable by the owner only.

    Several processes may start at once on a fresh data dir: the file is written under a temporary
    name and linked into place with an exclusive create, so exactly one key wins and every process
    reads that one.
    """
    key_file = data_dir / "secret_key"
    for _ in range(50):
        try:
            key = key_file.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            key = ""
        if len(key) >= 32:
            return key
        if not key_file.exists():
            private_files.create_once(key_file, secrets.token_hex(32) + "\n")
        else:
            time.sleep(0.02)  # a key file too short to be a key: another process is still writing it
    raise ConfigError(f"TRACKER_SECRET_KEY is invalid: {key_file} holds no usable key; delete it to make a new one")
