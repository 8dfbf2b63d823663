"""Where an ingestion batch of `dataset.py`'s events spends its time, statement by statement,
in a database that already holds a given number of them (in-process, no HTTP).

Not a benchmark: a diagnosis for `ingest_loaded.py`. It fills a database up to `--stored`
events with `dataset.load` (through `services.ingest.ingest_batch`, exactly what the API
stores), measuring batches along the way, and prints each statement's time per batch (the
first words of its SQL), the COMMIT included, at each `--at` point.

    .venv/bin/python bench/statement_times.py --stored 1000000 --at 0,500000,1000000
    .venv/bin/python bench/statement_times.py --database sqlite:////tmp/x.db --reuse ...
"""

from __future__ import annotations

import argparse
import contextlib
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import harness
import ingest
import launcher
import wal_pages
from dataset import SETUP_CHECKLIST, WELCOME_TOUR, Dataset, load
from shirube.services.known_rows import KnownRows
from shirube.storage import Connection, Database, tables
from shirube.storage.connection import Connection as _Conn
from sqlalchemy import bindparam, func, select

_EVENTS = (
    select(func.count())
    .select_from(tables.event)
    .where(tables.event.c.workspace_id == bindparam("ws"))
)
TIMES: defaultdict[str, float] = defaultdict(float)
CALLS: defaultdict[str, int] = defaultdict(int)


def _label(statement: Any, connection: Connection) -> str:
    compiled = connection._statements.get(statement)
    words = " ".join(compiled.sql.split())
    return words[:90]


# What each statement is timed with: wall time, or (--cpu) the CPU time of the thread that runs
# it, which other processes' load on a shared machine moves less.
CLOCK: list[Callable[[], float]] = [time.perf_counter]


def _timed(name: str) -> Callable[..., Any]:
    original = getattr(_Conn, name)

    def wrapper(self: Connection, statement: Any, *args: Any, **kwargs: Any) -> Any:
        started = CLOCK[0]()
        try:
            return original(self, statement, *args, **kwargs)
        finally:
            label = _label(statement, self)
            TIMES[label] += CLOCK[0]() - started
            CALLS[label] += 1

    return wrapper


@contextlib.contextmanager
def _timed_transaction(self: Connection) -> Iterator[None]:
    with _ORIGINAL_TRANSACTION(self):
        yield
        started = CLOCK[0]()
    # The COMMIT ran as the block above ended.
    TIMES["COMMIT"] += CLOCK[0]() - started
    CALLS["COMMIT"] += 1


_ORIGINAL_TRANSACTION = _Conn.transaction


