"""The KPI queries and analytics endpoints at scale, in-process: ms per figure on SQLite (and
PostgreSQL with --postgres), against the issue's target of 1 s per endpoint at 100,000 users,
5,000 companies and 1,000,000 events.

The shape is bulk-loaded straight into the tables (executemany in transactions of 5,000 rows,
not through the API): users with traits and first-seen times over 120 days, one company each,
the KPI worker's `kpi_user`/`kpi_company` rows for a checklist and a tour, step views, item
completions, events (2 % dismissals, 1 % missing targets) and survey answers. Each figure is
run 3 times and its median printed, next to the baseline measured in the same run: one read of
every `kpi_user` row of the objective (`SELECT count(*)`), the least any per-user figure does,
and this process's CPU time (on SQLite the server's whole time, whatever the machine's load).

    .venv/bin/python bench/kpis.py [--quick] [--postgres postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import harness
import launcher
from shirube.app import create_app
from shirube.migrate import upgrade
from shirube.services import event_name_users, kpis
from shirube.services.admins import create_admin
from shirube.services.kpi_model import KpiFilter, Objective
from shirube.services.workspaces import create_workspace
from shirube.settings import Settings
from shirube.storage import Connection, Database
from shirube.storage.tables import (
    checklist_item_progress,
    company,
    content_item,
    content_version,
    end_user,
    event,
    kpi_company,
    kpi_user,
    membership,
    survey_answer,
    tour_progress,
    tour_step_seen,
    user_active_day,
    user_active_week,
)
from sqlalchemy import bindparam, create_engine, func, select, text
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient

# The HTTP routes compute against the real clock: the data is laid out before it.
NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
TARGET_MS = 1000.0
CHUNK = 5000
ITEMS = ["import", "rules", "invite", "clock"]
STEPS = ["s1", "s2", "s3", "s4", "s5"]
NAMES = [f"feature.{n}" for n in range(17)] + ["$page_viewed", "$tour_dismissed", "$target_missing"]
WEIGHTS = [4] * 17 + [20, 2, 1]
PASSWORD = "bench-password-1234"


def _many(db: Database, table: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        part = rows[start : start + CHUNK]
        # The rows' own columns: a key the database gives (`end_user.user_key`) is left out.
        statement = table.insert().values({name: bindparam(name) for name in part[0]})
        db.run_sync(lambda conn, part=part, st=statement: conn.many(st, part))


OBJECTIVES = [("checklist", "setup"), ("tour", "welcome"), ("goal", "activated")]
# Half the users are in the audience of a second checklist: 3.5 objectives a user on average.
BILLING = ("checklist", "billing")


def _publish(db: Database, ws: int, kind: str, doc: dict[str, Any]) -> None:
    def work(conn: Connection) -> None:
        cid = conn.scalar(
            content_item.insert()
            .values(
                workspace_id=ws,
                kind=kind,
                key=doc["key"],
                draft=doc,
                published_version=1,
                latest_version=1,
                created_at=NOW,
                updated_at=NOW,
            )
            .returning(content_item.c.id)
        )
        conn.run(
            content_version.insert().values(
                content_id=cid, version=1, document=doc, published_at=NOW
            )
        )

    db.run_sync(work)


def _documents() -> list[tuple[str, dict[str, Any]]]:
    def checklist(key: str) -> dict[str, Any]:
        return {
            "key": key,
            "title": key.title(),
            "survey": {"question": "OK?"},
            "items": [{"id": i, "title": i, "completion": {"type": "manual"}} for i in ITEMS],
        }

    goal = {
        "key": "activated",
        "name": "Activated",
        "rules": [
            {"id": "used", "rule": {"type": "event", "event": NAMES[0]}},
            {"id": "toured", "rule": {"type": "tour_completed", "tour": "welcome"}},
        ],
    }
    tour = {
        "key": "welcome",
        "name": "Welcome",
        "steps": [{"id": s, "kind": "modal", "title": s} for s in STEPS],
    }
    return [
        ("checklist", checklist("setup")),
        ("tour", tour),
        ("goal", goal),
        ("checklist", checklist("billing")),
    ]


def load(db: Database, users: int, companies: int, events: int) -> tuple[int, str]:
    """The workspace's id and secret key."""
    rng = random.Random(13)
    created = db.run_sync(lambda conn: create_workspace(conn, "bench", ["https://a.example"]))
    ws, secret = int(created.as_json()["id"]), created.secret_key
    for kind, doc in _documents():
        _publish(db, ws, kind, doc)
    _many(
        db,
        company,
        [
            {
                "workspace_id": ws,
                "external_id": f"c{c}",
                "created_at": NOW,
                "updated_at": NOW,
                "traits": {
                    "name": f"Company {c}",
                    "plan": rng.choice(["free", "pro"]),
                    "tier": rng.choice(["smb", "smb", "mid", "enterprise"]),
                    "email": f"c{c}@x.example",
                },
            }
            for c in range(companies)
        ],
    )
    seen: list[datetime] = []
    user_rows, member_rows, kpi_rows, step_rows, item_rows, tour_rows = [], [], [], [], [], []
    kpi_companies: dict[tuple[str, str, str], list[Any]] = {}
    for u in range(users):
        first = NOW - timedelta(seconds=rng.randrange(120 * 86400))
        seen.append(first)
        uid, cid = f"u{u}", f"c{rng.randrange(companies)}"
        user_rows.append(
            {
                "workspace_id": ws,
                "external_id": uid,
                "locale": None,
                "progress_rev": 0,
                "traits": {
                    "role": rng.choice(["admin", "member", "member"]),
                    "plan": rng.choice(["free", "free", "pro"]),
                    "name": f"User {u}",
                    "email": f"{uid}@x.example",
                },
                "first_seen_at": first,
                "last_seen_at": first + timedelta(days=rng.random() * 10),
            }
        )
        member_rows.append(
            {"workspace_id": ws, "user_id": uid, "company_id": cid, "created_at": first}
        )
        done = rng.choice([0, 0, 1, 2, 3, 4, 4, 4])
        completed = first + timedelta(seconds=rng.randrange(30 * 86400)) if done == 4 else None
        started = first + timedelta(hours=1) if done else None
        for kind, key in [*OBJECTIVES, *([BILLING] if u % 2 else [])]:
            in_audience = rng.random() < 0.9
            kpi_rows.append(
                {
                    "workspace_id": ws,
                    "kind": kind,
                    "key": key,
                    "user_id": uid,
                    "version": 1,
                    "in_audience": in_audience,
                    "started_at": started,
                    "completed_at": completed,
                    "parts_done": done,
                    "last_progress_at": completed or started,
                    "updated_at": NOW,
                }
            )
            if in_audience:
                figures = kpi_companies.setdefault((kind, key, cid), [0, 0])
                figures[0] += 1
                figures[1] += completed is not None
        item_rows += [
            {
                "workspace_id": ws,
                "user_id": uid,
                "checklist_key": "setup",
                "item_id": i,
                "completed_at": started,
                "completed_by": "manual",
                "event_id": None,
            }
            for i in ITEMS[:done]
        ]
        step_rows += [
            {
                "workspace_id": ws,
                "user_id": uid,
                "tour_key": "welcome",
                "step_id": s,
                "first_seen_at": first,
            }
            for s in STEPS[: done + 1]
        ]
        tour_rows.append(
            {
                "workspace_id": ws,
                "user_id": uid,
                "tour_key": "welcome",
                "status": "completed" if completed else "active",
                "current_step": STEPS[done],
                "current_step_at": first,
                "version": 1,
                "started_at": first,
                "completed_at": completed,
                "dismissed_at": None,
                "updated_at": NOW,
            }
        )
    _many(db, end_user, user_rows)
    _many(db, membership, member_rows)
    _many(db, kpi_user, kpi_rows)
    keys = launcher.user_keys(db, {ws})
    _many(
        db, checklist_item_progress, [{**r, "user_key": keys[ws, r["user_id"]]} for r in item_rows]
    )
    _many(db, tour_step_seen, step_rows)
    _many(db, tour_progress, tour_rows)
    _many(
        db,
        kpi_company,
        [
            {
                "workspace_id": ws,
                "kind": kind,
                "key": key,
                "company_id": cid,
                "users": users_in,
                "completed": done_in,
                "onboarded_at": NOW if rng.random() < 0.3 else None,
                "median_seconds": rng.random() * 1e6,
                "last_activity_at": NOW - timedelta(days=rng.randrange(60)),
                "updated_at": NOW,
            }
            for (kind, key, cid), (users_in, done_in) in kpi_companies.items()
        ],
    )
    names = rng.choices(NAMES, WEIGHTS, k=events)
    batch: list[dict[str, Any]] = []
    active: dict[tuple[str, str], int] = {}
    for n, name in enumerate(names):
        u = rng.randrange(users)
        at = seen[u] + timedelta(seconds=rng.randrange(20 * 86400))
        props = (
            {"tour": "welcome", "step": rng.choice(STEPS)}
            if name.startswith("$t")
            else {"n": n % 7}
        )
        batch.append(
            {
                "workspace_id": ws,
                "id": f"e{n}",
                "user_key": keys[ws, f"u{u}"],
                "name": name,
                "properties": props,
                "user_id": f"u{u}",
                "company_id": None,
                "timestamp": at,
                "received_at": at,
                "source": "server",
            }
        )
        # The widget's `$active` heartbeats of that day (their events are not loaded).
        day = (f"u{u}", at.date().isoformat())
        active[day] = active.get(day, 0) + 30
        if len(batch) == 50_000:
            _many(db, event, batch)
            batch = []
    _many(db, event, batch)
    _many(
        db,
        user_active_day,
        [
            {"workspace_id": ws, "user_id": uid, "day": day, "seconds": seconds}
            for (uid, day), seconds in active.items()
        ],
    )
    # And the weeks of those days (services/active_time.py writes them with the days).
    weeks = {
        (uid, (d - timedelta(days=d.weekday())).isoformat())
        for uid, day in active
        for d in [datetime.fromisoformat(day).date()]
    }
    _many(
        db,
        user_active_week,
        [{"workspace_id": ws, "user_id": uid, "week": week} for uid, week in sorted(weeks)],
    )
    _many(
        db,
        survey_answer,
        [
            {
                "workspace_id": ws,
                "event_id": f"s{n}",
                "user_id": f"u{n}",
                "checklist_key": "setup",
                "rating": rng.randint(1, 5),
                "comment": "fine" if n % 3 else None,
                "answered_at": NOW,
            }
            for n in range(0, users, 10)
        ],
    )
    return ws, secret


