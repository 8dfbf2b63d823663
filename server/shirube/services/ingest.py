"""Event ingestion: store a batch once, whatever the retries, and project progress from it in
the same transaction.

Each step is one set-based statement for the whole batch; batching is what makes ingestion
fast on both engines (docs/architecture.md has the measurements).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from shirube.models import Company, EndUser, Event, Membership, UserEventCount
from shirube.services.event_schema import FUTURE_TOLERANCE
from shirube.services.projection import ProjectionResult, project
from shirube.services.published import ItemRef, PublishedContent
from shirube.services.sql import earliest, insert_for, latest
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
    now = utcnow()
    latest_allowed = now + FUTURE_TOLERANCE
    rows: list[dict[str, Any]] = []
    seen_ids: set[str] = set()
    for event in events:
        if event.id in seen_ids:
            continue  # the same id twice in one batch is one event
        seen_ids.add(event.id)
        timestamp = event.timestamp or now
        rows.append(
            {
                "workspace_id": workspace_id,
                "id": event.id,
                "name": event.name,
                "properties": event.properties,
                "user_id": event.user_id,
                "company_id": event.company_id,
                "timestamp": timestamp if timestamp <= latest_allowed else now,
                "received_at": now,
                "source": source,
            }
        )
    inserted_ids = _insert_events(session, rows)
    new_rows = [row for row in rows if row["id"] in inserted_ids]
    result = IngestResult(
        received=len(events), accepted=len(new_rows), duplicates=len(events) - len(new_rows)
    )
    if not new_rows:
        return result
    _upsert_people(session, workspace_id, new_rows)
    _count_events(session, workspace_id, new_rows)
    projection: ProjectionResult = project(session, workspace_id, new_rows, source, published)
    result.completed_items = projection.completed_items
    return result


def _insert_events(session: Session, rows: list[dict[str, Any]]) -> set[str]:
    if not rows:
        return set()
    # Sorted by id: concurrent batches sharing ids then take index locks in one order.
    rows = sorted(rows, key=lambda row: str(row["id"]))
    stmt = (
        insert_for(session, Event)
        .on_conflict_do_nothing(index_elements=["workspace_id", "id"])
        .returning(Event.__table__.c.id)  # type: ignore[attr-defined]
    )
    return set(session.connection().execute(stmt, rows).scalars())


def _upsert_people(session: Session, workspace_id: int, rows: list[dict[str, Any]]) -> None:
    users: dict[str, tuple[datetime, datetime]] = {}
    memberships: set[tuple[str, str]] = set()
    for row in rows:
        ts = row["timestamp"]
        first, last = users.get(row["user_id"], (ts, ts))
        users[row["user_id"]] = (min(first, ts), max(last, ts))
        if row["company_id"] is not None:
            memberships.add((row["user_id"], row["company_id"]))
    table = EndUser.__table__  # type: ignore[attr-defined]
    stmt = insert_for(session, EndUser)
    stmt = stmt.on_conflict_do_update(
        index_elements=["workspace_id", "external_id"],
        set_={
            "first_seen_at": earliest(table.c.first_seen_at, stmt.excluded.first_seen_at),
            "last_seen_at": latest(table.c.last_seen_at, stmt.excluded.last_seen_at),
        },
    )
    conn = session.connection()
    conn.execute(
        stmt,
        [
            {
                "workspace_id": workspace_id,
                "external_id": user_id,
                "traits": {},
                "first_seen_at": first,
                "last_seen_at": last,
            }
            for user_id, (first, last) in sorted(users.items())
        ],
    )
    if memberships:
        now = utcnow()
        companies = sorted({company for _, company in memberships})
        conn.execute(
            insert_for(session, Company).on_conflict_do_nothing(),
            [
                {
                    "workspace_id": workspace_id,
                    "external_id": company,
                    "traits": {},
                    "created_at": now,
                    "updated_at": now,
                }
                for company in companies
            ],
        )
        conn.execute(
            insert_for(session, Membership).on_conflict_do_nothing(),
            [
                {"workspace_id": workspace_id, "user_id": u, "company_id": c, "created_at": now}
                for u, c in sorted(memberships)
            ],
        )


def _count_events(session: Session, workspace_id: int, rows: list[dict[str, Any]]) -> None:
    counts: dict[tuple[str, str], list[Any]] = {}
    for row in rows:
        key = (row["user_id"], row["name"])
        ts = row["timestamp"]
        entry = counts.get(key)
        if entry is None:
            counts[key] = [1, ts, ts]
        else:
            entry[0] += 1
            entry[1] = min(entry[1], ts)
            entry[2] = max(entry[2], ts)
    table = UserEventCount.__table__  # type: ignore[attr-defined]
    stmt = insert_for(session, UserEventCount)
    stmt = stmt.on_conflict_do_update(
        index_elements=["workspace_id", "user_id", "name"],
        set_={
            "count": table.c.count + stmt.excluded.count,
            "first_at": earliest(table.c.first_at, stmt.excluded.first_at),
            "last_at": latest(table.c.last_at, stmt.excluded.last_at),
        },
    )
    # Sorted so that concurrent batches lock rows in the same order (no deadlocks on PostgreSQL).
    session.connection().execute(
        stmt,
        [
            {
                "workspace_id": workspace_id,
                "user_id": user_id,
                "name": name,
                "count": count,
                "first_at": first,
                "last_at": last,
            }
            for (user_id, name), (count, first, last) in sorted(counts.items())
        ],
    )
