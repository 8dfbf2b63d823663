"""The webhook outbox: what a transaction that completes a checklist or a tour, or stores a
survey answer, must tell the workspace's endpoints, written in that same transaction.

A change and its deliveries commit together or not at all, so a process that dies after the
commit loses no webhook (the worker finds the rows: services/webhook_deliveries.py), and one
that dies before it leaves neither. Messages come only from what the transaction stored for
the first time (events new to the log, item completions the insert returned, a tour that was
not completed before), so a retried batch enqueues nothing again; the unique key (endpoint,
message id) makes sure of it. The message id is derived from what happened (workspace, kind,
subject), so every endpoint, attempt and resend carries the same `webhook-id`.

A workspace with no enabled endpoint for a kind (`workspace.webhook_kinds`, read with the row
the caller reads anyway) costs nothing here: no query, no message.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select

from shirube.jsontext import dumps
from shirube.services.published import ItemRef, PublishedChecklist, PublishedContent
from shirube.services.user_keys import in_keys_of
from shirube.services.webhook_kinds import (
    CHECKLIST_COMPLETED,
    SURVEY_ANSWERED,
    TOUR_COMPLETED,
    WebhookKind,
)
from shirube.storage import Connection, in_values, insert
from shirube.storage.tables import (
    checklist_item_progress,
    membership,
    tour_progress,
    webhook_delivery,
    webhook_endpoint,
)
from shirube.timeutil import isoformat


def message_id(workspace_id: int, kind: str, subject: Iterable[str]) -> str:
    """The `webhook-id` of what happened: the same whoever detects it, whenever."""
    digest = hashlib.sha256(dumps([workspace_id, kind, *subject])).hexdigest()
    return "msg_" + digest[:32]


@dataclass(frozen=True)
class Message:
    kind: WebhookKind
    id: str
    user_id: str
    occurred_at: datetime
    data: dict[str, Any]

    def body(self, company_ids: list[str]) -> str:
        data = {"user_id": self.user_id, "company_ids": company_ids, **self.data}
        payload = {"type": self.kind.name, "timestamp": isoformat(self.occurred_at), "data": data}
        return dumps(payload).decode()


_tp = tour_progress.c
_COMPLETED_TOURS = select(_tp.user_id, _tp.tour_key).where(
    _tp.workspace_id == bindparam("workspace_id"),
    in_values(_tp.user_id, "user_ids"),
    in_values(_tp.tour_key, "tour_keys"),
    _tp.status == "completed",
)
_items = checklist_item_progress.c
_ITEMS_DONE = select(
    _items.user_id, _items.checklist_key, _items.item_id, _items.completed_at
).where(
    _items.workspace_id == bindparam("workspace_id"),
    in_keys_of(_items.user_key),
    in_values(_items.checklist_key, "checklist_keys"),
)
_MEMBERSHIPS = (
    select(membership.c.user_id, membership.c.company_id)
    .where(
        membership.c.workspace_id == bindparam("workspace_id"),
        in_values(membership.c.user_id, "user_ids"),
    )
    .order_by(membership.c.user_id, membership.c.company_id)
)
_ENDPOINTS = select(webhook_endpoint.c.id, webhook_endpoint.c.kinds).where(
    webhook_endpoint.c.workspace_id == bindparam("workspace_id"),
    webhook_endpoint.c.enabled.is_(True),
)
_ENQUEUE = (
    insert(webhook_delivery)
    .values(
        workspace_id=bindparam("workspace_id"),
        endpoint_id=bindparam("endpoint_id"),
        message_id=bindparam("message_id"),
        kind=bindparam("kind"),
        body=bindparam("body"),
        state="pending",
        next_attempt_at=bindparam("now"),
        claim=None,
        attempts=0,
        step=0,
        created_at=bindparam("now"),
    )
    .on_conflict_do_nothing()
)


@dataclass
class Outbox:
    """The messages of one transaction, for one workspace whose endpoints receive `kinds`
    (a mask of services/webhook_kinds.py)."""

    workspace_id: int
    kinds: int
    messages: list[Message] = field(default_factory=list)

    def wants(self, kind: WebhookKind) -> bool:
        return bool(self.kinds & kind.bit)

    def _add(
        self,
        kind: WebhookKind,
        subject: tuple[str, ...],
        user_id: str,
        at: datetime,
        data: dict[str, Any],
    ) -> None:
        self.messages.append(
            Message(kind, message_id(self.workspace_id, kind.name, subject), user_id, at, data)
        )

    # Tours ------------------------------------------------------------------------------------

    def tours_completed_before(
        self, conn: Connection, rows: Iterable[Mapping[str, Any]]
    ) -> set[tuple[str, str]]:
        """Of the (user, tour) pairs a batch's `$tour_completed` events name, those completed
        before it: read before the batch projects them, under the users' row locks that the
        batch took first (services/people.record_seen), so a concurrent batch completing the
        same tour has committed, or waits for this one."""
        if not self.wants(TOUR_COMPLETED):
            return set()
        pairs = {
            (row["user_id"], row["properties"]["tour"])
            for row in rows
            if row["name"] == "$tour_completed"
        }
        if not pairs:
            return set()
        found = conn.all(
            _COMPLETED_TOURS,
            {
                "workspace_id": self.workspace_id,
                "user_ids": sorted({user for user, _ in pairs}),
                "tour_keys": sorted({tour for _, tour in pairs}),
            },
        )
        return {(user, tour) for user, tour in found} & pairs

    def tour_completed(self, row: Mapping[str, Any], published: PublishedContent) -> None:
        """A `$tour_completed` event that completed its tour for its user."""
        if not self.wants(TOUR_COMPLETED):
            return
        props = row["properties"]
        tour_key = props["tour"]
        version = props.get("version")
        if version is None and tour_key in published.tours:
            version = published.tours[tour_key].version
        self._add(
            TOUR_COMPLETED,
            (row["user_id"], tour_key),
            row["user_id"],
            row["timestamp"],
            {
                "tour": {"key": tour_key, "version": version},
                "completed_at": isoformat(row["timestamp"]),
                "event_id": row["id"],
            },
        )

    # Surveys ----------------------------------------------------------------------------------

    def survey_answered(self, row: Mapping[str, Any], published: PublishedContent) -> None:
        """A `$survey_answered` event new to the log (each answer is one message)."""
        if not self.wants(SURVEY_ANSWERED):
            return
        props = row["properties"]
        checklist = published.checklists.get(props["checklist"])
        self._add(
            SURVEY_ANSWERED,
            (row["id"],),
            row["user_id"],
            row["timestamp"],
            {
                "checklist": {
                    "key": props["checklist"],
                    "version": None if checklist is None else checklist.version,
                },
                "rating": props["rating"],
                "comment": props.get("comment"),
                "answered_at": isoformat(row["timestamp"]),
                "event_id": row["id"],
            },
        )

    # Checklists -------------------------------------------------------------------------------

    def checklists_completed(
        self,
        conn: Connection,
        checklists: Mapping[str, PublishedChecklist],
        new_items: Collection[tuple[str, ItemRef]],
    ) -> None:
        """Checklists whose every item of the published version is done now that `new_items`
        (the completions this transaction stored first) are: each such (user, checklist,
        version) once, since an item is completed only once. Read after the completions were
        stored, under the user's row lock that every writer of completions takes first
        (ingestion's user upsert, progress.record_completions), so of two transactions
        completing a checklist's last two items, the later one sees both."""
        if not new_items or not self.wants(CHECKLIST_COMPLETED):
            return
        pairs = {(user, ref.checklist) for user, ref in new_items if ref.checklist in checklists}
        if not pairs:
            return
        done: dict[tuple[str, str], dict[str, datetime]] = {}
        rows = conn.all(
            _ITEMS_DONE,
            {
                "workspace_id": self.workspace_id,
                "user_ids": sorted({user for user, _ in pairs}),
                "checklist_keys": sorted({key for _, key in pairs}),
            },
        )
        for user, key, item, at in rows:
            done.setdefault((user, key), {})[item] = at
        for user, key in sorted(pairs):
            checklist = checklists[key]
            items = done.get((user, key), {})
            times = [items.get(item.id) for item in checklist.doc.items]
            if not times or any(at is None for at in times):
                continue
            completed_at = max(at for at in times if at is not None)
            self._add(
                CHECKLIST_COMPLETED,
                (user, key, str(checklist.version)),
                user,
                completed_at,
                {
                    "checklist": {"key": key, "version": checklist.version},
                    "completed_at": isoformat(completed_at),
                },
            )

    # Writing ----------------------------------------------------------------------------------

    def write(self, conn: Connection, now: datetime) -> int:
        """One delivery row per enabled endpoint that receives a message's kind; returns how
        many messages there were (0: nothing to wake the worker for)."""
        if not self.messages:
            return 0
        params = {"workspace_id": self.workspace_id}
        endpoints = [(id_, set(kinds)) for id_, kinds in conn.all(_ENDPOINTS, params)]
        users = sorted({message.user_id for message in self.messages})
        companies: dict[str, list[str]] = {}
        for user, company in conn.all(_MEMBERSHIPS, {**params, "user_ids": users}):
            companies.setdefault(user, []).append(company)
        rows = [
            {
                "workspace_id": self.workspace_id,
                "endpoint_id": endpoint_id,
                "message_id": message.id,
                "kind": message.kind.name,
                "body": message.body(companies.get(message.user_id, [])),
                "now": now,
            }
            for message in self.messages
            for endpoint_id, kinds in endpoints
            if message.kind.name in kinds
        ]
        # Sorted: concurrent transactions insert (and wait on the unique key) in one order.
        rows.sort(key=lambda row: (row["endpoint_id"], row["message_id"]))
        conn.many(_ENQUEUE, rows)
        count = len(self.messages)
        self.messages.clear()
        return count
