"""The background sender: one daemon thread takes events from a bounded queue and posts them
in batches, closed by count, by size or by age, retrying what a retry can fix.

The caller's side (`offer`) never waits: a full queue drops the event and reports it.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Callable, Union

from shirube_sdk.errors import (
    ClientClosedError,
    InvalidEventError,
    QueueFullError,
    ShirubeError,
    ValidationError,
)
from shirube_sdk.events import (
    BATCH_OVERHEAD,
    EVENTS_PATH,
    Encoded,
    batch_body,
    encode_event,
    rejected_indexes,
    wire_event,
)
from shirube_sdk.transport import RetryPolicy, Transport

logger = logging.getLogger("shirube_sdk")

# How often the consumer looks for more events while a batch is open (see `_next`).
POLL_INTERVAL = 0.01
# A full queue (server down, heavy traffic) can drop thousands of events a second: one warning
# per interval, with the count, instead of one line per event.
DROP_LOG_INTERVAL = 10.0

ErrorHandler = Callable[[ShirubeError, list[dict[str, Any]]], None]


@dataclass(frozen=True)
class BatchLimits:
    size: int
    bytes: int
    interval: float  # seconds the first event of a batch may wait for company


@dataclass
class _FlushMarker:
    done: threading.Event = field(default_factory=threading.Event)


class _Stop:
    pass


_Item = Union[dict[str, Any], _FlushMarker, _Stop]


class _Aborted(Exception):
    """shutdown() ran out of time while the sender was waiting to retry."""


def report(
    on_error: ErrorHandler | None,
    error: ShirubeError,
    events: list[dict[str, Any]],
    log: bool = True,
) -> None:
    """Log, then tell the host's callback; a failing callback must not stop the sender."""
    if log:
        logger.warning("shirube: %d event(s) not delivered: %s", len(events), error)
    if on_error is None:
        return
    try:
        on_error(error, events)
    except Exception:
        logger.exception("shirube: the on_error callback raised")


class Sender:
    """Posts batches of encoded events; shared by the background worker and sync mode."""

    def __init__(
        self, transport: Transport, policy: RetryPolicy, on_error: ErrorHandler | None
    ) -> None:
        self.transport = transport
        self.policy = policy
        self.on_error = on_error

    def post(self, batch: Sequence[Encoded], sleep: Callable[[float], None] = time.sleep) -> Any:
        body = batch_body(batch)
        return self.policy.run(lambda: self.transport.request("POST", EVENTS_PATH, body), sleep)

    def deliver(self, batch: list[Encoded], sleep: Callable[[float], None]) -> None:
        """Send the batch; report what cannot be delivered. Events that the server refused by
        index are reported and the rest are sent again, so one bad event costs only itself."""
        while batch:
            try:
                self.post(batch, sleep)
                logger.debug("shirube: delivered %d event(s)", len(batch))
                return
            except ValidationError as error:
                refused = rejected_indexes(error, len(batch))
                if not refused or len(refused) == len(batch):
                    report(self.on_error, error, [item.event for item in batch])
                    return
                report(self.on_error, error, [batch[i].event for i in sorted(refused)])
                batch = [item for i, item in enumerate(batch) if i not in refused]
            except ShirubeError as error:
                report(self.on_error, error, [item.event for item in batch])
                return