def figures(ws: int) -> dict[str, Callable[[Connection], Any]]:
    setup, welcome, activated = (
        Objective("checklist", "setup", "Setup", 1),
        Objective("tour", "welcome", "Welcome", 1),
        Objective("goal", "activated", "Activated", 1),
    )
    tier = KpiFilter(company_traits={"tier": "enterprise"})
    none, admins = (
        KpiFilter(),
        KpiFilter(user_traits={"role": "admin"}, company_traits={"plan": "pro"}),
    )
    since = KpiFilter(first_seen_from=(NOW - timedelta(days=30)).date())
    return {
        "baseline: count kpi_user rows": lambda c: c.scalar(
            select(func.count())
            .select_from(kpi_user)
            .where(
                kpi_user.c.workspace_id == ws,
                kpi_user.c.kind == "checklist",
                kpi_user.c.key == "setup",
            )
        ),
        "objectives": lambda c: kpis.list_objectives(c, ws, "en"),
        "summary": lambda c: kpis.summary(c, ws, setup, none, NOW),
        "summary, role+plan segment": lambda c: kpis.summary(c, ws, setup, admins, NOW),
        "cohorts, role+plan segment": lambda c: kpis.cohorts(c, ws, setup, admins, NOW),
        "summary, first seen 30 days": lambda c: kpis.summary(c, ws, setup, since, NOW),
        "companies page (sort share)": lambda c: kpis.companies(c, ws, setup, none, sort="share"),
        "companies, role segment, q": lambda c: kpis.companies(
            c, ws, setup, admins, search="company 12"
        ),
        "cohorts (12 weeks)": lambda c: kpis.cohorts(c, ws, setup, none, NOW),
        "items": lambda c: kpis.item_rates(c, ws, setup, none),
        "funnel": lambda c: kpis.funnel(c, ws, "welcome", none),
        "funnel, role+plan segment": lambda c: kpis.funnel(c, ws, "welcome", admins),
        "feature usage (3 events)": lambda c: kpis.feature_usage(
            c, ws, [*NAMES[:2], "$page_viewed"], none
        ),
        "feature usage, segment": lambda c: kpis.feature_usage(c, ws, NAMES[:3], admins),
        "activity (30 days)": lambda c: kpis.activity(
            c, ws, none, (NOW - timedelta(days=29)).date(), NOW.date(), "day"
        ),
        "activity (12 weeks, segment)": lambda c: kpis.activity(
            c, ws, admins, (NOW - timedelta(days=83)).date(), NOW.date(), "week"
        ),
        "surveys": lambda c: kpis.surveys(c, ws, none),
        "stuck users (14 days)": lambda c: kpis.stuck_users(c, ws, setup, none, 14, NOW),
        "stuck companies (14 days)": lambda c: kpis.stuck_companies(c, ws, setup, none, 14, NOW),
        "tour summary": lambda c: kpis.summary(c, ws, welcome, none, NOW),
        "goal summary, tier segment": lambda c: kpis.summary(c, ws, activated, tier, NOW),
        "goal items, tier segment": lambda c: kpis.item_rates(c, ws, activated, tier),
        "backfills": lambda c: kpis.backfills(c, ws),
    }


