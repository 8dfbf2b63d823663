"""Everything the demo host app reads from its environment, in one place."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


class DemoSettingsError(ValueError):
    """A demo setting is missing or malformed; the message is one line for the operator."""


@dataclass(frozen=True)
class DemoSettings:
    # Where the browser loads the widget from and where the SDK sends events.
    shirube_url: str
    public_key: str
    secret_key: str
    identity_secret: str
    database_path: Path
    session_secret: str
    host: str = "127.0.0.1"
    port: int = 8001
    # Cookies marked Secure are never sent over plain http://127.0.0.1; behind https, set
    # KINTAI_COOKIE_SECURE=true.
    https_only: bool = False

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "")
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise DemoSettingsError(f"{name} must be a port number (1-65535), got {raw!r}")
    return int(raw)


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no"):
        return False
    if raw in ("1", "true", "yes"):
        return True
    raise DemoSettingsError(f"{name} must be true or false, got {raw!r}")


def load_demo_settings(env: Mapping[str, str] | None = None) -> DemoSettings:
    """Settings from `KINTAI_*` variables, to run the demo alone against a running Shirube."""
    env = os.environ if env is None else env
    missing = [
        name
        for name in ("KINTAI_SHIRUBE_PUBLIC_KEY", "KINTAI_SHIRUBE_SECRET_KEY")
        if not env.get(name)
    ]
    if missing:
        raise DemoSettingsError(f"{', '.join(missing)} must be set (`make demo` sets them)")
    return DemoSettings(
        shirube_url=(env.get("KINTAI_SHIRUBE_URL") or "http://127.0.0.1:8000").rstrip("/"),
        public_key=env["KINTAI_SHIRUBE_PUBLIC_KEY"],
        secret_key=env["KINTAI_SHIRUBE_SECRET_KEY"],
        identity_secret=env.get("KINTAI_SHIRUBE_IDENTITY_SECRET", ""),
        database_path=Path(env.get("KINTAI_DATABASE") or "kintai-demo.db"),
        session_secret=env.get("KINTAI_SESSION_SECRET") or secrets.token_urlsafe(32),
        host=env.get("KINTAI_HOST") or "127.0.0.1",
        port=_port(env, "KINTAI_PORT", 8001),
        https_only=_flag(env, "KINTAI_COOKIE_SECURE"),
    )
