"""The id of the request being served: taken from the client's `X-Request-Id` when it is
short and plain, made here otherwise; returned in a response header and in error bodies, and
written on every log line the request causes."""

from __future__ import annotations

import re
from contextvars import ContextVar
from random import getrandbits

HEADER = b"x-request-id"
# Plain enough to land in a log line, a header and a JSON body as it is: no quoting, no
# control characters, no way to forge a second log field.
_SAFE = re.compile(rb"[A-Za-z0-9._-]{1,64}")

# Set for the task serving a request (middleware/observe.py); read by error bodies and logs.
REQUEST_ID: ContextVar[str | None] = ContextVar("shirube_request_id", default=None)


def accept_or_new(offered: bytes | None) -> str:
    """The client's id when it is safe to repeat, else a new one: 96 random bits in hex, from
    `random` (an id is no secret: it needs to be unique, not unguessable; os.urandom cost a
    system call per request; `random` is reseeded in a forked child)."""
    if offered is not None and _SAFE.fullmatch(offered):
        return offered.decode("ascii")
    return f"{getrandbits(96):024x}"


def current_request_id() -> str | None:
    return REQUEST_ID.get()
