"""`python -m demo_app` (what `make demo` runs): Shirube and Kintai Cloud in one process.

Both servers share one event loop; Ctrl-C (or SIGTERM) stops the demo first, so that its SDK
client can still hand its last events to Shirube, then Shirube. On a workspace without the
demo's history, Shirube receives it (demo_app.history) before the demo app starts.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from shirube.app import create_app as create_shirube_app
from shirube.settings import SettingsError, load_settings
from shirube_sdk.errors import ShirubeError
from starlette.types import ASGIApp

from demo_app.app import create_app as create_demo_app
from demo_app.db import Store
from demo_app.history_send import seed_history
from demo_app.provision import DemoKeys, provision
from demo_app.settings import DemoSettings


class _Server(uvicorn.Server):
    """uvicorn's server without its own signal handling: the launcher stops both servers."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def bind(host: str, port: int) -> socket.socket:
    """Bind before anything else so a busy port is reported at once (port 0: any free one)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise SystemExit(f"demo: cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def origin_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://{host}:{port}"


@dataclass
class Running:
    """Two uvicorn servers on pre-bound sockets; `stop()` may be called from any thread."""

    shirube: _Server
    demo: _Server
    shirube_socket: socket.socket
    demo_socket: socket.socket
    # Runs in a thread once Shirube answers, before the demo starts; told when to stop.
    history: Callable[[Callable[[], bool]], None] | None = None

    @property
    def started(self) -> bool:
        return self.shirube.started and self.demo.started

    def stop(self) -> None:
        self.demo.should_exit = True

    async def serve(self) -> None:
        shirube = asyncio.create_task(self.shirube.serve([self.shirube_socket]))
        # The demo serves pages that load the widget from Shirube: start it second.
        while not self.shirube.started and not shirube.done():
            await asyncio.sleep(0.05)
        try:
            if self.history is not None and self.shirube.started:
                await asyncio.to_thread(self.history, lambda: self.demo.should_exit)
            await self.demo.serve([self.demo_socket])
        finally:
            self.shirube.should_exit = True
            await shirube


def _server(app: ASGIApp) -> _Server:
    config = uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=3)
    return _Server(config)


def _history(settings: DemoSettings) -> Callable[[Callable[[], bool]], None]:
    def send(stop: Callable[[], bool]) -> None:
        store = Store(settings.database_path)
        try:
            sent = seed_history(settings.shirube_url, settings.secret_key, store, stop=stop)
        except ShirubeError as exc:  # the demo still works, with an empty dashboard
            print(f"demo: the history was not sent: {exc}", file=sys.stderr, flush=True)
            return
        if sent is not None:
            print(
                f"demo: history sent to Shirube: {sent.people} people, {sent.events} events"
                f" in {sent.seconds:.1f} s" + (f"; refused: {sent.errors}" if sent.errors else ""),
                file=sys.stderr,
                flush=True,
            )

    return send


def build(
    shirube_socket: socket.socket,
    demo_socket: socket.socket,
    keys_path: Path,
    demo_database: Path,
    env: dict[str, str] | None = None,
    history: bool = True,
) -> tuple[Running, DemoKeys, DemoSettings]:
    """Provision Shirube (migrations, workspace, content) and create both apps; with
    `history`, the demo's past is sent to Shirube once it is up (if not there already)."""
    try:
        shirube_settings = load_settings(env)
    except SettingsError as exc:
        raise SystemExit(f"demo: {exc}") from None
    demo_origin, shirube_url = origin_of(demo_socket), origin_of(shirube_socket)
    origins = [demo_origin, demo_origin.replace("127.0.0.1", "localhost")]
    keys = provision(shirube_settings, sorted(set(origins)), keys_path)
    host, port = demo_socket.getsockname()[:2]
    demo_settings = DemoSettings(
        shirube_url=shirube_url,
        public_key=keys.public_key,
        secret_key=keys.secret_key,
        identity_secret=keys.identity_secret,
        database_path=demo_database,
        session_secret=keys.session_secret,
        host=host,
        port=port,
    )
    running = Running(
        shirube=_server(create_shirube_app(shirube_settings)),
        demo=_server(create_demo_app(demo_settings)),
        shirube_socket=shirube_socket,
        demo_socket=demo_socket,
        history=_history(demo_settings) if history else None,
    )
    return running, keys, demo_settings


def banner(keys: DemoKeys, shirube_url: str, demo_url: str, keys_path: Path) -> str:
    return "\n".join(
        [
            "",
            "Kintai Cloud (the demo host SaaS) and Shirube are running.",
            "",
            f"  Demo app:  {demo_url}",
            "    Sign in by picking a user (no password): admins, managers and employees of",
            '    three companies, or "新しい会社ではじめる / Start a new company" for the',
            "    newcomer's path (a fresh admin whose onboarding starts at 0%).",
            "",
            f"  Shirube:   {shirube_url}   (API: {shirube_url}/api/v1/openapi.json)",
            f"    Console:          {shirube_url}/console",
            f"    Console admin:    {keys.admin_email}",
            f"    Password:         {keys.admin_password}",
            f"    Workspace:        id {keys.workspace_id}, public key {keys.public_key}",
            # The secret key stays in the keys file: a terminal's scrollback and CI logs
            # are no place for a credential that writes to the workspace.
            f'    Secret key:       in {keys_path} ("secret_key")',
            "    Identity mode:    enforce (the demo signs every user with shirube_sdk)",
            f"    (kept in {keys_path}; delete it and the databases for a fresh start)",
            "",
            "Press Ctrl-C to stop both.",
            "",
        ]
    )


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m demo_app", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("SHIRUBE_HOST") or "127.0.0.1")
    parser.add_argument(
        "--shirube-port", type=int, default=int(os.environ.get("SHIRUBE_PORT") or 8000)
    )
    parser.add_argument("--demo-port", type=int, default=int(os.environ.get("KINTAI_PORT") or 8001))
    parser.add_argument(
        "--keys-file",
        type=Path,
        default=Path(os.environ.get("SHIRUBE_DEMO_KEYS_FILE") or ".shirube-demo.json"),
    )
    parser.add_argument(
        "--demo-database",
        type=Path,
        default=Path(os.environ.get("KINTAI_DATABASE") or "kintai-demo.db"),
    )
    parser.add_argument(
        "--no-history",
        action="store_true",
        default=os.environ.get("KINTAI_HISTORY", "").lower() in ("0", "false", "no", "off"),
        help="do not send the demo's eight weeks of made-up history to Shirube",
    )
    return parser.parse_args(argv)


async def _serve_until_signal(running: Running) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, running.stop)
    await running.serve()


def main(argv: list[str] | None = None) -> None:
    args = _arguments(argv)
    shirube_socket = bind(args.host, args.shirube_port)
    demo_socket = bind(args.host, args.demo_port)
    running, keys, settings = build(
        shirube_socket,
        demo_socket,
        args.keys_file,
        args.demo_database,
        history=not args.no_history,
    )
    print(banner(keys, origin_of(shirube_socket), settings.origin, args.keys_file), flush=True)
    asyncio.run(_serve_until_signal(running))
    print("demo: stopped", file=sys.stderr)
