"""Two Shirube instances behind nginx against one instance reached directly: the same load,
in the same run, alternating.

The load is what a deployment serves: widget sessions (wrk, `lua/session.lua`, the workspace
and 3,000 users of widget_session.py) and, at the same time, event batches from host backends
(a second wrk, `lua/ingest.lua`, batches of 100 for the same users, so sessions see their
progress move). Targets: one `shirube serve` process reached directly, and two behind Debian's
nginx with the configuration of docs/deploy.md (`deploy/nginx/shirube-proxy.conf`, round
robin, keep-alive to the instances, compression). Both instances, on one PostgreSQL database,
run through the whole benchmark; the direct runs use one of them.

Figures per run: sessions/s with p50/p99, events/s acknowledged with batch p50/p99, the CPU
the instances and nginx used; afterwards the rows stored must equal the events acknowledged,
and no request may fail (PASS/FAIL). The ratio nginx/direct is the figure to watch: on a
2-core machine two instances share the cores that one had (and wrk, nginx and PostgreSQL share
them too), so it cannot be 2. It shows what the load balancer costs and that nothing breaks.

    .venv/bin/python bench/load_balancer.py            # about 2 minutes
    .venv/bin/python bench/load_balancer.py --quick    # smoke run, about 40 s
    .venv/bin/python bench/load_balancer.py --postgres postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import contextlib
import json
import secrets
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import harness
import ingest
import widget_session
from harness import BenchError, Server, WrkResult

# The deployment tests' runner of the same nginx configuration.
sys.path.insert(1, str(harness.BENCH_DIR.parent))
from tests.deploy.nginx import Nginx

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
TARGETS = ("direct", "nginx")
DESCRIBED = {"direct": "one instance, direct", "nginx": "two instances, nginx"}


# What each phase loads the target with: sessions alone, event batches alone, both at once.
PHASES = {"sessions": (True, False), "events": (False, True), "mixed": (True, True)}


@dataclass
class Options:
    phases: list[str]
    duration_s: float
    rounds: int
    warmup_s: float
    session_connections: int
    ingest_connections: int
    batch_size: int
    users: int
    postgres: str
    keep: bool
    json_path: Path | None


def parse_args(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(
        description="Sessions/s and events/s through nginx to two instances vs one instance.",
        epilog="Needs wrk and nginx (make bench installs them). Exit status 1 when a check FAILs.",
    )
    parser.add_argument("--quick", action="store_true", help="smoke run of about 40 s")
    parser.add_argument(
        "--phases", default=",".join(PHASES),
        help="which loads, in order (default sessions,events,mixed)",
    )  # fmt: skip
    parser.add_argument("--duration", type=float, help="seconds of load per run (default 8)")
    parser.add_argument(
        "--rounds", type=int,
        help="rounds of two runs, direct and nginx, in alternating order (default 2)",
    )  # fmt: skip
    parser.add_argument(
        "--warmup", type=float, help="seconds of unmeasured load per phase and target (3)"
    )
    parser.add_argument(
        "--session-connections", type=int, default=16, help="wrk connections for sessions (16)"
    )
    parser.add_argument(
        "--ingest-connections", type=int, default=4, help="wrk connections for events (4)"
    )
    parser.add_argument("--batch-size", type=int, default=100, help="events per batch (100)")
    parser.add_argument("--users", type=int, help="distinct users (default 3000)")
    parser.add_argument(
        "--postgres", metavar="URL", default=DEFAULT_POSTGRES,
        help=f"PostgreSQL server for a scratch database, dropped after ({DEFAULT_POSTGRES})",
    )  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the temporary files")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    quick = args.quick
    phases = [phase.strip() for phase in args.phases.split(",") if phase.strip()]
    if not phases or any(phase not in PHASES for phase in phases):
        parser.error(f"--phases takes some of {', '.join(PHASES)}")
    return Options(
        phases=phases,
        duration_s=args.duration or (3.0 if quick else 6.0),
        rounds=args.rounds or (1 if quick else 2),
        warmup_s=args.warmup if args.warmup is not None else (1.0 if quick else 3.0),
        session_connections=args.session_connections,
        ingest_connections=args.ingest_connections,
        batch_size=args.batch_size,
        users=args.users or (1000 if quick else 3000),
        postgres=args.postgres,
        keep=args.keep,
        json_path=args.json,
    )


# --- processes' CPU -------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


def cpu_seconds(pids: Sequence[int]) -> float:
    return sum(sum(harness.process_cpu(pid)) for pid in pids)


# --- one run --------------------------------------------------------------------------------


@dataclass
class Run:
    target: str
    phase: str
    sessions: WrkResult | None
    events: WrkResult | None
    stored: int
    cpu_instances_s: float
    cpu_nginx_s: float

    @property
    def sessions_per_s(self) -> float:
        return self.sessions.rps if self.sessions is not None else 0.0

    @property
    def acked(self) -> int:
        return int(self.events.extra.get("acked", 0)) if self.events is not None else 0

    @property
    def events_per_s(self) -> float:
        if self.events is None:
            return 0.0
        first, last = self.events.extra.get("first_send"), self.events.extra.get("last_ack")
        if first is None or last is None or last <= first:
            return 0.0
        return self.acked / (float(last) - float(first))

    @property
    def nginx_us_per_request(self) -> float:
        """nginx's own CPU per request it passed on (0 for the direct runs)."""
        requests = sum(run.requests for run in (self.sessions, self.events) if run is not None)
        return self.cpu_nginx_s / requests * 1e6 if requests else 0.0

    def problems(self) -> list[str]:
        found: list[str] = []
        if self.sessions is not None:
            if self.sessions.error_count:
                found.append(f"sessions failed: {self.sessions.errors}")
            if not self.sessions.requests:
                found.append("no session was answered")
        if self.events is not None:
            extra = self.events.extra
            if extra.get("batches_failed"):
                found.append(
                    f"{extra['batches_failed']} batches failed "
                    f"(first: {extra.get('first_error', '')})"
                )
            if self.events.errors.get("timeout") or self.events.errors.get("connect"):
                found.append(f"event batches: {self.events.errors}")
            if not self.acked:
                found.append("no event was acknowledged")
        if self.stored != self.acked:
            found.append(f"rows stored {self.stored} != events acknowledged {self.acked}")
        return found


