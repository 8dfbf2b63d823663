"""Gauges read from the database when `/metrics` is scraped: the registration point for
figures that live in tables (the webhooks' queue depth and failures plug in here when the
application is built: docs/operations.md).

Every registered read runs in one unit of work, off the event loop where the engine allows
(`Database.run` without `hot`), and its values are kept for `max_age` seconds: however often
and however many scrapers ask, the database answers these reads at most once per `max_age`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from shirube.storage import Connection, Database

logger = logging.getLogger("shirube.metrics")

# A read gives one value, or one value per tuple of label values.
Values = float | Mapping[tuple[str, ...], float]
Read = Callable[[Connection], Values]
MAX_AGE_SECONDS = 5.0


@dataclass(frozen=True)
class _Gauge:
    name: str
    documentation: str
    labels: tuple[str, ...]
    read: Read


class DatabaseGauges(Collector):
    def __init__(
        self,
        database: Database,
        max_age: float = MAX_AGE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.database = database
        self.max_age = max_age
        self.clock = clock
        self._gauges: list[_Gauge] = []
        self._values: dict[str, Values] = {}
        self._ok = True
        self._read_at: float | None = None
        self._lock = asyncio.Lock()

    def register(
        self, name: str, documentation: str, read: Read, labels: tuple[str, ...] = ()
    ) -> None:
        """`read(conn)` returns the gauge's value, or a mapping from label values to values.
        Keep it to one cheap statement (an indexed count): it runs with the others in one
        unit of work. Never label by workspace: the metrics carry no workspace's data."""
        if any(gauge.name == name for gauge in self._gauges):
            raise ValueError(f"database gauge {name} is registered already")
        self._gauges.append(_Gauge(name, documentation, labels, read))

    async def refresh(self) -> None:
        """Read every gauge again if the values are older than `max_age` (or never read)."""
        if not self._gauges:
            return
        async with self._lock:  # scrapes arriving together share one read
            if self._read_at is not None and self.clock() - self._read_at < self.max_age:
                return
            gauges = list(self._gauges)
            try:
                values = await self.database.run(
                    lambda conn: {gauge.name: gauge.read(conn) for gauge in gauges},
                    transaction=False,
                )
            except Exception:
                # Stale figures would mislead: none are shown, and `_ok` says why. Not read
                # again before `max_age` either: a database in trouble gets no scrape storm.
                logger.warning("reading the database gauges failed", exc_info=True)
                self._values, self._ok = {}, False
            else:
                self._values, self._ok = values, True
            self._read_at = self.clock()

    def collect(self) -> Iterator[Metric]:
        if not self._gauges:
            return
        ok = GaugeMetricFamily(
            "shirube_database_gauges_ok",
            "1 when the last read of the gauges read from the database succeeded.",
            value=int(self._ok),
        )
        yield ok
        for gauge in self._gauges:
            if gauge.name not in self._values:
                continue
            values = self._values[gauge.name]
            family = GaugeMetricFamily(gauge.name, gauge.documentation, labels=gauge.labels)
            if isinstance(values, Mapping):
                for label_values, value in values.items():
                    family.add_metric(list(label_values), value)
            else:
                family.add_metric([], values)
            yield family