def requests(ws: int) -> dict[str, str]:
    """The analytics endpoints and dashboard pages timed over HTTP (in-process ASGI)."""
    a, board = "/api/v1/analytics", f"/console/workspaces/{ws}/dashboard"
    seg = "user[role]=admin&company[plan]=pro"
    events = ",".join([*NAMES[:2], "$page_viewed"])
    return {
        "GET objectives": f"{a}/objectives",
        "GET summary": f"{a}/checklists/setup/summary",
        "GET summary, role+plan": f"{a}/checklists/setup/summary?{seg}",
        "GET summary, tier": f"{a}/checklists/setup/summary?company[tier]=enterprise",
        "GET goal summary": f"{a}/goals/activated/summary",
        "GET companies": f"{a}/checklists/setup/companies?sort=share",
        "GET companies, role+plan, q": f"{a}/checklists/setup/companies?{seg}&q=company%2012",
        "GET cohorts": f"{a}/checklists/setup/cohorts",
        "GET cohorts, role+plan": f"{a}/checklists/setup/cohorts?{seg}",
        "GET items": f"{a}/checklists/setup/items",
        "GET goal items, role": f"{a}/goals/activated/items?user[role]=admin",
        "GET stuck users": f"{a}/checklists/setup/stuck-users",
        "GET stuck companies": f"{a}/checklists/setup/stuck-companies",
        "GET funnel": f"{a}/tours/welcome/funnel",
        "GET funnel, role+plan": f"{a}/tours/welcome/funnel?{seg}",
        "GET activity (30 days)": f"{a}/activity",
        "GET activity (12 weeks, role+plan)": f"{a}/activity?period=week&{seg}"
        f"&from={(NOW - timedelta(days=83)).date()}",
        "GET feature usage": f"{a}/feature-usage?events={events}",
        "GET feature usage, role+plan": f"{a}/feature-usage?events={events}&{seg}",
        "GET surveys": f"{a}/surveys",
        "GET surveys, role+plan": f"{a}/surveys?{seg}",
        "GET backfills": f"{a}/backfills",
        "GET companies CSV": f"{a}/checklists/setup/companies?format=csv&per_page=500",
        # Each view of the dashboard is a page of its own (console/dashboard.py).
        "dashboard overview": board,
        "dashboard overview, user segment": f"{board}?segment=user&trait=role&value=admin",
        "dashboard overview, tour, company segment": f"{board}?segment=company&trait=tier"
        "&value=enterprise&objective=tour:welcome",
        "dashboard overview, goal, first seen": f"{board}?objective=goal:activated"
        f"&from={(NOW - timedelta(days=30)).date()}",
        "dashboard companies": f"{board}?view=companies",
        "dashboard people": f"{board}?view=people",
        "dashboard usage": f"{board}?view=usage&period=week&events={events}",
        "dashboard surveys": f"{board}?view=surveys",
        "dashboard recomputation": f"{board}?view=recomputation",
        "dashboard companies CSV": f"{board}/companies.csv",
    }


