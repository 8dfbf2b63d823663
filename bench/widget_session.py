"""Widget `session` throughput and latency, against a bare Starlette JSON endpoint.

The workspace has 20 published tours (3–6 steps, ja+en), 5 checklists (4–6 items completed by
events or finished tours) and 50 audience conditions spread over them. wrk posts session bodies
for a few thousand users picked at random (traits fixed per user; most users are returning
users with stored progress, the rest are first visits). The bare endpoint (POST, parses the JSON
body, answers ~1 KB of JSON) is served with the same uvicorn settings and measured in the same
run, alternating with Shirube, so the ratio is meaningful on a noisy machine.

    .venv/bin/python bench/widget_session.py            # SQLite, about 1.5 minutes
    .venv/bin/python bench/widget_session.py --quick    # smoke run, about 15 s
    .venv/bin/python bench/widget_session.py --postgres postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import content_fixture as fixture
import harness
import launcher
from harness import BenchError, Server, WrkResult
from shirube.services.ingest import NewEvent, ingest_batch
from shirube.services.published import load_published
from shirube.storage import Connection, Database, tables

SESSION_PATH = "/api/v1/widget/session"
TARGET_RATIO = 0.5


@dataclass
class Options:
    connections: list[int]
    duration_s: float
    rounds: int
    warmup_s: float
    users: int
    returning_share: float
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
        description="Widget session req/s and p50/p99 vs a bare Starlette endpoint.",
        epilog="Needs wrk (apt-get install -y wrk). Results go to stdout; --json also saves them.",
    )
    parser.add_argument("--quick", action="store_true", help="smoke run of about 15 s")
    parser.add_argument("--connections", help="wrk connections, comma-separated (default 8,32)")
    parser.add_argument("--duration", type=float, help="seconds per wrk run (default 8)")
    parser.add_argument("--rounds", type=int, help="alternating bare/Shirube rounds (default 2)")
    parser.add_argument("--warmup", type=float, help="seconds of unmeasured load first (default 3)")
    parser.add_argument("--users", type=int, help="distinct users (default 3000)")
    parser.add_argument(
        "--returning-share", type=float, default=0.8,
        help="share of users that already exist, with progress (default 0.8)",
    )  # fmt: skip
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1)")
    parser.add_argument(
        "--pin", action="store_true", help="pin the servers to CPU 0 and wrk to CPU 1"
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
    parser.add_argument(
        "--progress-cache", type=int, metavar="N",
        help="users' progress kept per server process (SHIRUBE_PROGRESS_CACHE_SIZE; 0: off, "
        "so every session reads its user's progress)",
    )  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the temporary files")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    if args.progress_cache is not None:
        os.environ["SHIRUBE_PROGRESS_CACHE_SIZE"] = str(args.progress_cache)
    quick = args.quick
    return Options(
        connections=harness.parse_connections(args.connections or ("32" if quick else "8,32")),
        duration_s=args.duration or (3.0 if quick else 8.0),
        rounds=args.rounds or (1 if quick else 2),
        warmup_s=args.warmup if args.warmup is not None else (1.0 if quick else 3.0),
        users=args.users or (1000 if quick else 3000),
        returning_share=args.returning_share,
        threads=args.threads,
        pin=args.pin,
        loop=args.loop,
        postgres=args.postgres,
        profile=args.profile,
        profile_s=args.profile_seconds,
        keep=args.keep,
        json_path=args.json,
    )


# --- preparing the database -----------------------------------------------------------------


@dataclass
class Prepared:
    workspace: launcher.BenchWorkspace
    people: list[fixture.Person]
    content: str
    seeded_users: int
    seeded_tours: int
    seeded_events: int
    seconds: float


def prepare(database_url: str, options: Options) -> Prepared:
    started = time.perf_counter()
    rng = random.Random(20261122)
    launcher.migrate(database_url)
    db = Database(database_url)
    try:
        workspace = launcher.create_bench_workspace(db, "Kintai Cloud – bench")
        tours = fixture.tours(rng)
        checklists = fixture.checklists(rng, [tour["key"] for tour in tours])
        revision = launcher.publish(db, workspace.id, tours, checklists)
        conditions = sum(fixture.count_conditions(doc.get("audience")) for doc in tours)
        conditions += sum(fixture.count_conditions(doc.get("audience")) for doc in checklists)
        steps = sum(len(tour["steps"]) for tour in tours)
        items = sum(len(checklist["items"]) for checklist in checklists)
        content = (
            f"{len(tours)} tours ({steps} steps), {len(checklists)} checklists ({items} items), "
            f"{conditions} audience conditions"
        )
        people = fixture.people(rng, options.users)
        returning = people[: round(len(people) * options.returning_share)]
        history = _history(rng, workspace.id, returning, tours, checklists)
        _seed(db, workspace.id, revision, returning, history)
    finally:
        db.dispose()
    return Prepared(
        workspace,
        people,
        content,
        len(returning),
        len(history.tour_rows),
        len(history.events),
        time.perf_counter() - started,
    )


@dataclass
class History:
    """What returning users did before the run: tour progress rows and rule events."""

    tour_rows: list[dict[str, Any]] = field(default_factory=list)
    item_rows: list[dict[str, Any]] = field(default_factory=list)
    events: list[NewEvent] = field(default_factory=list)


def _history(
    rng: random.Random,
    workspace_id: int,
    people: Sequence[fixture.Person],
    tours: Sequence[dict[str, Any]],
    checklists: Sequence[dict[str, Any]],
) -> History:
    """Progress of returning users: a few tours started or completed (with the checklist items
    those complete), and events that count towards checklist rules."""
    rule_events = sorted(
        {
            item["completion"]["event"]
            for checklist in checklists
            for item in checklist["items"]
            if item["completion"]["type"] == "event"
        }
    )
    tour_items: dict[str, list[tuple[str, str]]] = {}
    for checklist in checklists:
        for item in checklist["items"]:
            if item["completion"]["type"] == "tour_completed":
                tour_items.setdefault(item["completion"]["tour"], []).append(
                    (checklist["key"], item["id"])
                )
    start = datetime.now(UTC) - timedelta(days=30)
    history = History()
    for person in people:
        at = start + timedelta(minutes=rng.randint(0, 40_000))
        for tour in rng.sample(list(tours), rng.randint(0, 4)):
            steps = tour["steps"][: rng.randint(1, len(tour["steps"]))]
            completed = len(steps) == len(tour["steps"]) and rng.random() < 0.8
            done_at = at + timedelta(minutes=len(steps))
            history.tour_rows.append(
                {
                    "workspace_id": workspace_id,
                    "user_id": person.user_id,
                    "tour_key": tour["key"],
                    "status": "completed" if completed else "in_progress",
                    "current_step": steps[-1]["id"],
                    "current_step_at": done_at,
                    "version": 1,
                    "started_at": at,
                    "completed_at": done_at if completed else None,
                    "dismissed_at": None,
                    "updated_at": done_at,
                }
            )
            if completed:
                history.item_rows.extend(
                    {
                        "workspace_id": workspace_id,
                        "user_id": person.user_id,
                        "checklist_key": checklist_key,
                        "item_id": item_id,
                        "completed_at": done_at,
                        "completed_by": "tour_completed",
                        "event_id": None,
                    }
                    for checklist_key, item_id in tour_items.get(tour["key"], ())
                )
            at = done_at + timedelta(hours=rng.randint(1, 48))
        for _ in range(rng.randint(0, 5)):
            at += timedelta(minutes=rng.randint(1, 600))
            history.events.append(
                NewEvent(
                    f"seed-{len(history.events)}",
                    rng.choice(rule_events),
                    person.user_id,
                    person.company_id,
                    {"source": "seed"},
                    at,
                )
            )
    return history


def _seed(
    db: Database,
    workspace_id: int,
    revision: int,
    people: Sequence[fixture.Person],
    history: History,
) -> None:
    # One executemany per table; last_seen_at is now, so that returning users' sessions
    # during the run do not need to refresh it (as for a user active a minute ago).
    now = datetime.now(UTC)
    joined = now - timedelta(days=30)
    companies = {person.company_id: person.company_traits for person in people}
    launcher.insert_rows(
        db,
        tables.end_user,
        [
            {"workspace_id": workspace_id, "external_id": p.user_id, "traits": p.traits,
             "locale": "ja", "first_seen_at": joined, "last_seen_at": now}
            for p in people
        ],
    )  # fmt: skip
    launcher.insert_rows(
        db,
        tables.company,
        [
            {"workspace_id": workspace_id, "external_id": company, "traits": traits,
             "created_at": joined, "updated_at": joined}
            for company, traits in companies.items()
        ],
    )  # fmt: skip
    launcher.insert_rows(
        db,
        tables.membership,
        [
            {"workspace_id": workspace_id, "user_id": p.user_id, "company_id": p.company_id,
             "created_at": joined}
            for p in people
        ],
    )  # fmt: skip
    # Progress written directly (one executemany each): projecting thousands of tour events
    # one statement at a time would make the set-up longer than the benchmark.
    launcher.insert_rows(db, tables.tour_progress, history.tour_rows)
    items = {(r["user_id"], r["checklist_key"], r["item_id"]): r for r in history.item_rows}
    launcher.insert_rows(db, tables.checklist_item_progress, list(items.values()))
    for start in range(0, len(history.events), 1000):
        batch = history.events[start : start + 1000]

        def work(conn: Connection, batch: Sequence[NewEvent] = batch) -> None:
            published = load_published(conn, workspace_id, revision)
            ingest_batch(conn, workspace_id, batch, "server", published)

        db.run_sync(work)


def session_body(workspace: launcher.BenchWorkspace, person: fixture.Person) -> dict[str, Any]:
    return {
        "public_key": workspace.public_key,
        "user_id": person.user_id,
        "traits": person.traits,
        "locale": "ja",
        "company": {"id": person.company_id, "traits": person.company_traits},
    }


def write_bodies(path: Path, prepared: Prepared) -> None:
    with path.open("w") as handle:
        for person in prepared.people:
            body = session_body(prepared.workspace, person)
            handle.write(json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n")


# --- measuring ------------------------------------------------------------------------------


@dataclass
class Sample:
    responses: int
    body_bytes_avg: float
    body_bytes_max: int
    tours_avg: float
    checklists_avg: float
    with_progress: int


def sample_sessions(server: Server, prepared: Prepared, count: int = 40) -> Sample:
    """A few sessions through urllib: checks the answers and measures their size."""
    rng = random.Random(7)
    sizes: list[int] = []
    tours: list[int] = []
    checklists: list[int] = []
    with_progress = 0
    for person in rng.sample(prepared.people, min(count, len(prepared.people))):
        status, body = harness.post_json(
            server.base_url + SESSION_PATH,
            session_body(prepared.workspace, person),
            {"Origin": prepared.workspace.origin},
        )
        if status != 200:
            raise BenchError(f"session answered {status}: {body[:500]!r}")
        answer = json.loads(body)
        sizes.append(len(body))
        tours.append(len(answer["tours"]))
        checklists.append(len(answer["checklists"]))
        if any(t["progress"]["status"] != "not_started" for t in answer["tours"]) or any(
            c["progress"]["completed"] for c in answer["checklists"]
        ):
            with_progress += 1
    return Sample(
        len(sizes),
        sum(sizes) / len(sizes),
        max(sizes),
        sum(tours) / len(tours),
        sum(checklists) / len(checklists),
        with_progress,
    )


@dataclass
class EngineResult:
    engine: str
    prepared_s: float
    seeded_users: int
    seeded_events: int
    sample: Sample
    runs: list[WrkResult] = field(default_factory=list)
    profile: harness.Profile | None = None


class Runner:
    def __init__(self, options: Options, wrk: str, bodies: Path) -> None:
        self.options = options
        self.wrk = wrk
        self.bodies = bodies
        self.wrk_cpu = 1 if options.pin else None

    def run(
        self, server: Server, path: str, origin: str, connections: int, seconds: float, label: str
    ) -> WrkResult:
        user_before, system_before = harness.process_cpu(server.pid)
        result = harness.run_wrk(
            self.wrk,
            server.base_url + path,
            harness.LUA_DIR / "session.lua",
            [str(self.bodies), origin, path],
            label=label,
            connections=connections,
            duration_s=seconds,
            threads=self.options.threads,
            cpu=self.wrk_cpu,
        )
        user, system = harness.process_cpu(server.pid)
        if result.requests:
            # The server's CPU per answer, from /proc: less sensitive to the machine's load
            # than req/s, and split into Python/userland and kernel time.
            result.extra["cpu_user_us"] = (user - user_before) / result.requests * 1e6
            result.extra["cpu_system_us"] = (system - system_before) / result.requests * 1e6
        return result


def measure_engine(
    engine: str,
    database_url: str,
    options: Options,
    wrk: str,
    bare: Server,
    tmp: Path,
) -> EngineResult:
    print(f"\n== {engine}: preparing the workspace …", flush=True)
    prepared = prepare(database_url, options)
    bodies = tmp / f"session-bodies-{engine.lower()}.jsonl"
    write_bodies(bodies, prepared)
    origin = prepared.workspace.origin
    runner = Runner(options, wrk, bodies)
    print(
        f"   published {prepared.content}; "
        f"{len(prepared.people)} users ({prepared.seeded_users} returning, with "
        f"{prepared.seeded_tours} tours in progress or done and {prepared.seeded_events} "
        f"past events), prepared in {prepared.seconds:.1f} s",
        flush=True,
    )
    cpu = 0 if options.pin else None
    with harness.serve(
        "shirube", tmp, database_url=database_url, cpu=cpu, loop=options.loop
    ) as shirube:
        sample = sample_sessions(shirube, prepared)
        result = EngineResult(
            engine, prepared.seconds, prepared.seeded_users, prepared.seeded_events, sample
        )
        print(
            f"   session answer: {sample.body_bytes_avg / 1024:.1f} KB on average "
            f"(max {sample.body_bytes_max / 1024:.1f} KB), {sample.tours_avg:.1f} tours and "
            f"{sample.checklists_avg:.1f} checklists targeted per user; "
            f"{sample.with_progress}/{sample.responses} sampled users have progress",
            flush=True,
        )
        top = max(options.connections)
        if options.warmup_s > 0:
            runner.run(shirube, SESSION_PATH, origin, top, options.warmup_s, "warm-up")
            runner.run(bare, launcher.BARE_PATH, origin, top, 1, "warm-up")
        for connections in options.connections:
            for round_index in range(options.rounds):
                order = [("bare", bare), ("shirube", shirube)]
                if round_index % 2:
                    order.reverse()
                for label, server in order:
                    path = SESSION_PATH if label == "shirube" else launcher.BARE_PATH
                    run = runner.run(server, path, origin, connections, options.duration_s, label)
                    result.runs.append(run)
                    print(
                        f"   c={connections:<3} {label:<8} {run.rps:8.0f} req/s  "
                        f"p50 {run.latency_ms['p50']:6.2f} ms  "
                        f"p99 {run.latency_ms['p99']:7.2f} ms  CPU {_cpu(run)}"
                        f"{'  ERRORS ' + str(run.errors) if run.error_count else ''}",
                        flush=True,
                    )
        if options.profile:
            result.profile = profile(runner, shirube, origin, top, options, tmp, engine)
    return result


def profile(
    runner: Runner,
    server: Server,
    origin: str,
    connections: int,
    options: Options,
    tmp: Path,
    engine: str,
) -> harness.Profile:
    output = tmp / f"session-profile-{engine.lower()}.txt"
    print(f"   profiling the Shirube server with py-spy for {options.profile_s:.0f} s …",
          flush=True)  # fmt: skip
    with harness.py_spy(server.pid, output, options.profile_s):
        runner.run(server, SESSION_PATH, origin, connections, options.profile_s, "profile")
    return harness.read_profile(output)


# --- reporting ------------------------------------------------------------------------------


def report(results: Sequence[EngineResult], options: Options) -> bool:
    """Print the summary; return whether every run was free of errors."""
    ok = True
    print("\n== Results (medians over rounds)")
    print(f"   machine: {harness.machine_line()}")
    print(
        f"   wrk -t{options.threads}, {options.duration_s:.0f} s per run, {options.rounds} "
        "round(s) alternating bare/Shirube; uvicorn: 1 worker, "
        f"{options.loop}, httptools, no access log"
        f"{'; servers pinned to CPU 0, wrk to CPU 1' if options.pin else ''}"
    )
    kept = launcher.settings_for("sqlite://").progress_cache_size
    print(f"   users' progress kept per server process: {f'{kept:,} entries' if kept else 'off'}")
    rows = [["engine", "c", "bare req/s", "Shirube req/s", "ratio", "bare p50/p99 ms",
             "Shirube p50/p99 ms", "CPU µs/req bare / Shirube", "resp bytes"]]  # fmt: skip
    verdicts: list[str] = []
    for result in results:
        for connections in options.connections:
            bare = [r for r in result.runs if r.label == "bare" and r.connections == connections]
            ours = [r for r in result.runs if r.label == "shirube" and r.connections == connections]
            bare_rps = harness.median([r.rps for r in bare])
            ours_rps = harness.median([r.rps for r in ours])
            ratio = ours_rps / bare_rps if bare_rps else 0.0
            rows.append(
                [
                    result.engine,
                    str(connections),
                    f"{bare_rps:.0f}",
                    f"{ours_rps:.0f}",
                    f"{ratio:.3f}",
                    _latency(bare),
                    _latency(ours),
                    f"{_cpu_median(bare):.0f} / {_cpu_median(ours):.0f}",
                    f"{harness.median([r.bytes_per_response for r in ours]):.0f}",
                ]
            )
            met = "met" if ratio >= TARGET_RATIO else "NOT met"
            verdicts.append(f"{result.engine} c={connections}: {ratio:.3f} ({met})")
            for run in bare + ours:
                if run.error_count:
                    ok = False
                    print(f"   ERRORS in {run.label} c={connections}: {run.errors}")
    harness.table(rows)
    print(f"   target Shirube ≥ {TARGET_RATIO} × bare: " + "; ".join(verdicts))
    bare_bytes = len(json.dumps(launcher.BARE_PAYLOAD, ensure_ascii=False).encode())
    for result in results:
        print(
            f"   {result.engine} session answer body: {result.sample.body_bytes_avg:,.0f} B "
            f"on average (max {result.sample.body_bytes_max:,}), "
            f"{result.sample.tours_avg:.1f} tours + {result.sample.checklists_avg:.1f} checklists "
            f"per user; the bare answer is {bare_bytes:,} B"
        )
    for result in results:
        if result.profile is not None:
            print(f"\n== Profile of the Shirube server ({result.engine})")
            harness.print_profile(result.profile, sys.stdout)
    return ok


def _cpu(run: WrkResult) -> str:
    user, system = run.extra.get("cpu_user_us", 0.0), run.extra.get("cpu_system_us", 0.0)
    return f"{user + system:4.0f} µs/req ({user:.0f} user + {system:.0f} sys)"


def _cpu_median(runs: Sequence[WrkResult]) -> float:
    return harness.median(
        [r.extra.get("cpu_user_us", 0.0) + r.extra.get("cpu_system_us", 0.0) for r in runs]
    )


def _latency(runs: Sequence[WrkResult]) -> str:
    p50 = harness.median([r.latency_ms["p50"] for r in runs])
    p99 = harness.median([r.latency_ms["p99"] for r in runs])
    return f"{p50:.2f} / {p99:.2f}"


def save_json(path: Path, results: Sequence[EngineResult], options: Options) -> None:
    data = {
        "benchmark": "widget_session",
        "machine": harness.machine_line(),
        "options": {k: str(v) for k, v in vars(options).items()},
        "engines": [
            {
                "engine": r.engine,
                "sample": vars(r.sample),
                "runs": [
                    {
                        "label": run.label,
                        "connections": run.connections,
                        "rps": run.rps,
                        "latency_ms": run.latency_ms,
                        "bytes_per_response": run.bytes_per_response,
                        "errors": run.errors,
                        "cpu_us": {
                            k: run.extra[f"cpu_{k}_us"]
                            for k in ("user", "system")
                            if f"cpu_{k}_us" in run.extra
                        },
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
        cpu = 0 if options.pin else None
        bare = stack.enter_context(harness.serve("bare", tmp, cpu=cpu, loop=options.loop))
        for engine, url in _engines(options, tmp, stack):
            results.append(measure_engine(engine, url, options, wrk, bare, tmp))
    ok = report(results, options)
    print(
        f"   load average (1 min): {load_at_start} at the start, "
        f"{harness.load_average()} at the end"
    )
    if options.json_path is not None:
        save_json(options.json_path, results, options)
    print(f"\n   total time {time.perf_counter() - started:.0f} s; {'OK' if ok else 'FAIL'}")
    return 0 if ok else 1


def _engines(options: Options, tmp: Path, stack: contextlib.ExitStack) -> Iterator[tuple[str, str]]:
    yield "SQLite", f"sqlite:///{tmp / 'widget-session.db'}"
    if options.postgres:
        yield "PostgreSQL", stack.enter_context(harness.scratch_postgres(options.postgres))


if __name__ == "__main__":
    harness.main_guard(main)
