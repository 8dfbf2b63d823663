"""Recomputing users' KPI rows (`kpi_user`) from their stored facts: for every published goal,
checklist and tour, whether the user is in its audience now, when they started, completed and
last made progress (event time). Checklist items whose rules the facts meet are stored first
(like a session's catch-up), so an item and the goals that wait for it agree.

Called by the KPI worker for the users that ingestion and identify marked (services/
kpi_worker.py) and by backfill jobs, a chunk of users at a time; a few statements per chunk,
whatever its size.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, case, func, or_, select

from shirube.content.rules import EvalContext, UserFacts
from shirube.services.completions import derived_completions, store_completions
from shirube.services.progress import BUMP_PROGRESS_REV
from shirube.services.published import PublishedContent
from shirube.services.rule_facts import active_minutes, load_facts, property_names
from shirube.services.webhook_outbox import Outbox
from shirube.storage import Connection, earliest, in_values, insert
from shirube.storage.tables import (
    company,
    end_user,
    kpi_user,
    membership,
    tour_progress,
    tour_step_seen,
)


@dataclass
class Person:
    """A user as audiences see them: their traits and each of their companies' traits."""

    user_id: str
    traits: dict[str, Any]
    companies: list[dict[str, Any]]

    def in_audience(self, target: Any) -> bool:
        """Whether `target` (a published goal, checklist or tour) takes this user with any
        of their companies (or with none, when they have none): a user of several companies
        counts in each of them (docs/kpis.md)."""
        if not self.companies:
            return bool(target.targets(self.traits, None))
        return any(target.targets(self.traits, traits) for traits in self.companies)


_PEOPLE = (
    select(end_user.c.external_id, end_user.c.traits, membership.c.company_id, company.c.traits)
    .select_from(end_user)
    .outerjoin(
        membership,
        (membership.c.workspace_id == end_user.c.workspace_id)
        & (membership.c.user_id == end_user.c.external_id),
    )
    .outerjoin(
        company,
        (company.c.workspace_id == membership.c.workspace_id)
        & (company.c.external_id == membership.c.company_id),
    )
    .where(
        end_user.c.workspace_id == bindparam("workspace_id"),
        in_values(end_user.c.external_id, "user_ids"),
    )
    .order_by(end_user.c.external_id, membership.c.company_id)
)


def read_people(
    conn: Connection, workspace_id: int, user_ids: Collection[str]
) -> dict[str, Person]:
    """Users that exist, with their companies' traits."""
    people: dict[str, Person] = {}
    params = {"workspace_id": workspace_id, "user_ids": sorted(user_ids)}
    for user_id, traits, company_id, company_traits in conn.all(_PEOPLE, params):
        person = people.get(user_id)
        if person is None:
            person = people[user_id] = Person(user_id, dict(traits or {}), [])
        if company_id is not None:
            person.companies.append(dict(company_traits or {}))
    return people


def catch_up_items(
    conn: Connection,
    workspace_id: int,
    facts: dict[str, UserFacts],
    published: PublishedContent,
    webhook_kinds: int,
    now: datetime,
) -> int:
    """Store the item completions the facts meet that are missing or later than the facts
    say; return how many webhook messages that put in the outbox."""
    rules = [pair for c in published.checklists.values() for pair in c.derived_items]
    todo = [
        completion
        for user_facts in facts.values()
        for completion in derived_completions(user_facts, rules, published.eval_context)
    ]
    if not todo:
        return 0
    users = sorted({c.user_id for c in todo})
    # The user rows first, in order, as every writer of completions locks them (progress.py).
    conn.many(BUMP_PROGRESS_REV, [{"workspace_id": workspace_id, "user_id": u} for u in users])
    new = store_completions(conn, workspace_id, todo)
    outbox = Outbox(workspace_id, webhook_kinds)
    outbox.checklists_completed(conn, published.checklists, new)
    return outbox.write(conn, now)


_TOURS = select(
    tour_progress.c.user_id,
    tour_progress.c.tour_key,
    tour_progress.c.started_at,
    tour_progress.c.completed_at,
    tour_progress.c.current_step_at,
).where(
    tour_progress.c.workspace_id == bindparam("workspace_id"),
    in_values(tour_progress.c.user_id, "user_ids"),
)
_STEPS = (
    select(tour_step_seen.c.user_id, tour_step_seen.c.tour_key, func.count())
    .where(
        tour_step_seen.c.workspace_id == bindparam("workspace_id"),
        in_values(tour_step_seen.c.user_id, "user_ids"),
    )
    .group_by(tour_step_seen.c.user_id, tour_step_seen.c.tour_key)
)


def _latest(times: Iterable[datetime | None]) -> datetime | None:
    present = [at for at in times if at is not None]
    return max(present) if present else None


def _earliest(times: Iterable[datetime | None]) -> datetime | None:
    present = [at for at in times if at is not None]
    return min(present) if present else None


def _row(
    kind: str, key: str, version: int, person: Person, in_audience: bool, times: list[Any]
) -> dict[str, Any]:
    return {
        "kind": kind,
        "key": key,
        "version": version,
        "user_id": person.user_id,
        "in_audience": in_audience,
        "parts_done": sum(at is not None for at in times),
        "started_at": _earliest(times),
        "last_progress_at": _latest(times),
    }


