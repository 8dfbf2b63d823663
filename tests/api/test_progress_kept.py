"""A user's progress kept between widget sessions (services/progress_cache.py): each way
progress can change moves the user's `progress_rev` on, so the next session shows the change,
in this process and in another instance on the same database; a session of an unchanged user
reads no progress, and a first session reads none at all."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from shirube.app import create_app
from shirube.errors import Unavailable
from shirube.services import ingest as ingest_module
from shirube.services import progress as progress_module
from shirube.services import widget_session
from shirube.services.ingest import NewEvent, ingest_batch
from shirube.services.progress import pending_completions, read_progress, record_completions
from shirube.services.published import PublishedCache, current_content
from shirube.services.session_answer import SessionAnswer
from shirube.services.workspaces import bump_content_revision
from shirube.storage import Connection, Database
from sqlalchemy import text
from starlette.testclient import TestClient

from tests.api.helpers import (
    at,
    by_key,
    checklist_doc,
    ev,
    event_item,
    manual_item,
    open_session,
    page_item,
    progress,
    publish,
    send_events,
    tour_doc,
    tour_item,
    wev,
    widget_send,
)
from tests.conftest import WorkspaceKeys

SURVEY = {"question": "Did setup go smoothly?"}


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The users whose progress sessions read from the database."""
    users: list[str] = []
    real = widget_session.read_progress

    def counting(conn: Connection, workspace_id: int, user_id: str, names: Any = ()) -> Any:
        users.append(user_id)
        return real(conn, workspace_id, user_id, names)

    monkeypatch.setattr(widget_session, "read_progress", counting)
    return users


def _content(client: TestClient, workspace: WorkspaceKeys) -> None:
    publish(client, workspace, "tour", tour_doc("welcome"))
    items = [
        event_item("shifts", "shift.created", min_count=3),
        tour_item("toured", "welcome"),
        page_item("settings", "/settings*"),
        manual_item("guide"),
    ]
    publish(client, workspace, "checklist", checklist_doc("setup", items, survey=SURVEY))


def _seen(answer: dict[str, Any]) -> dict[str, Any]:
    """What a session shows of the user's progress."""
    tour = by_key(answer["tours"], "welcome")
    checklist = by_key(answer["checklists"], "setup")
    assert tour is not None and checklist is not None
    return {"tour": tour["progress"], "checklist": checklist["progress"]}


# Each change, made after two sessions of the user (the second one served from what was kept),
# and what the next session must show of it.
Change = Callable[[TestClient, WorkspaceKeys, str, str], None]


def _widget_step(client: TestClient, ws: WorkspaceKeys, user: str, token: str) -> None:
    step = wev("w1", "$tour_step_seen", properties={"tour": "welcome", "step": "s2"})
    widget_send(client, token, [step])


def _host_completes_tour(client: TestClient, ws: WorkspaceKeys, user: str, token: str) -> None:
    send_events(client, ws, [ev("h1", "$tour_completed", user, properties={"tour": "welcome"})])


def _third_shift(client: TestClient, ws: WorkspaceKeys, user: str, token: str) -> None:
    send_events(client, ws, [ev("shift-3", "shift.created", user, timestamp=at(3))])


def _page_visit(client: TestClient, ws: WorkspaceKeys, user: str, token: str) -> None:
    widget_send(client, token, [wev("p1", "$page_viewed", properties={"url": "/settings/team"})])


def _host_ticks_item(client: TestClient, ws: WorkspaceKeys, user: str, token: str) -> None:
    props = {"checklist": "setup", "item": "guide"}
    send_events(client, ws, [ev("m1", "$checklist_item_completed", user, properties=props)])


def _survey(client: TestClient, ws: WorkspaceKeys, user: str, token: str) -> None:
    props = {"checklist": "setup", "rating": 5}
    widget_send(client, token, [wev("v1", "$survey_answered", properties=props)])


