"""The deployment files agree with Shirube: nginx's limits and timeouts with the server's, and
the POSTs nginx may send twice with the endpoints that store what they store once."""

from __future__ import annotations

import re
from pathlib import Path

import uvicorn
from shirube.api import events, widget
from shirube.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
PROXY = (DEPLOY / "nginx" / "shirube-proxy.conf").read_text()
UNITS = ("m", 1024 * 1024), ("k", 1024)


def _size(value: str) -> int:
    for suffix, factor in UNITS:
        if value.endswith(suffix):
            return int(value[: -len(suffix)]) * factor
    return int(value)


def test_nginx_refuses_no_body_shirube_accepts() -> None:
    [limit] = re.findall(r"^client_max_body_size (\S+);", PROXY, re.MULTILINE)
    assert _size(limit) == Settings.max_body_bytes


def test_nginx_gives_up_idle_connections_before_uvicorn_closes_them() -> None:
    uvicorn_seconds = uvicorn.Config(app=None).timeout_keep_alive
    for site in ("shirube.conf", "compose.conf"):
        text = (DEPLOY / "nginx" / site).read_text()
        [upstream] = re.findall(r"upstream shirube \{(.*?)\}", text, re.DOTALL)
        [seconds] = re.findall(r"keepalive_timeout (\d+)s;", upstream)
        assert int(seconds) < uvicorn_seconds, site


def test_only_the_posts_that_store_once_are_sent_twice() -> None:
    retried = re.findall(r"location = (\S+) \{[^}]*proxy_next_upstream [^;]*non_idempotent;", PROXY)
    assert sorted(retried) == sorted(
        [events.routes[0].path, widget.SESSION_PATH, "/api/v1/widget/events"]
    )
    assert PROXY.count("non_idempotent") == len(retried)


def test_instances_listen_where_only_the_proxy_reaches_them() -> None:
    unit = (DEPLOY / "systemd" / "shirube@.service").read_text()
    assert "--host 127.0.0.1" in unit
    environment = (DEPLOY / "systemd" / "shirube.env.example").read_text()
    assert "FORWARDED_ALLOW_IPS=127.0.0.1,::1" in environment
    compose = (DEPLOY / "compose.yaml").read_text()
    [trusted] = re.findall(r"FORWARDED_ALLOW_IPS: (\S+)", compose)
    assert f"ipv4_address: {trusted}" in compose