def user_rows(
    conn: Connection,
    workspace_id: int,
    people: dict[str, Person],
    facts: dict[str, UserFacts],
    published: PublishedContent,
) -> list[dict[str, Any]]:
    """The kpi_user rows of these users, for every published goal, checklist and tour."""
    context: EvalContext = published.eval_context
    params = {"workspace_id": workspace_id, "user_ids": sorted(people)}
    tours: dict[tuple[str, str], tuple[Any, Any, Any]] = {}
    if published.tours:
        for user_id, key, started, completed, step_at in conn.all(_TOURS, params):
            tours[(user_id, key)] = (started, completed, step_at)
    steps = {(u, k): n for u, k, n in conn.all(_STEPS, params)} if published.tours else {}
    rows: list[dict[str, Any]] = []
    for person in people.values():
        user_facts = facts[person.user_id]
        for key, goal in published.goals.items():
            times = [
                None
                if (met := e.rule.rule_type.evaluate(e.rule, user_facts, context)) is None
                else met.at
                for e in goal.doc.rules
            ]
            row = _row("goal", key, goal.version, person, person.in_audience(goal), times)
            if goal.doc.match == "any":
                row["completed_at"] = _earliest(times)
            else:
                row["completed_at"] = None if None in times else _latest(times)
            rows.append(row)
        for key, checklist in published.checklists.items():
            times = [user_facts.items.get((key, item.id)) for item in checklist.doc.items]
            row = _row(
                "checklist",
                key,
                checklist.version,
                person,
                person.in_audience(checklist),
                times,
            )
            row["completed_at"] = None if None in times else _latest(times)
            rows.append(row)
        for key, tour in published.tours.items():
            started, completed, step_at = tours.get((person.user_id, key), (None, None, None))
            row = _row(
                "tour",
                key,
                tour.version,
                person,
                person.in_audience(tour),
                [started, completed, step_at],
            )
            row.update(
                started_at=started,
                completed_at=completed,
                parts_done=steps.get((person.user_id, key), 0),
            )
            rows.append(row)
    return rows


_new = insert(kpi_user).values(
    workspace_id=bindparam("workspace_id"),
    kind=bindparam("kind"),
    key=bindparam("key"),
    user_id=bindparam("user_id"),
    version=bindparam("version"),
    in_audience=bindparam("in_audience"),
    started_at=bindparam("started_at"),
    completed_at=bindparam("completed_at"),
    parts_done=bindparam("parts_done"),
    last_progress_at=bindparam("last_progress_at"),
    updated_at=bindparam("now"),
)


def _sticky(name: str) -> Any:
    """Under one version, a time only moves earlier: a completion is never withdrawn (a
    back-dated event may move first seen before a `within_days` window that a user already
    met; docs/kpis.md). A new version's rules decide afresh."""
    current, new = getattr(kpi_user.c, name), getattr(_new.excluded, name)
    return case((kpi_user.c.version == _new.excluded.version, earliest(current, new)), else_=new)


_CHANGES = {
    "version": _new.excluded.version,
    "in_audience": _new.excluded.in_audience,
    "started_at": _sticky("started_at"),
    "completed_at": _sticky("completed_at"),
    "parts_done": _new.excluded.parts_done,
    "last_progress_at": _new.excluded.last_progress_at,
}
# A row whose figures come out as stored is left alone (`updated_at` is when they last
# changed; nothing reads it as "last computed"): most of a recomputed user's rows are those of
# the objectives their events did not move, each a random page of `kpi_user` at 100,000 users
# that an update would dirty, write to the WAL and checkpoint (bench/README.md, "Ingestion
# into a loaded database, pages per batch").
_UPSERT = _new.on_conflict_do_update(
    index_elements=["workspace_id", "kind", "key", "user_id"],
    set_={**_CHANGES, "updated_at": _new.excluded.updated_at},
    where=or_(
        *(getattr(kpi_user.c, name).is_distinct_from(value) for name, value in _CHANGES.items())
    ),
)


def refresh_users(
    conn: Connection,
    workspace_id: int,
    user_ids: Collection[str],
    published: PublishedContent,
    webhook_kinds: int,
    now: datetime,
) -> set[str]:
    """Recompute these users' items and KPI rows (inside the caller's write transaction);
    return the companies they belong to, whose rows need recomputing too."""
    people = read_people(conn, workspace_id, user_ids)
    if not people:
        return set()
    rules = published.all_rules
    facts = load_facts(
        conn,
        workspace_id,
        people,
        published.rule_names,
        minutes=active_minutes(rules),
        properties_of=property_names(rules),
    )
    catch_up_items(conn, workspace_id, facts, published, webhook_kinds, now)
    rows = user_rows(conn, workspace_id, people, facts, published)
    if rows:
        rows.sort(key=lambda r: (r["kind"], r["key"], r["user_id"]))
        conn.many(_UPSERT, [{**row, "workspace_id": workspace_id, "now": now} for row in rows])
    return set(companies_of(conn, workspace_id, people))


_MEMBERSHIPS = select(membership.c.company_id).where(
    membership.c.workspace_id == bindparam("workspace_id"),
    in_values(membership.c.user_id, "user_ids"),
)


def companies_of(conn: Connection, workspace_id: int, user_ids: Collection[str]) -> list[str]:
    params = {"workspace_id": workspace_id, "user_ids": sorted(user_ids)}
    return sorted({company_id for (company_id,) in conn.all(_MEMBERSHIPS, params)})
