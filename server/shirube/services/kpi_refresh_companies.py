"""Recomputing companies' KPI rows (`kpi_company`) from their users' `kpi_user` rows: audience
users, completed users, when the company rule was met, the median time to completion and the
last activity. One read per chunk of companies."""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, bindparam, cast, func, literal_column, select

from shirube.content.goal import GoalDoc, RoleRule, ShareRule
from shirube.services.kpi_segment import nearest_rank
from shirube.services.published import PublishedContent
from shirube.storage import Connection, in_values, insert, stored
from shirube.storage.tables import end_user, kpi_company, kpi_user, membership


@dataclass
class Tally:
    """One objective's audience users of one company; times as stored (they sort as times)."""

    completed: list[Any] = field(default_factory=list)
    durations: list[float] = field(default_factory=list)
    users: int = 0
    # For a role rule: completion times of the users with the role (None: not completed).
    role_times: list[Any] = field(default_factory=list)


# Company recomputations take turns per company (PostgreSQL): of two instances counting one
# company's users at once, each would miss the other's uncommitted users and the last write
# would win. A transaction-level advisory lock per (workspace, company), taken in order.
_COMPANY_LOCK_CLASS = literal_column(str(0x4B50_4943), Integer)  # "KPIC"
_LOCK_COMPANY = select(
    func.pg_advisory_xact_lock(
        _COMPANY_LOCK_CLASS,
        func.hashtext(
            func.concat(
                cast(bindparam("workspace_id", type_=Integer), String),
                ":",
                bindparam("company_id", type_=String),
            )
        ),
    )
)


def _take_turns(conn: Connection, workspace_id: int, company_ids: list[str]) -> None:
    if not conn.is_sqlite:
        for company_id in company_ids:
            conn.run(_LOCK_COMPANY, {"workspace_id": workspace_id, "company_id": company_id})


# Three reads by key (members by company, then their rows and their user rows by user), joined
# here: a join left to the planner started from every kpi_user row of the workspace.
_MEMBERS = select(membership.c.company_id, membership.c.user_id).where(
    membership.c.workspace_id == bindparam("workspace_id"),
    in_values(membership.c.company_id, "company_ids"),
)
# Times as stored (fixed-layout text on SQLite, naive UTC on PostgreSQL), compared as they
# are: decoding every member's three times was a sixth of the worker's time at 1 M events.
# Only durations are decoded; a time picked (onboarded, last activity) is written back as read.
_IN_AUDIENCE = select(
    kpi_user.c.user_id, kpi_user.c.kind, kpi_user.c.key, stored(kpi_user.c.completed_at)
).where(
    kpi_user.c.workspace_id == bindparam("workspace_id"),
    in_values(kpi_user.c.user_id, "user_ids"),
    kpi_user.c.in_audience.is_(True),
)
_USERS = select(
    end_user.c.external_id, stored(end_user.c.first_seen_at), stored(end_user.c.last_seen_at)
).where(
    end_user.c.workspace_id == bindparam("workspace_id"),
    in_values(end_user.c.external_id, "user_ids"),
)
_TRAITS = select(end_user.c.external_id, end_user.c.traits).where(
    end_user.c.workspace_id == bindparam("workspace_id"),
    in_values(end_user.c.external_id, "user_ids"),
)

_new = insert(kpi_company).values(
    workspace_id=bindparam("workspace_id"),
    kind=bindparam("kind"),
    key=bindparam("key"),
    company_id=bindparam("company_id"),
    users=bindparam("users"),
    completed=bindparam("completed"),
    onboarded_at=bindparam("onboarded_at"),
    median_seconds=bindparam("median_seconds"),
    last_activity_at=bindparam("last_activity_at"),
    updated_at=bindparam("now"),
)
_UPSERT = _new.on_conflict_do_update(
    index_elements=["workspace_id", "kind", "key", "company_id"],
    set_={
        name: getattr(_new.excluded, name)
        for name in (
            "users",
            "completed",
            "onboarded_at",
            "median_seconds",
            "last_activity_at",
            "updated_at",
        )
    },
)


