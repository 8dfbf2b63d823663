"""`Client`: what a host backend calls. Synchronous calls (identify, group, progress, content)
answer or raise a typed error within bounded time; `track()` queues and returns at once."""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
import weakref
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Union
from urllib.parse import quote

from shirube_sdk import __version__
from shirube_sdk.errors import ClientClosedError, ShirubeError
from shirube_sdk.events import (
    ACTIVE_EVENT,
    MAX_ACTIVE_SECONDS,
    MAX_BATCH_SIZE,
    encode_event,
    new_event_id,
    wire_event,
)
from shirube_sdk.identity import DEFAULT_TTL_SECONDS, sign_identity_token
from shirube_sdk.snippet import render_snippet
from shirube_sdk.transport import RetryPolicy, Transport
from shirube_sdk.worker import BatchLimits, ErrorHandler, Sender, Worker, report

logger = logging.getLogger("shirube_sdk")

# A company as `identify`/`snippet` take it: its id, or {"id": ..., "traits": {...}}.
CompanyRef = Union[str, Mapping[str, Any]]


def _company(company: CompanyRef | None) -> dict[str, Any] | None:
    if company is None:
        return None
    if isinstance(company, str):
        return {"id": company}
    if not isinstance(company.get("id"), str) or not company["id"]:
        raise ValueError('company must be an id or a mapping with a non-empty "id"')
    unknown = set(company) - {"id", "traits"}
    if unknown:
        raise ValueError(f"company has unknown keys: {sorted(unknown)}")
    return dict(company)