@dataclass
class Bench:
    options: Options
    wrk: str
    database_url: str
    prepared: widget_session.Prepared
    bodies: Path
    instances: list[Server]
    nginx: Nginx
    runs: list[Run] = field(default_factory=list)
    count: int = 0

    def base_url(self, target: str) -> str:
        return self.nginx.url if target == "nginx" else self.instances[0].base_url

    def run(self, target: str, phase: str, seconds: float) -> Run:
        self.count += 1
        options, workspace = self.options, self.prepared.workspace
        base = self.base_url(target)
        with_sessions, with_events = PHASES[phase]
        before = ingest.read_counts(self.database_url, workspace.id).events
        instance_pids = [server.pid for server in self.instances]
        assert self.nginx.process is not None
        nginx_pids = [self.nginx.process.pid, *_children(self.nginx.process.pid)]
        cpu_instances, cpu_nginx = cpu_seconds(instance_pids), cpu_seconds(nginx_pids)
        deadline = time.monotonic() + 0.3 + seconds  # wrk starts in well under 0.3 s
        names = ",".join(f"{name}:{weight}" for name, weight in ingest.EVENT_MIX)
        results: dict[str, WrkResult] = {}
        failures: list[BaseException] = []

        def sessions() -> None:
            results["sessions"] = harness.run_wrk(
                self.wrk,
                base + widget_session.SESSION_PATH,
                harness.LUA_DIR / "session.lua",
                # As browsers do: nginx compresses the answers (Shirube itself does not).
                [str(self.bodies), workspace.origin, widget_session.SESSION_PATH, "gzip"],
                label=f"{target} {phase} sessions",
                connections=options.session_connections,
                duration_s=0.3 + seconds,
            )

        def events() -> None:
            tag = f"lb{self.count}{secrets.token_hex(3)}"
            arguments = [
                workspace.secret_key, ingest.EVENTS_PATH, str(options.users), names,
                f"{deadline:.6f}", str(options.batch_size), tag, str(ingest.COMPANY_PERCENT),
            ]  # fmt: skip
            results["events"] = harness.run_wrk(
                self.wrk,
                base + ingest.EVENTS_PATH,
                harness.LUA_DIR / "ingest.lua",
                arguments,
                label=f"{target} {phase} events",
                connections=options.ingest_connections,
                duration_s=0.3 + seconds + 30,
                timeout_s=30,
            )

        def guarded(work: Any) -> None:
            try:
                work()
            except BaseException as exc:
                failures.append(exc)

        loads = [work for work, wanted in ((sessions, with_sessions), (events, with_events))
                 if wanted]  # fmt: skip
        threads = [threading.Thread(target=guarded, args=(work,)) for work in loads]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if failures:
            raise failures[0]
        after = ingest.read_counts(self.database_url, workspace.id).events
        return Run(
            target,
            phase,
            results.get("sessions"),
            results.get("events"),
            after - before,
            cpu_seconds(instance_pids) - cpu_instances,
            cpu_seconds(nginx_pids) - cpu_nginx,
        )


