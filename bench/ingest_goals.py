"""Event ingestion with goals and active time maintained, against the same run without them.

Two instances on one database, each with a workspace of its own holding the same tour and
checklist (bench/ingest.py's), loaded in turn with the same wrk script and settings:

- **with**: this checkout, the KPI worker on, two goals published (a `where` filter, a
  `min_count` within days, an `active_time` rule, a company rule), and `$active` heartbeats
  in the event mix (3 %);
- **without**: this checkout with no goal published, the KPI worker off and no heartbeats
  (its checklist and tour still mark users for the worker). Until migrations 0021-0022 it
  was the code before goals and KPIs (the parent of the first commit of issue #13), which
  cannot write to this schema; `--base COMMIT` still serves an older commit from a temporary
  git worktree (`PYTHONPATH=<worktree>/server`), on a schema that commit can write.

The figure is the ratio of events/s acknowledged, with/without, per pair of runs (alternated,
"without" first), and its median: PASS at ≥ 0.8. After the last "with" run the worker must
catch up: the seconds it took and the users recomputed per second are printed, and every
marked user must be done (PASS/FAIL).

    .venv/bin/python bench/ingest_goals.py --quick
    .venv/bin/python bench/ingest_goals.py --postgres postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import harness
import ingest
import launcher
from shirube.storage import Database, tables
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATIO = 0.8
ACTIVE_WEIGHT = 3
GOALS: list[dict[str, Any]] = [
    {
        "key": "admins-set-up",
        "name": {"en": "Admins set up", "ja": "管理者の初期設定"},
        "rules": [
            {"id": "import", "rule": {"type": "event", "event": "employees.imported"}},
            {
                "id": "invite",
                "rule": {"type": "event", "event": "invite.sent", "where": {"plan": "pro"}},
            },
            {
                "id": "shifts",
                "rule": {
                    "type": "event",
                    "event": "shift.created",
                    "min_count": 3,
                    "within_days": 14,
                },
            },
        ],
        "company": {"type": "share", "percent": 80},
    },
    {
        "key": "active-hour",
        "name": {"en": "An active hour", "ja": "1時間の利用"},
        "match": "any",
        "rules": [
            {"id": "hour", "rule": {"type": "active_time", "minutes": 60, "within_days": 14}},
            {"id": "tour", "rule": {"type": "tour_completed", "tour": "welcome"}},
        ],
    },
]


@contextlib.contextmanager
def base_checkout(commit: str, tmp: Path) -> Iterator[Path]:
    tree = tmp / "base"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), commit],
        check=True,
        capture_output=True,
    )
    try:
        yield tree
    finally:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
            capture_output=True,
        )


def marked(database_url: str) -> int:
    db = Database(database_url)
    try:
        return int(
            db.run_sync(
                lambda conn: conn.scalar(select(func.count()).select_from(tables.kpi_dirty))
            )
        )
    finally:
        db.dispose()


def measure(
    engine: str, url: str, options: ingest.Options, args: argparse.Namespace, tmp: Path
) -> bool:
    print(f"\n== {engine}: preparing two workspaces …", flush=True)
    launcher.migrate(url)
    db = Database(url)
    try:
        without = launcher.create_bench_workspace(db, "without goals")
        with_goals = launcher.create_bench_workspace(db, "with goals")
        launcher.publish(db, without.id, [ingest.WELCOME_TOUR], [ingest.SETUP_CHECKLIST])
        launcher.publish(db, with_goals.id, [ingest.WELCOME_TOUR], [ingest.SETUP_CHECKLIST], GOALS)
        kpi_users = db.run_sync(
            lambda conn: conn.scalar(select(func.count()).select_from(tables.kpi_user))
        )
    finally:
        db.dispose()
    wrk = harness.find_wrk()
    plain = ingest.Runner(options, wrk, url, without)
    goals = ingest.Runner(options, wrk, url, with_goals)
    goals.mix = [*ingest.EVENT_MIX, ("$active", ACTIVE_WEIGHT)]
    ratios: list[float] = []
    problems: list[str] = []
    # The code before goals cannot write to this schema since migrations 0021-0022 (users and
    # events keyed by `user_key`): by default "without" is this code, with no goal published,
    # no KPI worker and no heartbeats (`--base` for the older comparison, on older checkouts).
    base_env = (
        {"PYTHONPATH": str(args.base_tree / "server")}
        if args.base_tree is not None
        else {"SHIRUBE_KPI_WORKER": "false"}
    )
    # The KPI worker deletes the marks it has done: without autovacuum (this machine's
    # server) the dead rows piled up and "with" lost 10-20 % a round (0.93, 0.84, 0.65 in one
    # run). VACUUM ANALYZE before each run, untimed, stands in for it.
    vacuum = engine == "PostgreSQL" and not harness.autovacuum_on(url)
    if vacuum:
        print("   this server runs without autovacuum: VACUUM ANALYZE before each run")

    def maintain() -> None:
        if vacuum:
            harness.maintain(url, "VACUUM ANALYZE")

    with (
        harness.serve("shirube", tmp, database_url=url, env=base_env) as old,
        harness.serve("shirube", tmp, database_url=url, env={"SHIRUBE_KPI_WORKER": "true"}) as new,
    ):
        connections = options.connections[0]
        plain.run(old, connections, options.warmup_s, "warm-up")
        goals.run(new, connections, options.warmup_s, "warm-up")
        for round_number in range(1, args.rounds + 1):
            maintain()
            a = plain.run(old, connections, options.duration_s, "without")
            maintain()
            b = goals.run(new, connections, options.duration_s, "with")
            for run in (a, b):
                problems += [f"{run.wrk.label}: {p}" for p in run.problems()]
            ratio = b.events_per_s / a.events_per_s if a.events_per_s else 0.0
            ratios.append(ratio)
            print(
                f"   round {round_number}: without {a.events_per_s:8,.0f} events/s "
                f"({a.cpu_us_per_event:.0f} µs/event)   with {b.events_per_s:8,.0f} events/s "
                f"({b.cpu_us_per_event:.0f} µs/event)   ratio {ratio:.2f}",
                flush=True,
            )
        started = time.monotonic()
        left = marked(url)
        at_end = left
        while left and time.monotonic() - started < args.catch_up_s:
            time.sleep(0.25)
            left = marked(url)
        took = time.monotonic() - started
    if left:
        problems.append(f"{left} users still marked {args.catch_up_s:.0f} s after the last run")
    ratio = statistics.median(ratios)
    print(
        f"   the worker caught up with {at_end:,} marked users in {took:.1f} s after the load"
        f" stopped ({kpi_users:,} KPI rows at the start)"
    )
    verdict = "PASS" if ratio >= TARGET_RATIO and not problems else "FAIL"
    print(
        f"   {engine}: median ratio with/without {ratio:.2f} (target ≥ {TARGET_RATIO}): {verdict}"
    )
    for problem in problems:
        print(f"   problem: {problem}")
    return verdict == "PASS"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run of about 40 s")
    parser.add_argument("--postgres", help="also run on this PostgreSQL server (scratch database)")
    parser.add_argument(
        "--base",
        help="a commit to serve without goals, on a schema it can write (default: this checkout)",
    )
    parser.add_argument("--rounds", type=int, default=3, help="pairs of runs (default 3)")
    parser.add_argument("--catch-up", dest="catch_up_s", type=float, default=120.0)
    parser.add_argument("--keep", action="store_true", help="keep the temporary files")
    args, rest = parser.parse_known_args(argv)
    options = ingest.parse_args([*rest, *(["--quick"] if args.quick else [])])
    if args.quick:
        args.rounds = 1
    ok = True
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(harness.workdir(args.keep))
        if args.base:
            args.base_tree = stack.enter_context(base_checkout(args.base, tmp))
            print(f"   without goals: {args.base} (checked out in {tmp})")
        else:
            args.base_tree = None
            print("   without goals: this checkout, no goal, no KPI worker, no heartbeats")
        engines = [("SQLite", f"sqlite:///{tmp / 'goals.db'}")]
        if args.postgres:
            engines.append(
                ("PostgreSQL", stack.enter_context(harness.scratch_postgres(args.postgres)))
            )
        for engine, url in engines:
            ok &= measure(engine, url, options, args, tmp)
    print(f"   load average (1 min): {harness.load_average()}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
