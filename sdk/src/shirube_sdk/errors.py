"""The errors the SDK raises (synchronous calls) or passes to `on_error` (background sends).

Every HTTP error answer of the server has one JSON shape,
`{"error": {"code", "message", "fields": [{"path", "message"}], "request_id"}}`; `ApiError`
carries it. `request_id` names the request in the server's logs (also in `X-Request-Id`).
4xx errors say what was wrong with the request and are never retried.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class ShirubeError(Exception):
    """Base class of every error raised by `shirube_sdk`."""


class NetworkError(ShirubeError):
    """The server could not be reached (or did not answer in time), after every retry."""


class QueueFullError(ShirubeError):
    """`track()` dropped an event because the queue was full (the server is slow or down)."""


class ClientClosedError(ShirubeError):
    """The event was dropped: `track()` came after `shutdown()`, or `shutdown()` timed out
    before the event could be delivered."""


class InvalidEventError(ShirubeError):
    """The event cannot be sent as JSON (a property that is not JSON, NaN, …); dropped."""


@dataclass(frozen=True)
class FieldError:
    """One problem in a request body: `path` like `events[3].properties`."""

    path: str
    message: str


class ApiError(ShirubeError):
    """The server answered with an error status (after every retry for 5xx and 429)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: Sequence[FieldError] = (),
        retry_after: float | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.fields = tuple(fields)
        self.retry_after = retry_after
        # Quote it to whoever runs the server: it finds the request's log lines.
        self.request_id = request_id

    @property
    def retryable(self) -> bool:
        return self.status == 429 or self.status >= 500


class ValidationError(ApiError):
    """400 or 422: the request body or a parameter is invalid; `fields` says where."""


class AuthenticationError(ApiError):
    """401 or 403: unknown or missing secret key (or a public key used on the server API)."""


class NotFoundError(ApiError):
    """404: no such user, company or content in this workspace."""


def api_error(
    status: int,
    code: str,
    message: str,
    fields: Sequence[FieldError] = (),
    retry_after: float | None = None,
    request_id: str | None = None,
) -> ApiError:
    """The most specific ApiError subclass for `status`."""
    kind: type[ApiError] = ApiError
    if status in (400, 422):
        kind = ValidationError
    elif status in (401, 403):
        kind = AuthenticationError
    elif status == 404:
        kind = NotFoundError
    return kind(status, code, message, fields, retry_after, request_id)
