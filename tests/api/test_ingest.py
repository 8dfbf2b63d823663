"""`POST /api/v1/events` and the widget's events: each event is stored once whatever the
retries, counts stay exact, and timestamps are kept (historic) or clamped (future)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from shirube.services.ingest import NewEvent
from shirube.storage import Database, tables

from tests.api.helpers import (
    at,
    checklist_doc,
    count,
    ev,
    event_item,
    manual_item,
    moment,
    open_session,
    publish,
    published_now,
    rows,
    run_writers,
    send_events,
    tour_doc,
    tour_item,
    wev,
    widget_send,
)

SURVEY = {"question": "Did setup go smoothly?"}


def _content(client: Any, workspace: Any) -> None:
    publish(client, workspace, "tour", tour_doc("welcome"))
    publish(
        client,
        workspace,
        "checklist",
        checklist_doc(
            "setup",
            [
                event_item("import", "employees_imported"),
                event_item("clock", "clock_in", min_count=2),
                tour_item("tour", "welcome"),
                manual_item("guide"),
            ],
            survey=SURVEY,
        ),
    )


def _mixed_batch(user: str = "u1") -> list[dict[str, Any]]:
    return [
        ev(
            "e1",
            "employees_imported",
            user,
            company_id="c1",
            properties={"count": 120},
            timestamp=at(1),
        ),
        ev("e2", "clock_in", user, timestamp=at(2)),
        ev("e3", "clock_in", user, timestamp=at(3)),
        ev("e4", "$tour_started", user, properties={"tour": "welcome"}, timestamp=at(4)),
        ev(
            "e5",
            "$tour_step_seen",
            user,
            properties={"tour": "welcome", "step": "s1"},
            timestamp=at(5),
        ),
        ev("e6", "$tour_completed", user, properties={"tour": "welcome"}, timestamp=at(6)),
        ev(
            "e7",
            "$checklist_item_completed",
            user,
            properties={"checklist": "setup", "item": "guide"},
            timestamp=at(7),
        ),
        ev(
            "e8",
            "$survey_answered",
            user,
            properties={"checklist": "setup", "rating": 5, "comment": "ok"},
            timestamp=at(8),
        ),
        ev("e9", "$page_viewed", user, properties={"url": "/home"}, timestamp=at(9)),
    ]


def _snapshot(database: Database, workspace_id: int) -> dict[str, Any]:
    """Everything ingestion writes, in comparable form."""

    def dump(model: Any, *columns: str) -> list[tuple[Any, ...]]:
        found = rows(database, model, workspace_id=workspace_id)
        return sorted(tuple(getattr(row, c) for c in columns) for row in found)

    return {
        "events": dump(tables.event, "id", "name", "user_id", "company_id", "timestamp", "source"),
        "counts": dump(tables.user_event_count, "user_id", "name", "count", "first_at", "last_at"),
        "items": dump(
            tables.checklist_item_progress,
            "user_id",
            "checklist_key",
            "item_id",
            "completed_at",
            "completed_by",
        ),
        "surveys": dump(
            tables.survey_answer, "event_id", "user_id", "checklist_key", "rating", "comment"
        ),
        "tours": dump(
            tables.tour_progress, "user_id", "tour_key", "status", "current_step", "completed_at"
        ),
        "steps": dump(tables.tour_step_seen, "user_id", "tour_key", "step_id", "first_seen_at"),
        "users": dump(tables.end_user, "external_id", "first_seen_at", "last_seen_at"),
        "companies": dump(tables.company, "external_id"),
        "memberships": dump(tables.membership, "user_id", "company_id"),
    }


def test_same_batch_twice_gives_the_same_state(client, workspace, database):
    _content(client, workspace)
    first = send_events(client, workspace, _mixed_batch())
    assert (first["received"], first["accepted"], first["duplicates"]) == (9, 9, 0)
    assert sorted((c["checklist"], c["item"]) for c in first["completed_items"]) == [
        ("setup", "clock"),
        ("setup", "guide"),
        ("setup", "import"),
        ("setup", "tour"),
    ]
    assert all(c["user_id"] == "u1" for c in first["completed_items"])
    before = _snapshot(database, workspace.id)

    second = send_events(client, workspace, _mixed_batch())
    assert second == {"received": 9, "accepted": 0, "duplicates": 9, "completed_items": []}
    assert _snapshot(database, workspace.id) == before
    assert len(before["events"]) == 9
    counts = {name: n for _, name, n, _, _ in before["counts"]}
    assert counts["clock_in"] == 2
    assert counts["employees_imported"] == 1
    assert len(before["surveys"]) == 1
    assert len(before["items"]) == 4


def test_partly_retried_batch_counts_only_new_events(client, workspace, database):
    _content(client, workspace)
    send_events(client, workspace, [ev("c1", "clock_in")])
    result = send_events(client, workspace, [ev("c1", "clock_in"), ev("c2", "clock_in")])
    assert (result["received"], result["accepted"], result["duplicates"]) == (2, 1, 1)
    assert result["completed_items"] == [{"user_id": "u1", "checklist": "setup", "item": "clock"}]
    [counter] = rows(database, tables.user_event_count, workspace_id=workspace.id, name="clock_in")
    assert counter.count == 2


def test_duplicate_ids_inside_one_batch_are_one_event(client, workspace, database):
    _content(client, workspace)
    result = send_events(
        client,
        workspace,
        [
            ev("d1", "clock_in", timestamp=at(1), properties={"n": 1}),
            ev("d1", "clock_in", timestamp=at(2), properties={"n": 2}),
            ev("d1", "clock_in", timestamp=at(3), properties={"n": 3}),
        ],
    )
    assert (result["received"], result["accepted"], result["duplicates"]) == (3, 1, 2)
    assert result["completed_items"] == []  # min_count 2 is not reached by one event
    [stored] = rows(database, tables.event, workspace_id=workspace.id)
    assert stored.properties == {"n": 1}  # the first version wins
    assert stored.timestamp == moment(1)
    [counter] = rows(database, tables.user_event_count, workspace_id=workspace.id)
    assert (counter.count, counter.first_at, counter.last_at) == (1, moment(1), moment(1))


def test_duplicate_survey_and_manual_events_inside_one_batch(client, workspace, database):
    _content(client, workspace)
    survey = ev("s1", "$survey_answered", properties={"checklist": "setup", "rating": 4})
    manual = ev(
        "m1", "$checklist_item_completed", properties={"checklist": "setup", "item": "guide"}
    )
    result = send_events(client, workspace, [survey, manual, survey, manual])
    assert (result["accepted"], result["duplicates"]) == (2, 2)
    assert count(database, tables.survey_answer, workspace_id=workspace.id) == 1
    assert count(database, tables.checklist_item_progress, workspace_id=workspace.id) == 1


def test_later_event_with_a_known_id_is_ignored_even_with_other_content(
    client, workspace, database
):
    _content(client, workspace)
    send_events(client, workspace, [ev("x1", "clock_in", "u1", timestamp=at(1))])
    result = send_events(client, workspace, [ev("x1", "employees_imported", "u1", timestamp=at(9))])
    assert (result["accepted"], result["duplicates"], result["completed_items"]) == (0, 1, [])
    [stored] = rows(database, tables.event, workspace_id=workspace.id)
    assert (stored.name, stored.user_id, stored.timestamp) == ("clock_in", "u1", moment(1))
    assert (
        count(
            database, tables.user_event_count, workspace_id=workspace.id, name="employees_imported"
        )
        == 0
    )


def test_an_id_is_unique_per_user(client, workspace, database):
    """Two users' events with one id are two events (an id is the client's, per user), in
    two batches or in one; each user's retry is still one event."""
    _content(client, workspace)
    send_events(client, workspace, [ev("x1", "clock_in", "u1", timestamp=at(1))])
    result = send_events(
        client,
        workspace,
        [ev("x1", "clock_in", "u2", timestamp=at(2)), ev("x1", "clock_in", "u3", timestamp=at(3))],
    )
    assert (result["accepted"], result["duplicates"]) == (2, 0)
    again = send_events(
        client,
        workspace,
        [ev("x1", "clock_in", user, timestamp=at(4)) for user in ("u1", "u2", "u3")],
    )
    assert (again["accepted"], again["duplicates"]) == (0, 3)
    stored = rows(database, tables.event, workspace_id=workspace.id)
    assert sorted((e.user_id, e.timestamp) for e in stored) == [
        ("u1", moment(1)),
        ("u2", moment(2)),
        ("u3", moment(3)),
    ]
    counters = rows(database, tables.user_event_count, workspace_id=workspace.id, name="clock_in")
    assert sorted((c.user_id, c.count) for c in counters) == [("u1", 1), ("u2", 1), ("u3", 1)]


