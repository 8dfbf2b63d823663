"""One webhook request: resolve the host, refuse addresses the server must not reach
(security/outbound.py), connect to the address that was checked, POST the signed body, read
the status and the start of the answer, all within one deadline, on the event loop (asyncio
streams; h11, already uvicorn's, reads and writes HTTP/1.1). Redirects are never followed:
a 3xx is an answer like any other that is not 2xx, so a failure.

Connecting to the checked address (not to the name again) leaves DNS rebinding no window:
the name is resolved once per attempt, every address it gives is checked, and TLS still
verifies the certificate against the name (SNI and host name check). Proxies from the
environment (HTTPS_PROXY) are not used.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping
from email.utils import parsedate_to_datetime
from functools import cache
from urllib.parse import SplitResult, urlsplit

import h11

from shirube import __version__
from shirube.security.outbound import OutboundRules
from shirube.services.webhook_deliveries import RESPONSE_MAX, Outcome
from shirube.timeutil import utcnow

USER_AGENT = f"Shirube-Webhooks/{__version__}"
# An answer's status line and headers beyond this are a broken answer.
MAX_HEAD_BYTES = 16 * 1024
# Addresses tried in turn when a name has several (IPv6 and IPv4, round robin).
MAX_ADDRESSES = 4

Resolver = Callable[[str, int], Awaitable[list[str]]]


async def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (in the resolver's order, without repeats)."""
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )
    addresses: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in addresses:
            addresses.append(address)
    return addresses


@cache
def _tls() -> ssl.SSLContext:
    return ssl.create_default_context()


def _ms(start: float) -> int:
    return int((time.monotonic() - start) * 1000)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value[:9])
    try:
        return max(0.0, (parsedate_to_datetime(value) - utcnow()).total_seconds())
    except (TypeError, ValueError):
        return None


async def post_webhook(
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    rules: OutboundRules,
    timeout: float,
    resolver: Resolver = resolve,
) -> Outcome:
    """POST `body` to `url`; never raises for what the network or the endpoint does."""
    start = time.monotonic()
    deadline = start + timeout
    try:
        async with asyncio.timeout(timeout):
            return await _post(url, body, headers, rules, resolver, start, deadline)
    except TimeoutError:
        return Outcome(None, _ms(start), f"no answer within {timeout:g} s")


async def _post(
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    rules: OutboundRules,
    resolver: Resolver,
    start: float,
    deadline: float,
) -> Outcome:
    parts = urlsplit(url)
    https = parts.scheme == "https"
    host = parts.hostname or ""
    port = parts.port or (443 if https else 80)
    try:
        addresses = await resolver(host, port)
    except OSError as exc:
        return Outcome(None, _ms(start), f"could not resolve {host}: {exc.strerror or exc}")
    if not addresses:
        return Outcome(None, _ms(start), f"could not resolve {host}")
    for address in addresses:
        refusal = rules.address_refusal(address)
        if refusal is not None:
            return Outcome(None, _ms(start), f"refused: {host} resolves to {refusal}")
    streams = None
    problem: OSError | None = None
    for address in addresses[:MAX_ADDRESSES]:
        try:
            streams = await asyncio.open_connection(
                address,
                port,
                ssl=_tls() if https else None,
                server_hostname=host if https else None,
            )
            break
        except OSError as exc:
            problem = exc
    if streams is None:
        return Outcome(None, _ms(start), f"could not connect: {_describe(problem)}")
    reader, writer = streams
    try:
        return await _exchange(
            reader, writer, parts, host, port, https, body, headers, start, deadline
        )
    except OSError as exc:
        return Outcome(None, _ms(start), f"connection failed: {_describe(exc)}")
    except h11.ProtocolError as exc:
        return Outcome(None, _ms(start), f"not a valid HTTP answer: {exc}")
    finally:
        # No TLS goodbye to wait for: the request said `Connection: close`.
        writer.transport.abort()


def _describe(exc: OSError | None) -> str:
    if exc is None:
        return "no address"
    if isinstance(exc, ssl.SSLError):
        return f"TLS: {exc.reason or exc}"
    return exc.strerror or str(exc) or type(exc).__name__


async def _exchange(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    parts: SplitResult,
    host: str,
    port: int,
    https: bool,
    body: bytes,
    headers: Mapping[str, str],
    start: float,
    deadline: float,
) -> Outcome:
    default_port = 443 if https else 80
    host_header = f"[{host}]" if ":" in host else host
    if port != default_port:
        host_header += f":{port}"
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    http = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEAD_BYTES)
    request = h11.Request(
        method="POST",
        target=target,
        headers=[
            ("Host", host_header),
            ("User-Agent", USER_AGENT),
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("Connection", "close"),
            *headers.items(),
        ],
    )
    writer.write(
        http.send(request) + http.send(h11.Data(data=body)) + http.send(h11.EndOfMessage())
    )
    await writer.drain()
    response: h11.Response | None = None
    while response is None:
        event = await _next_event(http, reader)
        if isinstance(event, h11.Response):
            response = event
        elif isinstance(event, h11.ConnectionClosed):
            return Outcome(None, _ms(start), "the connection closed without an answer")
    status = response.status_code
    answered = _ms(start)
    retry_after = None
    if status in (429, 503):
        found = dict(response.headers).get(b"retry-after")
        retry_after = _retry_after(found.decode("latin-1") if found else None)
    # The start of the answer's body, for the delivery log, in what time is left (at most 2 s:
    # the status is what counts).
    excerpt = bytearray()
    # Ends before the attempt's own deadline, so that this timeout, not that one, stops it.
    budget = min(2.0, deadline - time.monotonic() - 0.05)
    try:
        async with asyncio.timeout(max(0.0, budget)):
            while budget > 0 and len(excerpt) < RESPONSE_MAX:
                event = await _next_event(http, reader)
                if not isinstance(event, h11.Data):
                    break
                excerpt += event.data
    except (TimeoutError, OSError, h11.ProtocolError):
        pass
    error = None
    if 300 <= status < 400:
        location = dict(response.headers).get(b"location", b"").decode("latin-1")[:120]
        error = f"redirect to {location or '?'} not followed"
    text = bytes(excerpt[:RESPONSE_MAX]).decode("utf-8", errors="replace") or None
    return Outcome(status, answered, error, text, retry_after)


async def _next_event(http: h11.Connection, reader: asyncio.StreamReader) -> object:
    while True:
        event = http.next_event()
        if event is h11.NEED_DATA:
            http.receive_data(await reader.read(4096))
            continue
        if isinstance(event, h11.InformationalResponse):
            continue
        return event
