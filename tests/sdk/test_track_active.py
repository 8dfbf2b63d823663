"""`track_active()`: active seconds reported by a host backend arrive as `$active` events,
batched with `track()`'s, counted once per id in the user's day."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.sdk.live_server import LiveServer, Workspace


def _days(server: LiveServer, workspace: Workspace, user_id: str) -> dict[str, int]:
    engine = create_engine(server.database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT day, seconds FROM user_active_day WHERE workspace_id = :w"
                    " AND user_id = :u"
                ),
                {"w": workspace.id, "u": user_id},
            )
            return {day: seconds for day, seconds in rows}
    finally:
        engine.dispose()


def test_active_seconds_are_batched_with_events_and_counted_once(
    live_server: LiveServer, workspace: Workspace, make_client: Any, user_id: str
) -> None:
    client = make_client()
    monday = datetime(2026, 3, 2, 9, tzinfo=UTC)
    client.track(user_id, "report_exported", timestamp=monday)
    first = client.track_active(user_id, 600, timestamp=monday)
    client.track_active(user_id, 3600, timestamp=datetime(2026, 3, 3, 23, 59, tzinfo=UTC))
    # A naive datetime is UTC; the same id again (a retry by the caller) counts once.
    client.track_active(user_id, 600, timestamp=datetime(2026, 3, 2, 10), event_id=first)
    client.track_active(user_id, 5, timestamp=datetime(2026, 3, 2, 10), event_id="again")
    client.track_active(user_id, 5, timestamp=datetime(2026, 3, 2, 10), event_id="again")
    assert client.flush(timeout=30)
    assert _days(live_server, workspace, user_id) == {"2026-03-02": 605, "2026-03-03": 3600}


def test_sync_mode_sends_now(
    live_server: LiveServer, workspace: Workspace, make_client: Any, user_id: str
) -> None:
    client = make_client(sync_mode=True)
    client.track_active(user_id, 1)
    today = datetime.now(UTC).date().isoformat()
    assert _days(live_server, workspace, user_id) == {today: 1}


@pytest.mark.parametrize("seconds", [0, -5, 3601, 1.5, 60.0, "60", True, None])
def test_seconds_are_checked_before_queueing(make_client: Any, seconds: Any) -> None:
    client = make_client()
    with pytest.raises(ValueError, match="whole number from 1 to 3600"):
        client.track_active("u1", seconds)
    with pytest.raises(ValueError, match="user_id"):
        client.track_active("", 60)
