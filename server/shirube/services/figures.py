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

from sqlalchemy import and_, func
from sqlmodel import Session, col, select

from shirube.content.localize import resolve_text
from shirube.models import ChecklistItemProgress, Company, EndUser, Membership

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


def _company_names(session: Session, workspace_id: int, ids: list[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = session.exec(
        select(Company.external_id, Company.traits).where(
            Company.workspace_id == workspace_id, col(Company.external_id).in_(ids)
        )
    ).all()
    return {cid: str(traits["name"]) for cid, traits in rows if traits.get("name")}


def _companies(
    session: Session, workspace_id: int, key: str, item_ids: list[str], completed: set[str]
) -> tuple[list[CompanyFigure], int]:
    progress = ChecklistItemProgress
    rows = session.exec(
        select(Membership.company_id, progress.user_id)
        .join(
            Membership,
            and_(
                col(Membership.workspace_id) == col(progress.workspace_id),
                col(Membership.user_id) == col(progress.user_id),
            ),
        )
        .where(
            progress.workspace_id == workspace_id,
            progress.checklist_key == key,
            col(progress.item_id).in_(item_ids),
        )
        .distinct()
    ).all()
    started: Counter[str] = Counter()
    done: Counter[str] = Counter()
    for company_id, user_id in rows:
        started[company_id] += 1
        done[company_id] += user_id in completed
    ranked = sorted(started, key=lambda c: (-done[c], -done[c] / started[c], c))[:TOP_COMPANIES]
    names = _company_names(session, workspace_id, ranked)
    figures = [CompanyFigure(c, names.get(c), started[c], done[c]) for c in ranked]
    return figures, len(started)


def checklist_figures(
    session: Session, workspace_id: int, version: int, document: Mapping[str, Any], locale: str
) -> ChecklistFigures:
    key: str = document["key"]
    item_ids = [item["id"] for item in document["items"]]
    progress = ChecklistItemProgress
    of_this_version = (
        progress.workspace_id == workspace_id,
        progress.checklist_key == key,
        # Items removed by a later version no longer count, though their rows stay.
        col(progress.item_id).in_(item_ids),
    )
    per_user = session.exec(
        select(
            progress.user_id,
            func.count(),
            func.max(progress.completed_at),
            EndUser.first_seen_at,
        )
        .join(
            EndUser,
            and_(
                col(EndUser.workspace_id) == col(progress.workspace_id),
                col(EndUser.external_id) == col(progress.user_id),
            ),
            isouter=True,
        )
        .where(*of_this_version)
        .group_by(col(progress.user_id), col(EndUser.first_seen_at))
    ).all()
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
    done_per_item = dict(
        session.exec(
            select(progress.item_id, func.count())
            .where(*of_this_version)
            .group_by(col(progress.item_id))
        ).all()
    )
    companies, company_count = _companies(session, workspace_id, key, item_ids, set(completed))
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
