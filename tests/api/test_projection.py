"""Progress as a projection of events: tour status and current step, checklist items completed
by every kind of rule, survey answers, catch-up at session time, and concurrent writers."""

from __future__ import annotations

from typing import Any

import pytest
from shirube.services.ingest import NewEvent
from shirube.services.projection import STATUS_RANK
from shirube.storage import Database, tables

from tests.api.helpers import (
    at,
    by_key,
    checklist_doc,
    count,
    ev,
    event_item,
    manual_item,
    moment,
    open_session,
    page_item,
    progress,
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


def _tour_event(
    event_id: str,
    name: str,
    seconds: float,
    step: str | None = None,
    user: str = "u1",
    tour: str = "welcome",
) -> dict[str, Any]:
    props: dict[str, Any] = {"tour": tour}
    if step is not None:
        props["step"] = step
    return ev(event_id, name, user, properties=props, timestamp=at(seconds))


def _tour_row(
    database: Database, workspace: Any, user: str = "u1", tour: str = "welcome"
) -> tables.tour_progress:
    [row] = rows(
        database, tables.tour_progress, workspace_id=workspace.id, user_id=user, tour_key=tour
    )
    return row


def _items(
    database: Database, workspace: Any, user: str = "u1"
) -> dict[str, tables.checklist_item_progress]:
    found = rows(database, tables.checklist_item_progress, workspace_id=workspace.id, user_id=user)
    return {f"{r.checklist_key}/{r.item_id}": r for r in found}


def _session_checklist(
    client: Any, workspace: Any, key: str = "setup", user: str = "u1"
) -> dict[str, Any]:
    checklist = by_key(open_session(client, workspace, user)["checklists"], key)
    assert checklist is not None
    return checklist


# Tours --------------------------------------------------------------------------------------


def test_tour_status_and_steps_from_events(client, workspace, database):
    publish(client, workspace, "tour", tour_doc())
    send_events(
        client,
        workspace,
        [
            _tour_event("t1", "$tour_started", 1, "s1"),
            _tour_event("t2", "$tour_step_seen", 2, "s1"),
            _tour_event("t3", "$tour_step_seen", 3, "s2"),
        ],
    )
    row = _tour_row(database, workspace)
    assert (row.status, row.current_step, row.started_at) == ("in_progress", "s2", moment(1))
    session = open_session(client, workspace)
    tour = by_key(session["tours"], "welcome")
    assert tour["progress"]["status"] == "in_progress"
    assert tour["progress"]["current_step"] == "s2"

    send_events(client, workspace, [_tour_event("t4", "$tour_completed", 4, "s3")])
    row = _tour_row(database, workspace)
    assert (row.status, row.current_step, row.completed_at) == ("completed", "s3", moment(4))
    seen = progress(client, workspace, "u1")
    tour = by_key(seen["tours"], "welcome")
    assert tour["status"] == "completed"
    assert tour["steps_seen"] == {"s1": at(2), "s2": at(3)}


def test_status_never_goes_backwards(client, workspace, database):
    send_events(client, workspace, [_tour_event("a", "$tour_completed", 10)])
    send_events(
        client,
        workspace,
        [
            _tour_event("b", "$tour_started", 20),
            _tour_event("c", "$tour_dismissed", 30),
            _tour_event("d", "$tour_step_seen", 40, "s2"),
        ],
    )
    row = _tour_row(database, workspace)
    assert row.status == "completed"
    assert row.completed_at == moment(10)
    assert row.started_at == moment(10)
    # Dismissed outranks in progress, and completed outranks dismissed.
    send_events(client, workspace, [_tour_event("e", "$tour_dismissed", 5, user="u2")])
    send_events(client, workspace, [_tour_event("f", "$tour_started", 6, user="u2")])
    assert _tour_row(database, workspace, "u2").status == "dismissed"
    send_events(client, workspace, [_tour_event("g", "$tour_completed", 7, user="u2")])
    assert _tour_row(database, workspace, "u2").status == "completed"


def test_current_step_follows_the_newest_timestamp_not_arrival(client, workspace, database):
    send_events(client, workspace, [_tour_event("n3", "$tour_step_seen", 30, "s3")])
    send_events(
        client,
        workspace,
        [
            _tour_event("n1", "$tour_step_seen", 10, "s1"),
            _tour_event("n2", "$tour_step_seen", 20, "s2"),
        ],
    )
    row = _tour_row(database, workspace)
    assert row.current_step == "s3"
    # Steps seen record their earliest time whatever the order.
    send_events(client, workspace, [_tour_event("n0", "$tour_step_seen", 5, "s3")])
    seen = {
        r.step_id: r.first_seen_at
        for r in rows(database, tables.tour_step_seen, workspace_id=workspace.id)
    }
    assert seen == {"s1": moment(10), "s2": moment(20), "s3": moment(5)}
    # The out-of-order s3 at t=5 does not move the current step back to... s3 stays, t stays 30.
    assert _tour_row(database, workspace).current_step_at == moment(30)
    send_events(client, workspace, [_tour_event("n4", "$tour_step_seen", 31, "s1")])
    assert _tour_row(database, workspace).current_step == "s1"


def test_a_parked_step_is_the_current_step_but_not_shown(client, workspace, database):
    # Next on s1, whose next step waits for another page: the session resumes at s2 (a reload
    # does not bring s1 back), but the funnel counts s2 as shown only once it is (#15).
    publish(client, workspace, "tour", tour_doc())
    parked = _tour_event("p2", "$tour_step_seen", 2, "s2")
    parked["properties"]["parked"] = True
    send_events(client, workspace, [_tour_event("p1", "$tour_step_seen", 1, "s1"), parked])
    assert _tour_row(database, workspace).current_step == "s2"
    tour = by_key(open_session(client, workspace)["tours"], "welcome")
    assert tour["progress"]["current_step"] == "s2"
    assert by_key(progress(client, workspace, "u1")["tours"], "welcome")["steps_seen"] == {
        "s1": at(1)
    }
    send_events(client, workspace, [_tour_event("p3", "$tour_step_seen", 3, "s2")])
    assert by_key(progress(client, workspace, "u1")["tours"], "welcome")["steps_seen"] == {
        "s1": at(1),
        "s2": at(3),
    }


@pytest.mark.parametrize("parked", ["true", 1, None])
def test_parked_is_a_boolean(client, workspace, parked):
    event = _tour_event("x", "$tour_step_seen", 1, "s1")
    event["properties"]["parked"] = parked
    if parked is None:
        send_events(client, workspace, [event])
        return
    answer = send_events(client, workspace, [event], expect=422)
    assert "parked" in str(answer)


def test_target_missing_is_stored_but_changes_no_progress(client, workspace, database):
    result = send_events(
        client,
        workspace,
        [
            ev(
                "m1",
                "$target_missing",
                properties={"tour": "welcome", "step": "s2", "selector": "#x"},
            )
        ],
    )
    assert result["accepted"] == 1
    assert count(database, tables.event, workspace_id=workspace.id, name="$target_missing") == 1
    assert count(database, tables.tour_progress, workspace_id=workspace.id) == 0


# Checklist rules ----------------------------------------------------------------------------


def _setup_checklist(client: Any, workspace: Any, **extra: Any) -> None:
    publish(client, workspace, "tour", tour_doc("welcome"))
    publish(
        client,
        workspace,
        "checklist",
        checklist_doc(
            "setup",
            [
                event_item("import", "employees_imported"),
                event_item("clock", "clock_in", min_count=3),
                tour_item("tour", "welcome"),
                page_item("profile", "/settings/company/saved*"),
                manual_item("guide"),
            ],
            **extra,
        ),
    )


def test_event_item_completed_by_a_server_event(client, workspace, database):
    _setup_checklist(client, workspace)
    result = send_events(client, workspace, [ev("i1", "employees_imported", timestamp=at(7))])
    assert result["completed_items"] == [{"user_id": "u1", "checklist": "setup", "item": "import"}]
    item = _items(database, workspace)["setup/import"]
    assert (item.completed_at, item.completed_by, item.event_id) == (moment(7), "event", "i1")
    checklist = _session_checklist(client, workspace)
    assert checklist["progress"]["completed_items"] == {"import": at(7)}
    assert (checklist["progress"]["completed"], checklist["progress"]["total"]) == (1, 5)
    # Doing it again completes nothing new.
    assert send_events(client, workspace, [ev("i2", "employees_imported")])["completed_items"] == []
    assert _items(database, workspace)["setup/import"].event_id == "i1"


def test_event_item_completed_by_a_widget_event(client, workspace, database):
    _setup_checklist(client, workspace)
    token = open_session(client, workspace, "u1")["token"]
    result = widget_send(client, token, [wev("w1", "employees_imported", timestamp=at(3))])
    assert result["completed_items"] == [{"checklist": "setup", "item": "import"}]
    assert _items(database, workspace)["setup/import"].completed_at == moment(3)


def test_min_count_across_batches_and_sources(client, workspace, database):
    _setup_checklist(client, workspace)
    token = open_session(client, workspace, "u1")["token"]
    assert (
        send_events(client, workspace, [ev("c1", "clock_in", timestamp=at(1))])["completed_items"]
        == []
    )
    assert (
        widget_send(client, token, [wev("c2", "clock_in", timestamp=at(2))])["completed_items"]
        == []
    )
    assert "setup/clock" not in _items(database, workspace)
    # A retry of an already counted event does not count towards min_count.
    assert send_events(client, workspace, [ev("c2", "clock_in")])["completed_items"] == []
    assert "setup/clock" not in _items(database, workspace)
    result = widget_send(client, token, [wev("c3", "clock_in", timestamp=at(3))])
    assert result["completed_items"] == [{"checklist": "setup", "item": "clock"}]
    assert _items(database, workspace)["setup/clock"].completed_at == moment(3)
    assert send_events(client, workspace, [ev("c4", "clock_in")])["completed_items"] == []


def test_min_count_reached_inside_one_batch(client, workspace, database):
    _setup_checklist(client, workspace)
    result = send_events(
        client,
        workspace,
        [ev(f"k{i}", "clock_in", "u7", timestamp=at(i)) for i in range(3)]
        + [ev("k9", "clock_in", "u8")],
    )
    assert result["completed_items"] == [{"user_id": "u7", "checklist": "setup", "item": "clock"}]


def test_tour_completed_rule_from_server_and_widget(client, workspace, database):
    _setup_checklist(client, workspace)
    result = send_events(client, workspace, [_tour_event("tc1", "$tour_completed", 4, user="srv")])
    assert result["completed_items"] == [{"user_id": "srv", "checklist": "setup", "item": "tour"}]
    token = open_session(client, workspace, "wid")["token"]
    result = widget_send(
        client,
        token,
        [
            wev("tc2", "$tour_started", properties={"tour": "welcome"}, timestamp=at(1)),
            wev("tc3", "$tour_completed", properties={"tour": "welcome"}, timestamp=at(2)),
        ],
    )
    assert result["completed_items"] == [{"checklist": "setup", "item": "tour"}]
    item = _items(database, workspace, "wid")["setup/tour"]
    assert (item.completed_by, item.completed_at) == ("tour_completed", moment(2))
    # Another tour's completion does not count.
    assert (
        send_events(
            client, workspace, [_tour_event("tc4", "$tour_completed", 5, user="x", tour="other")]
        )["completed_items"]
        == []
    )


PAGE_CASES = [
    ("/settings/company/saved", True),
    ("/settings/company/saved/ok", True),
    ("/settings/company/saved?tab=1#top", True),
    ("https://app.example.com/settings/company/saved", True),
    ("/settings/company", False),
    ("/other/settings/company/saved", False),
    ("/settings/company/SAVED", False),
]


def test_page_visited_rule(client, workspace, database, subtests):
    _setup_checklist(client, workspace)
    for index, (url, matches) in enumerate(PAGE_CASES):
        with subtests.test(url=url):
            user = f"user-{index}"
            token = open_session(client, workspace, user)["token"]
            result = widget_send(
                client,
                token,
                [
                    wev(
                        f"pv{index}",
                        "$page_viewed",
                        properties={"url": url, "title": "Saved"},
                        timestamp=at(5),
                    )
                ],
            )
            expected = [{"checklist": "setup", "item": "profile"}] if matches else []
            assert result["completed_items"] == expected
            if matches:
                assert (
                    _items(database, workspace, user)["setup/profile"].completed_by
                    == "page_visited"
                )


def test_page_visited_from_the_server_api_too(client, workspace, database):
    _setup_checklist(client, workspace)
    result = send_events(
        client, workspace, [ev("pv", "$page_viewed", properties={"url": "/settings/company/saved"})]
    )
    assert result["completed_items"] == [{"user_id": "u1", "checklist": "setup", "item": "profile"}]


def test_manual_item_by_widget(client, workspace, database):
    _setup_checklist(client, workspace)
    token = open_session(client, workspace, "u1")["token"]
    result = widget_send(
        client,
        token,
        [
            wev(
                "m1",
                "$checklist_item_completed",
                properties={"checklist": "setup", "item": "guide"},
                timestamp=at(8),
            )
        ],
    )
    assert result["completed_items"] == [{"checklist": "setup", "item": "guide"}]
    item = _items(database, workspace)["setup/guide"]
    assert (item.completed_by, item.completed_at, item.event_id) == ("manual", moment(8), "m1")


def test_widget_cannot_tick_items_that_are_not_manual(client, workspace, database):
    _setup_checklist(client, workspace)
    token = open_session(client, workspace, "u1")["token"]
    events = [
        wev(
            f"m{i}", "$checklist_item_completed", properties={"checklist": "setup", "item": item_id}
        )
        for i, item_id in enumerate(["import", "clock", "tour", "profile", "nope"])
    ]
    events.append(
        wev("m9", "$checklist_item_completed", properties={"checklist": "unknown", "item": "guide"})
    )
    result = widget_send(client, token, events)
    assert (result["accepted"], result["completed_items"]) == (6, [])
    assert _items(database, workspace) == {}


def test_server_can_tick_any_published_item(client, workspace, database):
    _setup_checklist(client, workspace)
    events = [
        ev(f"s{i}", "$checklist_item_completed", properties={"checklist": "setup", "item": item_id})
        for i, item_id in enumerate(["import", "clock", "tour", "profile", "guide", "nope"])
    ]
    result = send_events(client, workspace, events)
    assert sorted(c["item"] for c in result["completed_items"]) == [
        "clock",
        "guide",
        "import",
        "profile",
        "tour",
    ]
    assert {r.completed_by for r in _items(database, workspace).values()} == {"manual"}
    checklist = _session_checklist(client, workspace)
    assert checklist["progress"]["completed"] == 5
    assert checklist["progress"]["completed_at"] is not None


def test_survey_answer_is_stored_once(client, workspace, database):
    _setup_checklist(
        client,
        workspace,
        survey={"question": "Did setup go smoothly?", "comment_label": "Anything?"},
    )
    token = open_session(client, workspace, "u1")["token"]
    answer = wev(
        "sv1",
        "$survey_answered",
        properties={"checklist": "setup", "rating": 4, "comment": "初期設定は問題なく完了しました"},
        timestamp=at(9),
    )
    widget_send(client, token, [answer])
    widget_send(client, token, [answer, answer])
    send_events(client, workspace, [{**answer, "user_id": "u1"}])
    [stored] = rows(database, tables.survey_answer, workspace_id=workspace.id)
    assert (stored.user_id, stored.checklist_key, stored.rating, stored.answered_at) == (
        "u1",
        "setup",
        4,
        moment(9),
    )
    assert stored.comment == "初期設定は問題なく完了しました"
    assert _session_checklist(client, workspace)["progress"]["survey_answered"] is True
    assert _session_checklist(client, workspace, user="u2")["progress"]["survey_answered"] is False


def test_catch_up_at_session_time_when_published_after_the_events(client, workspace, database):
    publish(client, workspace, "tour", tour_doc("welcome"))
    send_events(
        client,
        workspace,
        [
            ev("h1", "employees_imported", timestamp="2025-06-01T00:00:00Z"),
            ev("h2", "clock_in", timestamp=at(1)),
            ev("h3", "clock_in", timestamp=at(2)),
            ev("h4", "clock_in", timestamp=at(3)),
            _tour_event("h5", "$tour_completed", 4),
            ev("h6", "$page_viewed", properties={"url": "/settings/company/saved"}),
        ],
    )
    assert count(database, tables.checklist_item_progress, workspace_id=workspace.id) == 0
    _setup_checklist(client, workspace)
    checklist = _session_checklist(client, workspace)
    # Every rule is caught up from stored facts, page visits too (their events are counted
    # once a published rule reads them).
    completed = checklist["progress"]["completed_items"]
    assert completed.pop("profile").endswith("Z")
    assert completed == {"import": "2025-06-01T00:00:00Z", "clock": at(3), "tour": at(4)}
    items = _items(database, workspace)
    assert {k: r.completed_by for k, r in items.items()} == {
        "setup/import": "event",
        "setup/clock": "event",
        "setup/tour": "tour_completed",
        "setup/profile": "page_visited",
    }
    # Catch-up is idempotent.
    assert _session_checklist(client, workspace)["progress"]["completed"] == 4
    assert count(database, tables.checklist_item_progress, workspace_id=workspace.id) == 4


def test_catch_up_respects_min_count(client, workspace, database):
    send_events(client, workspace, [ev("h1", "clock_in"), ev("h2", "clock_in")])
    _setup_checklist(client, workspace)
    assert _session_checklist(client, workspace)["progress"]["completed_items"] == {}


def test_progress_does_not_depend_on_the_audience(client, workspace, database):
    audience = {"all": [{"attribute": "user.role", "op": "equals", "value": "admin"}]}
    publish(
        client,
        workspace,
        "checklist",
        checklist_doc("admins", [event_item("import", "employees_imported")], audience=audience),
    )
    result = send_events(client, workspace, [ev("a1", "employees_imported", "employee-1")])
    assert result["completed_items"] == [
        {"user_id": "employee-1", "checklist": "admins", "item": "import"}
    ]
    assert (
        open_session(client, workspace, "employee-1", traits={"role": "staff"})["checklists"] == []
    )


def test_progress_survives_a_new_version(client, workspace, database):
    _setup_checklist(client, workspace)
    send_events(client, workspace, [ev("i1", "employees_imported", timestamp=at(1))])
    publish(
        client,
        workspace,
        "checklist",
        checklist_doc("setup", [event_item("import", "employees_imported"), manual_item("new")]),
    )
    checklist = _session_checklist(client, workspace)
    assert checklist["version"] == 2
    assert checklist["progress"]["completed_items"] == {"import": at(1)}
    assert (checklist["progress"]["completed"], checklist["progress"]["total"]) == (1, 2)


def test_historic_events_complete_items_with_their_own_time(client, workspace, database):
    _setup_checklist(client, workspace)
    send_events(
        client, workspace, [ev("old", "employees_imported", timestamp="2019-01-01T00:00:00Z")]
    )
    assert _session_checklist(client, workspace)["progress"]["completed_items"] == {
        "import": "2019-01-01T00:00:00Z"
    }


# Concurrency --------------------------------------------------------------------------------


def _step(
    event_id: str, seconds: float, step: str, name: str = "$tour_step_seen", user: str = "u1"
) -> NewEvent:
    return NewEvent(event_id, name, user, None, {"tour": "welcome", "step": step}, moment(seconds))


def test_two_writers_lose_no_step_and_keep_the_newest_current_step(
    client, workspace, database, database_url
):
    publish(client, workspace, "tour", tour_doc("welcome", steps=tuple(f"s{i}" for i in range(50))))
    # Writer A sends even seconds oldest first, writer B odd seconds newest first: the newest
    # event of all (t=99, from B) arrives early and must not be overwritten by older ones.
    plan_a = [
        [_step(f"a{i}", 2 * i, f"a{i}"), _step(f"a{i}-x", 2 * i, f"s{i % 50}")] for i in range(50)
    ]
    plan_b = [
        [_step(f"b{i}", 2 * i + 1, f"b{i}"), _step(f"b{i}-x", 2 * i + 1, f"s{(i + 7) % 50}")]
        for i in reversed(range(50))
    ]
    results = run_writers(
        database_url, workspace.id, published_now(database, workspace.id), [plan_a, plan_b]
    )
    assert sum(r.accepted for rs in results for r in rs) == 200
    seen = rows(database, tables.tour_step_seen, workspace_id=workspace.id, user_id="u1")
    by_step = {r.step_id: r.first_seen_at for r in seen}
    assert len(by_step) == 150  # a0..a49, b0..b49, s0..s49
    for i in range(50):
        assert by_step[f"a{i}"] == moment(2 * i)
        assert by_step[f"b{i}"] == moment(2 * i + 1)
    # s_k was seen by A at 2k and by B at 2(k-7 mod 50)+1: the earliest wins.
    for k in range(50):
        assert by_step[f"s{k}"] == min(moment(2 * k), moment(2 * ((k - 7) % 50) + 1))
    row = _tour_row(database, workspace)
    assert row.status == "in_progress"
    assert row.current_step_at == moment(99)
    assert row.current_step in ("b49", "s6")  # both events of t=99
    assert row.started_at == moment(0)
    assert len(rows(database, tables.event, workspace_id=workspace.id, user_id="u1")) == 200
    [user] = rows(database, tables.end_user, workspace_id=workspace.id, external_id="u1")
    assert (user.first_seen_at, user.last_seen_at) == (moment(0), moment(99))


def test_two_writers_current_step_with_unique_newest_event(
    client, workspace, database, database_url
):
    plan_a = [[_step(f"a{i}", i * 2, f"a{i}")] for i in range(25)]
    plan_b = [[_step(f"b{i}", i * 2 + 1, f"b{i}")] for i in reversed(range(25))]
    # The single newest event arrives first of all, from B, before the writers even start.
    send_events(
        client,
        workspace,
        [
            ev(
                "newest",
                "$tour_step_seen",
                properties={"tour": "welcome", "step": "last"},
                timestamp=at(1000),
            )
        ],
    )
    run_writers(database_url, workspace.id, published_now(database, workspace.id), [plan_a, plan_b])
    row = _tour_row(database, workspace)
    assert (row.current_step, row.current_step_at) == ("last", moment(1000))
    assert count(database, tables.tour_step_seen, workspace_id=workspace.id) == 51


def test_status_never_goes_backwards_under_concurrent_writers(
    client, workspace, database, database_url
):
    """A completes the tour early on; B keeps sending later-timestamped started/dismissed/step
    events. A watcher reading the row throughout never sees the status rank decrease."""
    plan_a: list[list[NewEvent]] = []
    for i in range(30):
        name = "$tour_completed" if i == 10 else "$tour_step_seen"
        plan_a.append([_step(f"a{i}", 2 * i, f"s{i % 3}", name)])
    plan_b: list[list[NewEvent]] = []
    for i in range(30):
        name = ("$tour_started", "$tour_dismissed", "$tour_step_seen")[i % 3]
        plan_b.append([_step(f"b{i}", 2 * i + 1, f"s{i % 3}", name)])
    observed: list[str] = []

    def watch(db: Database) -> None:
        found = db.run_sync(
            lambda conn: [r.status for r in conn.all(tables.tour_progress.select())]
        )
        observed.extend(found)

    run_writers(
        database_url,
        workspace.id,
        published_now(database, workspace.id),
        [plan_a, plan_b],
        watch=watch,
    )
    ranks = [STATUS_RANK[status] for status in observed]
    assert ranks == sorted(ranks), observed
    row = _tour_row(database, workspace)
    assert row.status == "completed"
    assert row.completed_at == moment(20)
    assert row.dismissed_at == moment(3)
    assert row.started_at == moment(0)
    assert row.current_step_at == moment(59)


def test_concurrent_widget_and_server_writers_complete_items_once(
    client, workspace, database, database_url
):
    publish(client, workspace, "tour", tour_doc("welcome"))
    publish(
        client,
        workspace,
        "checklist",
        checklist_doc(
            "setup",
            [
                event_item("clock", "clock_in", min_count=60),
                tour_item("tour", "welcome"),
                manual_item("guide"),
            ],
        ),
    )
    published = published_now(database, workspace.id)

    def plan(prefix: str, offset: int) -> list[list[NewEvent]]:
        batches = []
        for i in range(30):
            batch = [NewEvent(f"{prefix}{i}", "clock_in", "u1", None, {}, moment(2 * i + offset))]
            if i % 10 == 0:
                batch.append(
                    NewEvent(
                        f"{prefix}{i}-t",
                        "$tour_completed",
                        "u1",
                        None,
                        {"tour": "welcome"},
                        moment(2 * i + offset),
                    )
                )
                batch.append(
                    NewEvent(
                        f"{prefix}{i}-m",
                        "$checklist_item_completed",
                        "u1",
                        None,
                        {"checklist": "setup", "item": "guide"},
                        moment(2 * i + offset),
                    )
                )
            batches.append(batch)
        return batches

    results = run_writers(
        database_url, workspace.id, published, [plan("s", 0), plan("w", 1)], source="widget"
    )
    completed = sorted(ref.item for rs in results for r in rs for _, ref in r.completed_items)
    assert completed == ["clock", "guide", "tour"]
    [counter] = rows(database, tables.user_event_count, workspace_id=workspace.id, name="clock_in")
    assert counter.count == 60
    items = _items(database, workspace)
    assert set(items) == {"setup/clock", "setup/tour", "setup/guide"}
    assert count(database, tables.event, workspace_id=workspace.id) == 72


@pytest.mark.parametrize("writers", [3])
def test_many_writers_many_users(client, workspace, database, database_url, writers):
    """Several writers, each batch touching several users in a different order."""
    plans = []
    for w in range(writers):
        batches = []
        for b in range(12):
            users = [f"user-{(w + b + k) % 5}" for k in range(5)]
            batches.append(
                [
                    NewEvent(
                        f"w{w}-b{b}-{u}",
                        "$tour_step_seen",
                        u,
                        None,
                        {"tour": "welcome", "step": f"w{w}b{b}"},
                        moment(b * 10 + w),
                    )
                    for u in users
                ]
            )
        plans.append(batches)
    run_writers(database_url, workspace.id, published_now(database, workspace.id), plans)
    assert count(database, tables.tour_step_seen, workspace_id=workspace.id) == writers * 12 * 5
    for u in range(5):
        row = _tour_row(database, workspace, f"user-{u}")
        assert row.current_step == f"w{writers - 1}b11"


def test_min_count_item_is_dated_at_the_nth_event(client, workspace, database):
    _setup_checklist(client, workspace)  # clock: clock_in, min_count 3
    send_events(
        client, workspace, [ev(f"c{i}", "clock_in", timestamp=at(i * 10)) for i in range(1, 6)]
    )
    assert _items(database, workspace)["setup/clock"].completed_at == moment(30)
    # Catch-up: a checklist published after five events.
    send_events(
        client, workspace, [ev(f"d{i}", "meeting", "u2", timestamp=at(i * 10)) for i in range(1, 6)]
    )
    publish(
        client,
        workspace,
        "checklist",
        checklist_doc("later", [event_item("meet", "meeting", min_count=2)]),
    )
    checklist = _session_checklist(client, workspace, "later", user="u2")
    assert checklist["progress"]["completed_items"] == {"meet": at(20)}
