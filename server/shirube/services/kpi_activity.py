"""Active users per UTC day or ISO week, out of the users known by the end of it (docs/kpis.md).

Active means active time that day: a `user_active_day` row, which the widget's `$active`
heartbeats (and a host backend's, through the SDK) make (services/active_time.py); active in a
week, a `user_active_week` row, written with the day's. Days are read by their index by day
(`ix_user_active_day_day`: workspace, day, user), weeks in their key's order (workspace, week,
user), so a range costs the user-days (user-weeks) in it, not the event log: counting from the
log was a scan of every event of the range (4 s at 1,000,000 events, bench/kpis.py).
"""

from __future__ import annotations

from bisect import bisect_left
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select

from shirube.services.kpi_model import ActivityPoint, KpiFilter
from shirube.services.kpi_segment import filtered_users, resolve_segment, week_start
from shirube.services.kpi_sql import Period, in_set, utc_day
from shirube.storage import Connection
from shirube.storage.tables import end_user, user_active_day, user_active_week
from shirube.storage.types import UTCDateTime

_day, _week = user_active_day.c, user_active_week.c


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
    filt = resolve_segment(conn, workspace_id, filt)
    starts = _starts(start, end, period)
    if not starts:
        return []
    step = timedelta(days=7 if period == "week" else 1)
    users, segment = filtered_users(workspace_id, filt)
    until = starts[-1] + step
    params = {
        **segment.params,
        "first_day": starts[0].isoformat(),
        "last_day": (until - timedelta(days=1)).isoformat(),
        "until": datetime.combine(until, time(), UTC),
    }
    if period == "day":
        # A row per user and day: a day's rows are its active users.
        table: Any = user_active_day
        bucket, lower, upper = _day.day, "first_day", "last_day"
    else:
        # A row per user and week (written with the day's, services/active_time.py): a week's
        # rows are its active users, counted in key order (a distinct count over the range's
        # user-days sorted them all: 0.35-0.65 s for 12 weeks at 100,000 users, bench/kpis.py).
        table = user_active_week
        bucket, lower, upper = _week.week, "first_day", "last_week"
        params["last_week"] = starts[-1].isoformat()
    active_query = (
        select(bucket, func.count())
        .where(
            table.c.workspace_id == bindparam("workspace_id"),
            bucket >= bindparam(lower),
            bucket <= bindparam(upper),
        )
        .group_by(bucket)
    )
    if segment.by_user:
        active_query = active_query.where(in_set(table.c.user_id, users.scalar_subquery()))
    active = dict(conn.all(active_query, params))
    # Users first seen on each day, added up here: known by the end of a period are those
    # first seen on a day before the next period starts.
    seen = utc_day(end_user.c.first_seen_at)
    known_query = (
        users.with_only_columns(seen, func.count())
        .where(end_user.c.first_seen_at < bindparam("until", type_=UTCDateTime()))
        .group_by(seen)
        .order_by(seen)
    )
    days, running, total = [], [], 0
    for day, count in conn.all(known_query, params):
        total += count
        days.append(str(day))
        running.append(total)
    points = []
    for first in starts:
        before = bisect_left(days, (first + step).isoformat())
        known = running[before - 1] if before else 0
        points.append(ActivityPoint(first, active.get(first.isoformat(), 0), known))
    return points
