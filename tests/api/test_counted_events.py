"""The N-th event a completion rule needs, found in counted_event (services/counted_events.py):
events stored before a rule counted their name are copied in when it is published, a name
stays counted when its rule is taken out, and other names are neither kept there nor counted."""

from __future__ import annotations

from shirube.services.ingest import NewEvent
from shirube.storage import tables
from sqlalchemy import text

from tests.api.helpers import (
    at,
    by_key,
    checklist_doc,
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
)


def _shifts_item(client, workspace, user="u1"):
    checklist = by_key(open_session(client, workspace, user)["checklists"], "setup")
    assert checklist is not None
    return checklist["progress"]["completed_items"].get("shifts")


def test_events_before_the_rule_complete_it_at_the_nth(client, workspace, database):
    send_events(
        client,
        workspace,
        [ev(f"s{n}", "shift.created", timestamp=at(n)) for n in (1, 2, 3, 4)]
        + [ev("l1", "login", timestamp=at(5))],
    )
    items = [event_item("shifts", "shift.created", min_count=3), manual_item("guide")]
    publish(client, workspace, "checklist", checklist_doc("setup", items))
    assert _shifts_item(client, workspace) == at(3)
    counted = rows(database, tables.counted_event, workspace_id=workspace.id)
    assert sorted(row.event_id for row in counted) == ["s1", "s2", "s3", "s4"]
    assert [row.name for row in rows(database, tables.counted_name, workspace_id=workspace.id)] == [
        "shift.created"
    ]


def test_a_name_stays_counted_while_its_rule_is_out(client, workspace):
    with_rule = [event_item("shifts", "shift.created", min_count=3), manual_item("guide")]
    publish(client, workspace, "checklist", checklist_doc("setup", with_rule))
    send_events(client, workspace, [ev("s1", "shift.created", timestamp=at(1))])
    publish(client, workspace, "checklist", checklist_doc("setup", [manual_item("guide")]))
    send_events(
        client,
        workspace,
        [ev(f"s{n}", "shift.created", timestamp=at(n)) for n in (2, 3)],
    )
    publish(client, workspace, "checklist", checklist_doc("setup", with_rule))
    assert _shifts_item(client, workspace) == at(3)


def test_events_arriving_out_of_order_complete_at_the_nth_by_time(client, workspace):
    items = [event_item("shifts", "shift.created", min_count=2), manual_item("guide")]
    publish(client, workspace, "checklist", checklist_doc("setup", items))
    send_events(client, workspace, [ev("late", "shift.created", timestamp=at(9))])
    send_events(client, workspace, [ev("early", "shift.created", timestamp=at(4))])
    assert _shifts_item(client, workspace) == at(9)
    send_events(client, workspace, [ev("earliest", "shift.created", timestamp=at(1))])
    # Event time, not arrival: the 2nd earliest event is now the one at 4.
    assert _shifts_item(client, workspace) == at(4)


def test_only_counted_names_are_counted_and_a_new_one_is_recounted(client, workspace, database):
    send_events(
        client,
        workspace,
        [ev(f"s{n}", "shift.created", timestamp=at(n)) for n in (4, 2, 6)]
        + [ev("l1", "login", timestamp=at(5))],
    )
    assert rows(database, tables.user_event_count, workspace_id=workspace.id) == []

    def stale_counter(conn):
        # As if counted before migration 0006 and left behind since.
        conn.run(
            text(
                "INSERT INTO user_event_count (workspace_id, user_key, user_id, name, count,"
                " first_at, last_at) VALUES (:ws, (SELECT user_key FROM end_user WHERE"
                " workspace_id = :ws AND external_id = 'u1'), 'u1', 'shift.created', 1, :at, :at)"
            ),
            {"ws": workspace.id, "at": "2026-01-01 00:00:00.000000"},
        )

    database.run_sync(stale_counter)
    items = [event_item("shifts", "shift.created", min_count=3), manual_item("guide")]
    publish(client, workspace, "checklist", checklist_doc("setup", items))
    [counter] = rows(database, tables.user_event_count, workspace_id=workspace.id)
    assert (counter.name, counter.count) == ("shift.created", 3)
    assert (counter.first_at, counter.last_at) == (moment(2), moment(6))
    assert _shifts_item(client, workspace) == at(6)
    send_events(client, workspace, [ev("s7", "shift.created", timestamp=at(7))])
    [counter] = rows(database, tables.user_event_count, workspace_id=workspace.id)
    assert counter.count == 4


def test_two_writers_out_of_order_count_every_event_once(client, workspace, database, database_url):
    items = [event_item("shifts", "shift.created", min_count=1000), manual_item("guide")]
    publish(client, workspace, "checklist", checklist_doc("setup", items))

    def batch(prefix: str, second: int) -> list[NewEvent]:
        return [
            NewEvent(f"{prefix}{second}", "shift.created", "u1", None, {}, moment(second)),
            NewEvent(f"{prefix}{second}-login", "login", "u1", None, {}, moment(second)),
        ]

    # One writer sends even seconds oldest first, the other odd seconds newest first.
    plans = [
        [batch("a", 2 * i) for i in range(50)],
        [batch("b", 2 * i + 1) for i in reversed(range(50))],
    ]
    run_writers(database_url, workspace.id, published_now(database, workspace.id), plans)
    [counter] = rows(database, tables.user_event_count, workspace_id=workspace.id)
    assert (counter.name, counter.count) == ("shift.created", 100)
    assert (counter.first_at, counter.last_at) == (moment(0), moment(99))
    assert len(rows(database, tables.counted_event, workspace_id=workspace.id)) == 100
