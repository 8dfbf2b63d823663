"""Event ingestion: store a batch once, whatever the retries, and project progress from it in
the same transaction.

Each step is one set-based statement for the whole batch, sent to the driver directly; batching
is what makes ingestion fast on both engines (docs/architecture.md has the measurements).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from shirube.services.completions import ROWS_PER_STATEMENT
from shirube.services.counted_events import record_counted
from shirube.services.event_schema import FUTURE_TOLERANCE
from shirube.services.known_rows import KnownRows
from shirube.services.projection import changes_progress, project
from shirube.services.published import ItemRef, PublishedContent
from shirube.services.sql import Raw, json_text, placeholders
from shirube.timeutil import utcnow


@dataclass(frozen=True)
class NewEvent:
    id: str
    name: str
    user_id: str
    company_id: str | None
    properties: dict[str, Any]
    timestamp: datetime | None


@dataclass
class IngestResult:
    received: int
    accepted: int
    duplicates: int
    completed_items: list[tuple[str, ItemRef]] = field(default_factory=list)
    # Rows this batch stored or met: `KnownRows.learn` them once the transaction committed.
    existing: list[Hashable] = field(default_factory=list, repr=False)

    def as_json(self) -> dict[str, Any]:
        return {
            "received": self.received,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "completed_items": [
                {"user_id": user_id, "checklist": ref.checklist, "item": ref.item}
                for user_id, ref in self.completed_items
            ],
        }


def ingest(
    session: Session,
    workspace_id: int,
    events: Sequence[NewEvent],
    source: str,
    published: PublishedContent,
) -> IngestResult:
    """`ingest_batch` inside a Session's transaction."""
    return ingest_batch(Raw.of_session(session), workspace_id, events, source, published)


def ingest_batch(
    raw: Raw,
    workspace_id: int,
    events: Sequence[NewEvent],
    source: str,
    published: PublishedContent,
    known: KnownRows | None = None,
) -> IngestResult:
    """Store and project one batch; the caller holds the write transaction and, after the
    commit, passes `result.existing` to `known.learn`."""
    now = utcnow()
    latest_allowed = now + FUTURE_TOLERANCE
    rows: list[dict[str, Any]] = []
    seen_ids: set[str] = set()
    # Each distinct time converted to its stored form once; stored forms order like the
    # times (fixed-layout text on SQLite), so minima and maxima are taken on them directly.
    stored: dict[datetime, Any] = {}
    for event in events:
        if event.id in seen_ids:
            continue  # the same id twice in one batch is one event
        seen_ids.add(event.id)
        timestamp = event.timestamp or now
        if timestamp > latest_allowed:
            timestamp = now
        stamp = stored.get(timestamp)
        if stamp is None:
            stamp = stored[timestamp] = raw.dt_out(timestamp)
        rows.append(
            {
                "id": event.id,
                "name": event.name,
                "properties": event.properties,
                "user_id": event.user_id,
                "company_id": event.company_id,
                "timestamp": timestamp,
                "stored_at": stamp,
            }
        )
    inserted_ids = _insert_events(raw, workspace_id, rows, now, source)
    new_rows = [row for row in rows if row["id"] in inserted_ids]
    result = IngestResult(
        received=len(events), accepted=len(new_rows), duplicates=len(events) - len(new_rows)
    )
    if not new_rows:
        return result
    known = known if known is not None else KnownRows(0)
    changed = {row["user_id"] for row in new_rows if changes_progress(row, published)}
    with raw.pipeline():
        result.existing += _upsert_people(raw, workspace_id, new_rows, now, known, changed)
        record_counted(raw, workspace_id, new_rows, published.counted_names)
    projection = project(raw, workspace_id, new_rows, source, published, known)
    result.completed_items = projection.completed_items
    result.existing += projection.existing
    return result


_EVENT_COLUMNS = (
    "workspace_id, id, name, properties, user_id, company_id, timestamp, received_at, source"
)


def _insert_events(
    raw: Raw, workspace_id: int, rows: list[dict[str, Any]], now: datetime, source: str
) -> set[str]:
    """Store the events not stored before; return their ids."""
    if not rows:
        return set()
    # Sorted by id: concurrent batches sharing ids then take index locks in one order.
    rows = sorted(rows, key=lambda row: str(row["id"]))
    received_at = raw.dt_out(now)
    if not raw.is_sqlite:
        return _insert_events_postgres(raw, workspace_id, rows, received_at, source)
    values = [
        (
            workspace_id, row["id"], row["name"], json_text(row["properties"]), row["user_id"],
            row["company_id"], row["stored_at"], received_at, source,
        )
        for row in rows
    ]  # fmt: skip
    return _insert_events_sqlite(raw, workspace_id, values)


# One array per column: the statement's text and its 9 parameters are the same for every
# batch, so psycopg converts it once and the server prepares it once. (A multi-row VALUES has
# 9 parameters a row: psycopg parsed its text again on every batch, a fifth of the server's
# time.) WITH ORDINALITY keeps the rows in the order given.
_INSERT_EVENTS_POSTGRES = (
    f"INSERT INTO event ({_EVENT_COLUMNS})"
    " SELECT ?, e.id, e.name, e.properties::jsonb, e.user_id, e.company_id, e.ts, ?, ?"
    " FROM unnest(?::varchar[], ?::varchar[], ?::text[], ?::varchar[], ?::varchar[],"
    " ?::timestamp[]) WITH ORDINALITY AS e(id, name, properties, user_id, company_id, ts, n)"
    " ORDER BY e.n ON CONFLICT (workspace_id, id) DO NOTHING RETURNING id"
)


