"""Event ingestion through `POST /api/v1/events` in batches of 100, against raw inserts.

wrk posts batches of server events (about 1,000 users, 20 event names of which four complete
items of a published checklist, so the projection runs) until a deadline, then stops sending
and waits for every answer. The figure is events acknowledged per second (the sum of the
`accepted` counts). Afterwards the rows in the `event` table must equal the events
acknowledged, and the per-user counters must add up to the same number: PASS or FAIL.

The baseline, measured in the same run on the same database with the same engine settings
(half before the HTTP runs, half after), is SQLAlchemy Core `executemany` of the same kind of
rows, 100 per transaction, into a table shaped like `event`, in this process.

    .venv/bin/python bench/ingest.py            # SQLite, about 1 minute
    .venv/bin/python bench/ingest.py --quick    # smoke run, about 15 s
    .venv/bin/python bench/ingest.py --postgres postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import secrets
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import harness
import launcher
from harness import Server, WrkResult
from shirube.storage import Database, tables
from shirube.storage.engine import make_engine
from sqlalchemy import Engine, MetaData, Table, text
from sqlalchemy.sql.elements import quoted_name

EVENTS_PATH = "/api/v1/events"
TARGET_SQLITE_EVENTS_PER_S = 20_000
COMPANY_PERCENT = 90

# (name, weight): a host backend's mix. Four names complete items of the "setup" checklist.
EVENT_MIX: list[tuple[str, int]] = [
    ("login", 12),
    ("page.dashboard_viewed", 10),
    ("timecard.clocked_in", 10),
    ("timecard.clocked_out", 10),
    ("shift.viewed", 6),
    ("shift.created", 4),
    ("shift.published", 3),
    ("leave.requested", 3),
    ("leave.approved", 2),
    ("report.viewed", 4),
    ("report.exported", 2),
    ("employees.imported", 1),
    ("employee.created", 3),
    ("invite.sent", 2),
    ("integration.connected", 1),
    ("settings.updated", 2),
    ("csv.uploaded", 1),
    ("approval.flow_created", 1),
    ("notification.enabled", 1),
    ("help.opened", 3),
]

WELCOME_TOUR: dict[str, Any] = {
    "key": "welcome",
    "name": "Welcome",
    "steps": [
        {"id": "intro", "kind": "modal", "title": {"en": "Welcome", "ja": "ようこそ"}},
        {
            "id": "menu",
            "kind": "tooltip",
            "target": "#menu",
            "body": {"en": "Menu", "ja": "メニュー"},
        },
        {"id": "done", "kind": "modal", "title": {"en": "Done", "ja": "完了"}},
    ],
}
SETUP_CHECKLIST: dict[str, Any] = {
    "key": "setup",
    "title": {"en": "Initial setup", "ja": "初期設定"},
    "items": [
        {
            "id": "import",
            "title": {"en": "Import employees", "ja": "従業員をインポート"},
            "completion": {"type": "event", "event": "employees.imported"},
        },
        {
            "id": "shifts",
            "title": {"en": "Create three shifts", "ja": "シフトを3件作成"},
            "completion": {"type": "event", "event": "shift.created", "min_count": 3},
        },
        {
            "id": "invite",
            "title": {"en": "Invite your team", "ja": "メンバーを招待"},
            "completion": {"type": "event", "event": "invite.sent"},
        },
        {
            "id": "integrate",
            "title": {"en": "Connect payroll", "ja": "給与システムと連携"},
            "completion": {"type": "event", "event": "integration.connected"},
        },
        {
            "id": "tour",
            "title": {"en": "Take the tour", "ja": "ツアーを見る"},
            "completion": {"type": "tour_completed", "tour": "welcome"},
        },
    ],
}
RULE_EVENTS = sorted(
    item["completion"]["event"]
    for item in SETUP_CHECKLIST["items"]
    if item["completion"]["type"] == "event"
)


@dataclass
class Options:
    connections: list[int]
    duration_s: float
    drain_s: float
    warmup_s: float
    baseline_s: float
    batch_size: int
    users: int
    threads: int
    pin: bool
    loop: str
    postgres: str | None
    profile: bool
    profile_s: float
    keep: bool
    json_path: Path | None


def parse_args(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(
        description="Events/s acknowledged by POST /api/v1/events vs raw inserts; row check.",
        epilog="Needs wrk (apt-get install -y wrk). Exit status 1 when a check FAILs.",
    )
    parser.add_argument("--quick", action="store_true", help="smoke run of about 15 s")
    parser.add_argument("--connections", help="wrk connections, comma-separated (default 8,32)")
    parser.add_argument("--duration", type=float, help="seconds of sending per run (default 10)")
    parser.add_argument(
        "--drain", type=float, default=30.0,
        help="at most this many seconds after the deadline for the answers to the batches in "
        "flight (default 30; wrk stops as soon as all are in)",
    )  # fmt: skip
    parser.add_argument("--warmup", type=float, help="seconds of warm-up load (default 2)")
    parser.add_argument(
        "--baseline-seconds", type=float, help="raw insert time, split before/after (default 6)"
    )
    parser.add_argument("--batch-size", type=int, default=100, help="events per request")
    parser.add_argument("--users", type=int, default=1000, help="distinct users (default 1000)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1)")
    parser.add_argument(
        "--pin", action="store_true", help="pin the server to CPU 0 and wrk to CPU 1"
    )
    parser.add_argument(
        "--loop", choices=["uvloop", "asyncio"], default="uvloop",
        help="event loop of every server (default uvloop; asyncio is for diagnosis)",
    )  # fmt: skip
    parser.add_argument(
        "--postgres", metavar="URL",
        help="also run on PostgreSQL; a scratch database is created there and dropped after",
    )  # fmt: skip
    parser.add_argument(
        "--profile", action="store_true",
        help="after measuring, sample the Shirube server with py-spy under load",
    )  # fmt: skip
    parser.add_argument(
        "--profile-seconds", type=float, default=10.0, help="length of the profile (default 10)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary files")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    quick = args.quick
    if not 1 <= args.batch_size <= 1000:
        parser.error("--batch-size must be between 1 and 1000 (the API's limit)")
    return Options(
        connections=harness.parse_connections(args.connections or ("8" if quick else "8,32")),
        duration_s=args.duration or (4.0 if quick else 10.0),
        drain_s=args.drain,
        warmup_s=args.warmup if args.warmup is not None else (1.0 if quick else 2.0),
        baseline_s=args.baseline_seconds or (2.0 if quick else 6.0),
        batch_size=args.batch_size,
        users=args.users,
        threads=args.threads,
        pin=args.pin,
        loop=args.loop,
        postgres=args.postgres,
        profile=args.profile,
        profile_s=args.profile_seconds,
        keep=args.keep,
        json_path=args.json,
    )


# --- the baseline: raw executemany ----------------------------------------------------------


class RowMaker:
    """Rows shaped like the ones `services.ingest` inserts, with the same mix as ingest.lua."""

    def __init__(self, workspace_id: int, users: int, seed: int = 1) -> None:
        self.workspace_id = workspace_id
        self.users = users
        self.rng = random.Random(seed)
        self.names = [name for name, weight in EVENT_MIX for _ in range(weight)]
        self.counter = 0

    def batch(self, size: int) -> list[dict[str, Any]]:
        rng = self.rng
        now = datetime.now(UTC)
        rows: list[dict[str, Any]] = []
        for _ in range(size):
            self.counter += 1
            user = rng.randint(1, self.users)
            stamp = now - timedelta(seconds=900 * rng.randint(0, 3)) if rng.random() < 0.5 else now
            rows.append(
                {
                    "workspace_id": self.workspace_id,
                    "id": f"{rng.getrandbits(48):012x}-raw-{self.counter}",
                    "name": rng.choice(self.names),
                    "properties": {
                        "plan": rng.choice(["trial", "standard", "pro", "enterprise"]),
                        "count": rng.randint(1, 50),
                        "source": rng.choice(["api", "import", "job"]),
                    },
                    "user_id": f"user-{user}",
                    # The event log's key leads with the user's key (migration 0022); the
                    # raw table keeps no end_user rows, so the user's number stands in.
                    "user_key": user,
                    "company_id": f"co-{(user - 1) // 10 + 1}"
                    if rng.randrange(100) < COMPANY_PERCENT
                    else None,
                    "timestamp": stamp,
                    "received_at": now,
                    "source": "server",
                }
            )
        return rows


def raw_event_table(engine: Engine) -> Table:
    """A table shaped like `event` (same columns, types, key and index), under another name."""
    metadata = MetaData()
    table = tables.event.to_metadata(metadata, name="bench_raw_event")
    for index in table.indexes:
        index.name = quoted_name(f"bench_raw_{index.name}", None)
    metadata.create_all(engine)
    return table


@dataclass
class Baseline:
    """Raw inserts measured in slices (before and after the HTTP runs), summed."""

    rows: int = 0
    seconds: float = 0.0
    slices: list[float] = field(default_factory=list)

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def raw_insert_baseline(
    database_url: str, maker: RowMaker, options: Options, seconds: float, baseline: Baseline
) -> None:
    """Insert batches for `seconds` of insert time (row generation is not timed)."""
    engine = make_engine(database_url, pooled=True)
    try:
        table = raw_event_table(engine)
        rows_done, spent = 0, 0.0
        while spent < seconds:
            rows = maker.batch(options.batch_size)
            started = time.perf_counter()
            with engine.begin() as connection:
                connection.execute(table.insert(), rows)
            spent += time.perf_counter() - started
            rows_done += len(rows)
        baseline.rows += rows_done
        baseline.seconds += spent
        baseline.slices.append(rows_done / spent)
        print(
            f"   raw Core executemany, {options.batch_size} rows per transaction: "
            f"{rows_done / spent:,.0f} rows/s ({rows_done:,} rows)",
            flush=True,
        )
    finally:
        engine.dispose()


# --- the HTTP runs --------------------------------------------------------------------------


@dataclass
class Counts:
    events: int
    counted_events: int
    counters: int
    items: int


def read_counts(database_url: str, workspace_id: int) -> Counts:
    engine = make_engine(database_url, pooled=True)
    try:
        with engine.connect() as connection:
            params = {"ws": workspace_id}
            events = connection.execute(
                text("SELECT count(*) FROM event WHERE workspace_id = :ws"), params
            ).scalar_one()
            # Only the names that rules count have counters: those must add up to their
            # events.
            counted_events, counters = connection.execute(
                text(
                    "SELECT (SELECT count(*) FROM event e JOIN counted_name c"
                    " ON c.workspace_id = e.workspace_id AND c.name = e.name"
                    " WHERE e.workspace_id = :ws),"
                    " (SELECT coalesce(sum(count), 0) FROM user_event_count"
                    " WHERE workspace_id = :ws)"
                ),
                params,
            ).one()
            items = connection.execute(
                text("SELECT count(*) FROM checklist_item_progress WHERE workspace_id = :ws"),
                params,
            ).scalar_one()
        return Counts(int(events), int(counted_events), int(counters), int(items))
    finally:
        engine.dispose()


@dataclass
class Run:
    wrk: WrkResult
    before: Counts
    after: Counts
    # User + system CPU seconds of the server process during the run (/proc).
    server_cpu_s: float = 0.0

    @property
    def cpu_us_per_event(self) -> float:
        """Less sensitive to the machine's load than events/s."""
        return self.server_cpu_s / self.acked * 1e6 if self.acked else 0.0

    @property
    def acked(self) -> int:
        return int(self.wrk.extra.get("acked", 0))

    @property
    def sent(self) -> int:
        return int(self.wrk.extra.get("sent", 0))

    @property
    def stored(self) -> int:
        return self.after.events - self.before.events

    @property
    def counters(self) -> int:
        return self.after.counters - self.before.counters

    @property
    def counted_events(self) -> int:
        return self.after.counted_events - self.before.counted_events

    @property
    def seconds(self) -> float:
        first = self.wrk.extra.get("first_send")
        last = self.wrk.extra.get("last_ack")
        if first is None or last is None:
            return 0.0
        return float(last) - float(first)

    @property
    def events_per_s(self) -> float:
        return self.acked / self.seconds if self.seconds > 0 else 0.0

    @property
    def batches_failed(self) -> int:
        return int(self.wrk.extra.get("batches_failed", 0))

    def problems(self) -> list[str]:
        found: list[str] = []
        if self.stored != self.acked:
            found.append(f"rows stored {self.stored} != events acknowledged {self.acked}")
        if self.counters != self.counted_events or not self.counters:
            found.append(
                f"user_event_count grew by {self.counters}, the events of counted names by"
                f" {self.counted_events}"
            )
        if self.batches_failed:
            error = self.wrk.extra.get("first_error", "")
            found.append(f"{self.batches_failed} batches failed (first: {error})")
        unanswered = self.sent - self.acked - int(self.wrk.extra.get("duplicates", 0))
        if not self.batches_failed and unanswered:
            found.append(f"{unanswered} events sent but not answered (raise --drain)")
        if self.wrk.errors.get("timeout"):
            found.append(f"{self.wrk.errors['timeout']} requests timed out")
        if self.acked == 0:
            found.append("no event was acknowledged")
        return found