def onboarded_at(tally: Tally, goal: GoalDoc | None) -> Any:
    """When the company rule was met (docs/kpis.md); without one, when every audience user
    had completed."""
    rule = None if goal is None else goal.company
    done = sorted(tally.completed)
    if isinstance(rule, ShareRule):
        needed = math.ceil(rule.percent * tally.users / 100)
        return done[needed - 1] if tally.users and len(done) >= needed else None
    if isinstance(rule, RoleRule):
        times = tally.role_times
        if not times or any(at is None for at in times):
            return None
        return max(at for at in times if at is not None)
    return done[-1] if tally.users and len(done) == tally.users else None


def _naive_sqlite(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _naive_postgres(value: datetime) -> datetime:
    return value


def refresh_companies(
    conn: Connection,
    workspace_id: int,
    company_ids: Collection[str],
    published: PublishedContent,
    now: datetime,
) -> None:
    """Recompute these companies' rows for every published objective (inside the caller's
    transaction)."""
    if not company_ids:
        return
    ordered = sorted(company_ids)
    _take_turns(conn, workspace_id, ordered)
    params = {"workspace_id": workspace_id, "company_ids": ordered}
    members: dict[str, list[str]] = {}
    for company_id, user_id in conn.all(_MEMBERS, params):
        members.setdefault(user_id, []).append(company_id)
    by_user = {"workspace_id": workspace_id, "user_ids": sorted(members)}
    users = {u: (first, last) for u, first, last in conn.all(_USERS, by_user)} if members else {}
    role_rules = {
        key: goal.doc.company
        for key, goal in published.goals.items()
        if isinstance(goal.doc.company, RoleRule)
    }
    traits = dict(conn.all(_TRAITS, by_user)) if role_rules and members else {}
    tallies: dict[tuple[str, str, str], Tally] = {}
    naive = _naive_sqlite if conn.is_sqlite else _naive_postgres
    for user_id, kind, key, completed_at in conn.all(_IN_AUDIENCE, by_user) if members else ():
        first_seen = users.get(user_id, (None, None))[0]
        rule = role_rules.get(key) if kind == "goal" else None
        seconds = None
        if completed_at is not None and first_seen is not None:
            seconds = max(0.0, (naive(completed_at) - naive(first_seen)).total_seconds())
        for company_id in members[user_id]:
            tally = tallies.setdefault((company_id, kind, key), Tally())
            tally.users += 1
            if completed_at is not None:
                tally.completed.append(completed_at)
                if seconds is not None:
                    tally.durations.append(seconds)
            if rule is not None and (traits.get(user_id) or {}).get(rule.trait) == rule.value:
                tally.role_times.append(completed_at)
    activity: dict[str, Any] = {}
    for user_id, companies in members.items():
        last_seen = users.get(user_id, (None, None))[1]
        if last_seen is not None:
            for company_id in companies:
                activity[company_id] = max(activity.get(company_id, last_seen), last_seen)
    objectives = [
        *(("goal", key, goal.doc) for key, goal in published.goals.items()),
        *(("checklist", key, None) for key in published.checklists),
        *(("tour", key, None) for key in published.tours),
    ]
    rows: list[dict[str, Any]] = []
    for company_id in sorted(company_ids):
        for kind, key, goal_doc in objectives:
            tally = tallies.get((company_id, kind, key), Tally())
            rows.append(
                {
                    "workspace_id": workspace_id,
                    "kind": kind,
                    "key": key,
                    "company_id": company_id,
                    "users": tally.users,
                    "completed": len(tally.completed),
                    "onboarded_at": onboarded_at(tally, goal_doc),
                    # Nearest rank, as the queries' percentiles (docs/kpis.md).
                    "median_seconds": nearest_rank(sorted(tally.durations), 50),
                    "last_activity_at": activity.get(company_id),
                    "now": now,
                }
            )
    if rows:
        conn.many(_UPSERT, rows)
