"""Feature usage: of the users the filter keeps, how many sent each chosen event at least once
(docs/kpis.md). The one KPI read from the event log itself: any event name may be asked for,
not only those a published rule counts; `ix_event_name` (workspace, name) finds each name's
events, and on PostgreSQL carries their user (INCLUDE), so the events themselves are not read
there. (A key of (workspace, name, user) would make it index-only on SQLite too, but costs a
random index insert per event at ingestion: bench/README.md.)"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.sql.selectable import Select

from shirube.services.kpi_model import FeatureUsage, KpiFilter
from shirube.services.kpi_segment import filtered_users
from shirube.services.kpi_sql import in_set
from shirube.storage import Connection, in_values
from shirube.storage.tables import event

# Names asked for at once (the API's limit too).
MAX_EVENTS = 20


def feature_usage(
    conn: Connection, workspace_id: int, events: list[str], filt: KpiFilter
) -> list[FeatureUsage]:
    """In the order asked, each name once."""
    names = list(dict.fromkeys(events))[:MAX_EVENTS]
    users, segment = filtered_users(workspace_id, filt)
    of_users = conn.scalar(select(func.count()).select_from(users.subquery()), segment.params)
    if not names:
        return []
    query: Select[Any] = (
        select(event.c.name, func.count(func.distinct(event.c.user_id)))
        .where(event.c.workspace_id == bindparam("workspace_id"), in_values(event.c.name, "names"))
        .group_by(event.c.name)
    )
    if segment.by_user:
        query = query.where(in_set(event.c.user_id, users.scalar_subquery()))
    counts = dict(conn.all(query, {**segment.params, "names": names}))
    return [FeatureUsage(name, counts.get(name, 0), of_users or 0) for name in names]