def test_widget_retry_of_a_batch_is_counted_once(client, workspace, database):
    _content(client, workspace)
    token = open_session(client, workspace, "u1")["token"]
    batch = [
        wev("w1", "clock_in", timestamp=at(1)),
        wev("w2", "clock_in", timestamp=at(2)),
        wev("w3", "$tour_step_seen", properties={"tour": "welcome", "step": "s2"}, timestamp=at(3)),
        wev("w4", "$tour_completed", properties={"tour": "welcome"}, timestamp=at(4)),
        wev(
            "w5",
            "$survey_answered",
            properties={"checklist": "setup", "rating": 3},
            timestamp=at(5),
        ),
        wev("w6", "$checklist_item_completed", properties={"checklist": "setup", "item": "guide"}),
    ]
    first = widget_send(client, token, batch)
    assert (first["received"], first["accepted"], first["duplicates"]) == (6, 6, 0)
    assert sorted(c["item"] for c in first["completed_items"]) == ["clock", "guide", "tour"]
    assert all(set(c) == {"checklist", "item"} for c in first["completed_items"])
    before = _snapshot(database, workspace.id)

    # The widget lost the answer and sends the same batch again, also with a fresh token.
    again = widget_send(client, token, batch)
    assert again == {"received": 6, "accepted": 0, "duplicates": 6, "completed_items": []}
    token2 = open_session(client, workspace, "u1")["token"]
    assert widget_send(client, token2, batch)["accepted"] == 0
    assert _snapshot(database, workspace.id) == before
    assert all(source == "widget" for *_, source in before["events"])
    # Only the names that completion rules count are counted.
    counts = {name: n for _, name, n, _, _ in before["counts"]}
    assert counts == {"clock_in": 2}


