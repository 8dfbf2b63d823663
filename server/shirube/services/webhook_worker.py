"""The delivery worker: a background task of each instance (started by `create_app`'s lifespan)
that claims due deliveries from the outbox, posts them and records what happened.

It never blocks the event loop: requests go out through asyncio (services/webhook_http.py),
database work through `Database.run` like any request's. Up to `concurrency` attempts are in
flight at once; a finished one frees its place at once. The worker sleeps until the next
delivery is due, for at most POLL_SECONDS (deliveries written by other instances, leases of a
killed instance ending), or until this process's doorbell rings: ingestion rings it after a
batch that put messages in the outbox has committed, so a first attempt goes out at once.

Several instances on one PostgreSQL database each run a worker; claims (services/
webhook_deliveries.py) give each due delivery to one of them. Time comes from `clock` and
jitter from `random`, which tests replace; they never sleep through the schedule.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random as random_module
from collections.abc import Callable
from datetime import datetime, timedelta

from shirube.security.outbound import OutboundRules
from shirube.security.webhook_signing import webhook_headers
from shirube.services.webhook_deliveries import (
    Claimed,
    claim_due,
    drop_orphan,
    endpoints_by_id,
    next_due,
    park,
    record_attempt,
)
from shirube.services.webhook_endpoints import Endpoint, disable_endpoint
from shirube.services.webhook_http import Resolver, post_webhook, resolve
from shirube.services.webhook_log import PRUNE_BATCH, prune
from shirube.storage import Connection, Database
from shirube.timeutil import utcnow

logger = logging.getLogger("shirube.webhooks")

POLL_SECONDS = 2.0
CONCURRENCY = 8
PRUNE_EVERY = timedelta(hours=1)
# A claim outlives any attempt (its timeout) by this much before another worker may retry it.
LEASE_MARGIN = timedelta(seconds=30)


class Doorbell:
    """Wakes this process's worker; safe to ring from any thread, or with no worker."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None

    def bind(self) -> None:
        """In the worker's event loop, before it waits."""
        self._loop = asyncio.get_running_loop()
        self._event = asyncio.Event()

    def ring(self) -> None:
        loop, event = self._loop, self._event
        if loop is None or event is None:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            event.set()
        else:
            with contextlib.suppress(RuntimeError):  # the loop has closed
                loop.call_soon_threadsafe(event.set)

    async def wait(self, seconds: float) -> None:
        assert self._event is not None, "bind() first"
        # asyncio.timeout, not wait_for: on Python 3.11, wait_for swallows a cancellation
        # that arrives as the bell rings, and the app's shutdown waited for the worker forever.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(0.0, seconds)):
                await self._event.wait()
        self._event.clear()


Ready = tuple[Claimed, str, Endpoint]


class WebhookWorker:
    def __init__(
        self,
        db: Database,
        rules: OutboundRules,
        *,
        timeout: float,
        retention: timedelta,
        bell: Doorbell | None = None,
        clock: Callable[[], datetime] = utcnow,
        random: Callable[[], float] = random_module.random,
        resolver: Resolver = resolve,
        concurrency: int = CONCURRENCY,
    ) -> None:
        self.db = db
        self.rules = rules
        self.timeout = timeout
        self.retention = retention
        self.bell = bell or Doorbell()
        self.clock = clock
        self.random = random
        self.resolver = resolver
        self.concurrency = concurrency
        self.lease = timedelta(seconds=timeout) + LEASE_MARGIN
        self._pruned_at: datetime | None = None

    # Claims -----------------------------------------------------------------------------------

    async def _claim(self, limit: int) -> list[Ready]:
        now = self.clock()
        due = await self.db.run(next_due, transaction=False)
        if due is None or due > now:
            return []

        def work(conn: Connection) -> list[Ready]:
            token, claimed = claim_due(conn, now, limit, self.lease)
            if not claimed:
                return []
            endpoints = endpoints_by_id(conn, sorted({c.endpoint_id for c in claimed}))
            ready: list[Ready] = []
            for delivery in claimed:
                endpoint = endpoints.get(delivery.endpoint_id)
                if endpoint is None:
                    drop_orphan(conn, delivery, token)
                elif not endpoint.enabled:
                    park(conn, delivery, token)
                else:
                    ready.append((delivery, token, endpoint))
            return ready

        return await self.db.run(work)

    # One attempt ------------------------------------------------------------------------------

    async def _attempt(self, delivery: Claimed, token: str, endpoint: Endpoint) -> None:
        try:
            now = self.clock()
            body = delivery.body.encode()
            headers = webhook_headers(
                endpoint.live_secrets(now), delivery.message_id, int(now.timestamp()), body
            )
            outcome = await post_webhook(
                endpoint.url, body, headers, self.rules, self.timeout, self.resolver
            )
            done = self.clock()
            disable = await self.db.run(
                lambda conn: record_attempt(conn, delivery, token, outcome, done, self.random)
            )
            if disable is not None:
                disabled = await self.db.run(
                    lambda conn: disable_endpoint(conn, delivery.endpoint_id, disable, done)
                )
                if disabled:
                    logger.warning(
                        "webhook endpoint %s of workspace %s disabled (%s)",
                        delivery.endpoint_id,
                        delivery.workspace_id,
                        disable,
                    )
        except Exception:
            # The claim ends with its lease and the delivery is attempted again.
            logger.exception("webhook delivery %s failed unexpectedly", delivery.id)

    # Loops ------------------------------------------------------------------------------------

    async def deliver_due(self) -> int:
        """Attempt every delivery due now, `concurrency` at a time, and return how many
        attempts were made (what a test or a tool calls instead of `run`)."""
        attempts = 0
        while True:
            ready = await self._claim(self.concurrency)
            if not ready:
                return attempts
            await asyncio.gather(*(self._attempt(*item) for item in ready))
            attempts += len(ready)

    async def run(self) -> None:
        """Forever, until cancelled (the app's shutdown). Attempts under way are cancelled
        with it: their claims end with their leases and they are attempted again."""
        self.bell.bind()
        in_flight: set[asyncio.Task[None]] = set()
        try:
            while True:
                wait = POLL_SECONDS
                try:
                    free = self.concurrency - len(in_flight)
                    claimed = await self._claim(free) if free > 0 else []
                    for item in claimed:
                        task = asyncio.create_task(self._attempt(*item))
                        in_flight.add(task)
                        task.add_done_callback(in_flight.discard)
                        task.add_done_callback(lambda _: self.bell.ring())
                    if claimed and len(claimed) == free:
                        wait = POLL_SECONDS  # full: a finished attempt rings
                    elif claimed:
                        wait = 0.0
                    else:
                        wait = await self._seconds_to_next_due()
                    await self._prune_now_and_then()
                except Exception:
                    logger.exception("webhook worker: will try again in %s s", POLL_SECONDS)
                await self.bell.wait(wait)
        finally:
            for task in in_flight:
                task.cancel()
            await asyncio.gather(*in_flight, return_exceptions=True)

    async def _seconds_to_next_due(self) -> float:
        due = await self.db.run(next_due, transaction=False)
        if due is None:
            return POLL_SECONDS
        # Never a busy loop: a due row another instance is claiming right now is skipped.
        return min(POLL_SECONDS, max(0.05, (due - self.clock()).total_seconds()))

    async def _prune_now_and_then(self) -> None:
        now = self.clock()
        if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY:
            return
        self._pruned_at = now
        cutoff = now - self.retention
        for _ in range(20):  # at most 10,000 deliveries an hour: the rest next time
            if await self.db.run(lambda conn: prune(conn, cutoff)) < PRUNE_BATCH:
                break