def _insert_events_postgres(
    raw: Raw, workspace_id: int, rows: list[dict[str, Any]], received_at: Any, source: str
) -> set[str]:
    inserted: set[str] = set()
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        chunk = rows[start : start + ROWS_PER_STATEMENT]
        # The ids returned are the events stored now.
        returned = raw.all(
            _INSERT_EVENTS_POSTGRES,
            (
                workspace_id, received_at, source,
                [row["id"] for row in chunk],
                [row["name"] for row in chunk],
                [json_text(row["properties"]) for row in chunk],
                [row["user_id"] for row in chunk],
                [row["company_id"] for row in chunk],
                [row["stored_at"] for row in chunk],
            ),
        )  # fmt: skip
        inserted.update(event_id for (event_id,) in returned)
    return inserted


def _insert_events_sqlite(raw: Raw, workspace_id: int, values: list[tuple[Any, ...]]) -> set[str]:
    """The transaction holds SQLite's write lock (BEGIN IMMEDIATE), so the ids found stored
    now are exactly the ones no insert can add; an `executemany` of the others measured 35 %
    cheaper than one multi-row INSERT … RETURNING."""
    stored: set[str] = set()
    for start in range(0, len(values), ROWS_PER_STATEMENT):
        ids = [row[1] for row in values[start : start + ROWS_PER_STATEMENT]]
        found = raw.all(
            f"SELECT id FROM event WHERE workspace_id = ? AND id IN ({placeholders(len(ids))})",
            (workspace_id, *ids),
        )
        stored.update(event_id for (event_id,) in found)
    new = [row for row in values if row[1] not in stored]
    before = raw.conn.total_changes
    raw.many(
        f"INSERT INTO event ({_EVENT_COLUMNS}) VALUES ({placeholders(9)})"
        " ON CONFLICT (workspace_id, id) DO NOTHING",
        new,
    )
    if raw.conn.total_changes - before != len(new):
        # Impossible under the write lock; refuse the batch rather than miscount it.
        raise RuntimeError("events appeared during the batch's transaction")
    return {row[1] for row in new}


_UPSERT_USER = (
    "INSERT INTO end_user (workspace_id, external_id, traits, first_seen_at, last_seen_at,"
    " progress_rev) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (workspace_id, external_id)"
    " DO UPDATE SET"
    " first_seen_at = CASE WHEN excluded.first_seen_at < end_user.first_seen_at"
    " THEN excluded.first_seen_at ELSE end_user.first_seen_at END,"
    " last_seen_at = CASE WHEN excluded.last_seen_at > end_user.last_seen_at"
    " THEN excluded.last_seen_at ELSE end_user.last_seen_at END,"
    " progress_rev = end_user.progress_rev + excluded.progress_rev"
    # Rows the batch does not change are not rewritten.
    " WHERE excluded.first_seen_at < end_user.first_seen_at"
    " OR excluded.last_seen_at > end_user.last_seen_at OR excluded.progress_rev > 0"
)
_INSERT_COMPANY = (
    "INSERT INTO company (workspace_id, external_id, traits, created_at, updated_at)"
    " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
_INSERT_MEMBERSHIP = (
    "INSERT INTO membership (workspace_id, user_id, company_id, created_at)"
    " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING"
)


def _upsert_people(
    raw: Raw,
    workspace_id: int,
    rows: list[dict[str, Any]],
    now: datetime,
    known: KnownRows,
    progress_changed: set[str],
) -> list[Hashable]:
    """Users' first and last seen times, and `progress_rev` moved on for the users in
    `progress_changed`; companies and memberships inserted when absent, unless already known
    to exist. Returns the company and membership keys met."""
    users: dict[str, tuple[Any, Any]] = {}
    memberships: set[tuple[str, str]] = set()
    for row in rows:
        ts = row["stored_at"]
        first, last = users.get(row["user_id"], (ts, ts))
        users[row["user_id"]] = (min(first, ts), max(last, ts))
        if row["company_id"] is not None:
            memberships.add((row["user_id"], row["company_id"]))
    no_traits = raw.json_out({})
    # Sorted so that concurrent batches lock rows in the same order (no deadlocks on PostgreSQL).
    raw.many(
        _UPSERT_USER,
        [
            (workspace_id, user_id, no_traits, first, last, int(user_id in progress_changed))
            for user_id, (first, last) in sorted(users.items())
        ],
    )
    companies = {("company", workspace_id, company) for _, company in memberships}
    members = {("member", workspace_id, user, company) for user, company in memberships}
    new_companies = sorted(key for key in companies if key not in known)
    new_members = sorted(key for key in members if key not in known)
    created = raw.dt_out(now)
    raw.many(
        _INSERT_COMPANY,
        [(workspace_id, company, no_traits, created, created) for _, _, company in new_companies],
    )
    raw.many(
        _INSERT_MEMBERSHIP,
        [(workspace_id, user, company, created) for _, _, user, company in new_members],
    )
    return [*new_companies, *new_members]
