"""Console pages with 200 tours and 50 checklists in a workspace (#14): each page's server time
in-process (Starlette's TestClient, no sockets), against a bare Starlette HTML page measured in
the same run. PASS when every page answers in ≤ 100 ms (median).

    .venv/bin/python bench/console_pages.py [--runs 30] [--postgres postgresql://…]

A page is one line of `pages()`: the tours and checklists list pages (#14's editors) go there.
"""

from __future__ import annotations

import argparse
import copy
import random
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from shirube.app import create_app
from shirube.migrate import upgrade
from shirube.services import content_store as store
from shirube.services.admins import create_admin
from shirube.services.workspaces import create_workspace
from shirube.settings import Settings
from shirube.storage import Connection, Database
from sqlalchemy import create_engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route
from starlette.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import content_fixture
from bench.harness import scratch_postgres, workdir

TOURS, CHECKLISTS, VERSIONS = 200, 50, 10
TARGET_MS = 100.0
EMAIL, PASSWORD = "bench@x.example", "bench password 1234"
HISTORY_TOUR = "welcome"


def _documents() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """200 tours and 50 checklists: the fixture's 20 and 5, copied with numbered keys (the
    first copy keeps its key, so the checklists' tour references resolve)."""
    rng = random.Random(14)
    base_tours = content_fixture.tours(rng)
    base_checklists = content_fixture.checklists(rng, [t["key"] for t in base_tours])
    tours = [
        {**copy.deepcopy(t), "key": t["key"] if n == 0 else f"{t['key']}-{n}"}
        for n in range(TOURS // len(base_tours))
        for t in base_tours
    ]
    checklists = [
        {**copy.deepcopy(c), "key": c["key"] if n == 0 else f"{c['key']}-{n}"}
        for n in range(CHECKLISTS // len(base_checklists))
        for c in base_checklists
    ]
    return tours, checklists


def _edit(tour: dict[str, Any], n: int) -> dict[str, Any]:
    """Version n of the history tour: a title changed, steps reordered now and then."""
    changed = copy.deepcopy(tour)
    changed["steps"][0]["title"] = {"en": f"Welcome, take {n}", "ja": f"ようこそ(第{n}版)"}
    if n % 3 == 0:
        changed["steps"] = changed["steps"][1:] + changed["steps"][:1]
    return changed


def load(db: Database) -> int:
    tours, checklists = _documents()

    def work(conn: Connection) -> int:
        ws = create_workspace(conn, "Bench", ["https://app.example.com"]).workspace.id
        create_admin(conn, EMAIL, PASSWORD, {ws: "owner"})
        for doc in [*tours, *checklists]:
            kind = "tour" if "steps" in doc else "checklist"
            store.publish(conn, store.save_draft(conn, ws, kind, doc).item)
        history = next(t for t in tours if t["key"] == HISTORY_TOUR)
        for n in range(2, VERSIONS + 1):
            store.publish(conn, store.save_draft(conn, ws, "tour", _edit(history, n)).item)
        store.save_draft(conn, ws, "tour", _edit(history, VERSIONS + 1))
        return ws

    return db.run_sync(work)


def pages(ws: int) -> dict[str, str]:
    base = f"/console/workspaces/{ws}"
    tour = f"{base}/tours/{HISTORY_TOUR}"
    return {
        "workspace": base,
        "versions (10 versions)": f"{tour}/versions",
        "diff live → draft": f"{tour}/diff",
        "diff v1 → v10": f"{tour}/diff?from=1&to={VERSIONS}",
        "checklist versions": f"{base}/checklists/setup/versions",
        "audit log, newest 50": f"{base}/audit",
        "audit log, second page": f"{base}/audit?before=200",
        "admins": f"{base}/admins",
        "theme": f"{base}/theme",
        # #14's editors: "tours list": f"{base}/tours", "checklists list": f"{base}/checklists",
    }


def _bare_app() -> Starlette:
    """A page of the size of the console's, with nothing behind it."""
    body = (
        "<!doctype html><html><body><table>"
        + "<tr><td>x</td></tr>" * 500
        + "</table></body></html>"
    )

    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(body)

    return Starlette(routes=[Route("/", page)])


def _median_ms(work: Callable[[], Any], runs: int) -> float:
    work()  # warm: templates compiled, statements cached
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _signed_in(app: Any) -> TestClient:
    client = TestClient(app)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/console/login").text)
    assert token, "no CSRF token on the login page"
    answer = client.post(
        "/console/login",
        data={"email": EMAIL, "password": PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.status_code
    return client


def measure(url: str, runs: int) -> bool:
    engine = create_engine(url)
    upgrade(engine)
    engine.dispose()
    db = Database(url)
    try:
        started = time.perf_counter()
        ws = load(db)
        took = time.perf_counter() - started
        print(f"  loaded {TOURS} tours, {CHECKLISTS} checklists in {took:.1f} s")
        bare = TestClient(_bare_app())
        base = _median_ms(lambda: bare.get("/"), runs)
        print(f"  {'bare Starlette HTML page':32s} {base:7.2f} ms")
        client = _signed_in(
            create_app(Settings(database_url=url, secret_key="b" * 32, env="test"), db)
        )
        ok = True
        for name, path in pages(ws).items():
            answer = client.get(path)
            assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
            ms = _median_ms(lambda path=path: client.get(path), runs)
            verdict = "PASS" if ms <= TARGET_MS else "FAIL"
            ok &= ms <= TARGET_MS
            size = len(answer.content) // 1024
            print(f"  {name:32s} {ms:7.2f} ms  {ms / base:6.1f}× bare  {size:4d} KB  {verdict}")
        return ok
    finally:
        db.dispose()


@contextmanager
def _sqlite() -> Iterator[str]:
    with workdir(keep=False) as folder:
        yield f"sqlite:///{folder / 'shirube.db'}"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=30, help="timed requests per page (median)")
    parser.add_argument(
        "--postgres", help="also run on this PostgreSQL server (a scratch database)"
    )
    args = parser.parse_args()
    ok = True
    engines: list[tuple[str, Callable[[], Any]]] = [("SQLite", _sqlite)]
    if args.postgres:
        engines.append(("PostgreSQL", lambda: scratch_postgres(args.postgres)))
    for name, database in engines:
        print(f"{name}: median of {args.runs} requests a page, target ≤ {TARGET_MS:.0f} ms")
        with database() as url:
            ok &= measure(url, args.runs)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
