"""Every setting Shirube reads, from environment variables, in one place."""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ENVIRONMENTS = ("development", "production", "test")
LOG_FORMATS = ("json", "text")
LOG_LEVELS = ("debug", "info", "warning", "error")
# Long enough that guessing it is hopeless, short enough for any secret store.
METRICS_TOKEN_MIN_LENGTH = 16


class SettingsError(ValueError):
    """A setting is missing or malformed; the message is one line meant for the operator."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    env: str = "development"
    host: str = "127.0.0.1"
    port: int = 8000
    # Applies to every JSON body; content imports are the largest legitimate bodies.
    max_body_bytes: int = 5 * 1024 * 1024
    # How long a widget session token stays valid before the widget must call `session` again.
    widget_token_ttl_seconds: int = 24 * 3600
    # Published-content cache entries kept per process (keyed by workspace and revision).
    content_cache_size: int = 256
    # Users' progress kept per process between their sessions (services/progress_cache.py);
    # 0 turns it off. An entry is 1-7 KB (7 KB: a user with 5 tours and 10 items done).
    progress_cache_size: int = 10_000
    # Mark the console's session cookie Secure even on plain-http requests: behind a proxy
    # that terminates TLS without telling the app (https requests get Secure regardless).
    console_secure_cookie: bool = False
    # `GET /metrics` is served only when set, to requests bearing it (docs/operations.md).
    metrics_token: str | None = None
    # `shirube serve`'s log lines: one JSON object per line, or text for a terminal.
    log_format: str = "text"
    log_level: str = "info"
    # How long a request waits for a database lock another process holds (a second
    # instance, a backup) before it is refused with 503 and Retry-After.
    lock_wait_seconds: int = 5
    # The proxies whose X-Forwarded-For and X-Forwarded-Proto uvicorn believes (FORWARDED_ALLOW_IPS,
    # uvicorn's own name): addresses and networks, or "*". The client address they give is what
    # the console's sign-in throttle counts by, and the scheme decides Secure cookies and HSTS.
    forwarded_allow_ips: str = "127.0.0.1,::1"
    # Webhooks (docs/webhooks.md). Whether this instance runs a delivery worker: on by default
    # for `shirube serve` (load_settings), off for an app built from Settings directly (tests
    # drive their own worker).
    webhook_worker: bool = False
    # Keeps goals' and KPIs' figures up to date in the background (services/kpi_worker.py);
    # off by default in code so that tests drive it, on by default from the environment.
    kpi_worker: bool = False
    # Seconds one delivery attempt may take, connection to answer.
    webhook_timeout_seconds: int = 15
    # http:// endpoint URLs are refused unless allowed (https only).
    webhook_allow_http: bool = False
    # Networks (CIDR) webhooks may reach although they are not public: loopback, private,
    # link-local, … are refused otherwise (security/outbound.py).
    webhook_allow_networks: tuple[str, ...] = ()
    # Days the delivery log keeps finished deliveries.
    webhook_retention_days: int = 30

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def is_production(self) -> bool:
        return self.env == "production"


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool = False) -> bool:
    raw = (env.get(name) or ("true" if default else "false")).strip().lower()
    if raw not in ("true", "false", "1", "0", "yes", "no"):
        raise SettingsError(f"{name} must be true or false, got {raw!r}")
    return raw in ("true", "1", "yes")


def _forwarded_allow_ips(env: Mapping[str, str]) -> str:
    """uvicorn takes an entry it cannot read as an IP address or network for a literal host
    name, which no client ever has: a typo would silently trust nobody (every client then gets
    the proxy's address). Refused here instead, in one line."""
    raw = env.get("FORWARDED_ALLOW_IPS", "").strip()
    if not raw:
        return Settings.forwarded_allow_ips
    if raw == "*":
        return raw
    entries = [entry.strip() for entry in raw.split(",")]
    for entry in entries:
        try:
            if "/" in entry:
                ipaddress.ip_network(entry)
            else:
                ipaddress.ip_address(entry)
        except ValueError:
            raise SettingsError(
                "FORWARDED_ALLOW_IPS must be IP addresses or networks separated by commas "
                f"(or *), got {entry!r}"
            ) from None
    return ",".join(entries)


def _networks(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    raw = env.get(name) or ""
    networks = []
    for part in raw.split(","):
        if not part.strip():
            continue
        try:
            networks.append(str(ipaddress.ip_network(part.strip(), strict=False)))
        except ValueError:
            raise SettingsError(
                f"{name} must be CIDR networks separated by commas (10.0.0.0/8,fd00::/8), "
                f"got {part.strip()!r}"
            ) from None
    return tuple(networks)


def _database_url(env: Mapping[str, str], cwd: Path) -> str:
    url = env.get("SHIRUBE_DATABASE_URL") or f"sqlite:///{cwd / 'shirube.db'}"
    scheme = urlsplit(url).scheme
    if scheme in ("postgres", "postgresql"):
        # psycopg 3 is the only PostgreSQL driver we ship; accept the usual short forms.
        url = "postgresql+psycopg" + url[len(scheme) :]
    elif scheme not in ("sqlite", "postgresql+psycopg"):
        raise SettingsError(
            "SHIRUBE_DATABASE_URL must start with sqlite:/// or postgresql://, "
            f"got scheme {scheme!r}"
        )
    return url


def _secret_key(env: Mapping[str, str], environment: str, cwd: Path) -> str:
    key = env.get("SHIRUBE_SECRET_KEY", "")
    if key:
        if len(key) < 32:
            raise SettingsError("SHIRUBE_SECRET_KEY must be at least 32 characters long")
        return key
    if environment == "production":
        raise SettingsError("SHIRUBE_SECRET_KEY is required when SHIRUBE_ENV=production")
    # Development: generate once and keep it next to the database so restarts keep tokens valid.
    path = Path(env.get("SHIRUBE_SECRET_FILE") or cwd / ".shirube-secret")
    try:
        existing = path.read_text().strip()
    except FileNotFoundError:
        existing = ""
    except OSError as exc:
        raise SettingsError(f"cannot read secret key file {path}: {exc.strerror}") from None
    if len(existing) >= 32:
        return existing
    generated = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(generated + "\n")
    except OSError as exc:
        raise SettingsError(f"cannot write secret key file {path}: {exc.strerror}") from None
    return generated


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    value = (env.get(name) or default).strip().lower()
    if value not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def _metrics_token(env: Mapping[str, str]) -> str | None:
    token = env.get("SHIRUBE_METRICS_TOKEN") or None
    if token is not None and not (
        len(token) >= METRICS_TOKEN_MIN_LENGTH
        and token.isascii()
        and token.isprintable()
        and " " not in token
    ):
        # It travels in an Authorization header: printable ASCII, no spaces.
        raise SettingsError(
            f"SHIRUBE_METRICS_TOKEN must be at least {METRICS_TOKEN_MIN_LENGTH} printable "
            "ASCII characters without spaces"
        )
    return token


def load_settings(env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Settings:
    """Build settings from the environment; raise SettingsError with a one-line message."""
    env = os.environ if env is None else env
    cwd = Path.cwd() if cwd is None else cwd
    environment = env.get("SHIRUBE_ENV", "development") or "development"
    if environment not in ENVIRONMENTS:
        raise SettingsError(
            f"SHIRUBE_ENV must be one of {', '.join(ENVIRONMENTS)}, got {environment!r}"
        )
    return Settings(
        database_url=_database_url(env, cwd),
        secret_key=_secret_key(env, environment, cwd),
        env=environment,
        host=env.get("SHIRUBE_HOST", "127.0.0.1") or "127.0.0.1",
        port=_int(env, "SHIRUBE_PORT", 8000, 1, 65535),
        max_body_bytes=_int(env, "SHIRUBE_MAX_BODY_BYTES", 5 * 1024 * 1024, 1024, 1 << 30),
        console_secure_cookie=_bool(env, "SHIRUBE_CONSOLE_SECURE_COOKIE"),
        progress_cache_size=_int(env, "SHIRUBE_PROGRESS_CACHE_SIZE", 10_000, 0, 10_000_000),
        metrics_token=_metrics_token(env),
        # JSON where logs go to a collector (production), text where a person reads them.
        log_format=_choice(
            env,
            "SHIRUBE_LOG_FORMAT",
            LOG_FORMATS,
            "json" if environment == "production" else "text",
        ),
        log_level=_choice(env, "SHIRUBE_LOG_LEVEL", LOG_LEVELS, "info"),
        lock_wait_seconds=_int(env, "SHIRUBE_LOCK_WAIT_SECONDS", 5, 1, 600),
        forwarded_allow_ips=_forwarded_allow_ips(env),
        webhook_worker=_bool(env, "SHIRUBE_WEBHOOK_WORKER", default=True),
        kpi_worker=_bool(env, "SHIRUBE_KPI_WORKER", default=True),
        webhook_timeout_seconds=_int(env, "SHIRUBE_WEBHOOK_TIMEOUT_SECONDS", 15, 1, 60),
        webhook_allow_http=_bool(env, "SHIRUBE_WEBHOOK_ALLOW_HTTP"),
        webhook_allow_networks=_networks(env, "SHIRUBE_WEBHOOK_ALLOW_NETWORKS"),
        webhook_retention_days=_int(env, "SHIRUBE_WEBHOOK_RETENTION_DAYS", 30, 1, 3650),
    )
