"""Who to call: audience users not completed whose last progress (their first seen, when they
did nothing) is at least N days old, and companies not onboarded whose last activity is,
each with the contact traits a customer-success team reaches them by (docs/kpis.md)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select

from shirube.services.kpi_companies import company_rows
from shirube.services.kpi_model import KpiFilter, Objective, StuckCompany, StuckUser
from shirube.services.kpi_segment import audience, resolve_segment
from shirube.services.kpi_surveys import companies_of, owner_of
from shirube.storage import Connection, in_values
from shirube.storage.tables import company, end_user, kpi_user
from shirube.storage.types import UTCDateTime

# The traits copied into `contact`, when present.
CONTACT_TRAITS = ("email", "name", "phone")

_COMPANY_TRAITS = select(company.c.external_id, company.c.traits).where(
    company.c.workspace_id == bindparam("workspace_id"), in_values(company.c.external_id, "ids")
)


def contact(traits: Any) -> dict[str, str]:
    if not isinstance(traits, dict):
        return {}
    return {name: str(traits[name]) for name in CONTACT_TRAITS if traits.get(name) is not None}


def stuck_users(
    conn: Connection,
    workspace_id: int,
    objective: Objective,
    filt: KpiFilter,
    days: int,
    now: datetime,
    limit: int = 100,
) -> list[StuckUser]:
    """The longest stuck first (then by user id)."""
    filt = resolve_segment(conn, workspace_id, filt)
    since = func.coalesce(kpi_user.c.last_progress_at, end_user.c.first_seen_at)
    query, segment = audience(
        objective,
        workspace_id,
        filt,
        kpi_user.c.user_id,
        kpi_user.c.parts_done,
        kpi_user.c.last_progress_at,
        end_user.c.first_seen_at,
        end_user.c.traits,
    )
    query = (
        query.where(
            kpi_user.c.completed_at.is_(None),
            since <= bindparam("cutoff", type_=UTCDateTime()),
        )
        .order_by(since, kpi_user.c.user_id)
        .limit(bindparam("limit"))
    )
    params = {**segment.params, "cutoff": now - timedelta(days=days), "limit": limit}
    rows = conn.all(query, params)
    owners = companies_of(conn, workspace_id, [row.user_id for row in rows])
    return [
        StuckUser(
            row.user_id,
            *owner_of(owners, row.user_id),
            row.parts_done,
            row.last_progress_at or row.first_seen_at,
            contact(row.traits),
        )
        for row in rows
    ]


def stuck_companies(
    conn: Connection,
    workspace_id: int,
    objective: Objective,
    filt: KpiFilter,
    days: int,
    now: datetime,
    limit: int = 100,
) -> list[StuckCompany]:
    """Companies with audience users, not onboarded, inactive since the cutoff or never
    active; the longest inactive first (never active before all), then by id."""
    filt = resolve_segment(conn, workspace_id, filt)
    cutoff = now - timedelta(days=days)
    stuck = [
        row
        for row in company_rows(conn, workspace_id, objective, filt)
        if row.users
        and not row.onboarded
        and (row.last_activity_at is None or row.last_activity_at <= cutoff)
    ]
    stuck.sort(
        key=lambda row: (
            row.last_activity_at is not None,
            row.last_activity_at or now,
            row.company_id,
        )
    )
    stuck = stuck[:limit]
    traits = _company_traits(conn, workspace_id, [row.company_id for row in stuck])
    return [
        StuckCompany(
            row.company_id,
            row.name,
            row.users,
            row.completed,
            row.last_activity_at,
            contact(traits.get(row.company_id)),
        )
        for row in stuck
    ]


def _company_traits(conn: Connection, workspace_id: int, ids: list[str]) -> dict[str, Any]:
    if not ids:
        return {}
    return dict(conn.all(_COMPANY_TRAITS, {"workspace_id": workspace_id, "ids": ids}))
