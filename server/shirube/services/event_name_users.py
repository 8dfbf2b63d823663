"""Which users sent each event name: the counts behind feature usage (services/kpi_usage.py),
exact on both engines; on SQLite, for a name asked before, without a pass over its events.

PostgreSQL reads `ix_event_name` alone: it carries the user (INCLUDE, migration 0013); a name
at a time (with the names as an array, PostgreSQL 15 filtered the workspace's whole index
instead of searching each name) and distinct users by hashing, not sorting (a sort per name
spilled to disk at the default `work_mem`).

SQLite has no INCLUDE: counting read each event's row through the index (0.3 s of CPU for
three names at 1,000,000 events, bench/kpis.py), and a key of (workspace, name, user) costs
3-4× the CPU per ingested event (bench/README.md). So the KPI worker rolls up, off the
ingestion path and in batches (`roll_up`), the events of the names asked for: the first
`users_per_name` of a name reads its events from the log and has it tracked (a mark row, at
0); then `event_name_user` holds a row per (workspace, name, user) of that name's events up to
its mark (`event_name_user_mark.event_rowid`). Rolling up every name cost 9 µs of CPU per event
at 1,000,000 events (the same process as ingestion, on SQLite); tracked names cost that only
for their own events.

SQLite gives a new row the largest rowid plus one and events are never deleted, so a name's
events after its mark are exactly those not rolled up yet, and `ix_event_name` ends with the
rowid: they are a range of it. A count adds the rolled-up users and the users of the events
after the mark not rolled up yet, in one statement (one snapshot): exact whatever the worker's
lag (with the worker off, it reads the log as before). Setting a mark back, even to 0, only
makes the worker roll those events up again.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, String, bindparam, exists, func, literal_column, select
from sqlalchemy.sql.selectable import Select

from shirube.services.kpi_sql import in_set
from shirube.storage import Connection, array_rows, insert
from shirube.storage.tables import event, event_name_user, event_name_user_mark
from shirube.storage.types import ValueList

# Events rolled up per transaction of the worker (on SQLite it runs on the event loop, between
# event batches): about 40 ms of CPU at 1,000,000 events stored.
ROLL_CHUNK = 5000

# Names asked for since the worker last looked, (workspace, name), not tracked yet maybe: the
# worker runs in the process that serves the reads (SQLite: one instance). A name asked in
# another process, or before a restart, is tracked when asked again; counts never depend on
# which names are tracked.
_asked: set[tuple[int, str]] = set()

_rolled, _mark = event_name_user.c, event_name_user_mark.c
_rowid = literal_column("event.rowid", BigInteger())
_OF_NAME = (
    event.c.workspace_id == bindparam("workspace_id"),
    event.c.name == bindparam("name"),
)
_TRACK = (
    insert(event_name_user_mark)
    .values(workspace_id=bindparam("workspace_id"), name=bindparam("name"), event_rowid=0)
    .on_conflict_do_nothing()
)
_TRACKED = select(_mark.workspace_id, _mark.name, _mark.event_rowid).order_by(
    _mark.workspace_id, _mark.name
)
_CHUNK_END = select(func.max(literal_column("r", BigInteger())), func.count()).select_from(
    select(_rowid.label("r"))
    .select_from(event)
    .where(*_OF_NAME, _rowid > bindparam("mark"))
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
        .where(*_OF_NAME, _rowid > bindparam("mark"), _rowid <= bindparam("last"))
        # In key order: each chunk's rows go into the rollup's pages in one sweep.
        .order_by(event.c.user_id),
    )
    .on_conflict_do_nothing()
)
_SET_MARK = (
    event_name_user_mark.update()
    .where(_mark.workspace_id == bindparam("workspace_id"), _mark.name == bindparam("name"))
    .values(event_rowid=bindparam("last"))
)


def has_work(conn: Connection) -> bool:
    """Whether `roll_up` has anything to do (read only: the worker polls with it, so that an
    idle poll takes no write lock)."""
    if not conn.is_sqlite:
        return False
    if _asked:
        return True
    for workspace_id, name, mark in conn.all(_TRACKED):
        params = {"workspace_id": workspace_id, "name": name, "mark": mark, "limit": 1}
        if conn.one(_CHUNK_END, params)[0] is not None:
            return True
    return False


def roll_up(conn: Connection, limit: int = ROLL_CHUNK) -> int:
    """Track the names asked for since the last call, then roll up to `limit` events of the
    first tracked name with events after its mark (inside a write transaction); how many.
    Nothing to do on PostgreSQL."""
    if not conn.is_sqlite:
        return 0
    if _asked:
        asked = sorted(_asked)
        _asked.clear()
        conn.many(_TRACK, [{"workspace_id": ws, "name": name} for ws, name in asked])
    for workspace_id, name, mark in conn.all(_TRACKED):
        params = {"workspace_id": workspace_id, "name": name, "mark": mark, "limit": limit}
        last, count = conn.one(_CHUNK_END, params)
        if last is not None:
            params["last"] = last
            conn.run(_ROLL, params)
            conn.run(_SET_MARK, params)
            return int(count)
    return 0


def users_per_name(
    conn: Connection,
    workspace_id: int,
    names: list[str],
    users: Select[Any] | None,
    params: dict[str, Any],
) -> dict[str, int]:
    """Distinct users who sent each of `names` (each once; absent: none), only those `users`
    selects when given (`kpi_segment.filtered_users`, with its `params`)."""
    params = {**params, "workspace_id": workspace_id}
    if conn.is_sqlite:
        _asked.update((workspace_id, name) for name in names)
        statement, params["names"] = _sqlite_counts(users), names
    else:
        statement, params["name"] = _postgres_counts(users), names  # the array `asked` unnests
    return {name: count for name, count in conn.all(statement, params) if count}


def _sqlite_counts(users: Select[Any] | None) -> Any:
    """Per name asked, in one statement: its rolled-up users, plus the users of its events
    after its mark (all of them for a name not tracked) that are not rolled up yet."""
    asked = func.json_each(bindparam("names", type_=ValueList())).table_valued("value")
    rolled = select(func.count()).where(
        _rolled.workspace_id == bindparam("workspace_id"), _rolled.name == asked.c.value
    )
    mark = (
        select(_mark.event_rowid)
        .where(_mark.workspace_id == bindparam("workspace_id"), _mark.name == asked.c.value)
        .correlate(asked)
    )
    already = exists().where(
        _rolled.workspace_id == event.c.workspace_id,
        _rolled.name == event.c.name,
        _rolled.user_id == event.c.user_id,
    )
    after = select(func.count(func.distinct(event.c.user_id))).where(
        event.c.workspace_id == bindparam("workspace_id"),
        event.c.name == asked.c.value,
        # Correlated with the name: each name's events after its mark are a range of the index.
        _rowid > func.coalesce(mark.scalar_subquery(), 0),
        ~already,
    )
    if users is not None:
        # Built once per statement, and only when a row reaches it.
        rolled = rolled.where(in_set(_rolled.user_id, users.scalar_subquery()))
        after = after.where(in_set(event.c.user_id, users.scalar_subquery()))
    return select(asked.c.value, rolled.scalar_subquery() + after.scalar_subquery())


def _postgres_counts(users: Select[Any] | None) -> Any:
    asked = array_rows("asked", name=String())
    of_name = (
        select(event.c.user_id)
        .distinct()
        .where(event.c.workspace_id == bindparam("workspace_id"), event.c.name == asked.c.name)
    )
    if users is not None:
        of_name = of_name.where(in_set(event.c.user_id, users.scalar_subquery()))
    count = select(func.count()).select_from(of_name.correlate(asked).subquery())
    return select(asked.c.name, count.scalar_subquery())
