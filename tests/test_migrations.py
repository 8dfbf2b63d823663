"""Migrations: empty → head → base on both engines, the schema equals the models, and
concurrent upgrades are safe."""

from __future__ import annotations

import json
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from psycopg.types.json import Jsonb
from shirube.migrate import current_revision, downgrade, head_revision, upgrade
from shirube.storage import tables
from sqlalchemy import create_engine, inspect, text


@pytest.fixture(params=["sqlite", "postgres"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    url: str = request.getfixturevalue("empty_postgres")
    return url


def test_empty_to_head_matches_models_and_back(empty_url: str) -> None:
    engine = create_engine(empty_url)
    assert current_revision(engine) is None
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, tables.metadata) == []
    downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()


def test_upgrade_twice_is_a_no_op(empty_url: str) -> None:
    engine = create_engine(empty_url)
    upgrade(engine)
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_concurrent_upgrades_from_several_instances(empty_url: str) -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def instance() -> None:
        engine = create_engine(empty_url)
        try:
            barrier.wait()
            upgrade(engine)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=instance) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    engine = create_engine(empty_url)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_0005_counts_the_events_of_published_rules(empty_url: str) -> None:
    """Events stored before 0005 whose names a published rule counts are copied to
    counted_event; other names are not."""
    engine = create_engine(empty_url)
    upgrade(engine, "0004")
    checklist = {
        "key": "setup",
        "title": "Setup",
        "items": [
            {"id": "shifts", "title": "Shifts",
             "completion": {"type": "event", "event": "shift.created", "min_count": 3}},
            {"id": "guide", "title": "Guide", "completion": {"type": "manual"}},
        ],
    }  # fmt: skip
    at = datetime(2026, 11, 1, 9, 0)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO workspace (id, name, public_key, secret_key_hash, secret_key_hint,"
                " identity_mode, identity_secret, allowed_origins, default_locale, theme,"
                " content_revision, created_at) VALUES (1, 'w', 'pk_1', 'h', 'sk_…', 'off', 's',"
                " :origins, 'en', :theme, 1, :at)"
            ),
            {"origins": _json(engine, []), "theme": _json(engine, {}), "at": at},
        )
        conn.execute(
            text(
                "INSERT INTO content_item (id, workspace_id, kind, key, draft, latest_version,"
                " published_version, created_at, updated_at)"
                " VALUES (1, 1, 'checklist', 'setup', :doc, 1, 1, :at, :at)"
            ),
            {"doc": _json(engine, checklist), "at": at},
        )
        conn.execute(
            text(
                "INSERT INTO content_version (id, content_id, version, document, published_at)"
                " VALUES (1, 1, 1, :doc, :at)"
            ),
            {"doc": _json(engine, checklist), "at": at},
        )
        _insert_events(conn, engine, ["shift.created", "login", "shift.created"], at)
    upgrade(engine)
    with engine.connect() as conn:
        names = conn.execute(text("SELECT workspace_id, name FROM counted_name")).all()
        counted = conn.execute(
            text("SELECT user_id, name, event_id FROM counted_event ORDER BY event_id")
        ).all()
    assert [tuple(row) for row in names] == [(1, "shift.created")]
    assert [tuple(row) for row in counted] == [
        ("u1", "shift.created", "e0"),
        ("u1", "shift.created", "e2"),
    ]
    engine.dispose()


