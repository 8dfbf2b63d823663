"""Events on the wire: what `track()` records, how a batch body is built, and which events of
a refused batch the server named."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any, NamedTuple, Union

from shirube_sdk.errors import ApiError
from shirube_sdk.transport import encode_json

EVENTS_PATH = "/api/v1/events"
MAX_BATCH_SIZE = 1000  # the server's limit per request
_BATCH_OPEN = b'{"events":['
_BATCH_CLOSE = b"]}"
BATCH_OVERHEAD = len(_BATCH_OPEN) + len(_BATCH_CLOSE)
_EVENT_PATH = re.compile(r"^events\[(\d+)\]")

Timestamp = Union[float, datetime]

# The reserved event of active time (`track_active()`), and the most one event may report.
ACTIVE_EVENT = "$active"
MAX_ACTIVE_SECONDS = 3600


def new_event_id() -> str:
    """A random (version 4) UUID as 32 hex digits, made at track() time so that every retry
    carries it. Built from os.urandom directly: uuid.uuid4().hex costs about 4 times more."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    return raw.hex()


def isoformat(timestamp: Timestamp) -> str:
    """RFC 3339 in UTC. A naive datetime is taken to be UTC (the server needs a zone)."""
    if isinstance(timestamp, datetime):
        moment = (
            timestamp.replace(tzinfo=timezone.utc)
            if timestamp.tzinfo is None
            else timestamp.astimezone(timezone.utc)
        )
    else:
        moment = datetime.fromtimestamp(timestamp, timezone.utc)
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def wire_event(event: dict[str, Any]) -> dict[str, Any]:
    """The JSON object the server expects; `track()` stores the time as a float to stay cheap."""
    wire = dict(event)
    wire["timestamp"] = isoformat(event["timestamp"])
    return wire


class Encoded(NamedTuple):
    event: dict[str, Any]  # as sent (timestamp as text), handed to on_error if it fails
    body: bytes


def encode_event(event: dict[str, Any]) -> Encoded:
    """Raises TypeError or ValueError when a property cannot be JSON."""
    wire = wire_event(event)
    return Encoded(wire, encode_json(wire))


def batch_body(batch: Sequence[Encoded]) -> bytes:
    return _BATCH_OPEN + b",".join(item.body for item in batch) + _BATCH_CLOSE


def rejected_indexes(error: ApiError, size: int) -> set[int]:
    """Indexes of the events a validation error names (`events[3].name`); empty when the
    error names anything else, so that the caller gives up on the whole batch."""
    indexes: set[int] = set()
    for field in error.fields:
        match = _EVENT_PATH.match(field.path)
        if match is None or int(match.group(1)) >= size:
            return set()
        indexes.add(int(match.group(1)))
    return indexes