class Worker:
    """The queue and its consumer thread."""

    def __init__(self, sender: Sender, limits: BatchLimits, max_queue_size: int) -> None:
        self.sender = sender
        self.limits = limits
        self.queue: queue.Queue[_Item] = queue.Queue(maxsize=max_queue_size)
        self._abort = threading.Event()
        self._nudge = threading.Event()  # flush() and stop() want the open batch sent now
        self._dropped = 0
        self._drop_logged_at = -DROP_LOG_INTERVAL
        self.thread = threading.Thread(target=self._run, name="shirube-sdk-sender", daemon=True)
        self.thread.start()

    # --- the caller's side ----------------------------------------------------------------

    def offer(self, event: dict[str, Any]) -> None:
        try:
            self.queue.put_nowait(event)
        except queue.Full:
            self._dropped += 1
            now = time.monotonic()
            if now - self._drop_logged_at >= DROP_LOG_INTERVAL:
                self._drop_logged_at = now
                logger.warning(
                    "shirube: the event queue is full (%d): %d event(s) dropped so far",
                    self.queue.maxsize,
                    self._dropped,
                )
            error = QueueFullError(f"the event queue is full ({self.queue.maxsize})")
            report(self.sender.on_error, error, [wire_event(event)], log=False)

    def flush(self, timeout: float | None) -> bool:
        """Wait until every event offered before this call has been sent (or reported)."""
        if not self.thread.is_alive():
            return self.queue.empty()
        deadline = None if timeout is None else time.monotonic() + timeout
        marker = _FlushMarker()
        try:
            self.queue.put(marker, timeout=timeout)
        except queue.Full:
            return False
        self._nudge.set()
        remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
        return marker.done.wait(remaining)

    def stop(self, timeout: float | None) -> bool:
        """Deliver what is queued within `timeout`, then stop; report whatever is left."""
        deadline = None if timeout is None else time.monotonic() + timeout
        delivered = self.flush(timeout)
        if not delivered:
            self._abort.set()
        remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
        try:
            self.queue.put(_Stop(), timeout=remaining)
        except queue.Full:
            self._abort.set()
            self.queue.put(_Stop())  # the aborted consumer drains the queue quickly
        self._nudge.set()
        self.thread.join(None if delivered else 5.0)
        if not self.thread.is_alive():
            self._report_left_behind()
        return delivered

    def _report_left_behind(self) -> None:
        """Events offered by another thread while stop() ran, after the consumer's last look."""
        left: list[dict[str, Any]] = []
        with contextlib.suppress(queue.Empty):
            while True:
                item = self.queue.get_nowait()
                if isinstance(item, dict):
                    left.append(wire_event(item))
        if left:
            report(self.sender.on_error, ClientClosedError("offered after shutdown()"), left)

    # --- the consumer thread --------------------------------------------------------------

    def _sleep(self, seconds: float) -> None:
        if self._abort.wait(seconds):
            raise _Aborted

    def _send(self, batch: list[Encoded]) -> None:
        if not batch:
            return
        if self._abort.is_set():
            self._drop(batch)
            return
        try:
            self.sender.deliver(batch, self._sleep)
        except _Aborted:
            self._drop(batch)
        except Exception as exc:  # a bug must not kill the thread and silently stop delivery
            logger.exception("shirube: unexpected error while sending events")
            report(self.sender.on_error, ShirubeError(str(exc)), [item.event for item in batch])

    def _drop(self, batch: list[Encoded]) -> None:
        error = ClientClosedError("shutdown() timed out before these events were delivered")
        report(self.sender.on_error, error, [item.event for item in batch])

    def _next(self, batch_open: bool, deadline: float) -> _Item | None:
        """The next item, or None when the open batch has waited long enough."""
        if not batch_open:
            return self.queue.get()
        while True:
            try:
                return self.queue.get_nowait()
            except queue.Empty:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                # Poll instead of blocking in get(): a consumer waiting in get() is woken by
                # every put(), which would cost each track() caller a thread switch.
                self._nudge.wait(min(remaining, POLL_INTERVAL))
                self._nudge.clear()

    def _run(self) -> None:
        limits = self.limits
        batch: list[Encoded] = []
        size = BATCH_OVERHEAD
        deadline = 0.0
        while True:
            item = self._next(bool(batch), deadline)
            if item is None:
                self._send(batch)
                batch, size = [], BATCH_OVERHEAD
                continue
            if isinstance(item, _FlushMarker):
                self._send(batch)
                batch, size = [], BATCH_OVERHEAD
                item.done.set()
                continue
            if isinstance(item, _Stop):
                self._send(batch)
                return
            try:
                encoded = encode_event(item)
            except (TypeError, ValueError) as exc:
                report(self.sender.on_error, InvalidEventError(str(exc)), [wire_event(item)])
                continue
            added = len(encoded.body) + (1 if batch else 0)
            if batch and size + added > limits.bytes:
                self._send(batch)
                batch, size, added = [], BATCH_OVERHEAD, len(encoded.body)
            if not batch:
                deadline = time.monotonic() + limits.interval
            batch.append(encoded)
            size += added
            if len(batch) >= limits.size:
                self._send(batch)
                batch, size = [], BATCH_OVERHEAD