def test_0006_keeps_the_counters_of_counted_names_only(empty_url: str) -> None:
    """Counters of names no rule counts are dropped (they would go stale); going back
    recounts every name from the log, as the older code expects."""
    engine = create_engine(empty_url)
    upgrade(engine, "0005")
    at = datetime(2026, 11, 1, 9, 0)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO counted_name (workspace_id, name) VALUES (1, 'shift')"))
        _insert_events(conn, engine, ["shift", "login", "login"], at)
        for name, count in [("shift", 1), ("login", 2)]:
            conn.execute(
                text(
                    "INSERT INTO user_event_count (workspace_id, user_id, name, count, first_at,"
                    " last_at) VALUES (1, 'u1', :name, :count, :at, :at)"
                ),
                {"name": name, "count": count, "at": at},
            )
    counters = text("SELECT name, count FROM user_event_count ORDER BY name")
    upgrade(engine)
    with engine.connect() as conn:
        assert [tuple(row) for row in conn.execute(counters)] == [("shift", 1)]
    downgrade(engine, "0005")
    with engine.connect() as conn:
        assert [tuple(row) for row in conn.execute(counters)] == [("login", 2), ("shift", 1)]
    engine.dispose()


def test_0013_keeps_kpi_rows_and_events_both_ways(empty_url: str) -> None:
    """0013 has ix_event_name carry the user on PostgreSQL (INCLUDE) and, on SQLite, rebuilds
    kpi_user WITHOUT ROWID: every row is kept, up and down, with the indexes each revision
    expects."""
    engine = create_engine(empty_url)
    upgrade(engine, "0012")
    at = datetime(2026, 11, 1, 9, 0)
    row = (1, "goal", "activated", "u1", 2, True, at, None, 1, at, at)
    with engine.begin() as conn:
        _insert_events(conn, engine, ["shift", "login"], at)
        conn.execute(
            text(
                "INSERT INTO kpi_user (workspace_id, kind, key, user_id, version, in_audience,"
                " started_at, completed_at, parts_done, last_progress_at, updated_at) VALUES"
                " (:w, :k, :key, :u, :v, :a, :s, :c, :p, :l, :up)"
            ),
            dict(zip(["w", "k", "key", "u", "v", "a", "s", "c", "p", "l", "up"], row, strict=True)),
        )
    kpi_rows = text("SELECT workspace_id, kind, key, user_id, version, in_audience FROM kpi_user")
    events = text("SELECT id, name FROM event ORDER BY id")
    postgres = engine.dialect.name == "postgresql"

    def check(included: list[str]) -> None:
        with engine.connect() as conn:
            assert [tuple(r) for r in conn.execute(kpi_rows)] == [(*row[:5], True)]
            assert [tuple(r) for r in conn.execute(events)] == [("e0", "shift"), ("e1", "login")]
        (index,) = [i for i in inspect(engine).get_indexes("event") if i["name"] == "ix_event_name"]
        assert index["column_names"] == ["workspace_id", "name"]
        assert index.get("dialect_options", {}).get("postgresql_include", []) == included
        kpi_indexes = {i["name"] for i in inspect(engine).get_indexes("kpi_user")}
        assert "ix_kpi_user_user" in kpi_indexes

    upgrade(engine)
    check(["user_id"] if postgres else [])
    if not postgres:
        with engine.connect() as conn:
            sql = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'kpi_user'"))
            assert "WITHOUT ROWID" in sql.scalar_one()
    downgrade(engine, "0012")
    check([])
    engine.dispose()


def _insert_events(conn: Any, engine: Any, names: list[str], at: datetime) -> None:
    """Events e0, e1, … of user u1 in workspace 1, one per name, all at `at`."""
    for n, name in enumerate(names):
        conn.execute(
            text(
                "INSERT INTO event (workspace_id, id, name, properties, user_id, timestamp,"
                " received_at, source) VALUES (1, :id, :name, :props, 'u1', :at, :at, 'server')"
            ),
            {"id": f"e{n}", "name": name, "props": _json(engine, {}), "at": at},
        )


def _json(engine: Any, value: Any) -> Any:
    """A JSON column's value as the driver takes it (text on SQLite, JSONB on PostgreSQL)."""
    return json.dumps(value) if engine.dialect.name == "sqlite" else Jsonb(value)


