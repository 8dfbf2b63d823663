"""Which users sent each event name: the counts behind feature usage (services/kpi_usage.py),
exact on both engines, read without a pass over the events of the asked names on SQLite.

PostgreSQL reads `ix_event_name` alone: it carries the user (INCLUDE, migration 0013); a name
at a time (with the names as an array, PostgreSQL 15 filtered the workspace's whole index
instead of searching each name) and distinct users by hashing, not sorting (a sort per name
spilled to disk at the default `work_mem`).

SQLite has no INCLUDE: counting read each event's row through the index (0.3 s of CPU for
three names at 1,000,000 events, bench/kpis.py), and a key of (workspace, name, user) costs
3-4× the CPU per ingested event (bench/README.md). So the KPI worker rolls the log up in
batches, off the ingestion path (`roll_up`): `event_name_user` holds a row per (workspace,
name, user) of the events up to `event_name_user_mark.event_rowid`. SQLite gives a new row the
largest rowid plus one and events are never deleted, so the events after the mark are exactly
those not rolled up yet, and `ix_event_name` ends with the rowid: they are a range of it. A
count adds the rolled-up users and the users of the events after the mark not rolled up yet,
in one statement (one snapshot): exact whatever the worker's lag (with the worker off, it
reads the whole log as before). Setting the mark back, even to 0, only makes the worker roll
those events up again.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, String, bindparam, exists, func, literal_column, select
from sqlalchemy.sql.selectable import Select

from shirube.services.kpi_sql import in_set
from shirube.storage import Connection, array_rows, in_values, insert
from shirube.storage.tables import event, event_name_user, event_name_user_mark

# Events rolled up per transaction of the worker (on SQLite it runs on the event loop, between
# event batches): about 10-20 ms of CPU at 1,000,000 events stored.
ROLL_CHUNK = 5000

_rolled, _mark = event_name_user.c, event_name_user_mark.c
_rowid = literal_column("event.rowid", BigInteger())
_MARK = select(func.coalesce(func.max(_mark.event_rowid), 0)).scalar_subquery()
_CHUNK_END = select(func.max(literal_column("r", BigInteger()))).select_from(
    select(_rowid.label("r"))
    .select_from(event)
    .where(_rowid > bindparam("mark"))
    .order_by(_rowid)
    .limit(bindparam("limit"))
    .subquery()
)
_ROLL = (
    insert(event_name_user)
    .from_select(
        ["workspace_id", "name", "user_id"],
        select(event.c.workspace_id, event.c.name, event.c.user_id)
        .distinct()
        .where(_rowid > bindparam("mark"), _rowid <= bindparam("last"))
        # In key order: each chunk's rows go into the rollup's pages in one sweep.
        .order_by(event.c.workspace_id, event.c.name, event.c.user_id),
    )
    .on_conflict_do_nothing()
)
_new_mark = insert(event_name_user_mark).values(id=1, event_rowid=bindparam("last"))
_SET_MARK = _new_mark.on_conflict_do_update(
    index_elements=["id"], set_={"event_rowid": _new_mark.excluded.event_rowid}
)


def roll_up(conn: Connection, limit: int = ROLL_CHUNK) -> int:
    """Roll the next `limit` events after the mark into `event_name_user` (inside a write
    transaction); how many. Nothing to do on PostgreSQL."""
    if not conn.is_sqlite:
        return 0
    mark = int(conn.scalar(select(_MARK)))
    last = conn.scalar(_CHUNK_END, {"mark": mark, "limit": limit})
    if last is None:
        return 0
    params = {"mark": mark, "last": int(last)}
    conn.run(_ROLL, params)
    conn.run(_SET_MARK, params)
    return int(last) - mark


def users_per_name(
    conn: Connection,
    workspace_id: int,
    names: list[str],
    users: Select[Any] | None,
    params: dict[str, Any],
) -> dict[str, int]:
    """Distinct users who sent each of `names` (absent: none), only those `users` selects
    when given (`kpi_segment.filtered_users`, with its `params`)."""
    params = {**params, "workspace_id": workspace_id, "names": names}
    if conn.is_sqlite:
        counts: dict[str, int] = {}
        for name, count in conn.all(_sqlite_counts(users), params):
            counts[name] = counts.get(name, 0) + count
        return counts
    params["name"] = names  # the array `asked` unnests
    return {name: count for name, count in conn.all(_postgres_counts(users), params) if count}


def _sqlite_counts(users: Select[Any] | None) -> Any:
    """Rows (name, users): the rolled-up ones, then those of the events after the mark."""
    rolled = select(_rolled.name, func.count()).where(
        _rolled.workspace_id == bindparam("workspace_id"), in_values(_rolled.name, "names")
    )
    already = exists().where(
        _rolled.workspace_id == event.c.workspace_id,
        _rolled.name == event.c.name,
        _rolled.user_id == event.c.user_id,
    )
    after = select(event.c.name, func.count(func.distinct(event.c.user_id))).where(
        event.c.workspace_id == bindparam("workspace_id"),
        in_values(event.c.name, "names"),
        _rowid > _MARK,
        ~already,
    )
    if users is not None:
        # Built only when a row reaches it: with nothing after the mark, never.
        rolled = rolled.where(in_set(_rolled.user_id, users.scalar_subquery()))
        after = after.where(in_set(event.c.user_id, users.scalar_subquery()))
    return rolled.group_by(_rolled.name).union_all(after.group_by(event.c.name))


def _postgres_counts(users: Select[Any] | None) -> Any:
    asked = array_rows("asked", name=String())
    of_name = (
        select(event.c.user_id)
        .distinct()
        .where(
            event.c.workspace_id == bindparam("workspace_id"),
            event.c.name == asked.c.name,
        )
    )
    if users is not None:
        of_name = of_name.where(in_set(event.c.user_id, users.scalar_subquery()))
    count = select(func.count()).select_from(of_name.correlate(asked).subquery()).scalar_subquery()
    return select(asked.c.name, count)
