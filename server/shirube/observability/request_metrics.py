"""Requests counted by route template, method and status, and their durations, on every
request (middleware/observe.py): the one metric on the widget session's path, so kept cheap.

In one process (the usual case) the figures are plain numbers in lists, written by the event
loop only (the middleware runs there) and read on it when scraped, so no lock: about 0.4 µs a
request, against 2.4 µs for prometheus_client's Counter and Histogram, whose every increment
takes a lock (measured on the benchmark machine; bench/README.md). Under multiprocess mode
(`shirube serve --workers N`) the workers' figures must be summed from the files
prometheus_client writes, so its own types are used there.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

REQUESTS = "shirube_http_requests"
REQUESTS_HELP = "HTTP requests answered, by route template, method and status."
DURATION = "shirube_http_request_duration_seconds"
DURATION_HELP = (
    "Time from a request's arrival to the end of its answer, by route template and method."
)
# A service answering in milliseconds: fine steps from 1 ms to 100 ms, then coarse ones up to
# the 5 s SQLite busy timeout and beyond.
LATENCY_BUCKETS = (
    0.001, 0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
)  # fmt: skip
_BOUNDS = [floatToGoString(bound) for bound in LATENCY_BUCKETS]  # type: ignore[no-untyped-call]
_BOUNDS.append("+Inf")


class RequestStats(Protocol):
    def observe(self, route: str, method: str, status: int, seconds: float) -> None: ...


class LoopRequestStats(Collector):
    """Per (route, method, status): the count in each bucket (not cumulative; the last is
    above every bound), then the sum of the durations."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[str, str, int], list[float]] = {}

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        key = (route, method, status)
        stats = self._by_key.get(key)
        if stats is None:
            stats = self._by_key[key] = [0.0] * (len(LATENCY_BUCKETS) + 2)
        stats[bisect_left(LATENCY_BUCKETS, seconds)] += 1
        stats[-1] += seconds

    def collect(self) -> Iterator[Metric]:
        requests = CounterMetricFamily(
            REQUESTS, REQUESTS_HELP, labels=["route", "method", "status"]
        )
        # The histogram leaves the status out (fewer series): summed over it here.
        durations: dict[tuple[str, str], list[float]] = {}
        for (route, method, status), stats in self._by_key.items():
            requests.add_metric([route, method, str(status)], sum(stats[:-1]))
            merged = durations.get((route, method))
            if merged is None:
                durations[(route, method)] = list(stats)
            else:
                for index, value in enumerate(stats):
                    merged[index] += value
        histogram = HistogramMetricFamily(DURATION, DURATION_HELP, labels=["route", "method"])
        for (route, method), stats in durations.items():
            cumulative, total = [], 0.0
            for bound, count in zip(_BOUNDS, stats[:-1], strict=True):
                total += count
                cumulative.append((bound, total))
            histogram.add_metric([route, method], cumulative, sum_value=stats[-1])
        yield requests
        yield histogram


class SharedRequestStats:
    """prometheus_client's types, whose multiprocess mode sums the workers' figures."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._requests = Counter(
            REQUESTS, REQUESTS_HELP, ["route", "method", "status"], registry=registry
        )
        self._duration = Histogram(
            DURATION,
            DURATION_HELP,
            ["route", "method"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        # Children by label values: `labels()` costs a lock and a tuple per call.
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        key = (route, method, status)
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = (
                self._requests.labels(route, method, str(status)),
                self._duration.labels(route, method),
            )
        children[0].inc()
        children[1].observe(seconds)