def test_widget_and_server_share_event_ids(client, workspace, database):
    _content(client, workspace)
    token = open_session(client, workspace, "u1")["token"]
    widget_send(client, token, [wev("shared-1", "clock_in")])
    result = send_events(client, workspace, [ev("shared-1", "clock_in")])
    assert result["duplicates"] == 1
    [counter] = rows(database, tables.user_event_count, workspace_id=workspace.id, name="clock_in")
    assert counter.count == 1


def test_events_create_users_companies_and_memberships(client, workspace, database):
    send_events(
        client,
        workspace,
        [
            ev("p1", "login", "u1", company_id="c1", timestamp=at(50)),
            ev("p2", "login", "u1", company_id="c2", timestamp=at(10)),
            ev("p3", "login", "u2", timestamp=at(30)),
        ],
    )
    users = {u.external_id: u for u in rows(database, tables.end_user, workspace_id=workspace.id)}
    assert set(users) == {"u1", "u2"}
    assert (users["u1"].first_seen_at, users["u1"].last_seen_at) == (moment(10), moment(50))
    assert users["u1"].traits == {}
    assert {c.external_id for c in rows(database, tables.company, workspace_id=workspace.id)} == {
        "c1",
        "c2",
    }
    memberships = {
        (m.user_id, m.company_id)
        for m in rows(database, tables.membership, workspace_id=workspace.id)
    }
    assert memberships == {("u1", "c1"), ("u1", "c2")}
    # A later batch moves first/last seen only outwards.
    send_events(
        client,
        workspace,
        [ev("p4", "login", "u1", timestamp=at(20)), ev("p5", "login", "u1", timestamp=at(5))],
    )
    [u1] = rows(database, tables.end_user, workspace_id=workspace.id, external_id="u1")
    assert (u1.first_seen_at, u1.last_seen_at) == (moment(5), moment(50))


