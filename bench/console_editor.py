"""The content editor's pages and JSON (#14) in a big workspace: 200 tours, 50 checklists,
100,000 users seen in the last 30 days (in 5,000 companies) and 300,000 events of 40 names.
Each page is requested in-process (Starlette's TestClient, signed in as an editor) and timed
against a bare Starlette HTML page through the same client; the table shows medians.

    .venv/bin/python bench/console_editor.py                 # SQLite, about a minute
    .venv/bin/python bench/console_editor.py --postgres postgresql://postgres@127.0.0.1:5432/postgres

Target (issue #14): every page (the lists and editors) ≤ 100 ms; PASS or FAIL (exit 1). The
JSON endpoints are shown too, without a target of their own.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from shirube.app import create_app
from shirube.migrate import upgrade
from shirube.services import content_store
from shirube.services.admins import create_admin
from shirube.services.workspaces import create_workspace
from shirube.settings import Settings
from shirube.storage import Database
from shirube.storage.tables import company, end_user, event, membership
from sqlalchemy import create_engine, insert
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route
from starlette.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness

TOURS, CHECKLISTS, USERS, COMPANIES, EVENTS, NAMES = 200, 50, 100_000, 5_000, 300_000, 40
ROLES = ["admin", "hr", "manager", "employee"]
PLANS = ["trial", "standard", "pro", "enterprise"]
PASSWORD = "bench password " + "x" * 10
REPEATS = 15
PAGE_TARGET_MS = 100


def _tour(n: int) -> dict[str, Any]:
    steps = [
        {
            "id": f"s{s}",
            "kind": "tooltip" if s else "modal",
            **({"target": f"#t{n}-{s}"} if s else {}),
            "title": {"ja": f"ステップ {s}", "en": f"Step {s}"},
            "body": {"ja": "説明文 " * 20, "en": "Some explanation " * 10},
        }
        for s in range(6)
    ]
    return {
        "key": f"tour-{n:03d}",
        "name": f"Tour {n}",
        "audience": {"all": [{"attribute": "user.role", "op": "in", "value": ["admin", "hr"]}]},
        "steps": steps,
    }


def _checklist(n: int) -> dict[str, Any]:
    items = [
        {
            "id": f"i{i}",
            "title": {"ja": f"項目 {i}", "en": f"Item {i}"},
            "action": {"type": "tour", "tour": f"tour-{(n * 5 + i) % TOURS:03d}"},
            "completion": {"type": "event", "event": f"name.{i}", "min_count": 2},
        }
        for i in range(5)
    ]
    return {"key": f"checklist-{n:02d}", "title": f"Checklist {n}", "items": items}


def _fill(url: str) -> int:
    database = Database(url)
    now = datetime.now(UTC)
    rng = random.Random(1)

    def content(conn: Any) -> int:
        ws = create_workspace(conn, "Bench", ["https://app.example.com"]).workspace.id
        create_admin(conn, "bench@example.com", PASSWORD, {ws: "editor"})
        for n in range(TOURS):
            item = content_store.save_draft(conn, ws, "tour", _tour(n)).item
            if n % 2:
                content_store.publish(conn, item)
        for n in range(CHECKLISTS):
            content_store.save_draft(conn, ws, "checklist", _checklist(n))
        return ws

    ws: int = database.run_sync(content)
    database.dispose()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            insert(company),
            [
                {
                    "workspace_id": ws,
                    "external_id": f"c{c}",
                    "traits": {"plan": rng.choice(PLANS), "employees": rng.randint(5, 5000)},
                    "created_at": now,
                    "updated_at": now,
                }
                for c in range(COMPANIES)
            ],
        )
        for start in range(0, USERS, 10_000):
            users = range(start, start + 10_000)
            conn.execute(
                insert(end_user),
                [
                    {
                        "workspace_id": ws,
                        "external_id": f"u{u:06d}",
                        "traits": {"role": rng.choice(ROLES), "logins": rng.randint(0, 200)},
                        "first_seen_at": now - timedelta(days=60),
                        "last_seen_at": now - timedelta(hours=rng.randint(0, 24 * 29)),
                    }
                    for u in users
                ],
            )
            conn.execute(
                insert(membership),
                [
                    {
                        "workspace_id": ws,
                        "user_id": f"u{u:06d}",
                        "company_id": f"c{u % COMPANIES}",
                        "created_at": now,
                    }
                    for u in users
                ],
            )
        for _ in range(0, EVENTS, 20_000):
            conn.execute(
                insert(event),
                [
                    {
                        "workspace_id": ws,
                        "id": uuid.uuid4().hex,
                        # Users' keys are given 1, 2, … in the order inserted above.
                        "user_key": (user := rng.randrange(USERS)) + 1,
                        "name": f"name.{rng.randrange(NAMES)}",
                        "properties": {},
                        "user_id": f"u{user:06d}",
                        "timestamp": now,
                        "received_at": now,
                        "source": "server",
                    }
                    for _ in range(20_000)
                ],
            )
    engine.dispose()
    return ws


def _timed(call: Callable[[], Any]) -> float:
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        answer = call()
        times.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200:
            raise harness.BenchError(f"{answer.status_code}: {answer.text[:300]}")
    return statistics.median(times)


async def _bare(request: Request) -> HTMLResponse:
    return HTMLResponse("<!doctype html><title>bare</title><p>" + "x" * 2000)


@contextlib.contextmanager
def _database(postgres: str | None) -> Iterator[str]:
    if postgres:
        with harness.scratch_postgres(postgres) as url:
            yield url
        return
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{folder}/bench.db"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="a PostgreSQL server URL (a scratch database is made)")
    args = parser.parse_args()
    with _database(args.postgres) as url:
        engine = create_engine(url)
        upgrade(engine)
        engine.dispose()
        started = time.perf_counter()
        ws = _fill(url)
        print(f"filled in {time.perf_counter() - started:.0f} s", flush=True)
        settings = Settings(database_url=url, secret_key="x" * 40, env="test")
        database = Database(url)
        bare = TestClient(Starlette(routes=[Route("/", _bare)]))
        with TestClient(create_app(settings, database)) as client:
            login = client.get("/console/login").text
            token = re.search(r'name="csrf_token" value="([^"]+)"', login)
            assert token is not None
            client.post(
                "/console/login",
                data={"email": "bench@example.com", "password": PASSWORD, "csrf_token": token[1]},
            )
            base = f"/console/workspaces/{ws}"
            # Signing in made a new session, with a new CSRF token.
            token = re.search(
                r'name="csrf_token" value="([^"]+)"', client.get(f"{base}/tours").text
            )
            assert token is not None
            audience = {
                "audience": {
                    "all": [
                        {"attribute": "user.role", "op": "equals", "value": "hr"},
                        {"attribute": "company.plan", "op": "in", "value": ["pro", "enterprise"]},
                    ]
                }
            }
            calls: list[tuple[str, Callable[[], Any]]] = [
                ("bare Starlette page", lambda: bare.get("/")),
                ("tours list (200)", lambda: client.get(f"{base}/tours")),
                ("checklists list (50)", lambda: client.get(f"{base}/checklists")),
                ("tour editor", lambda: client.get(f"{base}/tours/tour-001")),
                ("checklist editor", lambda: client.get(f"{base}/checklists/checklist-01")),
                ("suggest/events", lambda: client.get(f"{base}/suggest/events")),
                ("suggest/traits", lambda: client.get(f"{base}/suggest/traits")),
                (
                    "audience/count, user traits",
                    lambda: client.post(
                        f"{base}/audience/count",
                        json={"audience": {"any": audience["audience"]["all"][:1]}},
                        headers={"X-CSRF-Token": token[1]},
                    ),
                ),
                (
                    "audience/count, with company",
                    lambda: client.post(
                        f"{base}/audience/count", json=audience, headers={"X-CSRF-Token": token[1]}
                    ),
                ),
            ]
            rows = [["request", "median ms", "× bare"]]
            baseline = 0.0
            slow = []
            for name, call in calls:
                ms = _timed(call)
                baseline = baseline or ms
                rows.append([name, f"{ms:.1f}", f"{ms / baseline:.1f}"])
                if ("list" in name or "editor" in name) and ms > PAGE_TARGET_MS:
                    slow.append(name)
            harness.table(rows)
        database.dispose()
    print(harness.machine_line())
    print(f"FAIL: over {PAGE_TARGET_MS} ms: {', '.join(slow)}" if slow else "PASS")
    if slow:
        sys.exit(1)


if __name__ == "__main__":
    main()
