"""The metrics of one application (docs/operations.md lists them with their meaning).

Everything is in a registry of the application's own (so that two apps in one process, as in
the tests, count apart). The events' counters and histograms are prometheus_client's; the
requests' figures, written on every request, are kept apart (request_metrics.py says why).
Labels are bounded by
construction: a route is its template (`/api/v1/tours/{key}`), never the path a client sent;
no label names a workspace, a user or a key. Figures that describe the present (the database
pool, the group commit's queue, what the database gauges read) are read when scraped.

Under `shirube serve --workers N` (N > 1) prometheus_client's multiprocess mode is on
(`PROMETHEUS_MULTIPROC_DIR`, set by the CLI): counters and histograms are summed over the
workers, while the figures read when scraped are those of the worker that answered.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector

from shirube import __version__
from shirube.observability.database_gauges import DatabaseGauges
from shirube.observability.request_metrics import (
    LATENCY_BUCKETS,
    LoopRequestStats,
    RequestStats,
    SharedRequestStats,
)
from shirube.storage import Database

# The text format every Prometheus reads (our names need none of version 1.0.0's escaping).
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
# No `_created` series beside each counter and histogram: as many series again, which
# Prometheus does not use (a process-wide switch of prometheus_client).
disable_created_metrics()  # type: ignore[no-untyped-call]
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"

# How old events are when stored: a live client sends within seconds, the SDK's buffer holds
# them a few seconds more, retries and an offline browser take minutes to hours; imports of
# history land in the last bucket.
AGE_BUCKETS = (1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 6 * 3600.0, 86400.0)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
SOURCES = ("server", "widget")


class Metrics:
    def __init__(self, database: Database) -> None:
        self.registry = CollectorRegistry()
        registry = self.registry
        self._events = Counter(
            "shirube_ingested_events",
            "Events received in batches, by source (server, widget) and outcome: stored, "
            "duplicate (an id stored before, or repeated in its batch), refused (the batch was "
            "refused after its events were read).",
            ["source", "outcome"],
            registry=registry,
        )
        self._lag = Histogram(
            "shirube_ingest_lag_seconds",
            "Seconds from a batch's arrival to the commit that stored it (reading and checking "
            "the body, waiting in the group-commit queue, the transaction), by source.",
            ["source"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self._age = Histogram(
            "shirube_ingest_event_age_seconds",
            "Age, at its commit, of the oldest event a batch stored, by the event's own "
            "timestamp (the time of receipt when it had none), by source.",
            ["source"],
            buckets=AGE_BUCKETS,
            registry=registry,
        )
        self._by_source = {
            source: (
                self._events.labels(source, "stored"),
                self._events.labels(source, "duplicate"),
                self._events.labels(source, "refused"),
                self._lag.labels(source),
                self._age.labels(source),
            )
            for source in SOURCES
        }
        # What is read when scraped, and the registration point for gauges read from the
        # database (webhooks' queue: docs/operations.md).
        self.database_gauges = DatabaseGauges(database)
        self._live: list[Collector] = [_BuildInfo(), _PoolCollector(database), self.database_gauges]
        for collector in self._live:
            registry.register(collector)
        self.multiprocess = MULTIPROCESS_DIR in os.environ
        # Every request, by route template, method and status (middleware/observe.py).
        self.requests: RequestStats
        if self.multiprocess:
            self.requests = SharedRequestStats(registry)
        else:
            self.requests = loop_stats = LoopRequestStats()
            registry.register(loop_stats)
            # One worker's figures: meaningless summed over workers (multiprocess mode).
            ProcessCollector(registry=registry)
            PlatformCollector(registry=registry)
            GCCollector(registry=registry)

    # Recording ----------------------------------------------------------------------------------

    def ingested(
        self, source: str, stored: int, duplicates: int, lag: float, oldest_age: float | None
    ) -> None:
        """A batch committed: `stored` events new, `duplicates` not; `lag` seconds after it
        arrived; `oldest_age`: the age of the oldest event it stored (None: none stored)."""
        stored_count, duplicate_count, _, lag_seconds, age_seconds = self._by_source[source]
        stored_count.inc(stored)
        duplicate_count.inc(duplicates)
        lag_seconds.observe(lag)
        if oldest_age is not None:
            age_seconds.observe(max(oldest_age, 0.0))

    def refused(self, source: str, events: int) -> None:
        self._by_source[source][2].inc(events)

    # Scraping -----------------------------------------------------------------------------------

    async def exposition(self) -> bytes:
        """The text format of every metric, after reading what the database gauges read (at
        most once per their cache time, off the event loop where the engine allows)."""
        await self.database_gauges.refresh()
        if not self.multiprocess:
            return generate_latest(self.registry)
        # Counters and histograms of every worker, from the files they write; the figures
        # read now, from this worker.
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        for collector in self._live:
            registry.register(collector)
        return generate_latest(registry)


class _BuildInfo(Collector):
    def collect(self) -> Iterator[Metric]:
        info = GaugeMetricFamily(
            "shirube_build_info", "The running version of Shirube (always 1).", labels=["version"]
        )
        info.add_metric([__version__], 1)
        yield info


class _PoolCollector(Collector):
    """The database connections of this process (storage/database.py: PoolStatus)."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def collect(self) -> Iterator[Metric]:
        status = self.database.pool_status()
        figures = [
            (
                "shirube_db_loop_connection",
                "1 while the event loop's own connection is open (SQLite, and PostgreSQL on "
                "this machine, run work on it); 0 otherwise.",
                int(status.loop_connection),
            ),
            (
                "shirube_ingest_batches_waiting",
                "Event batches queued behind the group commit being written.",
                status.batches_waiting,
            ),
        ]
        if status.pool_size is not None:  # SQLite on the event loop has no pool
            figures += [
                ("shirube_db_pool_size", "Connections the pool keeps open.", status.pool_size),
                (
                    "shirube_db_pool_checked_out",
                    "Pooled connections in use (threads' units of work; with PostgreSQL on "
                    "this machine, the event loop's connection is one of them).",
                    status.checked_out,
                ),
                ("shirube_db_pool_idle", "Pooled connections open and idle.", status.idle),
                (
                    "shirube_db_pool_overflow",
                    "Connections open beyond the pool's size (at most as many again; then a "
                    "checkout waits).",
                    status.overflow,
                ),
            ]
        for name, documentation, value in figures:
            yield GaugeMetricFamily(name, documentation, value=value)
