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

from shirube.errors import NotAuthenticated
from shirube.security.widget_tokens import WidgetIdentity
from shirube.services.active_time import record_active
from shirube.services.counted_events import record_counted
from shirube.services.event_log import store_events
from shirube.services.event_schema import FUTURE_TOLERANCE
from shirube.services.known_rows import KnownRows
from shirube.services.kpi_dirty import mark_dirty
from shirube.services.people import record_seen, record_users
from shirube.services.projection import changes_progress, project
from shirube.services.published import ItemRef, PublishedContent, batch_content
from shirube.services.webhook_outbox import Outbox
from shirube.services.widget_session import WORKSPACE_BY_ID, check_origin, widget_workspace
from shirube.services.workspaces import workspace_id_by_secret_hash
from shirube.storage import Connection
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
    # Webhook messages the batch put in the outbox (the delivery worker is woken for them).
    webhooks: int = 0
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
        content = batch_content(conn, ctx.published, workspace_id)
        return ingest_batch(
            conn,
            workspace_id,
            events,
            "server",
            content.published,
            ctx.known,
            content.webhook_kinds,
        )

    result = await ctx.db.run_grouped(write, check=lambda conn: server_workspace_id(conn, key_hash))
    ctx.known.learn(result.existing)
    if result.webhooks:
        ctx.webhook_bell.ring()
    return result


def server_workspace_id(conn: Connection, key_hash: str) -> int:
    """The workspace whose secret key hashes to `key_hash`."""
    workspace_id = workspace_id_by_secret_hash(conn, key_hash)
    if workspace_id is None:
        raise NotAuthenticated("unauthorized", "unknown secret key")
    return workspace_id


async def ingest_widget_batch(
    ctx: AppContext, identity: WidgetIdentity, origin: str | None, events: Sequence[NewEvent]
) -> IngestResult:
    """A batch from the widget of a session (its token's signature checked by the caller),
    sent from `origin`: the token must still be valid for its workspace as it is now."""
    workspace_id = identity.workspace_id

    def work(conn: Connection) -> IngestResult:
        row = conn.one(WORKSPACE_BY_ID, {"workspace_id": workspace_id})
        if row is None:
            raise NotAuthenticated("session_expired", "this session's workspace no longer exists")
        workspace = widget_workspace(conn, row)
        check_origin(origin, workspace.allowed_origins)
        workspace.check_token(identity)
        with conn.transaction():
            content = batch_content(conn, ctx.published, workspace_id)
            return ingest_batch(
                conn,
                workspace_id,
                events,
                "widget",
                content.published,
                ctx.known,
                content.webhook_kinds,
            )

    result = await ctx.db.run(work, transaction=False, repeatable=True, hot=True)
    ctx.known.learn(result.existing)
    if result.webhooks:
        ctx.webhook_bell.ring()
    return result


def ingest_batch(
    conn: Connection,
    workspace_id: int,
    events: Sequence[NewEvent],
    source: str,
    published: PublishedContent,
    known: KnownRows | None = None,
    webhook_kinds: int = 0,
) -> IngestResult:
    """Store and project one batch; the caller holds the write transaction and, after the
    commit, passes `result.existing` to `known.learn`. `webhook_kinds`: what the workspace's
    endpoints receive (published.batch_content), whose messages go to the outbox here."""
    now = utcnow()
    latest_allowed = now + FUTURE_TOLERANCE
    rows: list[dict[str, Any]] = []
    seen_ids: set[tuple[str, str]] = set()
    # Each distinct time converted to its stored form once (`db_timestamp`); stored forms
    # order like the times (fixed-layout text on SQLite), so minima and maxima are taken on
    # them directly.
    stored: dict[datetime, Any] = {}
    for event in events:
        if (event.user_id, event.id) in seen_ids:
            continue  # the same id twice in one batch is one event
        seen_ids.add((event.user_id, event.id))
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
    known = known if known is not None else KnownRows(0)
    # The users first: an event is keyed by its user's key (services/event_log.py).
    users = record_users(conn, workspace_id, rows, known)
    inserted = store_events(conn, workspace_id, rows, now, source)
    new_rows = [row for row in rows if (row["user_id"], row["id"]) in inserted]
    result = IngestResult(
        received=len(events), accepted=len(new_rows), duplicates=len(events) - len(new_rows)
    )
    result.existing += users
    if not new_rows:
        return result
    changed = {row["user_id"] for row in new_rows if changes_progress(row, published)}
    with conn.pipeline():
        seen = record_seen(conn, workspace_id, new_rows, now, known, changed)
        result.existing += seen
        record_counted(conn, workspace_id, new_rows, published.counted_names)
        record_active(conn, workspace_id, new_rows)
    outbox = Outbox(workspace_id, webhook_kinds)
    result.completed_items = project(conn, workspace_id, new_rows, source, published, outbox)
    result.webhooks = outbox.write(conn, now)
    if published.tours or published.checklists or published.goals:
        # Users who may have joined a company: its figures count them now.
        joined = {key[2] for key in seen if isinstance(key, tuple) and key[0] == "member"}
        result.existing += _mark_for_kpis(
            conn, workspace_id, new_rows, published, known, changed | joined, now
        )
    return result


def _mark_for_kpis(
    conn: Connection,
    workspace_id: int,
    rows: list[dict[str, Any]],
    published: PublishedContent,
    known: KnownRows,
    changed: set[str],
    now: datetime,
) -> list[Hashable]:
    """Mark for the KPI worker the users whose figures the batch may change: those with an
    event a rule reads or that changes their progress, and those this process has not marked
    yet (a new user is in audiences before doing anything). An event of another name changes
    nothing the worker keeps but `first_seen_at`, which the KPI queries read as they go."""
    names = published.rule_names
    users = {row["user_id"] for row in rows}
    unseen = {user for user in users if ("kpi", workspace_id, user) not in known}
    marked = changed | unseen | {row["user_id"] for row in rows if row["name"] in names}
    mark_dirty(conn, workspace_id, marked, now)
    return [("kpi", workspace_id, user) for user in unseen]