class Runner:
    def __init__(
        self, options: Options, wrk: str, database_url: str, workspace: launcher.BenchWorkspace
    ) -> None:
        self.options = options
        self.wrk = wrk
        self.database_url = database_url
        self.workspace = workspace
        self.runs = 0
        self.mix = EVENT_MIX

    def run(self, server: Server, connections: int, seconds: float, label: str) -> Run:
        self.runs += 1
        tag = f"r{self.runs}{secrets.token_hex(3)}"
        before = read_counts(self.database_url, self.workspace.id)
        cpu_before = harness.process_cpu(server.pid)
        deadline = time.monotonic() + 0.3 + seconds  # wrk starts in well under 0.3 s
        names = ",".join(f"{name}:{weight}" for name, weight in self.mix)
        result = harness.run_wrk(
            self.wrk,
            server.base_url + EVENTS_PATH,
            harness.LUA_DIR / "ingest.lua",
            [
                self.workspace.secret_key,
                EVENTS_PATH,
                str(self.options.users),
                names,
                f"{deadline:.6f}",
                str(self.options.batch_size),
                tag,
                str(COMPANY_PERCENT),
            ],
            label=label,
            connections=connections,
            duration_s=0.3 + seconds + self.options.drain_s,
            threads=self.options.threads,
            timeout_s=30,
            cpu=1 if self.options.pin else None,
        )
        after = read_counts(self.database_url, self.workspace.id)
        cpu_after = harness.process_cpu(server.pid)
        return Run(result, before, after, sum(cpu_after) - sum(cpu_before))


