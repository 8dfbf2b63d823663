"""Ingestion into an empty database against the same database holding 1 M events.

The events are `dataset.py`'s stream (100,000 users in 5,000 companies, made by their first
events; four counted names per user with repeats; page views and tours; random UUID ids),
sent through `POST /api/v1/events` in batches of 1,000 by 4 senders (threads with keep-alive
connections), chunk after chunk, until the database holds `--stored` events; then one more
chunk. Each chunk's bodies are encoded before it is sent (not timed). Per chunk: events/s
acknowledged (from the chunk's first send to its last answer) and the server's CPU per event
(user + system of the Shirube process, /proc), on PostgreSQL also the CPU of its backends.

The server runs the KPI worker, as `shirube serve` does. After each chunk the benchmark waits
until the worker has recomputed every user the chunk marked and recounted their companies
(`kpi_dirty` and `kpi_dirty_company` empty), and counts the CPU the server (on PostgreSQL
also its backends) spent meanwhile as the chunk's catch-up: **events/s with KPIs
maintained** = events / (seconds from the chunk's first send to its last answer + catch-up
CPU seconds). So every chunk pays for the recomputations of its own users and companies,
whether the worker did them while the chunk was sent or after (a user is due 5 s after their
last mark, a company 10 s after its first: a chunk sent in 5 s would otherwise leave all its
work to the next one).

The figure: events/s with KPIs maintained of the last chunk (at `--stored`) over the first
(into the empty database). PASS when ≥ 0.7, and when the rows stored equal the events
acknowledged and the counters add up to the events of counted names.

    .venv/bin/python bench/ingest_loaded.py              # SQLite, 1 M stored, ~3 minutes
    .venv/bin/python bench/ingest_loaded.py --quick      # 200 k stored, ~1 minute
    .venv/bin/python bench/ingest_loaded.py --postgres postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import queue
import statistics
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import harness
import launcher
import orjson
from dataset import SETUP_CHECKLIST, WELCOME_TOUR, Dataset
from ingest import read_counts
from shirube.storage import Database
from shirube.storage.engine import make_engine
from sqlalchemy import text

EVENTS_PATH = "/api/v1/events"
TARGET_RATIO = 0.7


@dataclass
class Options:
    stored: int
    chunk: int
    batch_size: int
    senders: int
    postgres: str | None
    profile: bool
    keep: bool
    seed: int


def parse_args(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(
        description="Events/s into an empty database vs at 1 M stored events (dataset.py).",
        epilog="Exit status 1 when a check FAILs.",
    )
    parser.add_argument("--quick", action="store_true", help="200 k stored, chunks of 20 k")
    parser.add_argument("--stored", type=int, help="events stored before the last chunk (1 M)")
    parser.add_argument("--chunk", type=int, help="events per measured chunk (50 k)")
    parser.add_argument("--batch-size", type=int, default=1000, help="events per request")
    parser.add_argument("--senders", type=int, default=4, help="concurrent senders (4)")
    parser.add_argument("--seed", type=int, default=1, help="the data set's seed")
    parser.add_argument(
        "--postgres", metavar="URL",
        help="also run on PostgreSQL; a scratch database is created there and dropped after",
    )  # fmt: skip
    parser.add_argument(
        "--profile", action="store_true",
        help="sample the server with py-spy during the first and the last chunk",
    )  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the temporary files")
    args = parser.parse_args(argv)
    chunk = args.chunk or (20_000 if args.quick else 50_000)
    stored = args.stored or (200_000 if args.quick else 1_000_000)
    if stored % chunk:
        parser.error("--stored must be a multiple of --chunk")
    return Options(
        stored=stored,
        chunk=chunk,
        batch_size=args.batch_size,
        senders=args.senders,
        postgres=args.postgres,
        profile=args.profile,
        keep=args.keep,
        seed=args.seed,
    )


# --- sending ----------------------------------------------------------------------------------


@dataclass
class Chunk:
    start: int  # events stored before it
    events: int = 0
    acked: int = 0
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0
    server_cpu_s: float = 0.0
    # The server's main thread alone: the event loop, where every statement but the
    # checkpoints runs (storage/checkpoint.py); it bounds events/s on one core.
    loop_cpu_s: float = 0.0
    postgres_cpu_s: float = 0.0
    # After the last answer, until the worker had recomputed every marked user: CPU seconds
    # of the server (and of PostgreSQL), and the wall time it took (the worker's delay in it).
    catch_up_s: float = 0.0
    catch_up_wall_s: float = 0.0

    @property
    def events_per_s(self) -> float:
        return self.acked / self.seconds if self.seconds else 0.0

    @property
    def kpi_cpu_us(self) -> float:
        """CPU per event with KPIs maintained (the server's, PostgreSQL's, the catch-up's):
        what the load of a shared machine moves least."""
        return self.cpu_us(self.server_cpu_s + self.postgres_cpu_s + self.catch_up_s)

    @property
    def kpi_events_per_s(self) -> float:
        """Events/s with KPIs maintained: the catch-up's CPU counted as time."""
        spent = self.seconds + self.catch_up_s
        return self.acked / spent if spent else 0.0

    def cpu_us(self, seconds: float) -> float:
        return seconds / self.acked * 1e6 if self.acked else 0.0


def send_all(
    base_url: str, secret_key: str, bodies: list[bytes], senders: int
) -> tuple[int, list[str]]:
    """POST every body, `senders` at a time, each sender on a keep-alive connection."""
    work: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
    for body in bodies:
        work.put(body)
    for _ in range(senders):
        work.put(None)
    host, port = base_url.removeprefix("http://").split(":")
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {secret_key}"}
    acked = [0] * senders
    failed: list[str] = []

    def sender(index: int) -> None:
        connection = http.client.HTTPConnection(host, int(port), timeout=120)
        try:
            while (body := work.get()) is not None:
                connection.request("POST", EVENTS_PATH, body, headers)
                response = connection.getresponse()
                answer = response.read()
                if response.status == 200:
                    acked[index] += orjson.loads(answer)["accepted"]
                else:
                    failed.append(f"{response.status} {answer[:200]!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=sender, args=(n,)) for n in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(acked), failed


def loop_cpu(pid: int) -> float:
    """CPU seconds of the process's main thread (Linux: its task has the process's id)."""
    return sum(harness.process_cpu(f"{pid}/task/{pid}"))


_BACKENDS = text(
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
    "AND pid <> pg_backend_pid()"
)


class PostgresCpu:
    """CPU seconds used by the backends of one database (the server's connections): per
    process, so that other sessions of a shared server, and backends that exit, leave the
    figure alone (the sum over every postgres process once went negative)."""

    def __init__(self, database_url: str | None) -> None:
        self._engine = None if database_url is None else make_engine(database_url, pooled=False)

    def snapshot(self) -> dict[int, float]:
        if self._engine is None:
            return {}
        with self._engine.connect() as conn:
            pids = [pid for (pid,) in conn.execute(_BACKENDS)]
        found = {}
        for pid in pids:
            with contextlib.suppress(OSError):
                found[pid] = sum(harness.process_cpu(pid))
        return found

    @staticmethod
    def since(before: dict[int, float], after: dict[int, float]) -> float:
        return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


# --- one engine -------------------------------------------------------------------------------


@dataclass
class EngineResult:
    engine: str
    chunks: list[Chunk]
    stored: int
    counted_events: int
    counters: int
    profiles: list[tuple[str, harness.Profile]] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        first, last = self.chunks[0], self.chunks[-1]
        return last.kpi_events_per_s / first.kpi_events_per_s if first.kpi_events_per_s else 0.0

    @property
    def ends_ratio(self) -> float:
        """Events/s with KPIs maintained, the median of the last three chunks over the median
        of the first three (0–100 k stored with the default chunks): a second reading that
        one chunk's noise moves less (the empty chunk's CPU per event moved ±20 % between
        runs of the same code on an idle machine, bench/README.md). Printed, not judged."""
        if len(self.chunks) < 6:
            return self.ratio
        head = statistics.median(c.kpi_events_per_s for c in self.chunks[:3])
        tail = statistics.median(c.kpi_events_per_s for c in self.chunks[-3:])
        return tail / head if head else 0.0

    @property
    def acked_ratio(self) -> float:
        first, last = self.chunks[0], self.chunks[-1]
        return last.events_per_s / first.events_per_s if first.events_per_s else 0.0

    def problems(self) -> list[str]:
        found = [f"chunk at {c.start:,}: {e}" for c in self.chunks for e in c.failed[:1]]
        acked = sum(c.acked for c in self.chunks)
        if self.stored != acked:
            found.append(f"rows stored {self.stored:,} != events acknowledged {acked:,}")
        if self.counters != self.counted_events:
            found.append(
                f"counters add up to {self.counters:,}, events counted {self.counted_events:,}"
            )
        return found


_MARKED = text("SELECT (SELECT count(*) FROM kpi_dirty) + (SELECT count(*) FROM kpi_dirty_company)")
CATCH_UP_LIMIT_S = 600.0


def wait_for_worker(database_url: str) -> float:
    """Until no user is marked for the KPI worker; the wall seconds it took."""
    engine = make_engine(database_url, pooled=False)
    started = time.perf_counter()
    try:
        while time.perf_counter() - started < CATCH_UP_LIMIT_S:
            with engine.connect() as conn:
                if not conn.execute(_MARKED).scalar():
                    break
            time.sleep(0.2)
        else:
            raise RuntimeError("the KPI worker did not catch up")
    finally:
        engine.dispose()
    return time.perf_counter() - started


def measure_engine(engine: str, database_url: str, options: Options, tmp: Path) -> EngineResult:
    print(f"\n== {engine}: preparing the workspace …", flush=True)
    launcher.migrate(database_url)
    db = Database(database_url)
    try:
        workspace = launcher.create_bench_workspace(db, "Kintai Cloud – loaded ingest bench")
        launcher.publish(db, workspace.id, [WELCOME_TOUR], [SETUP_CHECKLIST])
    finally:
        db.dispose()
    data = Dataset(seed=options.seed)
    batches = data.batches(options.batch_size, stop=options.stored + options.chunk)
    per_chunk = options.chunk // options.batch_size
    chunks: list[Chunk] = []
    profiles: list[tuple[str, harness.Profile]] = []
    # As `shirube serve` runs: the KPI worker on, keeping goals' and KPIs' rows up to date.
    worker = {"SHIRUBE_KPI_WORKER": "true"}
    analyze = engine == "PostgreSQL" and not harness.autovacuum_on(database_url)
    if analyze:
        print("   this server runs without autovacuum: ANALYZE after each chunk, as it would")
    pg_cpu = PostgresCpu(database_url if engine == "PostgreSQL" else None)
    with (
        contextlib.closing(pg_cpu) as _,
        harness.serve("shirube", tmp, database_url=database_url, env=worker) as server,
    ):
        for start in range(0, options.stored + options.chunk, options.chunk):
            bodies = [orjson.dumps({"events": next(batches)}) for _ in range(per_chunk)]
            chunk = Chunk(start, events=per_chunk * options.batch_size)
            profiled = options.profile and start in (0, options.stored)
            with contextlib.ExitStack() as stack:
                if profiled:
                    output = tmp / f"profile-{engine}-{start}.txt"
                    stack.enter_context(harness.py_spy(server.pid, output, None))
                cpu_before = sum(harness.process_cpu(server.pid))
                loop_before = loop_cpu(server.pid)
                pg_before = pg_cpu.snapshot()
                started = time.perf_counter()
                chunk.acked, chunk.failed = send_all(
                    server.base_url, workspace.secret_key, bodies, options.senders
                )
                chunk.seconds = time.perf_counter() - started
                chunk.server_cpu_s = sum(harness.process_cpu(server.pid)) - cpu_before
                chunk.loop_cpu_s = loop_cpu(server.pid) - loop_before
                if engine == "PostgreSQL":
                    chunk.postgres_cpu_s = pg_cpu.since(pg_before, pg_cpu.snapshot())
                cpu_before = sum(harness.process_cpu(server.pid))
                pg_before = pg_cpu.snapshot()
                chunk.catch_up_wall_s = wait_for_worker(database_url)
                chunk.catch_up_s = sum(harness.process_cpu(server.pid)) - cpu_before
                if engine == "PostgreSQL":
                    chunk.catch_up_s += pg_cpu.since(pg_before, pg_cpu.snapshot())
            if profiled:
                profiles.append((f"{start:,} stored", harness.read_profile(output)))
            if analyze:
                harness.maintain(database_url, "ANALYZE")
            chunks.append(chunk)
            pg = (
                f", PostgreSQL {chunk.cpu_us(chunk.postgres_cpu_s):5.1f}"
                if engine == "PostgreSQL"
                else ""
            )
            print(
                f"   {start:>9,} stored: {chunk.events_per_s:8,.0f} events/s, server CPU "
                f"{chunk.cpu_us(chunk.server_cpu_s):5.1f} µs/event (event loop "
                f"{chunk.cpu_us(chunk.loop_cpu_s):5.1f}){pg}; catch-up "
                f"{chunk.catch_up_s:4.1f} s CPU in {chunk.catch_up_wall_s:4.1f} s: "
                f"{chunk.kpi_events_per_s:8,.0f} events/s, {chunk.kpi_cpu_us:5.1f} µs/event "
                "with KPIs"
                f"{'  FAILED ' + chunk.failed[0] if chunk.failed else ''}",
                flush=True,
            )
    counts = read_counts(database_url, workspace.id)
    return EngineResult(
        engine, chunks, counts.events, counts.counted_events, counts.counters, profiles
    )


# --- reporting --------------------------------------------------------------------------------


def report(results: Sequence[EngineResult], options: Options) -> bool:
    print("\n== Results")
    print(f"   machine: {harness.machine_line()}")
    print(
        f"   dataset.py seed {options.seed}; batches of {options.batch_size}, {options.senders} "
        f"senders; chunks of {options.chunk:,} events; uvicorn: 1 worker, uvloop"
    )
    rows = [
        [
            "engine", "stored", "events/s with KPIs", "events/s acked", "catch-up CPU s",
            "CPU µs/event with KPIs",
            "server CPU µs/event", "event loop µs/event", "PostgreSQL CPU µs/event",
        ]
    ]  # fmt: skip
    for result in results:
        for chunk in (result.chunks[0], result.chunks[-1]):
            rows.append(
                [
                    result.engine,
                    f"{chunk.start:,}",
                    f"{chunk.kpi_events_per_s:,.0f}",
                    f"{chunk.events_per_s:,.0f}",
                    f"{chunk.catch_up_s:.1f}",
                    f"{chunk.kpi_cpu_us:.1f}",
                    f"{chunk.cpu_us(chunk.server_cpu_s):.1f}",
                    f"{chunk.cpu_us(chunk.loop_cpu_s):.1f}",
                    f"{chunk.cpu_us(chunk.postgres_cpu_s):.1f}"
                    if result.engine == "PostgreSQL"
                    else "",
                ]
            )
    harness.table(rows)
    ok = True
    for result in results:
        first, last = result.chunks[0], result.chunks[-1]
        cpu_ratio = last.kpi_cpu_us / max(first.kpi_cpu_us, 1e-9)
        verdict = "PASS" if result.ratio >= TARGET_RATIO else "FAIL"
        print(
            f"   {result.engine}: events/s with KPIs maintained at {last.start:,} stored / "
            f"empty = {result.ratio:.2f} (target ≥ {TARGET_RATIO}): {verdict}; events/s "
            f"acked {result.acked_ratio:.2f}; CPU per event with KPIs × {cpu_ratio:.2f}; "
            f"three chunks at each end (medians): {result.ends_ratio:.2f}"
        )
        problems = result.problems()
        for problem in problems:
            print(f"   FAIL {result.engine}: {problem}")
        ok = ok and verdict == "PASS" and not problems
        for label, profile in result.profiles:
            print(f"\n== Profile of the Shirube server ({result.engine}, chunk at {label})")
            harness.print_profile(profile, sys.stdout)
    return ok


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    started = time.perf_counter()
    load_at_start = harness.load_average()
    results: list[EngineResult] = []
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(harness.workdir(options.keep))
        for engine, url in _engines(options, tmp, stack):
            results.append(measure_engine(engine, url, options, tmp))
    ok = report(results, options)
    print(
        f"   load average (1 min): {load_at_start} at the start, "
        f"{harness.load_average()} at the end; total time {time.perf_counter() - started:.0f} s"
    )
    return 0 if ok else 1


def _engines(options: Options, tmp: Path, stack: contextlib.ExitStack) -> Iterator[tuple[str, str]]:
    yield "SQLite", f"sqlite:///{tmp / 'ingest-loaded.db'}"
    if options.postgres:
        yield "PostgreSQL", stack.enter_context(harness.scratch_postgres(options.postgres))


if __name__ == "__main__":
    harness.main_guard(main)
