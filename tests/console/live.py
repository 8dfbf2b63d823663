"""The console's Chromium tests share this: the app served by uvicorn in a thread over a copy
of the migrated SQLite template, signing in through the login form, and the watcher that turns
what the browser reports (console errors, CSP refusals, failed requests) into a list a test
asserts empty."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import ConsoleMessage, Page, Response, expect
from shirube.app import create_app
from shirube.settings import Settings
from shirube.storage import Database

from demo_app.launcher import bind, origin_of
from tests.conftest import SECRET, make_workspace
from tests.console.conftest import PASSWORD, make_admin


@dataclass(frozen=True)
class Live:
    url: str
    workspace_id: int
    database: Database

    @property
    def workspace(self) -> str:
        """The workspace's console page."""
        return f"{self.url}/console/workspaces/{self.workspace_id}"


@contextmanager
def serve_console(
    folder: Path,
    sqlite_template: Path,
    email: str,
    role: str,
    seed: Callable[[Any, int], None] | None = None,
) -> Iterator[Live]:
    """One workspace with one admin of `role` (the password is conftest's PASSWORD), `seed`
    run on it (connection, workspace id) before the server starts."""
    path = folder / "shirube.db"
    path.write_bytes(sqlite_template.read_bytes())
    settings = Settings(database_url=f"sqlite:///{path}", secret_key=SECRET, env="test")
    database = Database(settings.database_url)
    workspace = make_workspace(database)
    make_admin(database, email, {workspace.id: role})
    if seed is not None:
        database.run_sync(lambda conn: seed(conn, workspace.id))
    sock = bind("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(create_app(settings, database), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield Live(origin_of(sock), workspace.id, database)
    finally:
        server.should_exit = True
        thread.join(10)
        database.dispose()


def sign_in(page: Page, url: str, email: str, password: str = PASSWORD) -> None:
    """Opens `url` signed in: the console sends a signed-out browser to the login form."""
    page.goto(url)
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    expect(page).not_to_have_url(re.compile(r"/console/login"))
    page.goto(url)


def watch(page: Page, *, every_error: bool = True) -> list[str]:
    """What went wrong in the page (and its frames) from now on: uncaught errors and CSP
    refusals always; with `every_error`, also any console error and any request answered 4xx
    or 5xx (pages whose test provokes a failing request, e.g. a conflict, pass False)."""
    problems: list[str] = []

    def record(message: ConsoleMessage) -> None:
        # A failed load is reported by `answered` with its address.
        if every_error and message.text.startswith("Failed to load resource"):
            return
        # Chromium reports what the CSP refused on the console.
        if "Content Security Policy" in message.text or (every_error and message.type == "error"):
            problems.append(message.text)

    def answered(response: Response) -> None:
        # The browser's own favicon request is no page's doing.
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            problems.append(f"{response.status} {response.url}")

    page.on("console", record)
    if every_error:
        page.on("response", answered)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems
