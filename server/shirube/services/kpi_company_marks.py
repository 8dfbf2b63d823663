"""Companies whose `kpi_company` rows the KPI worker must recount (`kpi_dirty_company`).

Recounting a company reads every member's rows (services/kpi_refresh_companies.py): 20
members read for each user computed, in the benchmark's data set, most of the worker's time
at 1 M events. So the worker, having computed a chunk of users, marks their companies instead
of recounting them at once, and recounts marked companies `COMPANY_DELAY` after their first
mark: once for all the members computed meanwhile. A mark made while the company is recounted
moves its `seq` on: it is not unmarked but due again after another delay (as users' marks:
services/kpi_worker.py).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import bindparam, delete, select, update

from shirube.services.kpi_refresh_companies import refresh_companies
from shirube.services.published import PublishedCache, batch_content
from shirube.storage import ByEngine, Connection, in_values, insert
from shirube.storage.tables import kpi_dirty_company
from shirube.timeutil import utcnow

# Company figures lag their users' by at most this (docs/kpis.md).
COMPANY_DELAY = timedelta(seconds=10)
COMPANY_CHUNK = 200

_c = kpi_dirty_company.c
_new = insert(kpi_dirty_company).values(
    workspace_id=bindparam("workspace_id"),
    company_id=bindparam("company_id"),
    since=bindparam("now"),
    due_at=bindparam("due"),
    seq=0,
)
# Marked again: still due a delay after the first mark.
_MARK = _new.on_conflict_do_update(
    index_elements=["workspace_id", "company_id"], set_={"seq": _c.seq + 1}
)
_DUE = (
    select(_c.workspace_id, _c.company_id)
    .where(_c.due_at <= bindparam("before"))
    .order_by(_c.due_at)
    .limit(bindparam("limit"))
)
_OF_WORKSPACE = _c.workspace_id == bindparam("workspace_id")
_OF_MARK = (_OF_WORKSPACE, _c.company_id == bindparam("company_id"))
_claim = (
    select(_c.company_id, _c.seq)
    .where(_OF_WORKSPACE, in_values(_c.company_id, "company_ids"))
    .order_by(_c.company_id)
)
# PostgreSQL: another instance skips the companies this one recounts.
_CLAIM = ByEngine(sqlite=_claim, postgresql=_claim.with_for_update(skip_locked=True))
_UNMARK = delete(kpi_dirty_company).where(*_OF_MARK, _c.seq == bindparam("seq"))
_REARM = (
    update(kpi_dirty_company)
    .where(*_OF_MARK)
    .values(since=bindparam("now"), due_at=bindparam("due"))
)
_POSTPONE = update(kpi_dirty_company).where(*_OF_MARK).values(due_at=bindparam("until"))


class DueCompanies(NamedTuple):
    workspace_id: int
    company_ids: list[str]


def mark_companies(
    conn: Connection, workspace_id: int, company_ids: Collection[str], now: datetime
) -> None:
    """Have the worker recount these companies `COMPANY_DELAY` after their first mark."""
    if company_ids:
        due = now + COMPANY_DELAY
        # Sorted: concurrent transactions lock the rows in one order.
        conn.many(
            _MARK,
            [
                {"workspace_id": workspace_id, "company_id": c, "now": now, "due": due}
                for c in sorted(company_ids)
            ],
        )


def due_companies(
    conn: Connection, limit: int = COMPANY_CHUNK, ahead: timedelta = timedelta(0)
) -> DueCompanies | None:
    """Up to `limit` companies of one workspace due now (or within `ahead`; read only)."""
    found = conn.all(_DUE, {"limit": limit, "before": utcnow() + ahead})
    if not found:
        return None
    workspace_id = found[0][0]
    return DueCompanies(workspace_id, sorted({c for ws, c in found if ws == workspace_id}))


def recount_due(conn: Connection, cache: PublishedCache, marked: DueCompanies) -> int:
    """Claim, recount and unmark those of `marked` no other instance holds; return how many."""
    params = {"workspace_id": marked.workspace_id, "company_ids": marked.company_ids}
    mine = conn.all(_CLAIM, params)
    if not mine:
        return 0
    try:
        content = batch_content(conn, cache, marked.workspace_id)
    except LookupError:
        content = None  # the workspace was deleted: nothing to count
    now = utcnow()
    if content is not None:
        companies = [company_id for company_id, _ in mine]
        refresh_companies(conn, marked.workspace_id, companies, content.published, now)
    common = {"workspace_id": marked.workspace_id, "now": now, "due": now + COMPANY_DELAY}
    marks = [{**common, "company_id": c, "seq": seq} for c, seq in mine]
    conn.many(_UNMARK, marks)
    conn.many(_REARM, marks)
    return len(mine)


def postpone_companies(conn: Connection, marked: DueCompanies, until: datetime) -> None:
    """After a failed recount: these companies later, others first."""
    conn.many(
        _POSTPONE,
        [
            {"workspace_id": marked.workspace_id, "company_id": c, "until": until}
            for c in marked.company_ids
        ],
    )
