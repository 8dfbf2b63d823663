"""The checklists' end-of-onboarding surveys: answers, mean rating, the distribution 1-5 and
the comments with who wrote them (docs/kpis.md), for the users the filter keeps."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.sql.selectable import Select

from shirube.content.localize import resolve_text
from shirube.services.kpi_companies import company_name
from shirube.services.kpi_model import KpiFilter, SurveyComment, SurveyResult
from shirube.services.kpi_objectives import list_objectives, published
from shirube.services.kpi_segment import filtered_users, resolve_segment
from shirube.services.kpi_sql import in_set
from shirube.storage import Connection, in_values
from shirube.storage.tables import company, membership, survey_answer

# Comments listed per checklist, newest first.
MAX_COMMENTS = 200

_a = survey_answer.c
_COMPANIES = (
    select(membership.c.user_id, membership.c.company_id, company.c.traits)
    .join(
        company,
        and_(
            company.c.workspace_id == membership.c.workspace_id,
            company.c.external_id == membership.c.company_id,
        ),
        isouter=True,
    )
    .where(
        membership.c.workspace_id == bindparam("workspace_id"),
        in_values(membership.c.user_id, "user_ids"),
    )
    .order_by(membership.c.user_id, membership.c.company_id)
)


def companies_of(
    conn: Connection, workspace_id: int, user_ids: list[str]
) -> dict[str, tuple[str, str | None]]:
    """Each user's company (the first by id when several) and its name."""
    found: dict[str, tuple[str, str | None]] = {}
    if not user_ids:
        return found
    rows = conn.all(_COMPANIES, {"workspace_id": workspace_id, "user_ids": user_ids})
    for user_id, company_id, traits in rows:
        found.setdefault(user_id, (company_id, company_name(traits)))
    return found


def owner_of(
    owners: dict[str, tuple[str, str | None]], user_id: str
) -> tuple[str | None, str | None]:
    return owners.get(user_id, (None, None))


def _question(conn: Connection, workspace_id: int, key: str, locale: str) -> str:
    _, document = published(conn, workspace_id, "checklist", key)
    survey = document.get("survey") or {}
    question = survey.get("question")
    return resolve_text(question, locale, locale) if question else key


def surveys(
    conn: Connection,
    workspace_id: int,
    filt: KpiFilter,
    checklist: str | None = None,
    locale: str = "en",
) -> list[SurveyResult]:
    """One result per published checklist with a survey (or the one asked for, NotFound when
    it is not published), in the order of the objectives."""
    filt = resolve_segment(conn, workspace_id, filt)
    if checklist is not None:
        keys = [checklist]
        titles = {checklist: _question(conn, workspace_id, checklist, locale)}
    else:
        keys = [o.key for o in list_objectives(conn, workspace_id, locale) if o.kind == "checklist"]
        titles = {}
        for key in keys:
            _, document = published(conn, workspace_id, "checklist", key)
            if document.get("survey"):
                titles[key] = resolve_text(document["survey"]["question"], locale, locale)
        keys = [key for key in keys if key in titles]
    users, segment = filtered_users(workspace_id, filt)
    params: dict[str, Any] = {**segment.params, "keys": keys}
    where = [_a.workspace_id == bindparam("workspace_id"), in_values(_a.checklist_key, "keys")]
    if segment.by_user:
        where.append(in_set(_a.user_id, users.scalar_subquery()))
    tally: Select[Any] = (
        select(_a.checklist_key, _a.rating, func.count())
        .where(*where)
        .group_by(_a.checklist_key, _a.rating)
    )
    distribution: dict[str, Counter[int]] = defaultdict(Counter)
    for key, rating, count in conn.all(tally, params):
        distribution[key][rating] += count
    comments = conn.all(
        select(_a.checklist_key, _a.user_id, _a.rating, _a.comment, _a.answered_at)
        .where(*where, _a.comment.is_not(None), _a.comment != "")
        .order_by(_a.answered_at.desc(), _a.event_id),
        params,
    )
    by_key: dict[str, list[Any]] = defaultdict(list)
    for row in comments:
        if len(by_key[row.checklist_key]) < MAX_COMMENTS:
            by_key[row.checklist_key].append(row)
    owners = companies_of(
        conn, workspace_id, sorted({row.user_id for rows in by_key.values() for row in rows})
    )
    results = []
    for key in keys:
        counts = distribution[key]
        answers = sum(counts.values())
        total = sum(rating * count for rating, count in counts.items())
        results.append(
            SurveyResult(
                checklist=key,
                title=titles[key],
                answers=answers,
                mean=total / answers if answers else None,
                distribution={rating: counts.get(rating, 0) for rating in range(1, 6)},
                comments=[
                    SurveyComment(
                        row.user_id,
                        *owner_of(owners, row.user_id),
                        row.rating,
                        row.comment,
                        row.answered_at,
                    )
                    for row in by_key[key]
                ],
            )
        )
    return results
