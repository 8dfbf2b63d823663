"""Feature usage: of the users the filter keeps, how many sent each chosen event at least once
(docs/kpis.md). Any event name may be asked for, not only those a published rule counts: the
counts come from the event log, through services/event_name_users.py (on PostgreSQL
`ix_event_name` alone; on SQLite a rollup per name and user kept by the KPI worker, plus the
events it has not rolled up yet)."""

from __future__ import annotations

from sqlalchemy import func, select

from shirube.services.event_name_users import users_per_name
from shirube.services.kpi_model import FeatureUsage, KpiFilter
from shirube.services.kpi_segment import filtered_users, resolve_segment
from shirube.storage import Connection

# Names asked for at once (the API's limit too).
MAX_EVENTS = 20


def feature_usage(
    conn: Connection, workspace_id: int, events: list[str], filt: KpiFilter
) -> list[FeatureUsage]:
    """In the order asked, each name once."""
    filt = resolve_segment(conn, workspace_id, filt)
    names = list(dict.fromkeys(events))[:MAX_EVENTS]
    users, segment = filtered_users(workspace_id, filt)
    of_users = conn.scalar(select(func.count()).select_from(users.subquery()), segment.params)
    if not names:
        return []
    kept = users if segment.by_user else None
    counts = users_per_name(conn, workspace_id, names, kept, segment.params)
    return [FeatureUsage(name, counts.get(name, 0), of_users or 0) for name in names]
