"""Active users per day or week (docs/kpis.md)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from shirube.services.kpi_model import ActivityPoint, KpiFilter
from shirube.storage import Connection


def activity(
    conn: Connection,
    workspace_id: int,
    filt: KpiFilter,
    start: date,
    end: date,
    period: Literal["day", "week"],
) -> list[ActivityPoint]:
    raise NotImplementedError
