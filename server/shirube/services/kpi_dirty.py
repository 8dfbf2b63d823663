"""Marking users whose KPI rows the worker must recompute (services/kpi_worker.py): in the
transaction that changed them (an event batch, new traits, a new membership)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import bindparam, literal, select

from shirube.storage import Connection, insert
from shirube.storage.tables import kpi_dirty, membership

_mark = insert(kpi_dirty).values(
    workspace_id=bindparam("workspace_id"),
    user_id=bindparam("user_id"),
    since=bindparam("now"),
    seq=0,
)
# A user marked already keeps their time (the worker's delay runs from the first mark).
_MARK = _mark.on_conflict_do_update(
    index_elements=["workspace_id", "user_id"], set_={"seq": kpi_dirty.c.seq + 1}
)


def mark_dirty(
    conn: Connection, workspace_id: int, user_ids: Collection[str], now: datetime
) -> None:
    """Have the worker recompute these users. A user marked again moves the mark's `seq`
    on, so a worker computing them meanwhile does not unmark them."""
    if user_ids:
        # Sorted, so that concurrent transactions lock the rows in one order.
        conn.many(
            _MARK,
            [{"workspace_id": workspace_id, "user_id": u, "now": now} for u in sorted(user_ids)],
        )


_mark_members = insert(kpi_dirty).from_select(
    ["workspace_id", "user_id", "since", "seq"],
    select(membership.c.workspace_id, membership.c.user_id, bindparam("now"), literal(0)).where(
        membership.c.workspace_id == bindparam("workspace_id"),
        membership.c.company_id == bindparam("company_id"),
    ),
)
_MARK_MEMBERS = _mark_members.on_conflict_do_update(
    index_elements=["workspace_id", "user_id"], set_={"seq": kpi_dirty.c.seq + 1}
)


def mark_company(conn: Connection, workspace_id: int, company_id: str, now: datetime) -> None:
    """Every user of a company whose traits changed (audiences may read them)."""
    conn.run(_MARK_MEMBERS, {"workspace_id": workspace_id, "company_id": company_id, "now": now})