def test_event_counts_keep_first_and_last_times(client, workspace, database):
    _content(client, workspace)  # a rule counts clock_in
    send_events(
        client,
        workspace,
        [ev("a", "clock_in", timestamp=at(100)), ev("b", "clock_in", timestamp=at(50))],
    )
    send_events(
        client,
        workspace,
        [ev("c", "clock_in", timestamp=at(75)), ev("d", "clock_in", timestamp=at(200))],
    )
    [counter] = rows(database, tables.user_event_count, workspace_id=workspace.id)
    assert (counter.count, counter.first_at, counter.last_at) == (4, moment(50), moment(200))


def test_properties_are_stored_as_sent(client, workspace, database):
    """Whatever JSON the properties hold comes back equal from either engine: integers beyond
    64 bits exact, big floats (PostgreSQL's JSONB gives 1e20 back as the integer it equals),
    text in any script, nesting, nulls."""
    properties = [
        {"n": 2**70, "f": 1e20, "neg": -(2**65), "small": 0.1},
        {"text": 'シフト \u2028 "quoted" \\ back', "emoji": "🎉", "empty": ""},
        {"nested": {"list": [1, [2, {"k": None}]], "flag": False}},
        {},
    ]
    send_events(
        client,
        workspace,
        [ev(f"p{n}", "imported", properties=value) for n, value in enumerate(properties)],
    )
    stored = {e.id: e.properties for e in rows(database, tables.event, workspace_id=workspace.id)}
    assert [stored[f"p{n}"] for n in range(len(properties))] == properties


def test_historic_timestamps_are_kept_and_time_zones_converted(client, workspace, database):
    send_events(
        client,
        workspace,
        [
            ev("old", "imported", timestamp="2015-03-01T00:00:00Z"),
            ev("tokyo", "imported", timestamp="2026-01-05T18:00:00+09:00"),
            ev("ms", "imported", timestamp="2026-01-05T09:00:00.123456Z"),
        ],
    )
    stored = {e.id: e.timestamp for e in rows(database, tables.event, workspace_id=workspace.id)}
    assert stored["old"] == datetime(2015, 3, 1, tzinfo=UTC)
    assert stored["tokyo"] == datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    assert stored["ms"] == datetime(2026, 1, 5, 9, 0, 0, 123456, tzinfo=UTC)
    [u1] = rows(database, tables.end_user, workspace_id=workspace.id)
    assert u1.first_seen_at == datetime(2015, 3, 1, tzinfo=UTC)


def test_numeric_timestamps_are_unix_seconds_or_milliseconds(client, workspace, database):
    """docs/api.md: a number is Unix time, in milliseconds above 2×10¹⁰."""
    send_events(
        client,
        workspace,
        [ev("s", "x", timestamp=1767600000), ev("ms", "x", timestamp=1767600000123)],
    )
    stored = {e.id: e.timestamp for e in rows(database, tables.event, workspace_id=workspace.id)}
    assert stored["s"] == datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    assert stored["ms"] == datetime(2026, 1, 5, 8, 0, 0, 123000, tzinfo=UTC)


@pytest.fixture
def local_time_in_tokyo(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The server's local time zone nine hours from UTC (stored times must not move)."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_times_are_stored_in_utc_whatever_the_local_time_zone(
    client, workspace, database, local_time_in_tokyo
):
    items = [event_item("shifts", "shift.created", min_count=2), manual_item("guide")]
    publish(client, workspace, "checklist", checklist_doc("setup", items))
    send_events(
        client,
        workspace,
        [ev(f"s{n}", "shift.created", timestamp=at(n * 60)) for n in (1, 2)]
        + [ev("t1", "$tour_started", properties={"tour": "welcome"}, timestamp=at(30))],
    )
    stored = {e.id: e.timestamp for e in rows(database, tables.event, workspace_id=workspace.id)}
    assert stored["s1"] == moment(60) and stored["t1"] == moment(30)
    [user] = rows(database, tables.end_user, workspace_id=workspace.id)
    assert (user.first_seen_at, user.last_seen_at) == (moment(30), moment(120))
    [item] = rows(database, tables.checklist_item_progress, workspace_id=workspace.id)
    assert item.completed_at == moment(120)
    [tour] = rows(database, tables.tour_progress, workspace_id=workspace.id)
    assert tour.started_at == moment(30)


