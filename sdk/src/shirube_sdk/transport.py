"""One HTTP exchange with the server API (urllib, standard library), and the retry policy.

Each request opens its own connection: urllib has no keep-alive, and the SDK sends few
requests (background events go in batches), so a connection pool would not pay for a
dependency. Errors come out typed: `ApiError` subclasses for HTTP error answers,
`NetworkError` when no answer arrived.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import random
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Callable, TypeVar, Union

from shirube_sdk.errors import ApiError, FieldError, NetworkError, ShirubeError, api_error

T = TypeVar("T")
Body = Union[bytes, Mapping[str, Any], None]


def encode_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _error_from_response(status: int, reason: str, headers: Any, raw: bytes) -> ApiError:
    retry_after = _retry_after(headers.get("Retry-After") if headers is not None else None)
    # The header is there even when a proxy's page replaced the body.
    request_id = headers.get("X-Request-Id") if headers is not None else None
    try:
        payload = json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, ValueError):
        payload = None
    error = payload.get("error") if isinstance(payload, dict) else None
    if isinstance(error, dict):
        fields = [
            FieldError(str(f.get("path", "")), str(f.get("message", "")))
            for f in error.get("fields") or []
            if isinstance(f, dict)
        ]
        code = str(error.get("code") or f"http_{status}")
        message = str(error.get("message") or reason)
        request_id = str(error.get("request_id") or request_id or "") or None
        return api_error(status, code, message, fields, retry_after, request_id)
    # Not Shirube's error shape (a proxy in between, say): keep what it said, briefly.
    text = raw.decode("utf-8", "replace").strip()[:200] or reason
    return api_error(status, f"http_{status}", text, (), retry_after, request_id)


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """urllib would follow a redirect with the Authorization header (the secret key) to any
    host, even from https to http, and turn a POST into a GET; refusing makes the 3xx an
    HTTPError, which `Transport.request` turns into an `ApiError`."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_RefuseRedirects)


class Transport:
    """Sends one request to the server API with the workspace secret key."""

    def __init__(self, server_url: str, secret_key: str, timeout: float, user_agent: str) -> None:
        parsed = urllib.parse.urlsplit(server_url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError(f"server_url must be an http(s) URL, got {server_url!r}")
        self.base_url = server_url.rstrip("/")
        self.timeout = timeout
        self._headers = {
            "Authorization": f"Bearer {secret_key}",
            "Accept": "application/json",
            "User-Agent": user_agent,
        }

    def request(
        self, method: str, path: str, body: Body = None, query: Mapping[str, str] | None = None
    ) -> Any:
        """One attempt. Returns the decoded JSON answer (None for an empty body)."""
        url = self.base_url + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = body if isinstance(body, bytes) or body is None else encode_json(body)
        headers = dict(self._headers)
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            try:
                raw_error = exc.read()
            except (OSError, http.client.HTTPException):
                raw_error = b""
            finally:
                exc.close()
            if 300 <= exc.code < 400:
                location = exc.headers.get("Location") if exc.headers is not None else None
                raise ApiError(
                    exc.code,
                    "redirect",
                    f"the server redirected to {location or 'nowhere'}; not followed, so that "
                    "the secret key goes only to server_url (set it to the final address)",
                ) from None
            raise _error_from_response(exc.code, str(exc.reason), exc.headers, raw_error) from None
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
            # ValueError: a truncated chunked answer from a server that died mid-response.
            reason = getattr(exc, "reason", None) or exc
            raise NetworkError(f"{method} {url}: {reason}") from exc
        if not raw:
            return None
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise NetworkError(f"{method} {url}: the answer is not JSON") from exc


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, only for errors that a retry can fix."""

    max_retries: int
    base_delay: float
    max_delay: float

    @staticmethod
    def should_retry(error: ShirubeError) -> bool:
        if isinstance(error, ApiError):
            return error.retryable
        return isinstance(error, NetworkError)

    def delay(self, retry: int, error: ShirubeError) -> float:
        """Seconds to wait before retry number `retry` (0-based). A Retry-After header is
        honoured, up to `max_delay`."""
        if isinstance(error, ApiError) and error.retry_after is not None:
            return min(error.retry_after, self.max_delay)
        ceiling = min(self.max_delay, self.base_delay * (2**retry))
        return random.uniform(0, ceiling)

    def run(self, attempt: Callable[[], T], sleep: Callable[[float], None] = time.sleep) -> T:
        """Call `attempt` until it succeeds, raises a final error, or retries run out."""
        retry = 0
        while True:
            try:
                return attempt()
            except ShirubeError as error:
                if retry >= self.max_retries or not self.should_retry(error):
                    raise
                sleep(self.delay(retry, error))
                retry += 1
