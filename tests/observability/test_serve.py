"""`shirube serve` as operators run it: JSON log lines from every logger, our access lines
with the request id, and with `--workers 2` counters summed over the workers whichever of
them answers the scrape (prometheus_client's multiprocess mode, in a directory of the run's
own, removed at exit)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.observability.conftest import TOKEN
from tests.sdk.live_server import HOST, SERVER_SECRET, SHIRUBE, free_port


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _healthz_count(text: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "shirube_http_requests_total" and sample.labels == {
                "route": "/healthz", "method": "GET", "status": "200"
            }:  # fmt: skip
                return sample.value
    return 0.0


def test_serve_with_two_workers_logs_json_and_sums_the_metrics(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://{HOST}:{port}"
    env = {
        **os.environ,
        "SHIRUBE_DATABASE_URL": f"sqlite:///{tmp_path / 'shirube.db'}",
        "SHIRUBE_SECRET_KEY": SERVER_SECRET,
        "SHIRUBE_METRICS_TOKEN": TOKEN,
        "SHIRUBE_LOG_FORMAT": "json",
        "TMPDIR": str(tmp_path),
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [SHIRUBE, "serve", "--host", HOST, "--port", str(port), "--workers", "2"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert process.poll() is None, log_path.read_text()
            try:
                if _get(url + "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("no answer in 30 s:\n" + log_path.read_text())
        for _ in range(19):
            assert _get(url + "/healthz")[0] == 200
        status, body = _get(url + "/api/v1/workspace", {"X-Request-Id": "live-1"})
        assert status == 401 and json.loads(body)["error"]["request_id"] == "live-1"
        (directory,) = tmp_path.glob("shirube-metrics-*")
        assert any(directory.iterdir())
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        for _ in range(4):  # whichever worker answers
            status, body = _get(url + "/metrics", bearer)
            assert status == 200
            assert _healthz_count(body.decode()) == 20
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
    assert list(tmp_path.glob("shirube-metrics-*")) == []
    lines = [json.loads(line) for line in log_path.read_text().splitlines()]  # all JSON
    loggers = {line["logger"] for line in lines}
    assert {"uvicorn.error", "shirube.access", "alembic.runtime.migration"} <= loggers
    (refused,) = [line for line in lines if line.get("request_id") == "live-1"]
    assert refused["route"] == "/api/v1/workspace" and refused["status"] == 401
    assert all(set(line) >= {"time", "level", "logger", "message"} for line in lines)
