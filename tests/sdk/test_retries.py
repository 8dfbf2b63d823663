"""Which answers are retried (network errors, 5xx, 429 with its Retry-After) and which are
not (4xx), against a scripted stand-in server that records every request it gets."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from shirube_sdk import (
    ApiError,
    Client,
    ClientClosedError,
    NetworkError,
    ShirubeError,
    ValidationError,
)
from shirube_sdk.transport import RetryPolicy, Transport

from tests.sdk.live_server import HOST

Answer = tuple[int, dict[str, str], Any]
OK: Answer = (200, {}, {"received": 1, "accepted": 1, "duplicates": 0, "completed_items": []})


def error(
    status: int, code: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], Any]:
    return (
        status,
        headers or {},
        {"error": {"code": code, "message": f"{code} happened", "fields": []}},
    )


class Scripted:
    """Answers requests from a script (the last answer repeats) and records their bodies."""

    def __init__(self) -> None:
        self.script: list[tuple[int, dict[str, str], Any]] = [OK]
        self.bodies: list[bytes] = []
        scripted = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                scripted.bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
                status, headers, body = (
                    scripted.script.pop(0) if len(scripted.script) > 1 else scripted.script[0]
                )
                raw = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_PUT = do_POST

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer((HOST, 0), Handler)
        self.url = f"http://{HOST}:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True).start()


@pytest.fixture
def stub() -> Iterator[Scripted]:
    scripted = Scripted()
    yield scripted
    scripted.httpd.shutdown()
    scripted.httpd.server_close()


def fast_client(stub: Scripted, reported: list[Any], **options: Any) -> Client:
    return Client(
        stub.url,
        "sk_test",
        retry_base_delay=0.001,
        max_retry_delay=0.01,
        on_error=lambda e, ev: reported.append((e, ev)),
        **options,
    )


def test_5xx_and_429_are_retried_with_the_same_event_ids(stub: Scripted) -> None:
    stub.script = [
        error(503, "unavailable"),
        error(429, "too_many_requests", {"Retry-After": "0"}),
        (502, {}, b"<html>Bad Gateway</html>"),
        OK,
    ]
    reported: list[Any] = []
    client = fast_client(stub, reported)
    ids = [client.track("u-1", "clocked_in", {"n": n}) for n in range(3)]
    assert client.flush(timeout=10)
    client.shutdown()
    assert reported == []
    assert len(stub.bodies) == 4
    assert len(set(stub.bodies)) == 1  # byte for byte the same batch
    assert [e["id"] for e in json.loads(stub.bodies[0])["events"]] == ids


def test_4xx_is_reported_and_not_retried(stub: Scripted) -> None:
    stub.script = [error(400, "invalid_json")]
    reported: list[Any] = []
    client = fast_client(stub, reported)
    event_id = client.track("u-1", "clocked_in")
    assert client.flush(timeout=10)
    client.shutdown()
    assert len(stub.bodies) == 1
    [(failure, events)] = reported
    assert isinstance(failure, ValidationError) and failure.code == "invalid_json"
    assert [e["id"] for e in events] == [event_id]


def test_the_request_id_is_kept_from_the_body_or_else_the_header(stub: Scripted) -> None:
    ours = error(422, "validation_error", {"X-Request-Id": "from-header"})
    ours[2]["error"]["request_id"] = "from-body"
    # A proxy's page in place of Shirube's body: the header is all there is.
    stub.script = [ours, (403, {"X-Request-Id": "edge-7"}, b"<html>denied</html>")]
    reported: list[Any] = []
    client = fast_client(stub, reported)
    client.track("u-1", "clocked_in")
    assert client.flush(timeout=10)
    client.track("u-1", "clocked_out")
    assert client.flush(timeout=10)
    client.shutdown()
    assert [(failure.code, failure.request_id) for failure, _ in reported] == [
        ("validation_error", "from-body"),
        ("http_403", "edge-7"),
    ]


def test_retries_run_out_and_the_batch_is_reported(stub: Scripted) -> None:
    stub.script = [error(500, "internal_error")]
    reported: list[Any] = []
    client = fast_client(stub, reported, max_retries=2)
    client.track("u-1", "clocked_in")
    assert client.flush(timeout=10)
    client.shutdown()
    assert len(stub.bodies) == 3
    [(failure, _)] = reported
    assert isinstance(failure, ApiError) and (failure.status, failure.code) == (
        500,
        "internal_error",
    )


def test_sync_calls_retry_too_and_raise_the_last_error(stub: Scripted) -> None:
    stub.script = [error(503, "unavailable"), (200, {}, {"id": "u-1"})]
    client = fast_client(stub, [], max_retries=1)
    assert client.identify("u-1") == {"id": "u-1"}
    stub.script = [error(503, "unavailable")]
    with pytest.raises(ApiError) as caught:
        client.identify("u-1")
    assert caught.value.status == 503
    client.shutdown()


def test_retry_after_is_read_and_honoured_up_to_the_cap(stub: Scripted) -> None:
    stub.script = [error(429, "too_many_requests", {"Retry-After": "7"})]
    transport = Transport(stub.url, "sk_test", 5, "test")
    with pytest.raises(ApiError) as caught:
        transport.request("POST", "/api/v1/events", {"events": []})
    assert caught.value.retry_after == 7.0
    assert RetryPolicy(5, 0.5, 30).delay(0, caught.value) == 7.0
    assert RetryPolicy(5, 0.5, 3).delay(0, caught.value) == 3.0


@pytest.mark.parametrize("retry", [0, 1, 4, 10])
def test_backoff_is_full_jitter_under_an_exponential_ceiling(retry: int) -> None:
    policy = RetryPolicy(20, 0.5, 30)
    ceiling = min(30, 0.5 * 2**retry)
    delays = [policy.delay(retry, NetworkError("down")) for _ in range(200)]
    assert all(0 <= d <= ceiling for d in delays)
    assert max(delays) > ceiling / 2  # spread over the range, not a fixed wait


def test_only_network_errors_5xx_and_429_are_retryable() -> None:
    assert RetryPolicy.should_retry(NetworkError("down"))
    for status in (429, 500, 502, 503):
        assert RetryPolicy.should_retry(ApiError(status, "x", "x"))
    for status in (400, 401, 403, 404, 409, 413, 422):
        assert not RetryPolicy.should_retry(ApiError(status, "x", "x"))
    assert not RetryPolicy.should_retry(ShirubeError("other"))


def test_shutdown_gives_up_in_time_and_reports_what_is_left(stub: Scripted) -> None:
    stub.script = [error(503, "unavailable")]
    reported: list[Any] = []
    client = Client(
        stub.url,
        "sk_test",
        max_retries=1000,
        retry_base_delay=0.05,
        max_retry_delay=0.05,
        on_error=lambda e, ev: reported.append((e, ev)),
    )
    ids = [client.track("u-1", "clocked_in") for _ in range(3)]
    assert client.shutdown(timeout=0.3) is False
    assert [type(e) for e, _ in reported] == [ClientClosedError]
    assert [e["id"] for e in reported[0][1]] == ids


def test_a_redirect_is_not_followed_with_the_secret_key(stub: Scripted) -> None:
    """urllib would resend the Authorization header to wherever a 3xx points."""
    elsewhere = Scripted()
    try:
        stub.script = [(307, {"Location": f"{elsewhere.url}/api/v1/events"}, b"")]
        transport = Transport(stub.url, "sk_test", 5, "test")
        with pytest.raises(ApiError) as caught:
            transport.request("POST", "/api/v1/events", {"events": []})
        assert (caught.value.status, caught.value.code) == (307, "redirect")
        assert elsewhere.url in str(caught.value)
        assert not RetryPolicy.should_retry(caught.value)
        assert len(stub.bodies) == 1 and elsewhere.bodies == []
    finally:
        elsewhere.httpd.shutdown()
        elsewhere.httpd.server_close()