def install() -> None:
    for name in ("all", "one", "run", "many"):
        setattr(_Conn, name, _timed(name))
    _Conn.transaction = _timed_transaction  # type: ignore[method-assign,assignment]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--postgres", metavar="URL", help="a scratch database on this server")
    parser.add_argument("--stored", type=int, default=1_000_000)
    parser.add_argument("--at", default="0,1000000", help="where to measure (events stored)")
    parser.add_argument("--batches", type=int, default=20, help="batches measured at each point")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument(
        "--warm-up", type=int, default=0, help="batches loaded, not measured, at each point"
    )
    parser.add_argument(
        "--workspace-id", type=int,
        help="reuse this workspace of --database (kept by ingest_loaded.py --keep): the stream "
        "goes on after the events it holds",
    )  # fmt: skip
    parser.add_argument(
        "--pragma", help="a statement run first, e.g. 'PRAGMA wal_autocheckpoint=0'"
    )
    parser.add_argument(
        "--seed", type=int, default=1,
        help="the stream's seed: another seed goes on with new users (and ids) from --start",
    )  # fmt: skip
    parser.add_argument("--start", type=int, help="the stream's first event (events stored)")
    parser.add_argument(
        "--mix", type=int, metavar="USERS",
        help="ingest.py's shape instead of dataset.py's: its event mix over this many users, "
        "all known after the first batches, and its tour and checklist",
    )  # fmt: skip
    parser.add_argument(
        "--group", type=int, default=1,
        help="measured batches written this many to a transaction, as the server's group "
        "commit does under load (SQLite)",
    )  # fmt: skip
    parser.add_argument(
        "--cpu", action="store_true", help="time statements by their thread's CPU, not wall"
    )
    parser.add_argument(
        "--wal-pages", action="store_true",
        help="SQLite: the pages the measured batches wrote, by table or index (wal_pages.py)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.cpu:
        CLOCK[0] = time.thread_time
    points = sorted(int(p) for p in args.at.split(","))
    with contextlib.ExitStack() as stack:
        if args.postgres:
            url = stack.enter_context(harness.scratch_postgres(args.postgres))
        elif args.database:
            url = args.database
        else:
            url = f"sqlite:///{stack.enter_context(harness.workdir(False)) / 'times.db'}"
        launcher.migrate(url)
        db = Database(url)
        stack.callback(db.dispose)
        stored = 0
        if args.workspace_id is None:
            workspace_id = launcher.create_bench_workspace(db, "statement times").id
            content = (
                ([ingest.WELCOME_TOUR], [ingest.SETUP_CHECKLIST])
                if args.mix
                else ([WELCOME_TOUR], [SETUP_CHECKLIST])
            )
            launcher.publish(db, workspace_id, *content)
        else:
            workspace_id = args.workspace_id
            stored = db.run_sync(lambda conn: conn.scalar(_EVENTS, {"ws": workspace_id}))
            points = [max(point, stored) for point in points]
        install()
        known = KnownRows()
        if args.pragma:
            db.run_sync(lambda conn: conn.driver.execute(args.pragma), transaction=False)
        start = stored if args.start is None else args.start
        batches = (
            mix_batches(args.mix, args.batch_size, args.seed)
            if args.mix
            else Dataset(seed=args.seed).batches(args.batch_size, start=start)
        )
        for point in points:
            TIMES.clear()
            CALLS.clear()
            loading = time.perf_counter()
            while stored < point:
                stored += load(db, workspace_id, [next(batches)], known)
            for _ in range(args.warm_up):
                stored += load(db, workspace_id, [next(batches)], known)
            loaded_s = time.perf_counter() - loading
            measured = [next(batches) for _ in range(args.batches)]
            TIMES.clear()
            CALLS.clear()
            # Reported after the statements (the WAL is read as the stack closes).
            pages = contextlib.ExitStack()
            if args.wal_pages:
                pages.enter_context(wal_pages.recorded(db_path(url), lambda: no_checkpoint(db)))
            started = time.perf_counter()
            cpu = time.process_time()
            stored += load(db, workspace_id, measured, known, args.group)
            seconds = (time.perf_counter() - started) / args.batches
            cpu_s = (time.process_time() - cpu) / args.batches
            print(
                f"\n== {point:,} stored (filled in {loaded_s:.0f} s): "
                f"{seconds * 1e3:.1f} ms a batch, CPU {cpu_s * 1e3:.1f} ms"
            )
            for label, spent in sorted(TIMES.items(), key=lambda item: -item[1])[:14]:
                per_batch = spent / args.batches * 1e3
                calls = CALLS[label] / args.batches
                print(f"   {per_batch:7.2f} ms  {calls:6.1f}×  {label}")
            pages.close()
    return 0


def mix_batches(users: int, size: int, seed: int) -> Iterator[list[dict[str, Any]]]:
    """Endless batches shaped like bench/lua/ingest.lua's: names drawn from `ingest.EVENT_MIX`
    by weight, users at random among `users`, 90 % with a company, stamped up to 45 min ago."""
    rng = random.Random(seed)
    names = [name for name, weight in ingest.EVENT_MIX for _ in range(weight)]
    while True:
        now = datetime.now(UTC).replace(microsecond=0)
        batch = []
        for _ in range(size):
            user = rng.randint(1, users)
            event: dict[str, Any] = {
                "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "name": rng.choice(names),
                "user_id": f"user-{user}",
                "properties": {"plan": rng.choice(["trial", "pro"]), "count": rng.randint(1, 50)},
                "timestamp": (now - timedelta(seconds=900 * rng.randrange(4))).isoformat(),
            }
            if rng.randrange(100) < ingest.COMPANY_PERCENT:
                event["company_id"] = f"co-{(user - 1) // 10 + 1}"
            batch.append(event)
        yield batch


def db_path(url: str) -> str:
    return url.removeprefix("sqlite:///")


def no_checkpoint(db: Database) -> None:
    db.run_sync(lambda conn: conn.driver.execute("PRAGMA wal_autocheckpoint=0"), transaction=False)


if __name__ == "__main__":
    harness.main_guard(main)
