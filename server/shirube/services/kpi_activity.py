"""Active users per UTC day or ISO week, out of the users known by the end of it (docs/kpis.md).

Active here means an event stored for the user in that period (the widget's `$active`
heartbeats, page views and every other event). Read from the event log by time: a scan of
the workspace's events of the range. The per-user-per-day active time table of the `$active`
work (services/active_time.py, when merged) answers the same from an index by day; this
module moves to it then.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import String

from shirube.services.kpi_model import ActivityPoint, KpiFilter
from shirube.services.kpi_segment import filtered_users, week_start
from shirube.storage import Connection
from shirube.storage.tables import end_user, event
from shirube.storage.types import UTCDateTime

Period = Literal["day", "week"]


class period_start(ColumnElement[Any]):
    """The first day (UTC, `YYYY-MM-DD` text) of the day or ISO week of a stored time."""

    inherit_cache = False
    type = String()

    def __init__(self, column: ColumnElement[Any], period: Period) -> None:
        self.column = column
        self.period = period


@compiles(period_start, "sqlite")
def _period_sqlite(element: period_start, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    if element.period == "week":
        # Back 6 days, then on to the next Monday (the same day when it is one).
        return f"date({column}, '-6 days', 'weekday 1')"
    return f"date({column})"


@compiles(period_start, "postgresql")
def _period_postgres(element: period_start, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    unit = "week" if element.period == "week" else "day"
    return f"to_char(date_trunc('{unit}', {column}), 'YYYY-MM-DD')"


def _starts(start: date, end: date, period: Period) -> list[date]:
    first = week_start(start) if period == "week" else start
    step = timedelta(days=7 if period == "week" else 1)
    starts = []
    while first <= end:
        starts.append(first)
        first += step
    return starts


def activity(
    conn: Connection,
    workspace_id: int,
    filt: KpiFilter,
    start: date,
    end: date,
    period: Period,
) -> list[ActivityPoint]:
    """One point per day (or per ISO week touching the range) from `start` to `end`."""
    starts = _starts(start, end, period)
    if not starts:
        return []
    step = timedelta(days=7 if period == "week" else 1)
    users, segment = filtered_users(workspace_id, filt)
    params = {
        **segment.params,
        "since": datetime.combine(starts[0], time(), UTC),
        "until": datetime.combine(starts[-1] + step, time(), UTC),
    }
    bucket = period_start(event.c.timestamp, period)
    active_query = (
        select(bucket, func.count(func.distinct(event.c.user_id)))
        .where(
            event.c.workspace_id == bindparam("workspace_id"),
            event.c.timestamp >= bindparam("since", type_=UTCDateTime()),
            event.c.timestamp < bindparam("until", type_=UTCDateTime()),
        )
        .group_by(bucket)
    )
    if segment.by_user:
        active_query = active_query.where(event.c.user_id.in_(users.scalar_subquery()))
    active = dict(conn.all(active_query, params))
    seen = period_start(end_user.c.first_seen_at, period)
    known_query = (
        select(seen, func.count())
        .where(end_user.c.external_id.in_(users.scalar_subquery()))
        .group_by(seen)
        .order_by(seen)
    )
    firsts = conn.all(known_query, params)
    points = []
    for first in starts:
        label = first.isoformat()
        known = sum(count for day, count in firsts if day <= label)
        points.append(ActivityPoint(first, active.get(label, 0), known))
    return points