def _median_ms(work: Callable[[], Any]) -> tuple[float, float]:
    """Median wall and CPU milliseconds of 3 runs. CPU is this process's: on SQLite (in
    process) the whole server time, steady whatever else the machine runs; on PostgreSQL
    only the app's part."""
    times, cpu = [], []
    for _ in range(3):
        t, c = time.perf_counter(), time.process_time()
        work()
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return statistics.median(times), statistics.median(cpu)


def _verdict(name: str, ms: tuple[float, float], base: float) -> bool:
    wall, cpu = ms
    verdict = "PASS" if wall <= TARGET_MS else "FAIL"
    print(
        f"  {name:42s} {wall:8.1f} ms  {wall / base:6.1f}× baseline  CPU {cpu:7.1f} ms  {verdict}",
        flush=True,
    )
    return wall <= TARGET_MS


def measure_http(url: str, db: Database, ws: int, secret: str, base: float, only: str) -> bool:
    """Each request through the app in-process (Starlette's TestClient, no sockets): the time
    is the server's, plus the test client's few hundred microseconds."""
    app = create_app(Settings(database_url=url, secret_key="b" * 32, env="test"), db)
    client = TestClient(app)
    page = client.get("/console/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token, "no CSRF token on the login page"
    signed = client.post(
        "/console/login",
        data={"email": "bench@x.example", "password": PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert signed.status_code == 303, signed.status_code
    headers = {"Authorization": f"Bearer {secret}"}
    ok = True
    for name, path in requests(ws).items():
        if only not in name:
            continue
        answer = client.get(path, headers=headers)
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
        ok &= _verdict(name, _median_ms(lambda path=path: client.get(path, headers=headers)), base)
    return ok


def _loaded(db: Database, url: str, shape: tuple[int, int, int], keep: Path | None) -> Any:
    """(workspace id, secret key): loaded now, or by an earlier run with the same --keep."""
    engine = create_engine(url)
    # A kept database is brought to the newest schema too (its migrations' backfills run).
    upgrade(engine)
    engine.dispose()
    if keep is not None and keep.exists():
        if url.startswith("postgresql"):
            # An upgrade may have made or filled tables: autovacuum's statistics (see below).
            db.run_sync(lambda conn: conn.run(text("VACUUM ANALYZE")), transaction=False)
        found = json.loads(keep.read_text())
        return found["ws"], found["secret"]
    ws, secret = load(db, *shape)
    db.run_sync(lambda conn: create_admin(conn, "bench@x.example", PASSWORD, {ws: "viewer"}))
    if url.startswith("postgresql"):
        # What autovacuum does after a bulk load in production (docs/deploy.md keeps it on;
        # this machine's is off): statistics, and the visibility map index-only scans need.
        db.run_sync(lambda conn: conn.run(text("VACUUM ANALYZE")), transaction=False)
    if keep is not None:
        keep.write_text(json.dumps({"ws": ws, "secret": secret}))
    return ws, secret


def _asked_once(db: Database, ws: int) -> None:
    """The names feature usage is timed for, asked once and then rolled up as the KPI worker
    does in the background on SQLite (services/event_name_users.py): the views after the
    first read the rollup and only the events after it. The first view reads the names'
    events from the log (`--only usage` on a new database times it)."""
    asked = [*NAMES[:3], "$page_viewed"]
    started = time.process_time()
    db.run_sync(lambda conn: kpis.feature_usage(conn, ws, asked, KpiFilter()), transaction=False)
    first = time.process_time() - started
    rolled = 0
    while count := db.run_sync(lambda conn: event_name_users.roll_up(conn, 50_000)):
        rolled += count
    if rolled:
        print(
            f"  first feature usage of {len(asked)} names: CPU {first * 1000:.0f} ms; then "
            f"{rolled:,} events rolled up in {time.process_time() - started - first:.1f} s CPU",
            flush=True,
        )


def measure(
    label: str, url: str, shape: tuple[int, int, int], keep: Path | None = None, only: str = ""
) -> bool:
    db = Database(url)
    try:
        started = time.perf_counter()
        ws, secret = _loaded(db, url, shape, keep)
        print(
            f"\n{label}: loaded {shape[0]:,} users, {shape[1]:,} companies, {shape[2]:,} events "
            f"in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
        _asked_once(db, ws)
        ok, base = True, 0.0
        for name, work in figures(ws).items():
            if only not in name:
                continue
            ms = _median_ms(lambda work=work: db.run_sync(work, transaction=False))
            base = base or ms[0]
            ok &= _verdict(name, ms, base)
        print("  over HTTP (in-process ASGI):", flush=True)
        return measure_http(url, db, ws, secret, base or 1.0, only) and ok
    finally:
        db.dispose()


def _kept_postgres(server: str, name: str) -> str:
    """A database of that name on the server (created when missing), never dropped."""
    admin = create_engine(harness.postgres_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        ).first():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return str(make_url(harness.postgres_url(server)).set(database=name).render_as_string(False))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="10,000 users, 500 companies, 100,000 events"
    )
    parser.add_argument("--postgres", help="also on PostgreSQL (a scratch database, dropped after)")
    parser.add_argument(
        "--keep",
        type=Path,
        help="a directory: the SQLite database loaded there is kept and reused by the next run "
        "with the same --keep, upgraded to the newest schema (PostgreSQL: database "
        "shirube_bench_kpis_<size>_<directory name>, kept too)",
    )
    parser.add_argument("--only", default="", help="only the figures whose name contains this")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    args = parser.parse_args()
    shape = (10_000, 500, 100_000) if args.quick else (100_000, 5_000, 1_000_000)
    size = "quick" if args.quick else "full"
    ok = True
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory(prefix="shirube-bench-kpis-") as tmp:
            where = args.keep or Path(tmp)
            url = f"sqlite:///{where / f'kpis-{size}.db'}"
            keep = args.keep / f"kpis-{size}.json" if args.keep else None
            ok = measure("SQLite", url, shape, keep, args.only)
    if args.postgres and args.keep:
        # Named after the --keep directory too: two worktrees' kept databases stay apart.
        suffix = re.sub(r"[^a-z0-9]+", "_", args.keep.resolve().name.lower())
        url = _kept_postgres(args.postgres, f"shirube_bench_kpis_{size}_{suffix}")
        ok &= measure("PostgreSQL", url, shape, args.keep / f"kpis-{size}-pg.json", args.only)
    elif args.postgres:
        with harness.scratch_postgres(args.postgres) as url:
            ok &= measure("PostgreSQL", url, shape, None, args.only)
    print("\nPASS: every figure within 1 s" if ok else "\nFAIL: a figure over 1 s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
