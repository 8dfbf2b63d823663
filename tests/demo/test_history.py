"""The demo's made-up past (demo_app/history.py): deterministic, realistic enough for the
dashboard's curves, accepted by Shirube's event API, and sent once however often it is run."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from shirube.services.event_schema import ServerEventBatch, check_events

from demo_app.db import Company, Store
from demo_app.history import WEEKS, History, build_history
from demo_app.history_send import history_of, seed_history
from demo_app.launcher import bind, build
from tests.conftest import SECRET
from tests.demo.conftest import _wait_started

END = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
COMPANIES = [
    (Company("c-sakura", "株式会社さくら物産", "pro", ""), "sakura.example"),
    (Company("c-yamada", "山田製作所", "standard", ""), "yamada.example"),
    (Company("c-hikari", "ひかりクリニック", "trial", ""), "hikari.example"),
]
SETUP = {"employees_imported", "work_rules_saved", "clock_in"}


def _by_user(history: History) -> dict[str, list[tuple[str, dict[str, object] | None]]]:
    events: dict[str, list[tuple[str, dict[str, object] | None]]] = defaultdict(list)
    for event in history.events:
        events[event.user_id].append((event.name, event.properties))
    return events


def _admin_done(events: list[tuple[str, dict[str, object] | None]]) -> bool:
    names = {name for name, _ in events}
    manager = ("member_invited", {"role": "manager"}) in events
    return names >= SETUP and manager


def test_the_same_seed_makes_the_same_history_sized_for_curves() -> None:
    history = build_history(COMPANIES, END)
    assert build_history(COMPANIES, END) == history
    assert build_history(COMPANIES, END, seed=14).events != history.events
    assert 200 <= len(history.people) <= 1000
    assert 3000 <= len(history.events) <= 20_000
    assert len({e.id for e in history.events}) == len(history.events)
    assert all(e.at <= END for e in history.events)
    first_seen = [p.first_seen for p in history.people]
    assert min(first_seen) < END - timedelta(weeks=WEEKS - 1) and max(first_seen) > END - timedelta(
        weeks=1
    )
    assert {p.company_id for p in history.people} == {c.id for c, _ in COMPANIES}
    assert {p.role for p in history.people} == {"admin", "manager", "employee"}
    assert all(p.email.endswith(".example") and " " in p.name for p in history.people)


def test_every_event_passes_the_event_apis_checks() -> None:
    history = build_history(COMPANIES, END)
    wire = [
        {
            "id": e.id,
            "name": e.name,
            "user_id": e.user_id,
            "company_id": e.company_id,
            "properties": e.properties or {},
            "timestamp": e.at.isoformat(),
        }
        for e in history.events
    ]
    for start in range(0, len(wire), 1000):
        batch = ServerEventBatch.model_validate_json(
            json.dumps({"events": wire[start : start + 1000]})
        )
        check_events(batch.events)


def test_later_cohorts_do_better_and_some_users_get_stuck() -> None:
    history = build_history(COMPANIES, END)
    events = _by_user(history)
    done: dict[bool, list[bool]] = {True: [], False: []}  # later cohort? -> completed
    stuck_at_invite = 0
    for person in history.people:
        if person.role != "admin":
            continue
        cohort = (person.first_seen - (END - timedelta(weeks=WEEKS))).days // 7
        if cohort < WEEKS - 1:  # the last week had no time yet
            done[cohort >= WEEKS // 2].append(_admin_done(events[person.id]))
        invites = [p for name, p in events[person.id] if name == "member_invited"]
        stuck_at_invite += invites == [{"role": "employee"}]
    early, late = (sum(done[k]) / len(done[k]) for k in (False, True))
    assert 0.1 < early < late < 0.95
    assert stuck_at_invite >= 1  # invited an employee, not a manager: the item stays open
    employees = [p for p in history.people if p.role == "employee"]
    clock_ins = [sum(n == "clock_in" for n, _ in events[p.id]) for p in employees]
    assert clock_ins.count(0) >= 5 and sum(1 for c in clock_ins if 0 < c < 3) >= 3
    names = {e.name for e in history.events}
    assert {"$tour_started", "$tour_step_seen", "$tour_dismissed", "$tour_completed"} <= names
    assert "$target_missing" in names and "$page_viewed" in names
    answers = [e.properties for e in history.events if e.name == "$survey_answered"]
    assert len(answers) >= 10
    assert len({a["rating"] for a in answers if a}) >= 3
    assert sum(1 for a in answers if a and a.get("comment")) >= 5


@pytest.fixture
def demo_with_history(tmp_path: Path) -> Iterator[tuple[str, str, Store, Path]]:
    """`make demo` on fresh databases: Shirube, the history sent, then Kintai Cloud."""
    env = {
        "SHIRUBE_DATABASE_URL": f"sqlite:///{tmp_path / 'shirube.db'}",
        "SHIRUBE_SECRET_KEY": SECRET,
    }
    sockets = bind("127.0.0.1", 0), bind("127.0.0.1", 0)
    running, keys, settings = build(*sockets, tmp_path / "keys.json", tmp_path / "kintai.db", env)
    thread = threading.Thread(target=asyncio.run, args=(running.serve(),), daemon=True)
    thread.start()
    _wait_started(running, thread)
    try:
        yield (
            settings.shirube_url,
            keys.secret_key,
            Store(settings.database_path),
            tmp_path / "shirube.db",
        )
    finally:
        running.stop()
        thread.join(15)


def _count(db: Path, sql: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(sql).fetchone()[0])


def _history_rows(db: Path, people: set[str]) -> tuple[int, int]:
    """Events and users of the history's people (the demo app's own users send theirs too)."""
    with sqlite3.connect(db) as conn:
        events = sum(u in people for (u,) in conn.execute("SELECT user_id FROM event"))
        users = sum(u in people for (u,) in conn.execute("SELECT external_id FROM end_user"))
    return events, users


def test_the_launcher_sends_the_history_once_and_again_stores_nothing_twice(
    demo_with_history: tuple[str, str, Store, Path],
) -> None:
    url, secret_key, store, db = demo_with_history
    history = history_of(store)
    ids = {e.id for e in history.events}
    with sqlite3.connect(db) as conn:
        stored = {row[0] for row in conn.execute("SELECT id FROM event")}
        names = {json.loads(t)["name"] for (t,) in conn.execute("SELECT traits FROM company")}
        tiers = {json.loads(t)["tier"] for (t,) in conn.execute("SELECT traits FROM company")}
    assert ids <= stored
    assert names == {"株式会社さくら物産", "山田製作所", "ひかりクリニック"}
    assert tiers == {"high-touch", "low-touch", "tech-touch"}
    surveys = sum(e.name == "$survey_answered" for e in history.events)
    assert _count(db, "SELECT count(*) FROM survey_answer WHERE comment IS NOT NULL") > 0
    assert _count(db, "SELECT count(*) FROM survey_answer") == surveys
    people = {p.id for p in history.people}
    assert _history_rows(db, people) == (len(history.events), len(people))

    assert seed_history(url, secret_key, store) is None  # the workspace has it already
    again = seed_history(url, secret_key, store, force=True)
    assert again is not None and again.errors == []
    assert again.events == len(history.events) and again.people == len(history.people)
    assert _history_rows(db, people) == (len(history.events), len(people))
