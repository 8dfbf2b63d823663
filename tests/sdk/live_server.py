"""A real Shirube server for the SDK tests: `shirube serve` in a subprocess on a free port,
workspaces made with `shirube workspace create --json`, and direct counts of stored events."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text

SHIRUBE = str(Path(sys.executable).with_name("shirube"))
HOST = "127.0.0.1"
ORIGIN = "https://kintai.example.com"
SERVER_SECRET = "sdk-tests-server-secret-" + "s" * 32


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class Workspace:
    id: int
    public_key: str
    secret_key: str
    identity_secret: str


def call(
    method: str, url: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    """A raw HTTP call (what the SDK does not cover: workspace settings, the widget API)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url,
        data=data,
        method=method,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


class LiveServer:
    """One database, served by one `shirube serve` process at a time, always on one port (so
    that a client keeps its URL across a restart)."""

    def __init__(self, database_url: str, workdir: Path) -> None:
        self.database_url = database_url
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.log_path = workdir / f"shirube-{self.port}.log"
        self.env = {
            **os.environ,
            "SHIRUBE_DATABASE_URL": database_url,
            "SHIRUBE_SECRET_KEY": SERVER_SECRET,
        }
        self.process: subprocess.Popen[bytes] | None = None
        self._engine: Engine | None = None

    def start(self) -> None:
        command = [SHIRUBE, "serve", "--host", HOST, "--port", str(self.port)]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"shirube serve exited:\n{self.log_tail()}")
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(self.url + "/healthz", timeout=2) as response,
            ):
                if response.status == 200:
                    return
            time.sleep(0.05)
        raise RuntimeError(f"shirube serve did not answer in 30 s:\n{self.log_tail()}")

    def stop(self, kill: bool = False) -> None:
        """SIGKILL (nothing finishes, like a crash) or SIGTERM; wait until it is gone."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def create_workspace(self, name: str) -> Workspace:
        done = subprocess.run(
            [SHIRUBE, "workspace", "create", name, "--origin", ORIGIN, "--json"],
            env=self.env,
            capture_output=True,
            check=True,
        )
        data = json.loads(done.stdout)
        return Workspace(
            data["id"], data["public_key"], data["secret_key"], data["identity_secret"]
        )

    def stored_event_ids(self, workspace: Workspace, user_id: str) -> list[str]:
        """Every stored event id of the user, duplicates included (there must be none)."""
        if self._engine is None:
            self._engine = create_engine(self.database_url)
        with self._engine.connect() as conn:
            rows = conn.execute(
                text("SELECT id FROM event WHERE workspace_id = :w AND user_id = :u"),
                {"w": workspace.id, "u": user_id},
            )
            return [row[0] for row in rows]

    def close(self) -> None:
        self.stop()
        if self._engine is not None:
            self._engine.dispose()


@contextlib.contextmanager
def running_server(database_url: str, workdir: Path) -> Iterator[LiveServer]:
    server = LiveServer(database_url, workdir)
    server.start()
    try:
        yield server
    finally:
        server.close()
