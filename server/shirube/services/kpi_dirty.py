"""Marking users whose KPI rows the worker must recompute (services/kpi_worker.py): in the
transaction that changed them (an event batch, new traits, a new membership)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, case, literal, select

from shirube.storage import Connection, insert
from shirube.storage.tables import kpi_dirty, membership
from shirube.storage.types import UTCDateTime

# The worker takes a user this long after their last mark: a user busy sending events is
# recomputed once they pause, not every few batches (each recomputation reads all their facts).
DELAY = timedelta(seconds=5)
# ... but at most this long after their first mark, however long they keep sending: the
# figures' freshness (docs/kpis.md).
CAP = timedelta(seconds=30)


def _marking(new_row: Any) -> Any:
    """The upsert of a mark made at `now`, due at `due` unless the cap (`floor`: the first
    marks that reached it) holds it earlier. The statement compares times only: no date
    arithmetic in SQL, the same on both engines."""
    return new_row.on_conflict_do_update(
        index_elements=["workspace_id", "user_id"],
        set_={
            "seq": kpi_dirty.c.seq + 1,
            # Pushed on while the first mark is recent; else kept (it is before since + CAP).
            "due_at": case(
                (kpi_dirty.c.since > bindparam("floor"), new_row.excluded.due_at),
                else_=kpi_dirty.c.due_at,
            ),
        },
    )


def _times(now: datetime) -> dict[str, datetime]:
    return {"now": now, "due": now + DELAY, "floor": now + DELAY - CAP}


_MARK = _marking(
    insert(kpi_dirty).values(
        workspace_id=bindparam("workspace_id"),
        user_id=bindparam("user_id"),
        since=bindparam("now"),
        due_at=bindparam("due"),
        seq=0,
    )
)


def mark_dirty(
    conn: Connection, workspace_id: int, user_ids: Collection[str], now: datetime
) -> None:
    """Have the worker recompute these users, `DELAY` after this mark (at most `CAP` after
    their first). A user marked again moves the mark's `seq` on, so a worker computing them
    meanwhile does not unmark them."""
    if user_ids:
        times = _times(now)
        # Sorted, so that concurrent transactions lock the rows in one order.
        conn.many(
            _MARK,
            [{"workspace_id": workspace_id, "user_id": u, **times} for u in sorted(user_ids)],
        )


_MARK_MEMBERS = _marking(
    insert(kpi_dirty).from_select(
        ["workspace_id", "user_id", "since", "due_at", "seq"],
        select(
            membership.c.workspace_id,
            membership.c.user_id,
            bindparam("now", type_=UTCDateTime()),
            bindparam("due", type_=UTCDateTime()),
            literal(0),
        ).where(
            membership.c.workspace_id == bindparam("workspace_id"),
            membership.c.company_id == bindparam("company_id"),
        ),
    )
)


def mark_company(conn: Connection, workspace_id: int, company_id: str, now: datetime) -> None:
    """Every user of a company whose traits changed (audiences may read them)."""
    conn.run(_MARK_MEMBERS, {"workspace_id": workspace_id, "company_id": company_id, **_times(now)})