def _path_id(value: str, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be a non-empty string")
    return quote(value, safe="")


class Client:
    """A connection to one Shirube workspace, made with its secret key.

    Create one per process and share it (it is thread-safe); `track()` starts one daemon
    thread on first use (again in a forked child). `shutdown()` runs at interpreter exit.
    """

    def __init__(
        self,
        server_url: str,
        secret_key: str,
        identity_secret: str | None = None,
        *,
        max_queue_size: int = 10_000,
        batch_size: int = 100,
        flush_interval: float = 0.5,
        max_batch_bytes: int = 512 * 1024,
        max_retries: int = 5,
        retry_base_delay: float = 0.5,
        max_retry_delay: float = 30.0,
        timeout: float = 10.0,
        on_error: ErrorHandler | None = None,
        sync_mode: bool = False,
        debug: bool = False,
    ) -> None:
        if not 1 <= batch_size <= MAX_BATCH_SIZE:
            raise ValueError(f"batch_size must be between 1 and {MAX_BATCH_SIZE}")
        if max_queue_size < 1 or max_batch_bytes < 1024:
            raise ValueError("max_queue_size must be ≥ 1 and max_batch_bytes ≥ 1024")
        if flush_interval <= 0 or timeout <= 0 or max_retries < 0:
            raise ValueError("flush_interval and timeout must be > 0, max_retries ≥ 0")
        self.server_url = server_url.rstrip("/")
        self.identity_secret = identity_secret
        self.sync_mode = sync_mode
        self._transport = Transport(
            server_url, secret_key, timeout, f"shirube-sdk-python/{__version__}"
        )
        self._policy = RetryPolicy(max_retries, retry_base_delay, max_retry_delay)
        self._sender = Sender(self._transport, self._policy, on_error)
        self._limits = BatchLimits(batch_size, max_batch_bytes, flush_interval)
        self._max_queue_size = max_queue_size
        self._worker: Worker | None = None
        self._start_lock = threading.Lock()
        self._closed = False
        if debug:
            logger.setLevel(logging.DEBUG)
            if not logger.handlers:
                logger.addHandler(logging.StreamHandler())
        # Bound weakly so that registering does not keep every client alive until exit.
        self._exit_hook = _weak_shutdown(self)
        atexit.register(self._exit_hook)
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=_weak_forget_worker(self))

    # --- identity and the widget snippet ---------------------------------------------------

    def identity_token(
        self, user_id: str, company_id: str | None = None, ttl: float = DEFAULT_TTL_SECONDS
    ) -> str:
        """The HS256 JWT proving to the server that this backend signed `user_id` in (and,
        with `company_id`, that the user belongs to that company)."""
        if not self.identity_secret:
            raise ShirubeError("identity_token() needs the workspace identity_secret")
        return sign_identity_token(self.identity_secret, user_id, company_id, ttl)

    def snippet(
        self,
        public_key: str,
        user_id: str,
        traits: Mapping[str, Any] | None = None,
        company: CompanyRef | None = None,
        locale: str | None = None,
        widget_url: str | None = None,
        nonce: str | None = None,
    ) -> str:
        """HTML for the page template: the widget loader and `Shirube.identify(...)` for this
        user, with an identity token when the client has the identity secret. Every value is
        escaped; insert the result unescaped (e.g. `|safe` / `mark_safe`)."""
        options: dict[str, Any] = {}
        if traits is not None:
            options["traits"] = dict(traits)
        company_json = _company(company)
        if company_json is not None:
            options["company"] = company_json
        if locale is not None:
            options["locale"] = locale
        if self.identity_secret:
            company_id = company_json["id"] if company_json else None
            options["token"] = self.identity_token(user_id, company_id)
        url = widget_url or f"{self.server_url}/widget/shirube.js"
        return render_snippet(url, public_key, user_id, options, nonce)

    # --- people -----------------------------------------------------------------------------

    def _call(self, method: str, path: str, body: Any = None, query: Any = None) -> Any:
        return self._policy.run(lambda: self._transport.request(method, path, body, query))

    def identify(
        self,
        user_id: str,
        traits: Mapping[str, Any] | None = None,
        company: CompanyRef | None = None,
        locale: str | None = None,
    ) -> dict[str, Any]:
        """Create or update a user (traits merge) and, with `company`, its membership (and the
        company's traits when given as a mapping). Returns the stored user."""
        path = f"/api/v1/users/{_path_id(user_id, 'user_id')}"
        company_json = _company(company)
        if company_json is not None and "traits" in company_json:
            self.group(company_json["id"], company_json["traits"])
        body: dict[str, Any] = {}
        if traits is not None:
            body["traits"] = dict(traits)
        if locale is not None:
            body["locale"] = locale
        if company_json is not None:
            body["company_ids"] = [company_json["id"]]
        result: dict[str, Any] = self._call("PUT", path, body)
        return result

    def group(self, company_id: str, traits: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Create or update a company (traits merge). Returns the stored company."""
        path = f"/api/v1/companies/{_path_id(company_id, 'company_id')}"
        body = {"traits": dict(traits)} if traits is not None else {}
        result: dict[str, Any] = self._call("PUT", path, body)
        return result

    def progress(self, user_id: str) -> dict[str, Any]:
        """Every tour's and published checklist's progress for the user."""
        result: dict[str, Any] = self._call(
            "GET", f"/api/v1/users/{_path_id(user_id, 'user_id')}/progress"
        )
        return result

    # --- content as code ----------------------------------------------------------------------

    def export_content(self) -> dict[str, Any]:
        """Every tour and checklist draft, as one `shirube.content/1` document."""
        result: dict[str, Any] = self._call("GET", "/api/v1/content/export")
        return result

    def import_content(self, document: Mapping[str, Any], publish: bool = True) -> dict[str, Any]:
        """Create or update every draft in `document` and publish what changed, all or nothing.
        Returns the server's summary (created, updated, unchanged, published)."""
        query = None if publish else {"publish": "false"}
        result: dict[str, Any] = self._call("POST", "/api/v1/content/import", document, query)
        return result

    # --- events -------------------------------------------------------------------------------

    def track(
        self,
        user_id: str,
        event: str,
        properties: Mapping[str, Any] | None = None,
        timestamp: datetime | None = None,
        event_id: str | None = None,
        company_id: str | None = None,
    ) -> str:
        """Queue an event and return its id at once; a background thread sends it.

        The id (a random UUID unless given) is fixed now, so that retries never count an
        event twice. A full queue drops the event (logged, and passed to `on_error`).
        In `sync_mode` the event is sent before returning and errors are raised."""
        if not isinstance(user_id, str) or not user_id:
            raise ValueError("user_id must be a non-empty string")
        if not isinstance(event, str) or not event:
            raise ValueError("event must be a non-empty string")
        record: dict[str, Any] = {
            "id": event_id or new_event_id(),
            "name": event,
            "user_id": user_id,
            "timestamp": time.time() if timestamp is None else timestamp,
        }
        if company_id is not None:
            record["company_id"] = company_id
        if properties:
            # A shallow copy: the caller may reuse its dict once track() has returned.
            record["properties"] = dict(properties)
        if self.sync_mode:
            self._sender.post([encode_event(record)])
            return str(record["id"])
        worker = self._worker or self._start_worker()
        if worker is None:
            error = ClientClosedError("track() after shutdown()")
            report(self._sender.on_error, error, [wire_event(record)])
        else:
            worker.offer(record)
        return str(record["id"])

    def track_active(
        self,
        user_id: str,
        seconds: int,
        timestamp: datetime | None = None,
        event_id: str | None = None,
    ) -> str:
        """Report `seconds` (a whole number, 1 to 3,600) of the user's active use of the
        product, e.g. time in a desktop or mobile client the widget does not see. Queued and
        sent like `track()` (the reserved event `$active`); the seconds count for the UTC day
        of `timestamp` (default now), so report long sessions in parts, each at its time."""
        if (
            isinstance(seconds, bool)
            or not isinstance(seconds, int)
            or not 1 <= seconds <= MAX_ACTIVE_SECONDS
        ):
            raise ValueError(f"seconds must be a whole number from 1 to {MAX_ACTIVE_SECONDS}")
        return self.track(user_id, ACTIVE_EVENT, {"seconds": seconds}, timestamp, event_id)

    def _start_worker(self) -> Worker | None:
        with self._start_lock:
            if self._closed:
                return None
            if self._worker is None:
                self._worker = Worker(self._sender, self._limits, self._max_queue_size)
            return self._worker

    def flush(self, timeout: float | None = None) -> bool:
        """Block until every event tracked before this call is delivered or reported.
        Returns False if `timeout` seconds passed first."""
        worker = self._worker
        return True if worker is None else worker.flush(timeout)

    def shutdown(self, timeout: float | None = 10.0) -> bool:
        """Deliver what is queued (waiting at most `timeout` seconds), then stop the sender.
        Events still undelivered are reported to `on_error`. Later `track()` calls drop."""
        with self._start_lock:
            already = self._closed
            self._closed = True
            worker, self._worker = self._worker, None
        if not already:
            atexit.unregister(self._exit_hook)
        return True if worker is None else worker.stop(timeout)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown()


def _weak_shutdown(client: Client) -> Any:
    ref = weakref.ref(client)

    def shutdown() -> None:
        alive = ref()
        if alive is not None:
            alive.shutdown()

    return shutdown


def _weak_forget_worker(client: Client) -> Any:
    """After fork the child has the parent's queue but not its thread: start afresh."""
    ref = weakref.ref(client)

    def forget() -> None:
        alive = ref()
        if alive is not None:
            alive._worker = None
            alive._start_lock = threading.Lock()

    return forget