def test_future_timestamps_are_clamped_to_the_time_of_receipt(client, workspace, database):
    items = [event_item("xs", "x", min_count=5), manual_item("guide")]
    publish(client, workspace, "checklist", checklist_doc("setup", items))
    now = datetime.now(UTC)
    send_events(
        client,
        workspace,
        [
            ev("far", "x", timestamp=(now + timedelta(days=30)).isoformat()),
            ev("hour", "x", timestamp=(now + timedelta(hours=1)).isoformat()),
            ev("near", "x", timestamp=(now + timedelta(minutes=2)).isoformat()),
            ev("none", "x"),
        ],
    )
    after = datetime.now(UTC)
    stored = {e.id: e for e in rows(database, tables.event, workspace_id=workspace.id)}
    for event_id in ("far", "hour", "none"):
        event = stored[event_id]
        assert event.timestamp == event.received_at, event_id
        assert now - timedelta(seconds=1) <= event.timestamp <= after
    # Within the 5-minute tolerance a client clock is believed.
    assert stored["near"].timestamp > after
    assert stored["near"].timestamp < after + timedelta(minutes=3)
    [counter] = rows(database, tables.user_event_count, workspace_id=workspace.id)
    assert counter.last_at <= after + timedelta(minutes=3)


def test_widget_future_timestamp_is_clamped_too(client, workspace, database):
    token = open_session(client, workspace, "u1")["token"]
    widget_send(client, token, [wev("f1", "x", timestamp="2999-01-01T00:00:00Z")])
    [event] = rows(database, tables.event, workspace_id=workspace.id)
    assert event.timestamp == event.received_at


def test_full_batch_of_1000_events(client, workspace, database):
    _content(client, workspace)
    batch = [
        ev(f"bulk-{i:04d}", "clock_in", f"user-{i % 10}", timestamp=at(i)) for i in range(1000)
    ]
    result = send_events(client, workspace, batch)
    assert (result["received"], result["accepted"]) == (1000, 1000)
    assert len(result["completed_items"]) == 10  # every user reached min_count 2
    counts = rows(database, tables.user_event_count, workspace_id=workspace.id)
    assert sorted(c.count for c in counts) == [100] * 10
    assert send_events(client, workspace, batch)["duplicates"] == 1000
    assert count(database, tables.event, workspace_id=workspace.id) == 1000


def test_racing_retries_store_each_event_once(client, workspace, database, database_url):
    """Two writers send the very same batches at the same moment (a retry racing the original):
    every event is stored and counted exactly once, on both engines."""
    _content(client, workspace)
    batches = [
        [
            NewEvent(f"r{b}-{i}", "clock_in", f"user-{i % 3}", None, {}, moment(b * 10 + i))
            for i in range(5)
        ]
        for b in range(30)
    ]
    published = published_now(database, workspace.id)
    results = run_writers(database_url, workspace.id, published, [batches, batches])
    accepted = sum(r.accepted for rs in results for r in rs)
    duplicates = sum(r.duplicates for rs in results for r in rs)
    assert (accepted, duplicates) == (150, 150)
    # Each batch was accepted by exactly one writer.
    for a, b in zip(results[0], results[1], strict=True):
        assert a.accepted + b.accepted == 5
    assert count(database, tables.event, workspace_id=workspace.id) == 150
    counters = rows(database, tables.user_event_count, workspace_id=workspace.id)
    assert sorted(c.count for c in counters) == [30, 60, 60]
    completed = [c for rs in results for r in rs for c in r.completed_items]
    assert sorted(user for user, _ in completed) == ["user-0", "user-1", "user-2"]
    assert count(database, tables.checklist_item_progress, workspace_id=workspace.id) == 3
