"""The two servers a widget browser test needs, each on its own free loopback port (so its own
origin): the real Shirube app served by uvicorn in a thread, and a static server for the host
pages of `pages/`, which writes the embedding snippet (WIDGET-CONTRACT "Snippet") into them."""

from __future__ import annotations

import hashlib
import http.server
import json
import socket
import sqlite3
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from base64 import b64encode
from collections import Counter
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from shirube_sdk.snippet import PRELOAD, STUB, script_json

HOST = "127.0.0.1"
PAGES = Path(__file__).resolve().parent / "pages"
SNIPPET_MARK = "<!--shirube-->"
# One plain page under several paths, for auto tours scoped to a page of their own; the root
# is the hash-routed app (its routes are `/#/…`, as on such an app's own origin).
ALIASES = {"again.html": "resume.html", "": "hash.html"}
# Every public event of the widget, recorded by the host page into `window.shirubeEvents`.
PUBLIC_EVENTS = (
    "ready tour_started step_seen tour_completed tour_dismissed target_missing "
    "checklist_item_completed checklist_completed survey_answered error"
)


def bound_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    return sock


class ThreadedUvicorn:
    """An ASGI app served by uvicorn on a background thread until `stop()`."""

    def __init__(self, app: Any) -> None:
        self._sock = bound_socket()
        port = self._sock.getsockname()[1]
        self.base_url = f"http://{HOST}:{port}"
        config = uvicorn.Config(
            app, log_level="warning", access_log=False, loop="asyncio", ws="none", lifespan="on"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )

    def start(self, timeout_s: float = 15.0) -> None:
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()


@dataclass(frozen=True)
class LiveShirube:
    """A running Shirube server, its workspace keys, and read access to its SQLite database."""

    base_url: str
    public_key: str
    secret_key: str
    database_path: Path
    workspace_id: int

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Read the server's database through a connection of our own (WAL: never blocks it)."""
        uri = f"file:{self.database_path}?mode=ro"
        with closing(sqlite3.connect(uri, uri=True, timeout=5)) as conn:
            return list(conn.execute(sql, params).fetchall())

    def events(self, user_id: str, name: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT id, name, properties FROM event WHERE workspace_id = ? AND user_id = ?"
        params: list[Any] = [self.workspace_id, user_id]
        if name is not None:
            sql += " AND name = ?"
            params.append(name)
        return [
            {"id": row[0], "name": row[1], "properties": json.loads(row[2] or "{}")}
            for row in self.rows(sql + " ORDER BY timestamp, received_at", *params)
        ]

    def steps_seen(self, user_id: str) -> Counter[str]:
        """How many `$tour_step_seen` events each step id has (ids dedupe: one per view)."""
        seen = self.events(user_id, "$tour_step_seen")
        return Counter(event["properties"]["step"] for event in seen)

    def tour_progress(self, user_id: str, tour: str) -> tuple[str, str | None] | None:
        found = self.rows(
            "SELECT status, current_step FROM tour_progress "
            "WHERE workspace_id = ? AND user_id = ? AND tour_key = ?",
            self.workspace_id,
            user_id,
            tour,
        )
        return (found[0][0], found[0][1]) if found else None

    def post(self, path: str, body: Any, method: str = "POST") -> Any:
        """Call the server API with the workspace secret key (as a host backend does)."""
        request = urllib.request.Request(
            self.base_url + path,
            data=json.dumps(body).encode(),
            method=method,
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {self.secret_key}",
            },
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())


