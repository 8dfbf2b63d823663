"""The widget session and the bare baseline driven through their ASGI apps in-process, without
HTTP: what each app costs per request (µs of this process's CPU time), alternating the two.

Not a throughput benchmark (widget_session.py is): it separates what the apps cost from what
uvicorn, the kernel and wrk cost, and counts garbage collections per request.

    .venv/bin/python bench/asgi_session.py                  # SQLite, about 20 s
    .venv/bin/python bench/asgi_session.py --postgres postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/asgi_session.py --profile out.txt   # cProfile of Shirube's requests
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import json
import os
import pstats
import random
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import harness
import launcher
import uvloop
import widget_session
from shirube.app import create_app


class Driver:
    """Calls an ASGI app with prepared POST bodies, the way uvicorn would."""

    def __init__(self, app: Any, path: str, origin: str, bodies: Sequence[bytes]) -> None:
        self.app = app
        self.path = path
        self.origin = origin.encode()
        self.bodies = bodies
        self.status = 0
        self.size = 0
        self.system = 0.0

    def scope(self, body: bytes) -> dict[str, Any]:
        return {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "server": ("127.0.0.1", 8000),
            "client": ("127.0.0.1", 50000),
            "scheme": "http",
            "method": "POST",
            "root_path": "",
            "path": self.path,
            "raw_path": self.path.encode(),
            "query_string": b"",
            "headers": [
                (b"host", b"127.0.0.1:8000"),
                (b"content-type", b"application/json"),
                (b"origin", self.origin),
                (b"content-length", str(len(body)).encode()),
            ],
            "state": {},
        }

    async def one(self, body: bytes) -> None:
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                self.status = message["status"]
            else:
                self.size += len(message.get("body", b""))

        await self.app(self.scope(body), receive, send)
        if self.status != 200:
            raise SystemExit(f"{self.path} answered {self.status}")

    async def run(self, picks: Sequence[int]) -> float:
        bodies = self.bodies
        started = os.times()
        for index in picks:
            await self.one(bodies[index])
        ended = os.times()
        self.system = (ended.system - started.system) / len(picks)
        return (ended.user + ended.system - started.user - started.system) / len(picks)


def gc_collections() -> int:
    return sum(stat["collections"] for stat in gc.get_stats())


class GcTimer:
    """Wall time spent in garbage collections, per generation (gc.callbacks)."""

    def __init__(self) -> None:
        self.spent = [0.0, 0.0, 0.0]
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.spent[info["generation"]] += time.perf_counter() - self._started

    def take(self) -> list[float]:
        spent, self.spent = self.spent, [0.0, 0.0, 0.0]
        return spent


async def compare(
    shirube: Driver, bare: Driver, calls: int, rounds: int, profile: Path | None, gc_mode: str
) -> None:
    rng = random.Random(11)
    count = len(shirube.bodies)
    await shirube.run(list(range(count)))  # every user once: memos and rows as in a long run
    await shirube.run([rng.randrange(count) for _ in range(min(calls, 2000))])
    await bare.run([rng.randrange(count) for _ in range(500)])
    if gc_mode == "freeze":
        gc.freeze()
    elif gc_mode == "off":
        gc.disable()
    timer = GcTimer()
    for round_index in range(rounds):
        picks = [rng.randrange(count) for _ in range(calls)]
        line = []
        for label, driver in (("bare", bare), ("shirube", shirube)):
            before = gc_collections()
            timer.take()
            mean = await driver.run(picks)
            gcs = (gc_collections() - before) / calls
            in_gc = " ".join(f"{t / calls * 1e6:.1f}" for t in timer.take())
            line.append(
                f"{label} {mean * 1e6:6.1f} µs ({driver.system * 1e6:.1f} sys; "
                f"{gcs:.3f} gc/req, gc µs/req {in_gc})"
            )
        print(f"   round {round_index + 1}: " + ", ".join(line), flush=True)
    if profile is not None:
        profiler = cProfile.Profile()
        picks = [rng.randrange(count) for _ in range(calls)]
        profiler.enable()
        await shirube.run(picks)
        profiler.disable()
        with profile.open("w") as out:
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats("tottime").print_stats(40)
            stats.sort_stats("cumulative").print_stats(60)
        print(f"   cProfile of {calls} Shirube requests: {profile}")


def measure(database_url: str, options: argparse.Namespace) -> None:
    prepared = widget_session.prepare(
        database_url, widget_session.parse_args(["--users", str(options.users)])
    )
    bodies = [
        json.dumps(
            widget_session.session_body(prepared.workspace, person),
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        for person in prepared.people
    ]
    app = create_app(launcher.settings_for(database_url))
    shirube = Driver(app, widget_session.SESSION_PATH, prepared.workspace.origin, bodies)
    bare = Driver(launcher.bare_app(), launcher.BARE_PATH, prepared.workspace.origin, bodies)
    try:
        uvloop.run(
            compare(shirube, bare, options.calls, options.rounds, options.profile, options.gc)
        )
    finally:
        app.state.shirube.db.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="In-process ASGI cost of a session vs bare.")
    parser.add_argument("--users", type=int, default=3000)
    parser.add_argument("--calls", type=int, default=5000, help="requests per line")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", metavar="URL", help="also on PostgreSQL (scratch database)")
    parser.add_argument(
        "--gc", choices=["default", "freeze", "off"], default="default",
        help="garbage collector after the warm-up: as is, gc.freeze(), or disabled",
    )  # fmt: skip
    parser.add_argument("--profile", type=Path, help="write a cProfile of Shirube here")
    options = parser.parse_args(argv)
    print(f"machine: {harness.machine_line()}; load average {harness.load_average()}")
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="shirube-asgi-")))
        engines = [("SQLite", f"sqlite:///{tmp / 's.db'}")]
        if options.postgres:
            engines.append(
                ("PostgreSQL", stack.enter_context(harness.scratch_postgres(options.postgres)))
            )
        for engine, url in engines:
            print(f"\n== {engine}", flush=True)
            measure(url, options)
    return 0


if __name__ == "__main__":
    harness.main_guard(main)
