from __future__ import annotations

from pathlib import Path

import pytest
from shirube.settings import SettingsError, load_settings


def test_defaults_in_development(tmp_path: Path) -> None:
    settings = load_settings({}, tmp_path)
    assert settings.database_url == f"sqlite:///{tmp_path / 'shirube.db'}"
    assert settings.env == "development"
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.progress_cache_size == 10_000
    assert load_settings({"SHIRUBE_PROGRESS_CACHE_SIZE": "0"}, tmp_path).progress_cache_size == 0
    assert load_settings({"SHIRUBE_LOCK_WAIT_SECONDS": "30"}, tmp_path).lock_wait_seconds == 30
    # The generated key is kept and reused.
    assert len(settings.secret_key) >= 32
    assert load_settings({}, tmp_path).secret_key == settings.secret_key
    assert (tmp_path / ".shirube-secret").stat().st_mode & 0o777 == 0o600


def test_production_requires_a_secret_key(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="SHIRUBE_SECRET_KEY is required"):
        load_settings({"SHIRUBE_ENV": "production"}, tmp_path)
    settings = load_settings(
        {"SHIRUBE_ENV": "production", "SHIRUBE_SECRET_KEY": "k" * 40}, tmp_path
    )
    assert settings.is_production
    assert not (tmp_path / ".shirube-secret").exists()


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SHIRUBE_PORT": "eighty"}, "SHIRUBE_PORT must be an integer"),
        ({"SHIRUBE_PORT": "70000"}, "SHIRUBE_PORT must be between 1 and 65535"),
        ({"SHIRUBE_ENV": "staging"}, "SHIRUBE_ENV must be one of"),
        ({"SHIRUBE_DATABASE_URL": "mysql://x/y"}, "SHIRUBE_DATABASE_URL must start with"),
        ({"SHIRUBE_SECRET_KEY": "short"}, "at least 32 characters"),
        ({"SHIRUBE_MAX_BODY_BYTES": "10"}, "SHIRUBE_MAX_BODY_BYTES must be between"),
        ({"SHIRUBE_WEBHOOK_ALLOW_NETWORKS": "10.0.0.0/8,nope"}, "got 'nope'"),
        ({"SHIRUBE_WEBHOOK_TIMEOUT_SECONDS": "0"}, "SHIRUBE_WEBHOOK_TIMEOUT_SECONDS must be"),
        ({"SHIRUBE_WEBHOOK_WORKER": "maybe"}, "SHIRUBE_WEBHOOK_WORKER must be true or false"),
        ({"SHIRUBE_PROGRESS_CACHE_SIZE": "-1"}, "SHIRUBE_PROGRESS_CACHE_SIZE must be between"),
        ({"SHIRUBE_PROGRESS_CACHE_SIZE": "lots"}, "SHIRUBE_PROGRESS_CACHE_SIZE must be an integer"),
        ({"SHIRUBE_METRICS_TOKEN": "short"}, "SHIRUBE_METRICS_TOKEN must be at least 16"),
        ({"SHIRUBE_METRICS_TOKEN": "has a space in it!"}, "without spaces"),
        ({"SHIRUBE_METRICS_TOKEN": "ünïcode-token-long-enough"}, "printable ASCII"),
        ({"SHIRUBE_LOG_FORMAT": "xml"}, "SHIRUBE_LOG_FORMAT must be one of json, text"),
        ({"SHIRUBE_LOG_LEVEL": "loud"}, "SHIRUBE_LOG_LEVEL must be one of debug, info"),
        ({"SHIRUBE_LOCK_WAIT_SECONDS": "0"}, "SHIRUBE_LOCK_WAIT_SECONDS must be between"),
        # uvicorn would take these for host names no client has, and trust nobody.
        ({"FORWARDED_ALLOW_IPS": "10.0.0.1, nginx"}, "FORWARDED_ALLOW_IPS must be IP addresses"),
        ({"FORWARDED_ALLOW_IPS": "10.0.0.1/8"}, "got '10.0.0.1/8'"),
        ({"FORWARDED_ALLOW_IPS": "*,10.0.0.1"}, "got '\\*'"),
    ],
)
def test_bad_settings_give_one_clear_line(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError, match=message) as caught:
        load_settings(env, tmp_path)
    assert "\n" not in str(caught.value)


def test_postgres_url_forms_use_psycopg(tmp_path: Path) -> None:
    for scheme in ("postgres", "postgresql"):
        url = load_settings({"SHIRUBE_DATABASE_URL": f"{scheme}://u@h/db"}, tmp_path).database_url
        assert url == "postgresql+psycopg://u@h/db"


def test_metrics_and_log_settings(tmp_path: Path) -> None:
    development = load_settings({}, tmp_path)
    assert development.metrics_token is None  # no /metrics unless asked for
    assert (development.log_format, development.log_level) == ("text", "info")
    production = load_settings(
        {"SHIRUBE_ENV": "production", "SHIRUBE_SECRET_KEY": "k" * 40}, tmp_path
    )
    assert production.log_format == "json"
    chosen = load_settings(
        {
            "SHIRUBE_METRICS_TOKEN": "t0ken-for-prometheus",
            "SHIRUBE_LOG_FORMAT": "JSON",
            "SHIRUBE_LOG_LEVEL": "warning",
        },
        tmp_path,
    )
    assert chosen.metrics_token == "t0ken-for-prometheus"
    assert (chosen.log_format, chosen.log_level) == ("json", "warning")


def test_forwarded_allow_ips_are_uvicorns_setting_checked_here(tmp_path: Path) -> None:
    assert load_settings({}, tmp_path).forwarded_allow_ips == "127.0.0.1,::1"
    given = {"FORWARDED_ALLOW_IPS": " 10.0.0.5, 172.28.0.0/24 ,fd00::/8"}
    assert load_settings(given, tmp_path).forwarded_allow_ips == "10.0.0.5,172.28.0.0/24,fd00::/8"
    assert load_settings({"FORWARDED_ALLOW_IPS": "*"}, tmp_path).forwarded_allow_ips == "*"


def test_webhook_settings(tmp_path: Path) -> None:
    defaults = load_settings({}, tmp_path)
    assert defaults.webhook_worker is True  # `shirube serve` delivers unless told not to
    assert (defaults.webhook_allow_http, defaults.webhook_allow_networks) == (False, ())
    assert (defaults.webhook_timeout_seconds, defaults.webhook_retention_days) == (15, 30)
    settings = load_settings(
        {
            "SHIRUBE_WEBHOOK_WORKER": "false",
            "SHIRUBE_WEBHOOK_ALLOW_HTTP": "true",
            "SHIRUBE_WEBHOOK_ALLOW_NETWORKS": " 10.1.2.3/8, fd00::/8 ,",
            "SHIRUBE_WEBHOOK_TIMEOUT_SECONDS": "5",
            "SHIRUBE_WEBHOOK_RETENTION_DAYS": "7",
        },
        tmp_path,
    )
    assert settings.webhook_worker is False and settings.webhook_allow_http is True
    assert settings.webhook_allow_networks == ("10.0.0.0/8", "fd00::/8")
    assert (settings.webhook_timeout_seconds, settings.webhook_retention_days) == (5, 7)
