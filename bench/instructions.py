"""Instructions per request of the widget session and of the bare baseline, in-process, counted
by valgrind (cachegrind without cache simulation).

On shared, loaded machines time moves by ±50 % between runs; the count of instructions does
not move at all, so a change of 2 % is visible. It is not time (cache misses and system calls
cost more than their instructions), so a step that saves instructions is confirmed with
`widget_session.py`. Each figure is the difference between a run that serves N requests after
the warm-up and one that stops after the warm-up (every user once, then 500 at random), on
copies of the same prepared database.

    .venv/bin/python bench/instructions.py               # shirube and bare, about 4 min
    .venv/bin/python bench/instructions.py --apps shirube

Needs valgrind (`apt-get install -y valgrind`).
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import harness
import launcher
import widget_session

SESSION_PATH = widget_session.SESSION_PATH
WARM_RANDOM = 500


def drive(database_url: str, bodies_path: str, origin: str, count: int, app_kind: str) -> None:
    """(In the process valgrind runs.) Serve every body once, 500 at random, then `count`."""
    import uvloop
    from asgi_session import Driver
    from shirube.app import create_app

    bodies = [line.encode() for line in Path(bodies_path).read_text().splitlines()]
    if app_kind == "bare":
        driver = Driver(launcher.bare_app(), launcher.BARE_PATH, origin, bodies)
    else:
        app = create_app(launcher.settings_for(database_url))
        driver = Driver(app, SESSION_PATH, origin, bodies)
    rng = random.Random(5)
    picks = [rng.randrange(len(bodies)) for _ in range(WARM_RANDOM + count)]

    async def run() -> None:
        await driver.run(list(range(len(bodies))))
        await driver.run(picks[:WARM_RANDOM])
        if count:
            await driver.run(picks[WARM_RANDOM:])

    uvloop.run(run())


def instructions(work: Path, base: Path, bodies: Path, origin: str, count: int, kind: str) -> int:
    run = Path(tempfile.mkdtemp(dir=work))
    try:
        shutil.copy(base, run / "d.db")
        command = [
            "valgrind", "--tool=cachegrind", "--cache-sim=no",
            f"--cachegrind-out-file={run / 'cachegrind.out'}",
            sys.executable, __file__, "--drive", f"sqlite:///{run / 'd.db'}", str(bodies), origin,
            str(count), kind,
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
        if done.returncode != 0 or found is None:
            raise harness.BenchError(f"valgrind failed:\n{done.stderr[-3000:]}")
        return int(found.group(1).replace(",", ""))
    finally:
        shutil.rmtree(run, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None and len(sys.argv) > 1 and sys.argv[1] == "--drive":
        url, bodies_path, origin, count, kind = sys.argv[2:7]
        drive(url, bodies_path, origin, int(count), kind)
        return 0
    parser = argparse.ArgumentParser(description="Instructions per session vs bare (valgrind).")
    parser.add_argument("--apps", default="shirube,bare", help="shirube,bare (default both)")
    parser.add_argument("--requests", type=int, default=1500, help="measured requests")
    parser.add_argument("--users", type=int, default=3000)
    options = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        raise harness.BenchError("needs valgrind: apt-get install -y valgrind")
    with tempfile.TemporaryDirectory(prefix="shirube-instructions-") as tmp:
        work = Path(tmp)
        base = work / "base.db"
        prepared = widget_session.prepare(
            f"sqlite:///{base}", widget_session.parse_args(["--users", str(options.users)])
        )
        bodies = work / "bodies.jsonl"
        widget_session.write_bodies(bodies, prepared)
        for kind in options.apps.split(","):
            before = instructions(work, base, bodies, prepared.workspace.origin, 0, kind)
            after = instructions(
                work, base, bodies, prepared.workspace.origin, options.requests, kind
            )
            per_request = (after - before) / options.requests
            print(f"   {kind:<8} {per_request / 1000:8.1f} k instructions per request", flush=True)
    return 0


if __name__ == "__main__":
    harness.main_guard(main)