@dataclass(frozen=True)
class Snippet:
    """The inline queue and `identify` call, and the async script tag, for one page view."""

    server: str
    public_key: str
    user_id: str
    locale: str = "en"
    traits: dict[str, Any] | None = None
    tour: str | None = None
    queued_tour: str | None = None
    # The SDK's current shape: the session preload after identify (without it: an older snippet).
    preload: bool = False
    # The page identifies another user after the snippet, before the script has loaded.
    then_user: str | None = None
    # No script tag: the test adds it (`add_script()`), after the preload has been answered.
    late: bool = False

    def inline_code(self) -> str:
        options: dict[str, Any] = {"locale": self.locale, "traits": self.traits or {}}
        lines = [
            STUB,
            "window.shirubeEvents=[];",
            f'"{PUBLIC_EVENTS}".split(" ").forEach(function(e){{Shirube.on(e,function(d)'
            "{window.shirubeEvents.push({name:e,detail:d});if(e==='ready')"
            "window.shirubeReady=true})});",
            f"Shirube.identify({script_json(self.user_id)}, {script_json(options)});",
        ]
        if self.preload:
            key, url = script_json(self.public_key), script_json(self.script_src())
            lines.append(PRELOAD.format(key=key, url=url))
        if self.then_user:
            lines.append(
                f"Shirube.identify({script_json(self.then_user)}, {script_json(options)});"
            )
        if self.tour:
            # Started once the session is loaded; `queued_tour` tests the raw queued call.
            start = f"Shirube.startTour({script_json(self.tour)})"
            lines.append(f'Shirube.on("ready",function(){{{start}}});')
        if self.queued_tour:
            lines.append(f"Shirube.startTour({script_json(self.queued_tour)});")
        return "\n".join(lines)

    def inline_script(self) -> str:
        """The exact text of the inline <script> (what a CSP hash covers)."""
        return f"\n{self.inline_code()}\n"

    def script_src(self) -> str:
        return f"{self.server}/widget/shirube.js"

    def html(self) -> str:
        if self.late:
            return f"<script>{self.inline_script()}</script>"
        return (
            f"<script>{self.inline_script()}</script>\n"
            f'<script async src="{self.script_src()}" data-key="{self.public_key}" crossorigin="anonymous"></script>'
        )

    def deferred_html(self) -> str:
        """`window.loadShirube()`: the same snippet, run when the test says so."""
        code = (
            "window.loadShirube=function(){\n" + self.inline_code() + "\n"
            "var s=document.createElement('script');s.async=true;"
            f"s.src={script_json(self.script_src())};"
            f"s.setAttribute('data-key',{script_json(self.public_key)});"
            "document.head.appendChild(s);};"
        )
        return f"<script>\n{code}\n</script>"


def csp_header(inline_script: str, shirube: str) -> str:
    """A strict policy: no inline scripts or styles except the snippet's own hash, no eval."""
    digest = b64encode(hashlib.sha256(inline_script.encode()).digest()).decode()
    return (
        f"default-src 'self'; script-src 'self' 'sha256-{digest}' {shirube}; "
        f"connect-src 'self' {shirube}; style-src 'self'; img-src 'self'; object-src 'none'; "
        "base-uri 'none'"
    )


class HostPages:
    """Serves `pages/`; `?user=…` puts the snippet into the page (`&defer=1`: as
    `window.loadShirube()`), `&tour=key` starts that tour on the widget's `ready` event
    (`&queued_tour=key`: a plain queued `Shirube.startTour(key)` call),
    `&role=…` is sent as the `role` trait, `&key=…` puts another workspace's public key in the
    snippet. Paths under /spa serve the single-page app; ALIASES
    serve one page under other paths."""

    def __init__(self, shirube_url: str = "", public_key: str = "") -> None:
        self.shirube_url = shirube_url
        self.public_key = public_key
        handler = self._handler()
        self._server = http.server.ThreadingHTTPServer((HOST, 0), handler)
        self.origin = f"http://{HOST}:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def url(self, path: str, user: str | None = None, **params: str) -> str:
        query = {"user": user, **params} if user is not None else params
        encoded = urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
        return f"{self.origin}{path}{'?' + encoded if encoded else ''}"

    def render(self, path: str, query: dict[str, str]) -> tuple[bytes, dict[str, str]] | None:
        name = "spa.html" if path == "/spa" or path.startswith("/spa/") else path.lstrip("/")
        name = ALIASES.get(name, name)
        file = (PAGES / (name or "index.html")).resolve()
        if PAGES not in file.parents or not file.is_file():
            return None
        content_type = {"html": "text/html", "js": "text/javascript", "css": "text/css"}.get(
            file.suffix.lstrip("."), "application/octet-stream"
        )
        headers = {"Content-Type": f"{content_type}; charset=utf-8", "Cache-Control": "no-store"}
        body = file.read_bytes()
        if file.suffix != ".html":
            return body, headers
        html = body.decode()
        user = query.get("user")
        if user is not None and SNIPPET_MARK in html:
            traits = {"role": query["role"]} if "role" in query else {}
            snippet = Snippet(
                self.shirube_url,
                query.get("key", self.public_key),
                user,
                locale=query.get("locale", "en"),
                traits=traits,
                tour=query.get("tour"),
                queued_tour=query.get("queued_tour"),
                preload=bool(query.get("preload")),
                then_user=query.get("then_user"),
                late=bool(query.get("late")),
            )
            text = snippet.deferred_html() if query.get("defer") else snippet.html()
            html = html.replace(SNIPPET_MARK, text)
            if query.get("csp"):
                headers["Content-Security-Policy"] = csp_header(
                    snippet.inline_script(), self.shirube_url
                )
        return html.encode(), headers

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        pages = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(parts.query))
                rendered = pages.render(parts.path, query)
                if rendered is None:
                    self.send_error(404)
                    return
                body, headers = rendered
                self.send_response(200)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