@dataclass
class EngineResult:
    engine: str
    baseline: Baseline
    runs: list[Run] = field(default_factory=list)
    warmup: Run | None = None
    profiled: Run | None = None
    items_completed: int = 0
    profile: harness.Profile | None = None

    def problems(self) -> list[str]:
        found: list[str] = []
        for run in [self.warmup, *self.runs, self.profiled]:
            if run is not None:
                found += [f"{run.wrk.label} c={run.wrk.connections}: {p}" for p in run.problems()]
        return found


def measure_engine(
    engine: str, database_url: str, options: Options, wrk: str, tmp: Path
) -> EngineResult:
    print(f"\n== {engine}: preparing the workspace …", flush=True)
    launcher.migrate(database_url)
    db = Database(database_url)
    try:
        workspace = launcher.create_bench_workspace(db, "Kintai Cloud – ingest bench")
        launcher.publish(db, workspace.id, [WELCOME_TOUR], [SETUP_CHECKLIST])
    finally:
        db.dispose()
    # Half the baseline before the HTTP runs and half after: the machine's load drifts.
    maker = RowMaker(workspace.id, options.users)
    result = EngineResult(engine, Baseline())
    raw_insert_baseline(database_url, maker, options, options.baseline_s / 2, result.baseline)
    runner = Runner(options, wrk, database_url, workspace)
    cpu = 0 if options.pin else None
    with harness.serve(
        "shirube", tmp, database_url=database_url, cpu=cpu, loop=options.loop
    ) as server:
        if options.warmup_s > 0:
            result.warmup = runner.run(server, options.connections[0], options.warmup_s, "warm-up")
        for connections in options.connections:
            run = runner.run(server, connections, options.duration_s, "ingest")
            result.runs.append(run)
            print(
                f"   c={connections:<3} {run.events_per_s:9,.0f} events/s acknowledged  "
                f"({run.wrk.extra.get('batches_ok', 0)} batches, p50 "
                f"{run.wrk.latency_ms['p50']:.1f} ms, p99 {run.wrk.latency_ms['p99']:.1f} ms, "
                f"server CPU {run.cpu_us_per_event:.1f} µs/event)  "
                f"stored {run.stored:,} / acked {run.acked:,}: "
                f"{'PASS' if not run.problems() else 'FAIL'}",
                flush=True,
            )
        if options.profile:
            output = tmp / f"ingest-profile-{engine.lower()}.txt"
            print(
                f"   profiling the server with py-spy for {options.profile_s:.0f} s …", flush=True
            )
            with harness.py_spy(server.pid, output, options.profile_s):
                result.profiled = runner.run(
                    server, options.connections[0], options.profile_s, "profile"
                )
            result.profile = harness.read_profile(output)
    raw_insert_baseline(database_url, maker, options, options.baseline_s / 2, result.baseline)
    result.items_completed = read_counts(database_url, workspace.id).items
    return result


