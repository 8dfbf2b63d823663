"""Python SDK `track()`: end-to-end throughput into a live local server, and how long a call
blocks its caller.

N events are tracked (about 1,000 users, properties of a few keys) as fast as one thread can
call `Client.track()`; the SDK's background thread sends them in batches of 100 to a Shirube
server started by `launcher.py` (the benchmarks' uvicorn settings). Figures:

- events/s end to end: N / (first `track()` → `flush()` returned); afterwards the `event`
  table must hold exactly the N ids (no loss, no duplicate) and no event may have been
  reported to `on_error`: PASS or FAIL (exit 1).
  Baseline, same run, same server: the same events posted directly with urllib in batches of
  100 from one thread (what a host would hand-roll), into a second workspace.
- time a `track()` call blocks its caller: median and p99 in microseconds, measured around
  every call while the sender thread is busy (so GIL hand-offs are included).
  Baselines, same run, same event dicts: `queue.Queue.put_nowait` (the floor for any
  non-blocking hand-off) and a no-op function call.

    .venv/bin/python bench/sdk_track.py             # SQLite, about 20 s
    .venv/bin/python bench/sdk_track.py --quick     # smoke run, a few seconds
    .venv/bin/python bench/sdk_track.py --postgres postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import gc
import json
import queue
import random
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import harness
import launcher
from harness import BenchError, Server
from shirube.storage import Database
from shirube_sdk import Client
from sqlalchemy import create_engine, text

EVENT_NAMES = ["timecard.clocked_in", "timecard.clocked_out", "page.viewed", "shift.created"]
BATCH = 100


@dataclasses.dataclass
class Blocking:
    label: str
    median_us: float
    p99_us: float


@dataclasses.dataclass
class Outcome:
    engine: str
    events: int
    sdk_events_per_s: float
    direct_events_per_s: float
    blocking: list[Blocking]
    stored: int
    distinct: int
    reported: int

    @property
    def passed(self) -> bool:
        return self.stored == self.distinct == self.events and self.reported == 0


def make_events(count: int, seed: int) -> list[tuple[str, str, dict[str, Any]]]:
    rng = random.Random(seed)
    return [
        (
            f"user-{rng.randrange(1000)}",
            rng.choice(EVENT_NAMES),
            {"n": n, "page": f"/employees/{rng.randrange(500)}", "ok": True},
        )
        for n in range(count)
    ]


def percentile(ordered: Sequence[int], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] / 1000


def blocking(label: str, durations_ns: list[int]) -> Blocking:
    ordered = sorted(durations_ns)
    return Blocking(label, percentile(ordered, 0.5), percentile(ordered, 0.99))


def time_calls(call: Callable[[str, str, dict[str, Any]], Any], events: Sequence[Any]) -> list[int]:
    clock = time.perf_counter_ns
    durations = []
    for user_id, name, properties in events:
        start = clock()
        call(user_id, name, properties)
        durations.append(clock() - start)
    return durations


def stored_counts(database_url: str, workspace_id: int) -> tuple[int, int]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                text("SELECT count(*), count(DISTINCT id) FROM event WHERE workspace_id = :w"),
                {"w": workspace_id},
            ).one()
            return int(row[0]), int(row[1])
    finally:
        engine.dispose()


def run_sdk(server: Server, secret_key: str, events: Sequence[Any]) -> tuple[float, list[int], int]:
    """Track every event; return events/s end to end, per-call durations, events reported."""
    reported: list[int] = []
    client = Client(
        server.base_url,
        secret_key,
        batch_size=BATCH,
        max_queue_size=len(events),
        on_error=lambda error, failed: reported.append(len(failed)),
    )
    gc.disable()  # a collection inside one timed call would say nothing about track()
    try:
        start = time.perf_counter()
        durations = time_calls(client.track, events)
        if not client.flush(timeout=600):
            raise BenchError("the SDK did not deliver every event within 10 minutes")
        elapsed = time.perf_counter() - start
    finally:
        gc.enable()
        client.shutdown()
    return len(events) / elapsed, durations, sum(reported)


def run_direct(server: Server, secret_key: str, events: Sequence[Any]) -> float:
    """Post the events with urllib, 100 per request, ids made up front; return the seconds."""
    headers = {"Authorization": f"Bearer {secret_key}"}
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    wire = [
        {
            "id": uuid.uuid4().hex,
            "name": name,
            "user_id": user,
            "properties": props,
            "timestamp": now,
        }
        for user, name, props in events
    ]
    start = time.perf_counter()
    for offset in range(0, len(wire), BATCH):
        status, body = harness.post_json(
            server.base_url + "/api/v1/events", {"events": wire[offset : offset + BATCH]}, headers
        )
        if status != 200:
            raise BenchError(f"direct POST answered {status}: {body[:200]!r}")
    return time.perf_counter() - start


def run_engine(engine: str, database_url: str, workdir: Path, count: int) -> Outcome:
    launcher.migrate(database_url)
    db = Database(database_url)
    try:
        sdk_ws = launcher.create_bench_workspace(db, "SDK track")
        direct_ws = launcher.create_bench_workspace(db, "Direct POST")
    finally:
        db.dispose()
    events = make_events(count, seed=4)
    sink: queue.Queue[Any] = queue.Queue(maxsize=count)

    def put_nowait(user_id: str, name: str, properties: dict[str, Any]) -> None:
        sink.put_nowait({"user_id": user_id, "name": name, "properties": properties})

    def noop(user_id: str, name: str, properties: dict[str, Any]) -> None:
        return None

    with harness.serve("shirube", workdir, database_url=database_url) as server:
        run_direct(server, direct_ws.secret_key, make_events(min(count, 2000), seed=1))  # warm-up
        # The baseline runs half before and half after the SDK, so that a change in the
        # machine's load during the run weighs on both alike.
        half = len(events) // 2
        direct_s = run_direct(server, direct_ws.secret_key, events[:half])
        sdk_rate, durations, reported = run_sdk(server, sdk_ws.secret_key, events)
        direct_s += run_direct(server, direct_ws.secret_key, events[half:])
        direct_rate = len(events) / direct_s
    stored, distinct = stored_counts(database_url, sdk_ws.id)
    return Outcome(
        engine=engine,
        events=count,
        sdk_events_per_s=sdk_rate,
        direct_events_per_s=direct_rate,
        blocking=[
            blocking("Client.track()", durations),
            blocking("queue.Queue.put_nowait (baseline)", time_calls(put_nowait, events)),
            blocking("no-op call (baseline)", time_calls(noop, events)),
        ],
        stored=stored,
        distinct=distinct,
        reported=reported,
    )


def report(outcome: Outcome) -> None:
    print(f"\n{outcome.engine}: {outcome.events:,} events, batches of {BATCH}")
    ratio = outcome.sdk_events_per_s / outcome.direct_events_per_s
    harness.table(
        [
            ["end to end", "events/s", "vs direct"],
            ["SDK track() → flush()", f"{outcome.sdk_events_per_s:,.0f}", f"{ratio:.2f}×"],
            ["direct urllib POST (baseline)", f"{outcome.direct_events_per_s:,.0f}", "1.00×"],
        ]
    )
    print()
    floor = outcome.blocking[1]
    rows = [["caller blocked", "median µs", "p99 µs", "median vs put_nowait"]]
    for item in outcome.blocking:
        rows.append(
            [
                item.label,
                f"{item.median_us:.2f}",
                f"{item.p99_us:.2f}",
                f"{item.median_us / floor.median_us:.1f}×",
            ]
        )
    harness.table(rows)
    verdict = "PASS" if outcome.passed else "FAIL"
    print(
        f"\n  stored {outcome.stored:,} rows, {outcome.distinct:,} distinct ids, "
        f"{outcome.reported} reported to on_error: {verdict} (exactly once)"
    )


@contextlib.contextmanager
def databases(workdir: Path, postgres: str | None) -> Iterator[list[tuple[str, str]]]:
    found = [("SQLite", f"sqlite:///{workdir / 'sdk-track.db'}")]
    if postgres is None:
        yield found
        return
    with harness.scratch_postgres(postgres) as url:
        yield [*found, ("PostgreSQL", url)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="smoke run (5,000 events)")
    parser.add_argument("--events", type=int, help="events to track (default 50,000)")
    parser.add_argument("--postgres", help="also run on this PostgreSQL server (scratch database)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary files")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    count = args.events or (5_000 if args.quick else 50_000)
    print(f"SDK track benchmark: {harness.machine_line()}, load average {harness.load_average()}")
    outcomes = []
    with harness.workdir(args.keep) as workdir, databases(workdir, args.postgres) as targets:
        for engine, url in targets:
            outcome = run_engine(engine, url, workdir, count)
            report(outcome)
            outcomes.append(outcome)
    if args.json is not None:
        args.json.write_text(
            json.dumps(
                [o.__dict__ | {"blocking": [b.__dict__ for b in o.blocking]} for o in outcomes],
                indent=2,
            )
        )
    return 0 if all(o.passed for o in outcomes) else 1


if __name__ == "__main__":
    harness.main_guard(main)
