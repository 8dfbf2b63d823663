"""Event ingestion: store a batch once, whatever the retries, and project progress from it in
the same transaction.

Each step is one set-based statement for the whole batch, sent to the driver directly; batching
is what makes ingestion fast on both engines (docs/architecture.md has the measurements).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, literal_column, or_, select, text

from shirube.errors import NotAuthenticated
from shirube.services.completions import ROWS_PER_STATEMENT
from shirube.services.counted_events import record_counted
from shirube.services.event_schema import FUTURE_TOLERANCE
from shirube.services.known_rows import KnownRows
from shirube.services.projection import changes_progress, project
from shirube.services.published import ItemRef, PublishedContent, current_content
from shirube.services.widget_session import WORKSPACE_BY_ID, check_origin, widget_workspace
from shirube.services.workspaces import workspace_id_by_secret_hash
from shirube.storage import Connection, earliest, in_values, insert, latest, tables
from shirube.storage.types import json_text
from shirube.timeutil import utcnow

if TYPE_CHECKING:
    from shirube.context import AppContext


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


async def ingest_server_batch(
    ctx: AppContext, key_hash: str, events: Sequence[NewEvent]
) -> IngestResult:
    """A batch from the host backend, whose secret key hashes to `key_hash`: written in a
    transaction shared with the batches that arrive meanwhile (storage/group_commit.py). The
    key is checked before joining: a refused key inside the shared transaction would roll back
    and rewrite every other batch of the group."""

    def write(conn: Connection, workspace_id: int) -> IngestResult:
        published = current_content(conn, ctx.published, workspace_id)
        return ingest_batch(conn, workspace_id, events, "server", published, ctx.known)

    result = await ctx.db.run_grouped(write, check=lambda conn: server_workspace_id(conn, key_hash))
    ctx.known.learn(result.existing)
    return result


def server_workspace_id(conn: Connection, key_hash: str) -> int:
    """The workspace whose secret key hashes to `key_hash`."""
    workspace_id = workspace_id_by_secret_hash(conn, key_hash)
    if workspace_id is None:
        raise NotAuthenticated("unauthorized", "unknown secret key")
    return workspace_id


async def ingest_widget_batch(
    ctx: AppContext, workspace_id: int, origin: str | None, events: Sequence[NewEvent]
) -> IngestResult:
    """A batch from the widget of a session of `workspace_id` (its token checked by the
    caller), sent from `origin`."""

    def work(conn: Connection) -> IngestResult:
        row = conn.one(WORKSPACE_BY_ID, {"workspace_id": workspace_id})
        if row is None:
            raise NotAuthenticated("session_expired", "this session's workspace no longer exists")
        check_origin(origin, widget_workspace(conn, row).allowed_origins)
        with conn.transaction():
            published = current_content(conn, ctx.published, workspace_id)
            return ingest_batch(conn, workspace_id, events, "widget", published, ctx.known)

    result = await ctx.db.run(work, transaction=False, repeatable=True)
    ctx.known.learn(result.existing)
    return result


def ingest_batch(
    conn: Connection,
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
    # Each distinct time converted to its stored form once (`db_timestamp`); stored forms
    # order like the times (fixed-layout text on SQLite), so minima and maxima are taken on
    # them directly.
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
            stamp = stored[timestamp] = conn.stored_time(timestamp)
        rows.append(
            {
                "id": event.id,
                "name": event.name,
                "properties": event.properties,
                "user_id": event.user_id,
                "company_id": event.company_id,
                "timestamp": timestamp,
                "db_timestamp": stamp,
            }
        )
    inserted_ids = _insert_events(conn, workspace_id, rows, now, source)
    new_rows = [row for row in rows if row["id"] in inserted_ids]
    result = IngestResult(
        received=len(events), accepted=len(new_rows), duplicates=len(events) - len(new_rows)
    )
    if not new_rows:
        return result
    known = known if known is not None else KnownRows(0)
    changed = {row["user_id"] for row in new_rows if changes_progress(row, published)}
    with conn.pipeline():
        result.existing += _upsert_people(conn, workspace_id, new_rows, now, known, changed)
        record_counted(conn, workspace_id, new_rows, published.counted_names)
    projection = project(conn, workspace_id, new_rows, source, published, known)
    result.completed_items = projection.completed_items
    result.existing += projection.existing
    return result


def _insert_events(
    conn: Connection, workspace_id: int, rows: list[dict[str, Any]], now: datetime, source: str
) -> set[str]:
    """Store the events not stored before; return their ids."""
    if not rows:
        return set()
    # Sorted by id: concurrent batches sharing ids then take index locks in one order.
    rows = sorted(rows, key=lambda row: str(row["id"]))
    received_at = conn.stored_time(now)
    if conn.is_sqlite:
        return _insert_events_sqlite(conn, workspace_id, rows, received_at, source)
    return _insert_events_postgres(conn, workspace_id, rows, received_at, source)


# One array per column: the statement's text and its 9 parameters are the same for every
# batch, so psycopg converts it once and the server prepares it once. (A multi-row VALUES has
# 9 parameters a row: psycopg parsed its text again on every batch, a fifth of the server's
# time.) WITH ORDINALITY keeps the rows in the order given. Written as text: Core has no
# multi-array unnest with ordinality, and this is ingestion's hottest PostgreSQL statement.
_INSERT_EVENTS_POSTGRES = text(
    "INSERT INTO event (workspace_id, id, name, properties, user_id, company_id, timestamp,"
    " received_at, source)"
    " SELECT :workspace_id, e.id, e.name, e.properties::jsonb, e.user_id, e.company_id, e.ts,"
    " :received_at, :source"
    " FROM unnest(CAST(:ids AS varchar[]), CAST(:names AS varchar[]), CAST(:properties AS text[]),"
    " CAST(:user_ids AS varchar[]), CAST(:company_ids AS varchar[]), CAST(:timestamps AS"
    " timestamp[])) WITH ORDINALITY AS e(id, name, properties, user_id, company_id, ts, n)"
    " ORDER BY e.n ON CONFLICT (workspace_id, id) DO NOTHING RETURNING id"
).columns(tables.event.c.id)


def _insert_events_postgres(
    conn: Connection, workspace_id: int, rows: list[dict[str, Any]], received_at: Any, source: str
) -> set[str]:
    inserted: set[str] = set()
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        chunk = rows[start : start + ROWS_PER_STATEMENT]
        # The ids returned are the events stored now.
        returned = conn.all(
            _INSERT_EVENTS_POSTGRES,
            {
                "workspace_id": workspace_id,
                "received_at": received_at,
                "source": source,
                "ids": [row["id"] for row in chunk],
                "names": [row["name"] for row in chunk],
                "properties": [json_text(row["properties"]) for row in chunk],
                "user_ids": [row["user_id"] for row in chunk],
                "company_ids": [row["company_id"] for row in chunk],
                "timestamps": [row["db_timestamp"] for row in chunk],
            },
        )
        inserted.update(event_id for (event_id,) in returned)
    return inserted


_STORED_IDS = select(tables.event.c.id).where(
    tables.event.c.workspace_id == bindparam("workspace_id"), in_values(tables.event.c.id, "ids")
)
_INSERT_EVENT = (
    insert(tables.event)
    .values(
        workspace_id=bindparam("workspace_id"),
        id=bindparam("id"),
        name=bindparam("name"),
        properties=bindparam("properties"),
        user_id=bindparam("user_id"),
        company_id=bindparam("company_id"),
        timestamp=bindparam("timestamp"),
        received_at=bindparam("received_at"),
        source=bindparam("source"),
    )
    .on_conflict_do_nothing(index_elements=["workspace_id", "id"])
)


def _insert_events_sqlite(
    conn: Connection, workspace_id: int, rows: list[dict[str, Any]], received_at: Any, source: str
) -> set[str]:
    """The transaction holds SQLite's write lock (BEGIN IMMEDIATE), so the ids found stored
    now are exactly the ones no insert can add; an `executemany` of the others measured 35 %
    cheaper than one multi-row INSERT … RETURNING."""
    stored: set[str] = set()
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        ids = [row["id"] for row in rows[start : start + ROWS_PER_STATEMENT]]
        found = conn.all(_STORED_IDS, {"workspace_id": workspace_id, "ids": ids})
        stored.update(event_id for (event_id,) in found)
    new = [row for row in rows if row["id"] not in stored]
    before = conn.driver.total_changes
    conn.many(
        _INSERT_EVENT,
        [
            {
                "workspace_id": workspace_id,
                "id": row["id"],
                "name": row["name"],
                "properties": row["properties"],
                "user_id": row["user_id"],
                "company_id": row["company_id"],
                "timestamp": row["db_timestamp"],
                "received_at": received_at,
                "source": source,
            }
            for row in new
        ],
    )
    if conn.driver.total_changes - before != len(new):
        # Impossible under the write lock; refuse the batch rather than miscount it.
        raise RuntimeError("events appeared during the batch's transaction")
    return {row["id"] for row in new}


_user = tables.end_user.c
_new_user = insert(tables.end_user).values(
    workspace_id=bindparam("workspace_id"),
    external_id=bindparam("user_id"),
    traits=bindparam("traits"),
    first_seen_at=bindparam("first"),
    last_seen_at=bindparam("last"),
    progress_rev=bindparam("progress_rev"),
)
_UPSERT_USER = _new_user.on_conflict_do_update(
    index_elements=["workspace_id", "external_id"],
    set_={
        "first_seen_at": earliest(
            tables.end_user.c.first_seen_at, _new_user.excluded.first_seen_at
        ),
        "last_seen_at": latest(tables.end_user.c.last_seen_at, _new_user.excluded.last_seen_at),
        "progress_rev": tables.end_user.c.progress_rev + _new_user.excluded.progress_rev,
    },
    # Rows the batch does not change are not rewritten.
    where=or_(
        _new_user.excluded.first_seen_at < _user.first_seen_at,
        _new_user.excluded.last_seen_at > _user.last_seen_at,
        _new_user.excluded.progress_rev > literal_column("0"),
    ),
)
_INSERT_COMPANY = (
    insert(tables.company)
    .values(
        workspace_id=bindparam("workspace_id"),
        external_id=bindparam("company_id"),
        traits=bindparam("traits"),
        created_at=bindparam("at"),
        updated_at=bindparam("at"),
    )
    .on_conflict_do_nothing()
)
_INSERT_MEMBERSHIP = (
    insert(tables.membership)
    .values(
        workspace_id=bindparam("workspace_id"),
        user_id=bindparam("user_id"),
        company_id=bindparam("company_id"),
        created_at=bindparam("at"),
    )
    .on_conflict_do_nothing()
)


def _upsert_people(
    conn: Connection,
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
        at = row["db_timestamp"]
        first, last = users.get(row["user_id"], (at, at))
        users[row["user_id"]] = (min(first, at), max(last, at))
        if row["company_id"] is not None:
            memberships.add((row["user_id"], row["company_id"]))
    # Sorted so that concurrent batches lock rows in the same order (no deadlocks on PostgreSQL).
    conn.many(
        _UPSERT_USER,
        [
            {
                "workspace_id": workspace_id,
                "user_id": user_id,
                "traits": {},
                "first": first,
                "last": last,
                "progress_rev": int(user_id in progress_changed),
            }
            for user_id, (first, last) in sorted(users.items())
        ],
    )
    companies = {("company", workspace_id, company) for _, company in memberships}
    members = {("member", workspace_id, user, company) for user, company in memberships}
    new_companies = sorted(key for key in companies if key not in known)
    new_members = sorted(key for key in members if key not in known)
    created = conn.stored_time(now)
    conn.many(
        _INSERT_COMPANY,
        [
            {"workspace_id": workspace_id, "company_id": company, "traits": {}, "at": created}
            for _, _, company in new_companies
        ],
    )
    conn.many(
        _INSERT_MEMBERSHIP,
        [
            {"workspace_id": workspace_id, "user_id": user, "company_id": company, "at": created}
            for _, _, user, company in new_members
        ],
    )
    return [*new_companies, *new_members]