def _line(run: Run) -> str:
    parts = [f"   {run.phase:<8} {DESCRIBED[run.target]:<22}"]
    if run.sessions is not None:
        latency = run.sessions.latency_ms
        parts.append(
            f"{run.sessions_per_s:7,.0f} sessions/s (p50 {latency['p50']:6.1f} / p99 "
            f"{latency['p99']:7.1f} ms, {run.sessions.bytes_per_response:,.0f} B each)"
        )
    if run.events is not None:
        latency = run.events.latency_ms
        parts.append(
            f"{run.events_per_s:7,.0f} events/s (batch p50 {latency['p50']:6.1f} / p99 "
            f"{latency['p99']:7.1f} ms)"
        )
    parts.append(
        f"CPU s: instances {run.cpu_instances_s:.1f}, nginx {run.cpu_nginx_s:.2f}  "
        + ("PASS" if not run.problems() else "FAIL")
    )
    return "  ".join(parts)


def measure(options: Options, wrk: str, tmp: Path, database_url: str) -> Bench:
    print("== preparing the workspace (widget_session.py's content and users) …", flush=True)
    prepared = widget_session.prepare(
        database_url, widget_session.parse_args(["--users", str(options.users)])
    )
    bodies = tmp / "session-bodies.jsonl"
    widget_session.write_bodies(bodies, prepared)
    print(
        f"   published {prepared.content}; {len(prepared.people)} users "
        f"({prepared.seeded_users} returning), prepared in {prepared.seconds:.1f} s",
        flush=True,
    )
    with contextlib.ExitStack() as stack:
        instances = [
            stack.enter_context(harness.serve("shirube", tmp, database_url=database_url))
            for _ in range(2)
        ]
        nginx = Nginx(tmp, [server.port for server in instances], access_log=False)
        nginx.start()
        stack.callback(nginx.stop)
        bench = Bench(options, wrk, database_url, prepared, bodies, instances, nginx)
        print(
            f"   instances on :{instances[0].port} (also the direct target) and "
            f":{instances[1].port}; nginx on :{nginx.port}",
            flush=True,
        )
        for phase in options.phases:
            # Unmeasured, each target: the caches warm up for this phase's load (events move
            # users' progress on, so sessions after an events phase read progress again).
            if options.warmup_s > 0:
                for target in TARGETS:
                    bench.run(target, phase, options.warmup_s)
            for round_index in range(options.rounds):
                order = list(TARGETS) if round_index % 2 == 0 else list(reversed(TARGETS))
                for target in order:
                    run = bench.run(target, phase, options.duration_s)
                    bench.runs.append(run)
                    print(_line(run), flush=True)
    return bench


# --- reporting ------------------------------------------------------------------------------


def _median(runs: Sequence[Run], value: Any) -> float:
    return harness.median([value(run) for run in runs])


def _latency(runs: Sequence[Run], kind: str) -> str:
    results = [getattr(run, kind) for run in runs]
    p50 = harness.median([result.latency_ms["p50"] for result in results])
    p99 = harness.median([result.latency_ms["p99"] for result in results])
    return f"{p50:.1f} / {p99:.1f}"