CHANGES: dict[str, tuple[Change, Callable[[dict[str, Any]], bool]]] = {
    "widget step": (_widget_step, lambda seen: seen["tour"]["current_step"] == "s2"),
    "tour completed by the host": (
        _host_completes_tour,
        lambda seen: (
            seen["tour"]["status"] == "completed"
            and "toured" in seen["checklist"]["completed_items"]
        ),
    ),
    "third counted event": (
        _third_shift,
        lambda seen: "shifts" in seen["checklist"]["completed_items"],
    ),
    "page visited": (_page_visit, lambda seen: "settings" in seen["checklist"]["completed_items"]),
    "item ticked by the host": (
        _host_ticks_item,
        lambda seen: "guide" in seen["checklist"]["completed_items"],
    ),
    "survey answered": (_survey, lambda seen: seen["checklist"]["survey_answered"] is True),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_next_session_shows_each_change(client, workspace, reads, change):
    _content(client, workspace)
    user = "u-" + change.replace(" ", "-")
    send_events(
        client,
        workspace,
        [ev(f"shift-{n}", "shift.created", user, timestamp=at(n)) for n in (1, 2)],
    )
    first = open_session(client, workspace, user)
    kept = open_session(client, workspace, user)
    assert reads == [user]  # the second session was served from what the first one read
    assert _seen(first) == _seen(kept)
    make, shows = CHANGES[change]
    assert not shows(_seen(kept))

    make(client, workspace, user, first["token"])
    after = _seen(open_session(client, workspace, user))
    assert shows(after), after
    assert reads == [user, user]


def test_first_session_reads_no_progress(client, workspace, reads):
    _content(client, workspace)
    answer = open_session(client, workspace, "newcomer")
    assert reads == []
    assert _seen(answer)["tour"] == {"status": "not_started", "current_step": None}
    assert _seen(answer)["checklist"]["completed"] == 0
    open_session(client, workspace, "newcomer")
    open_session(client, workspace, "newcomer")
    assert reads == ["newcomer"]


def test_catch_up_at_session_time_moves_the_revision_on(client, workspace, database, reads):
    """Events counted before the checklist existed: the session records the item (catch-up)
    and moves the revision on, so the progress kept before it is not served again."""
    publish(client, workspace, "tour", tour_doc("welcome"))
    send_events(client, workspace, [ev("e1", "invite.sent", "u1")])
    open_session(client, workspace, "u1")
    items = [event_item("invite", "invite.sent"), manual_item("guide")]
    publish(client, workspace, "checklist", checklist_doc("setup", items))
    caught_up = by_key(open_session(client, workspace, "u1")["checklists"], "setup")
    assert caught_up is not None and "invite" in caught_up["progress"]["completed_items"]
    again = by_key(open_session(client, workspace, "u1")["checklists"], "setup")
    assert again == caught_up
    assert progress(client, workspace, "u1")["checklists"][0]["completed_items"] == {
        "invite": caught_up["progress"]["completed_items"]["invite"]
    }
    # Read on the first session, after the publish, and after the catch-up's new revision.
    assert reads == ["u1", "u1", "u1"]


@pytest.fixture
def second_instance(settings: Any) -> Iterator[TestClient]:
    """Another Shirube process on the same database: its own connection and caches."""
    db = Database(settings.database_url)
    with TestClient(create_app(settings, db), raise_server_exceptions=False) as other:
        yield other
    db.dispose()


def test_another_instance_sees_progress_made_through_this_one(client, second_instance, workspace):
    _content(client, workspace)
    token = open_session(second_instance, workspace, "u1")["token"]
    open_session(second_instance, workspace, "u1")  # kept by the second instance
    _widget_step(client, workspace, "u1", token)
    _host_ticks_item(client, workspace, "u1", token)
    seen = _seen(open_session(second_instance, workspace, "u1"))
    assert seen["tour"]["current_step"] == "s2"
    assert "guide" in seen["checklist"]["completed_items"]


def test_a_kept_answer_is_the_answer_encoded_afresh(client, workspace, reads, monkeypatch):
    """The parts of a user's answer kept with their progress (services/session_answer.py):
    the next session gives the same tours and checklists without encoding them again, in
    another locale encodes them again, and after a change shows the change."""
    _content(client, workspace)
    welcome = {"id": "hello", "kind": "modal", "title": {"ja": "ようこそ", "en": "Welcome"}}
    publish(client, workspace, "tour", {"key": "hello", "name": "Hello", "steps": [welcome]})
    open_session(client, workspace, "u1", locale="ja")  # stores the user
    token = open_session(client, workspace, "u1", locale="ja")["token"]
    encoded: list[str | None] = []
    real = SessionAnswer._parts

    def counting(self: SessionAnswer, progress: Any) -> Any:
        encoded.append(self.locale)
        return real(self, progress)

    monkeypatch.setattr(SessionAnswer, "_parts", counting)
    first = open_session(client, workspace, "u1", locale="ja")
    again = open_session(client, workspace, "u1", locale="ja")
    assert encoded == [] and reads == ["u1"]
    assert (first["tours"], first["checklists"]) == (again["tours"], again["checklists"])
    english = open_session(client, workspace, "u1", locale="en")
    assert encoded == ["en"]
    assert by_key(first["tours"], "hello")["steps"][0]["title"] == "ようこそ"
    assert by_key(english["tours"], "hello")["steps"][0]["title"] == "Welcome"
    _host_ticks_item(client, workspace, "u1", token)
    assert (
        "guide"
        in _seen(open_session(client, workspace, "u1", locale="en"))["checklist"]["completed_items"]
    )
    assert encoded == ["en", "en"]


def test_cache_size_zero_keeps_nothing(settings, workspace, reads):
    off = replace(settings, progress_cache_size=0)
    db = Database(off.database_url)
    try:
        with TestClient(create_app(off, db)) as client:
            publish(client, workspace, "tour", tour_doc("welcome"))
            for _ in range(3):
                open_session(client, workspace, "u1")
    finally:
        db.dispose()
    assert reads == ["u1", "u1"]  # not on the first session: no row yet


def test_ingestion_holds_the_content_revision_until_it_commits(database_url, database, workspace):
    """A publish cannot commit between the revision a batch projects with and the batch's
    commit: on PostgreSQL the batch holds the content lock shared, and the revision's bump
    waits for it (SQLite's write transaction excludes every other writer anyway)."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite: one writer at a time")
    publisher = Database(database_url, inline=False)

    def publish_now(conn: Connection) -> None:
        conn.run(text("SET LOCAL lock_timeout = '50ms'"))
        bump_content_revision(conn, workspace.id)

    def batch_then_publish(conn: Connection) -> str:
        current_content(conn, PublishedCache(4), workspace.id)
        try:
            publisher.run_sync(publish_now)
        except Unavailable:  # its lock_timeout passed: refused, as a request would be
            return "waits"
        return "went through"

    def change_identity_mode(conn: Connection) -> None:
        conn.run(text("SET LOCAL lock_timeout = '50ms'"))
        conn.run(
            text("UPDATE workspace SET identity_mode = 'observe' WHERE id = :ws"),
            {"ws": workspace.id},
        )

    def batch_then_change_identity_mode(conn: Connection) -> None:
        current_content(conn, PublishedCache(4), workspace.id)
        publisher.run_sync(change_identity_mode)

    try:
        assert database.run_sync(batch_then_publish) == "waits"
        # A change of the row that leaves the revision alone does not wait for batches.
        database.run_sync(batch_then_change_identity_mode)
    finally:
        publisher.dispose()


def test_a_publish_is_not_starved_by_steady_ingestion(database_url, database, client, workspace):
    """Batches keep coming, each holding the content lock shared, while a publish waits for it
    alone: the batches that arrive after the publish queue behind it, so it commits while they
    are still coming (with row share locks, new batches got past it until they stopped)."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite: one writer at a time")
    published_at: list[int] = []
    batches_done = [0]
    stop = threading.Event()
    errors: list[BaseException] = []
    most_batches = 100  # each writer stops after this many, publish or not

    def writer(index: int) -> None:
        db = Database(database_url, inline=False)
        cache = PublishedCache(4)
        try:
            for n in range(most_batches):
                if stop.is_set():
                    return
                event = NewEvent(f"w{index}-{n}", "login", f"u{index}", None, {}, None)

                def batch(conn: Connection, event: NewEvent = event) -> None:
                    published = current_content(conn, cache, workspace.id)
                    # Held a while, so that the writers' holds always overlap.
                    time.sleep(0.01)
                    ingest_batch(conn, workspace.id, [event], "server", published)

                db.run_sync(batch)
                batches_done[0] += 1
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            db.dispose()

    writers = 8
    threads = [threading.Thread(target=writer, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    try:
        while batches_done[0] < 8 and not errors:
            time.sleep(0.01)  # until the writers run back to back
        publish(client, workspace, "checklist", checklist_doc("setup", [manual_item("guide")]))
        published_at.append(batches_done[0])
    finally:
        stop.set()
        for thread in threads:
            thread.join(60)
    assert errors == []
    # Row share locks: the publish came after 798 of the 800 batches.
    assert published_at[0] < writers * most_batches // 2, "the publish waited for the writers"


def test_catch_up_and_a_batch_completing_the_same_item_do_not_deadlock(
    database_url, database, client, workspace, monkeypatch
):
    """A session catching an item up and a batch completing it at once take the user's row and
    the item's row in the same order (PostgreSQL; SQLite writers take turns). The batch pauses
    between its user upsert and its projection until the session has stored the item, or for
    a second: with the session's two writes in the other order, that was a deadlock."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite: one writer at a time")
    send_events(client, workspace, [ev("e1", "shift.created")])
    items = [event_item("shifts", "shift.created"), manual_item("guide")]
    publish(client, workspace, "checklist", checklist_doc("setup", items))
    cache = PublishedCache(4)
    upserted, stored = threading.Event(), threading.Event()
    project, store = ingest_module.project, progress_module.store_completions

    def paused_project(*args: Any, **kwargs: Any) -> Any:
        upserted.set()
        stored.wait(1)
        return project(*args, **kwargs)

    def signalling_store(*args: Any, **kwargs: Any) -> Any:
        found = store(*args, **kwargs)
        stored.set()
        return found

    monkeypatch.setattr(ingest_module, "project", paused_project)
    monkeypatch.setattr(progress_module, "store_completions", signalling_store)
    errors: list[BaseException] = []

    def batch(conn: Connection) -> None:
        with conn.transaction():
            published = current_content(conn, cache, workspace.id)
            event = NewEvent("e2", "shift.created", "u1", None, {}, None)
            ingest_batch(conn, workspace.id, [event], "server", published)

    def catch_up(conn: Connection) -> None:
        upserted.wait(5)
        published = current_content(conn, cache, workspace.id)
        user_progress = read_progress(conn, workspace.id, "u1", ("shift.created",))
        checklists = list(published.checklists.values())
        completions = pending_completions(conn, workspace.id, "u1", checklists, user_progress)
        assert completions
        with conn.transaction():
            record_completions(conn, workspace.id, "u1", completions, user_progress)

    def run(work: Callable[[Connection], None]) -> None:
        try:
            database.run_sync(work, transaction=False)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(work,)) for work in (batch, catch_up)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert errors == []
    checklist = by_key(open_session(client, workspace, "u1")["checklists"], "setup")
    assert checklist is not None and "shifts" in checklist["progress"]["completed_items"]
