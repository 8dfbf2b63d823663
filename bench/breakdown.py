"""Where a widget session and an ingestion batch spend their time, step by step, in-process.

Not a throughput benchmark: it calls the same service functions the handlers call, on the same
data as widget_session.py and ingest.py, and prints the mean time of each step, so that a
slow spot found by `--profile` can be measured on its own (and re-measured after a fix).

    .venv/bin/python bench/breakdown.py            # SQLite, about 30 s
    .venv/bin/python bench/breakdown.py --postgres postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import contextlib
import random
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import content_fixture as fixture
import harness
import ingest as ingest_bench
import launcher
import widget_session
from shirube.services import ingest as ingest_service
from shirube.services import projection
from shirube.services.ingest import NewEvent
from shirube.services.progress import read_progress
from shirube.services.progress_cache import ProgressCache
from shirube.services.published import PublishedCache, load_published
from shirube.services.widget_session import IDENTIFY, SessionRequest, open_session
from shirube.services.workspaces import workspace_by_id
from shirube.storage import Connection, Database, tables
from sqlalchemy import func, select

COUNTERS = select(func.count()).select_from(tables.user_event_count)


def timed(name: str, calls: int, work: Callable[[int], object]) -> float:
    for index in range(min(50, calls)):  # warm caches and prepared statements first
        work(index)
    started = time.perf_counter()
    for index in range(calls):
        work(index)
    mean = (time.perf_counter() - started) / calls
    print(f"   {name:<58} {mean * 1e6:9,.0f} µs")
    return mean


def session_steps(database_url: str, users: int, calls: int) -> None:
    options = widget_session.parse_args(["--users", str(users)])
    prepared = widget_session.prepare(database_url, options)
    db = Database(database_url)
    try:
        people = prepared.people[: prepared.seeded_users]  # returning users
        rng = random.Random(3)
        picks = [rng.choice(people) for _ in range(calls)]
        public_key = prepared.workspace.public_key
        ws = prepared.workspace.id
        cache = PublishedCache(8)
        workspace = db.run_sync(lambda conn: workspace_by_id(conn, ws))
        assert workspace is not None
        published = db.run_sync(lambda conn: cache.get(conn, ws, workspace.content_revision))
        names = tuple(sorted(published.counted_names))

        def each(step: Callable[[Connection, fixture.Person], object]) -> Callable[[int], object]:
            return lambda i: db.run_sync(lambda conn: step(conn, picks[i]), transaction=False)

        print(f"\n== widget session steps, returning users ({calls} calls each)")
        timed(
            "identify: workspace + user + company + membership (one read)",
            calls,
            each(
                lambda conn, p: conn.one(
                    IDENTIFY,
                    {"user_id": p.user_id, "company_id": p.company_id, "public_key": public_key},
                )
            ),
        )
        timed(
            "read_progress: tours + items + surveys (one read)",
            calls,
            each(lambda conn, p: read_progress(conn, ws, p.user_id)),
        )
        timed(
            f"read_progress with the counts of {len(names)} rule events",
            calls,
            each(lambda conn, p: read_progress(conn, ws, p.user_id, names)),
        )
        timed(
            "audience of every tour and checklist (memo by traits)",
            calls,
            lambda i: published.targeted(picks[i].traits, picks[i].company_traits),
        )

        def whole(progress: ProgressCache) -> Callable[[Connection, fixture.Person], object]:
            def session(conn: Connection, person: fixture.Person) -> object:
                request = SessionRequest(
                    person.user_id, person.traits, "ja", person.company_id,
                    person.company_traits, None,
                )  # fmt: skip
                return open_session(
                    conn, public_key, launcher.ORIGIN, request, cache, progress,
                    token_secret="x" * 40, token_ttl=86400,
                )  # fmt: skip

            return session

        timed(
            "whole session work (what the handler's database call runs)",
            calls,
            each(whole(ProgressCache(0))),
        )
        kept = whole(ProgressCache(calls))
        for index in range(calls):  # each user's previous session
            each(kept)(index)
        timed("the same, progress kept from the user's previous session", calls, each(kept))
    finally:
        db.dispose()


def ingest_steps(database_url: str, batches: int, rounds: int) -> None:
    launcher.migrate(database_url)
    db = Database(database_url)
    spent: defaultdict[str, float] = defaultdict(float)
    originals: dict[tuple[Any, str], Any] = {}

    def wrap(module: Any, name: str) -> None:
        original = getattr(module, name)
        originals[(module, name)] = original

        def measured(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - started

        setattr(module, name, measured)

    try:
        workspace = launcher.create_bench_workspace(db, "breakdown")
        revision = launcher.publish(
            db, workspace.id, [ingest_bench.WELCOME_TOUR], [ingest_bench.SETUP_CHECKLIST]
        )
        published = db.run_sync(lambda conn: load_published(conn, workspace.id, revision))
        # The names ingest_batch calls, as imported into services/ingest.py.
        for name in ("store_events", "record_seen", "record_counted", "project"):
            wrap(ingest_service, name)
        for name in ("read_counts", "store_completions"):
            wrap(projection, name)
        maker = ingest_bench.RowMaker(workspace.id, 1000)
        print(f"\n== ingestion of batches of 100 events ({batches} batches per line)")
        for _ in range(rounds):
            spent.clear()
            total = 0.0
            for _ in range(batches):
                events = [
                    NewEvent(
                        r["id"], r["name"], r["user_id"], r["company_id"], r["properties"],
                        r["timestamp"],
                    )
                    for r in maker.batch(100)
                ]  # fmt: skip

                def work(conn: Connection, events: list[NewEvent] = events) -> object:
                    return ingest_service.ingest_batch(
                        conn, workspace.id, events, "server", published
                    )

                started = time.perf_counter()
                db.run_sync(work)
                total += time.perf_counter() - started
            steps = ", ".join(
                f"{name} {value / batches * 1e3:.1f}" for name, value in spent.items()
            )
            rows = db.run_sync(lambda conn: conn.scalar(COUNTERS), transaction=False)
            print(
                f"   after {maker.counter:>6,} events ({rows:,} counter rows): "
                f"{total / batches * 1e3:5.1f} ms per batch = {100 * batches / total:,.0f} events/s"
                f"\n      ms per batch: {steps}"
            )
    finally:
        for (module, name), original in originals.items():
            setattr(module, name, original)
        db.dispose()


@contextlib.contextmanager
def databases(postgres: str | None) -> Iterator[list[tuple[str, str, str]]]:
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="shirube-bench-")))
        found = [("SQLite", f"sqlite:///{tmp / 's.db'}", f"sqlite:///{tmp / 'i.db'}")]
        if postgres:
            found.append(
                (
                    "PostgreSQL",
                    stack.enter_context(harness.scratch_postgres(postgres)),
                    stack.enter_context(harness.scratch_postgres(postgres)),
                )
            )
        yield found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Time each step of a widget session and of an ingestion batch, in-process."
    )
    parser.add_argument("--users", type=int, default=3000, help="users (default 3000)")
    parser.add_argument("--calls", type=int, default=1000, help="calls per session step")
    parser.add_argument("--batches", type=int, default=100, help="ingest batches per line")
    parser.add_argument("--rounds", type=int, default=3, help="ingest lines (default 3)")
    parser.add_argument("--postgres", metavar="URL", help="also on PostgreSQL (scratch database)")
    args = parser.parse_args(argv)
    print(f"machine: {harness.machine_line()}; load average {harness.load_average()}")
    with databases(args.postgres) as engines:
        for engine, session_url, ingest_url in engines:
            print(f"\n######## {engine}")
            session_steps(session_url, args.users, args.calls)
            ingest_steps(ingest_url, args.batches, args.rounds)
    return 0


if __name__ == "__main__":
    harness.main_guard(main)