def report(bench: Bench) -> bool:
    options = bench.options
    print("\n== Results (PostgreSQL; medians of the runs of each phase and target)")
    print(f"   machine: {harness.machine_line()}")
    print(
        f"   {options.rounds} run(s) of {options.duration_s:.0f} s per phase and target, "
        f"alternating; sessions: wrk -c{options.session_connections}, {options.users:,} users; "
        f"events: wrk -c{options.ingest_connections}, batches of {options.batch_size}; uvicorn: "
        "1 worker per instance, uvloop, httptools; nginx: 1 worker"
    )
    rows = [["phase", "target", "sessions/s", "p50/p99 ms", "events/s", "batch p50/p99 ms",
             "nginx CPU µs/req", "check"]]  # fmt: skip
    ratios: list[str] = []
    for phase in options.phases:
        medians: dict[str, tuple[float, float]] = {}
        for target in TARGETS:
            runs = [run for run in bench.runs if run.target == target and run.phase == phase]
            if not runs:
                continue
            with_sessions, with_events = PHASES[phase]
            sessions = _median(runs, lambda run: run.sessions_per_s)
            events = _median(runs, lambda run: run.events_per_s)
            medians[target] = (sessions, events)
            rows.append(
                [
                    phase,
                    DESCRIBED[target],
                    f"{sessions:,.0f}" if with_sessions else "",
                    _latency(runs, "sessions") if with_sessions else "",
                    f"{events:,.0f}" if with_events else "",
                    _latency(runs, "events") if with_events else "",
                    f"{_median(runs, lambda run: run.nginx_us_per_request):.0f}",
                    "PASS" if not any(run.problems() for run in runs) else "FAIL",
                ]
            )
        if len(medians) == 2:
            (direct_sessions, direct_events), (lb_sessions, lb_events) = (
                medians["direct"],
                medians["nginx"],
            )
            parts = []
            if direct_sessions:
                parts.append(f"sessions/s {lb_sessions / direct_sessions:.2f}")
            if direct_events:
                parts.append(f"events/s {lb_events / direct_events:.2f}")
            ratios.append(f"{phase} phase {' and '.join(parts)}")
    harness.table(rows)
    print(f"   ratio nginx (two instances) / direct (one): {'; '.join(ratios)}")
    ok = True
    for run in bench.runs:
        for problem in run.problems():
            ok = False
            print(f"   FAIL {run.phase} {DESCRIBED[run.target]}: {problem}")
    print(f"   rows stored == events acknowledged, no failed request: {'PASS' if ok else 'FAIL'}")
    return ok


def save_json(path: Path, bench: Bench) -> None:
    data = {
        "benchmark": "load_balancer",
        "machine": harness.machine_line(),
        "options": {k: str(v) for k, v in vars(bench.options).items()},
        "runs": [
            {
                "target": run.target,
                "phase": run.phase,
                "sessions_per_s": run.sessions_per_s,
                "session_latency_ms": run.sessions.latency_ms if run.sessions else None,
                "events_per_s": run.events_per_s,
                "batch_latency_ms": run.events.latency_ms if run.events else None,
                "cpu_instances_s": run.cpu_instances_s,
                "cpu_nginx_s": run.cpu_nginx_s,
                "stored": run.stored,
                "acked": run.acked,
                "pass": not run.problems(),
            }
            for run in bench.runs
        ],
    }
    path.write_text(json.dumps(data, indent=2))


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    wrk = harness.find_wrk()
    started = time.perf_counter()
    load_at_start = harness.load_average()
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(harness.workdir(options.keep))
        database_url = stack.enter_context(harness.scratch_postgres(options.postgres))
        try:
            bench = measure(options, wrk, tmp, database_url)
        except RuntimeError as exc:  # nginx missing or refusing its configuration
            raise BenchError(str(exc)) from exc
    ok = report(bench)
    print(
        f"   load average (1 min): {load_at_start} at the start, "
        f"{harness.load_average()} at the end"
    )
    if options.json_path is not None:
        save_json(options.json_path, bench)
    print(f"   total time {time.perf_counter() - started:.0f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    harness.main_guard(main)