# --- reporting ------------------------------------------------------------------------------


def report(results: Sequence[EngineResult], options: Options) -> bool:
    ok = True
    print("\n== Results")
    print(f"   machine: {harness.machine_line()}")
    print(
        f"   batches of {options.batch_size} events, {options.users} users, wrk "
        f"-t{options.threads}, {options.duration_s:.0f} s of sending per run, then waiting for "
        f"the answers in flight; uvicorn: 1 worker, {options.loop}, httptools, "
        "no access log"
        f"{'; server pinned to CPU 0, wrk to CPU 1' if options.pin else ''}"
    )
    rows = [["engine", "c", "events/s (HTTP)", "raw rows/s", "ratio", "batch p50/p99 ms",
             "server CPU µs/event", "stored", "acked", "check"]]  # fmt: skip
    for result in results:
        for run in result.runs:
            ratio = run.events_per_s / result.baseline.rows_per_s if result.baseline.rows else 0.0
            rows.append(
                [
                    result.engine,
                    str(run.wrk.connections),
                    f"{run.events_per_s:,.0f}",
                    f"{result.baseline.rows_per_s:,.0f}",
                    f"{ratio:.2f}",
                    f"{run.wrk.latency_ms['p50']:.1f} / {run.wrk.latency_ms['p99']:.1f}",
                    f"{run.cpu_us_per_event:.1f}",
                    f"{run.stored:,}",
                    f"{run.acked:,}",
                    "PASS" if not run.problems() else "FAIL",
                ]
            )
    harness.table(rows)
    for result in results:
        problems = result.problems()
        ok = ok and not problems
        for problem in problems:
            print(f"   FAIL {result.engine}: {problem}")
        if result.engine == "SQLite" and result.runs:
            best = max(run.events_per_s for run in result.runs)
            verdict = "met" if best >= TARGET_SQLITE_EVENTS_PER_S else "NOT met"
            print(
                f"   target on SQLite ≥ {TARGET_SQLITE_EVENTS_PER_S:,} events/s: best "
                f"{best:,.0f} ({verdict})"
            )
        slices = " and ".join(f"{rate:,.0f}" for rate in result.baseline.slices)
        print(
            f"   {result.engine}: raw inserts {slices} rows/s (before/after the HTTP runs); "
            f"checklist items completed by the projection: {result.items_completed:,}"
        )
        if result.profile is not None:
            print(f"\n== Profile of the Shirube server ({result.engine})")
            harness.print_profile(result.profile, sys.stdout)
    print(f"\n   rows stored == events acknowledged: {'PASS' if ok else 'FAIL'}")
    return ok