def test_0018_fills_the_active_weeks(empty_url: str) -> None:
    """0018 writes the ISO week of every stored active day (its Monday); the event-name
    rollup starts empty (names are rolled up once asked for)."""
    engine = create_engine(empty_url)
    upgrade(engine, "0014")
    at = datetime(2026, 11, 1, 9, 0)
    with engine.begin() as conn:
        _insert_events(conn, engine, ["shift", "login", "shift"], at)
        for user, day in [("u1", "2026-11-01"), ("u1", "2026-11-02"), ("u1", "2026-11-03")]:
            conn.execute(
                text(
                    "INSERT INTO user_active_day (workspace_id, user_id, day, seconds)"
                    " VALUES (1, :u, :d, 60)"
                ),
                {"u": user, "d": day},
            )
    upgrade(engine)
    with engine.connect() as conn:
        weeks = conn.execute(text("SELECT workspace_id, week, user_id FROM user_active_week"))
        # Sunday 1 November is in the week of Monday 26 October.
        assert sorted(tuple(r) for r in weeks) == [(1, "2026-10-26", "u1"), (1, "2026-11-02", "u1")]
        for table in ("event_name_user", "event_name_user_mark"):
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() == 0
    downgrade(engine, "0014")
    assert "user_active_week" not in inspect(engine).get_table_names()
    engine.dispose()


def test_0021_and_0022_key_the_rows_by_user_both_ways(empty_url: str) -> None:
    """0021 gives every user a key in the order they were stored (and one to a user known
    only from progress rows) and keys the three user-keyed tables by it; 0022 keys the event
    log by it, keeping each event's rowid on SQLite; both go back, rows kept."""
    engine = create_engine(empty_url)
    upgrade(engine, "0020")
    at = datetime(2026, 11, 1, 9, 0)
    with engine.begin() as conn:
        for user in ("u2", "u1"):
            conn.execute(
                text(
                    "INSERT INTO end_user (workspace_id, external_id, traits, first_seen_at,"
                    " last_seen_at) VALUES (1, :u, :t, :at, :at)"
                ),
                {"u": user, "t": _json(engine, {}), "at": at},
            )
        _insert_events(conn, engine, ["shift", "login"], at)
        conn.execute(
            text(
                "INSERT INTO counted_event (workspace_id, user_id, name, timestamp, event_id)"
                " VALUES (1, 'u1', 'shift', :at, 'e0')"
            ),
            {"at": at},
        )
        conn.execute(
            text(
                "INSERT INTO checklist_item_progress (workspace_id, user_id, checklist_key,"
                " item_id, completed_at, completed_by) VALUES (1, 'u3', 'c', 'i', :at, 'manual')"
            ),
            {"at": at},
        )
    sqlite = engine.dialect.name == "sqlite"
    rowids = "SELECT rowid, id FROM event ORDER BY id"
    with engine.connect() as conn:
        before = list(conn.execute(text(rowids))) if sqlite else []
    upgrade(engine)
    with engine.connect() as conn:
        keys = dict(conn.execute(text("SELECT external_id, user_key FROM end_user")).all())
        assert keys["u2"] < keys["u1"] and set(keys) == {"u1", "u2", "u3"}
        counted = conn.execute(text("SELECT user_key, user_id, event_id FROM counted_event"))
        assert list(counted) == [(keys["u1"], "u1", "e0")]
        item = conn.execute(text("SELECT user_key, user_id FROM checklist_item_progress"))
        assert list(item) == [(keys["u3"], "u3")]
        events = conn.execute(text("SELECT id, user_key FROM event ORDER BY id"))
        assert list(events) == [("e0", keys["u1"]), ("e1", keys["u1"])]
        if sqlite:
            assert list(conn.execute(text(rowids))) == before
    downgrade(engine, "0020")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM event")).scalar_one() == 2
        item = conn.execute(text("SELECT user_id, item_id FROM checklist_item_progress"))
        assert list(item) == [("u3", "i")]
        assert "user_key" not in {c["name"] for c in inspect(engine).get_columns("end_user")}
    engine.dispose()
