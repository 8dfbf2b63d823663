"""A small HTTP client for the deployment tests: one connection per request (an instance may
be killed between two), a chosen source address (127.0.0.2 is another client than nginx on
127.0.0.1), https to nginx's self-signed certificate, and the raw answer (headers, bytes)."""

from __future__ import annotations

import http.client
import json
import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def all(self, name: str) -> list[str]:
        return self.headers.get_all(name) or []


def request(
    method: str,
    url: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    *,
    source: str | None = None,
    timeout: float = 10.0,
    cafile: str | None = None,
    raw: bytes | None = None,
) -> Reply:
    """Send one request on a new connection; network errors propagate (OSError and
    http.client's exceptions), an HTTP error status is a Reply like any other."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port
    source_address = (source, 0) if source is not None else None
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        context = ssl.create_default_context(cafile=cafile)
        connection = http.client.HTTPSConnection(
            host, port, timeout=timeout, source_address=source_address, context=context
        )
    else:
        connection = http.client.HTTPConnection(
            host, port, timeout=timeout, source_address=source_address
        )
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    sent = dict(headers or {})
    if data is not None:
        sent.setdefault("Content-Type", "application/json")
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request(method, path or "/", body=data, headers=sent)
        response = connection.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        connection.close()