def save_json(path: Path, results: Sequence[EngineResult], options: Options) -> None:
    data = {
        "benchmark": "ingest",
        "machine": harness.machine_line(),
        "options": {k: str(v) for k, v in vars(options).items()},
        "engines": [
            {
                "engine": r.engine,
                "raw_rows_per_s": r.baseline.rows_per_s,
                "runs": [
                    {
                        "connections": run.wrk.connections,
                        "events_per_s": run.events_per_s,
                        "latency_ms": run.wrk.latency_ms,
                        "stored": run.stored,
                        "acked": run.acked,
                        "pass": not run.problems(),
                    }
                    for run in r.runs
                ],
            }
            for r in results
        ],
    }
    path.write_text(json.dumps(data, indent=2))


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    wrk = harness.find_wrk()
    started = time.perf_counter()
    load_at_start = harness.load_average()
    results: list[EngineResult] = []
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(harness.workdir(options.keep))
        for engine, url in _engines(options, tmp, stack):
            results.append(measure_engine(engine, url, options, wrk, tmp))
    ok = report(results, options)
    print(
        f"   load average (1 min): {load_at_start} at the start, "
        f"{harness.load_average()} at the end"
    )
    if options.json_path is not None:
        save_json(options.json_path, results, options)
    print(f"   total time {time.perf_counter() - started:.0f} s")
    return 0 if ok else 1


def _engines(options: Options, tmp: Path, stack: contextlib.ExitStack) -> Iterator[tuple[str, str]]:
    yield "SQLite", f"sqlite:///{tmp / 'ingest.db'}"
    if options.postgres:
        yield "PostgreSQL", stack.enter_context(harness.scratch_postgres(options.postgres))


if __name__ == "__main__":
    harness.main_guard(main)
