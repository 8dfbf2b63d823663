"""`$active` heartbeats: validated, projected into seconds per user and UTC day and first/last
active days in the batch's transaction, never counted twice, and read back for the KPIs
(services/active_time.py), on both engines."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from shirube.services import active_time
from shirube.services.ingest import NewEvent
from shirube.storage import Database, tables

from tests.api.helpers import (
    assert_error,
    count,
    ev,
    open_session,
    post_widget_events,
    published_now,
    rows,
    run_writers,
    send_events,
    wev,
    widget_send,
)
from tests.conftest import WorkspaceKeys, make_workspace

DAY = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday


def _when(days: float, hours: float = 12) -> str:
    moment = DAY + timedelta(days=days, hours=hours)
    return moment.isoformat().replace("+00:00", "Z")


def active(event_id: str, seconds: Any, user: str = "u1", **fields: Any) -> dict[str, Any]:
    return ev(event_id, "$active", user, properties={"seconds": seconds}, **fields)


def _days(database: Database, workspace: WorkspaceKeys) -> dict[tuple[str, str], int]:
    found = rows(database, tables.user_active_day, workspace_id=workspace.id)
    return {(row.user_id, row.day): row.seconds for row in found}


def _spans(database: Database, workspace: WorkspaceKeys) -> dict[str, tuple[str, str]]:
    found = rows(database, tables.user_active, workspace_id=workspace.id)
    return {row.user_id: (row.first_day, row.last_day) for row in found}


def _read(database: Database, work: Any) -> Any:
    return database.run_sync(work, transaction=False)


BAD_SECONDS: list[Any] = [0, -1, 3601, 1.5, 60.0, "60", True, None]


@pytest.mark.parametrize("seconds", BAD_SECONDS)
def test_seconds_must_be_a_whole_number_from_1_to_3600(
    client: Any, workspace: WorkspaceKeys, database: Database, seconds: Any
) -> None:
    body = {"events": [active("a1", seconds)]}
    response = client.post("/api/v1/events", json=body, headers=workspace.auth)
    assert_error(response, 422, "validation_error", ["events[0].properties.seconds"])
    token = open_session(client, workspace)["token"]
    response = post_widget_events(
        client, token, [wev("a1", "$active", properties={"seconds": seconds})]
    )
    assert_error(response, 422, "validation_error", ["events[0].properties.seconds"])
    assert count(database, tables.user_active_day) == 0


def test_seconds_is_required_and_alone(client: Any, workspace: WorkspaceKeys) -> None:
    for properties, path in (
        ({}, "events[0].properties.seconds"),
        ({"seconds": 60, "page": "/x"}, "events[0].properties.page"),
    ):
        body = {"events": [ev("a1", "$active", properties=properties)]}
        response = client.post("/api/v1/events", json=body, headers=workspace.auth)
        assert_error(response, 422, "validation_error", [path])


def test_seconds_add_up_per_user_and_utc_day(
    client: Any, workspace: WorkspaceKeys, database: Database
) -> None:
    send_events(
        client,
        workspace,
        [
            active("a1", 60, timestamp=_when(0, 9)),
            active("a2", 45, timestamp=_when(0, 23.99)),
            # 00:30 in Tokyo on the 3rd is still the 2nd in UTC.
            active("a3", 30, timestamp="2026-03-03T00:30:00+09:00"),
            active("a4", 10, timestamp=_when(1, 0.01)),
            active("b1", 3600, "u2", timestamp=_when(2)),
            ev("x1", "report_exported", timestamp=_when(5)),
        ],
    )
    send_events(client, workspace, [active("a5", 20, timestamp=_when(0, 10))])
    assert _days(database, workspace) == {
        ("u1", "2026-03-02"): 155,
        ("u1", "2026-03-03"): 10,
        ("u2", "2026-03-04"): 3600,
    }
    assert _spans(database, workspace) == {
        "u1": ("2026-03-02", "2026-03-03"),
        "u2": ("2026-03-04", "2026-03-04"),
    }


def test_a_retried_batch_counts_once(
    client: Any, workspace: WorkspaceKeys, database: Database
) -> None:
    batch = [active("a1", 60, timestamp=_when(0)), active("a2", 60, timestamp=_when(0))]
    first = send_events(client, workspace, batch)
    again = send_events(client, workspace, [*batch, active("a3", 5, timestamp=_when(0))])
    assert (first["accepted"], again["accepted"], again["duplicates"]) == (2, 1, 2)
    # The same id twice in one batch is one event too.
    send_events(client, workspace, [active("a4", 7, timestamp=_when(0))] * 2)
    assert _days(database, workspace) == {("u1", "2026-03-02"): 132}


def test_widget_heartbeats_count_for_the_session_user(
    client: Any, workspace: WorkspaceKeys, database: Database
) -> None:
    token = open_session(client, workspace, "w1")["token"]
    heartbeat = [wev("h1", "$active", properties={"seconds": 60}, timestamp=_when(0))]
    widget_send(client, token, heartbeat)
    widget_send(client, token, heartbeat)  # the outbox's retry after a lost answer
    assert _days(database, workspace) == {("w1", "2026-03-02"): 60}


def test_first_and_last_days_only_widen(
    client: Any, workspace: WorkspaceKeys, database: Database
) -> None:
    send_events(client, workspace, [active("a1", 60, timestamp=_when(3))])
    send_events(client, workspace, [active("a2", 60, timestamp=_when(1))])  # arrives late
    send_events(client, workspace, [active("a3", 60, timestamp=_when(2))])
    send_events(client, workspace, [active("a4", 60, timestamp=_when(7))])
    assert _spans(database, workspace) == {"u1": ("2026-03-03", "2026-03-09")}
    span = _read(database, lambda conn: active_time.active_span(conn, workspace.id, "u1"))
    assert span == (date(2026, 3, 3), date(2026, 3, 9))
    assert _read(database, lambda conn: active_time.active_span(conn, workspace.id, "u9")) is None


def test_a_day_holds_at_most_86400_seconds(
    client: Any, workspace: WorkspaceKeys, database: Database
) -> None:
    for batch in range(2):
        events = [active(f"a{batch}-{n}", 3600, timestamp=_when(0)) for n in range(20)]
        send_events(client, workspace, events)
    assert _days(database, workspace) == {("u1", "2026-03-02"): 86_400}


def test_workspaces_are_apart(client: Any, workspace: WorkspaceKeys, database: Database) -> None:
    other = make_workspace(database, "Other")
    send_events(client, workspace, [active("a1", 60, timestamp=_when(0))])
    send_events(client, other, [active("a1", 30, timestamp=_when(0))])
    assert _days(database, workspace) == {("u1", "2026-03-02"): 60}
    assert _days(database, other) == {("u1", "2026-03-02"): 30}
    dau = _read(
        database,
        lambda conn: active_time.daily_active_users(conn, other.id, DAY.date(), DAY.date()),
    )
    assert dau == {DAY.date(): 1}


def test_concurrent_writers_lose_no_seconds(
    database_url: str, database: Database, workspace: WorkspaceKeys
) -> None:
    """Four writers, each with batches that cross the same users and days."""
    published = published_now(database, workspace.id)

    def batch(writer: int, number: int) -> list[NewEvent]:
        return [
            NewEvent(
                f"w{writer}-{number}-{user}-{day}",
                "$active",
                f"user-{user}",
                None,
                {"seconds": 10},
                DAY + timedelta(days=day, hours=writer),
            )
            for user in range(5)
            for day in range(3)
        ]

    plans = [[batch(writer, number) for number in range(5)] for writer in range(4)]
    run_writers(database_url, workspace.id, published, plans)
    days = _days(database, workspace)
    assert len(days) == 15 and set(days.values()) == {4 * 5 * 10}
    assert set(_spans(database, workspace).values()) == {("2026-03-02", "2026-03-04")}


# Reads --------------------------------------------------------------------------------------


def test_seconds_in_the_first_days_after_first_seen(
    client: Any, workspace: WorkspaceKeys, database: Database
) -> None:
    send_events(
        client,
        workspace,
        [
            # u1 first seen on the 2nd (at 23:00: the day counts whole), active on days 0, 6, 7.
            ev("s1", "signed_up", "u1", timestamp=_when(0, 23)),
            active("a1", 100, "u1", timestamp=_when(0, 23.5)),
            active("a2", 20, "u1", timestamp=_when(6, 1)),
            active("a3", 3, "u1", timestamp=_when(7, 1)),
            # u2 first seen on the 4th.
            active("b1", 50, "u2", timestamp=_when(2)),
            active("b2", 7, "u2", timestamp=_when(9)),
            # u3 never active.
            ev("c1", "signed_up", "u3", timestamp=_when(0)),
        ],
    )

    def since(user: str, days: int) -> int:
        return _read(
            database,
            lambda conn: active_time.seconds_since_first_seen(conn, workspace.id, user, days),
        )

    assert [since("u1", days) for days in (1, 6, 7, 8)] == [100, 100, 120, 123]
    assert [since("u2", 7), since("u2", 8), since("u3", 7), since("nobody", 7)] == [50, 57, 0, 0]

    def early(days: int, users: list[str] | None = None) -> dict[str, int]:
        return _read(
            database, lambda conn: active_time.early_active_seconds(conn, workspace.id, days, users)
        )

    assert early(7) == {"u1": 120, "u2": 50}
    assert early(8) == {"u1": 123, "u2": 57}
    assert early(1) == {"u1": 100, "u2": 50}
    assert early(8, ["u2", "u3"]) == {"u2": 57}
    seconds = _read(
        database,
        lambda conn: active_time.user_active_seconds(conn, workspace.id, "u1", date(2026, 3, 8), 2),
    )
    assert seconds == 23
    with pytest.raises(ValueError):
        _read(database, lambda conn: active_time.early_active_seconds(conn, workspace.id, 0))


def test_daily_and_weekly_active_users(
    client: Any, workspace: WorkspaceKeys, database: Database
) -> None:
    events = [
        active("a1", 60, "u1", timestamp=_when(0)),
        active("a2", 60, "u1", timestamp=_when(1)),
        active("b1", 60, "u2", timestamp=_when(1)),
        active("c1", 60, "u3", timestamp=_when(6)),  # Sunday
        active("c2", 60, "u3", timestamp=_when(7)),  # next Monday
        active("d1", 60, "u4", timestamp=_when(-1)),  # the Sunday before
    ]
    send_events(client, workspace, events)
    first, last = date(2026, 3, 2), date(2026, 3, 9)

    dau = _read(
        database, lambda conn: active_time.daily_active_users(conn, workspace.id, first, last)
    )
    assert list(dau.values()) == [1, 2, 0, 0, 0, 0, 1, 1]
    assert list(dau) == [first + timedelta(days=n) for n in range(8)]
    wau = _read(
        database,
        lambda conn: active_time.weekly_active_users(conn, workspace.id, date(2026, 3, 4), last),
    )
    assert wau == {date(2026, 3, 2): 3, date(2026, 3, 9): 1}
    everyone = _read(
        database, lambda conn: active_time.active_users(conn, workspace.id, date(2026, 3, 1), last)
    )
    assert everyone == 4


def test_each_active_week_is_a_row_written_with_its_days(
    client: Any, workspace: WorkspaceKeys, database: Database
) -> None:
    """What weekly active users count (services/kpi_activity.py): a row per user and ISO week
    (its Monday), whatever the order or repetition of the heartbeats."""
    send_events(
        client,
        workspace,
        [
            active("a1", 60, "u1", timestamp=_when(6)),  # Sunday
            active("a2", 60, "u1", timestamp=_when(1)),
            active("b1", 60, "u2", timestamp=_when(7)),  # next Monday
        ],
    )
    send_events(client, workspace, [active("a3", 60, "u1", timestamp=_when(-1))])  # back-dated
    send_events(client, workspace, [active("a2", 60, "u1", timestamp=_when(1))])  # retried
    found = rows(database, tables.user_active_week, workspace_id=workspace.id)
    assert sorted((row.week, row.user_id) for row in found) == [
        ("2026-02-23", "u1"),
        ("2026-03-02", "u1"),
        ("2026-03-09", "u2"),
    ]
