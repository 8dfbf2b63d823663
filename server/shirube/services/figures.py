"""Onboarding figures of one published checklist, computed from stored progress rows.

Definitions (docs/console.md): a user *started* the checklist when at least one item of its
published version is done, and *completed* it when every item of that version is done. Time
to completion runs from the user's first-seen time (earliest event or session) to the
completion of the last item.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, func, select

from shirube.content.localize import resolve_text
from shirube.storage import Connection, in_values
from shirube.storage.tables import checklist_item_progress, company, end_user, membership

TOP_COMPANIES = 10


@dataclass(frozen=True)
class ItemFigure:
    item_id: str
    title: str
    done: int


@dataclass(frozen=True)
class CompanyFigure:
    company_id: str
    name: str | None
    started: int
    completed: int

    @property
    def share(self) -> float:
        return self.completed / self.started


@dataclass(frozen=True)
class ChecklistFigures:
    key: str
    title: str
    version: int
    items: list[ItemFigure]
    started: int
    completed: int
    median_seconds: float | None
    companies: list[CompanyFigure]
    company_count: int

    @property
    def rate(self) -> float | None:
        return self.completed / self.started if self.started else None


_progress = checklist_item_progress.c
# Items removed by a later version no longer count, though their rows stay.
_OF_THIS_VERSION = (
    _progress.workspace_id == bindparam("workspace_id"),
    _progress.checklist_key == bindparam("key"),
    in_values(_progress.item_id, "item_ids"),
)
_COMPANY_NAMES = select(company.c.external_id, company.c.traits).where(
    company.c.workspace_id == bindparam("workspace_id"),
    in_values(company.c.external_id, "ids"),
)
_COMPANY_USERS = (
    select(membership.c.company_id, _progress.user_id)
    .join(
        membership,
        and_(
            membership.c.workspace_id == _progress.workspace_id,
            membership.c.user_id == _progress.user_id,
        ),
    )
    .where(*_OF_THIS_VERSION)
    .distinct()
)
_PER_USER = (
    select(
        _progress.user_id, func.count(), func.max(_progress.completed_at), end_user.c.first_seen_at
    )
    .join(
        end_user,
        and_(
            end_user.c.workspace_id == _progress.workspace_id,
            end_user.c.external_id == _progress.user_id,
        ),
        isouter=True,
    )
    .where(*_OF_THIS_VERSION)
    .group_by(_progress.user_id, end_user.c.first_seen_at)
)
_DONE_PER_ITEM = (
    select(_progress.item_id, func.count()).where(*_OF_THIS_VERSION).group_by(_progress.item_id)
)


def _company_names(conn: Connection, workspace_id: int, ids: list[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = conn.all(_COMPANY_NAMES, {"workspace_id": workspace_id, "ids": ids})
    return {cid: str(traits["name"]) for cid, traits in rows if traits.get("name")}


def _companies(
    conn: Connection, params: dict[str, Any], completed: set[str]
) -> tuple[list[CompanyFigure], int]:
    started: Counter[str] = Counter()
    done: Counter[str] = Counter()
    for company_id, user_id in conn.all(_COMPANY_USERS, params):
        started[company_id] += 1
        done[company_id] += user_id in completed
    ranked = sorted(started, key=lambda c: (-done[c], -done[c] / started[c], c))[:TOP_COMPANIES]
    names = _company_names(conn, params["workspace_id"], ranked)
    figures = [CompanyFigure(c, names.get(c), started[c], done[c]) for c in ranked]
    return figures, len(started)


def checklist_figures(
    conn: Connection, workspace_id: int, version: int, document: Mapping[str, Any], locale: str
) -> ChecklistFigures:
    key: str = document["key"]
    item_ids = [item["id"] for item in document["items"]]
    params = {"workspace_id": workspace_id, "key": key, "item_ids": item_ids}
    per_user = conn.all(_PER_USER, params)
    # One row per (user, item): the count is the number of distinct items done.
    completed: dict[str, tuple[datetime, datetime | None]] = {
        user_id: (last, first_seen)
        for user_id, count, last, first_seen in per_user
        if count == len(item_ids)
    }
    durations = [
        max(0.0, (last - first_seen).total_seconds())
        for last, first_seen in completed.values()
        if first_seen is not None
    ]
    done_per_item = {item_id: count for item_id, count in conn.all(_DONE_PER_ITEM, params)}
    companies, company_count = _companies(conn, params, set(completed))
    return ChecklistFigures(
        key=key,
        title=resolve_text(document["title"], None, locale),
        version=version,
        items=[
            ItemFigure(
                item["id"],
                resolve_text(item["title"], None, locale),
                done_per_item.get(item["id"], 0),
            )
            for item in document["items"]
        ],
        started=len(per_user),
        completed=len(completed),
        median_seconds=statistics.median(durations) if durations else None,
        companies=companies,
        company_count=company_count,
    )
