"""Progress as a projection of events, applied inside the ingestion transaction.

Every write here is a single conditional statement (insert-if-absent, or update-if-newer), so
two transactions advancing the same user's progress at once can neither lose a step nor move
a status backwards: statuses only climb not_started → in_progress → dismissed → completed.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from shirube.services.completions import (
    Completion,
    completed_refs,
    nth_event_completion,
    read_counts,
    store_completions,
)
from shirube.services.known_rows import KnownRows
from shirube.services.published import ItemRef, PublishedContent
from shirube.services.sql import Raw
from shirube.timeutil import utcnow

STATUS_RANK = {"not_started": 0, "in_progress": 1, "dismissed": 2, "completed": 3}
TOUR_EVENT_STATUS = {
    "$tour_started": "in_progress",
    "$tour_step_seen": "in_progress",
    "$tour_dismissed": "dismissed",
    "$tour_completed": "completed",
}


@dataclass
class ProjectionResult:
    completed_items: list[tuple[str, ItemRef]] = field(default_factory=list)
    # Item completions that exist once the transaction commits (see KnownRows).
    existing: list[Hashable] = field(default_factory=list)


def done_key(workspace_id: int, user_id: str, ref: ItemRef) -> Hashable:
    return ("done", workspace_id, user_id, ref)


# Events the projection turns into progress rows (besides the ones completion rules count).
PROGRESS_EVENTS = frozenset((*TOUR_EVENT_STATUS, "$survey_answered", "$checklist_item_completed"))


def changes_progress(row: dict[str, Any], published: PublishedContent) -> bool:
    """Whether projecting `row` may change what a session shows of its user's progress (then
    the user's `progress_rev` moves on: services/progress_cache.py). May say yes for an event
    that changes nothing in the end, never no for one that changes something."""
    name = row["name"]
    if name in PROGRESS_EVENTS or name in published.event_rules:
        return True
    return name == "$page_viewed" and bool(published.page_items(row["properties"]["url"]))


def project(
    raw: Raw,
    workspace_id: int,
    rows: list[dict[str, Any]],
    source: str,
    published: PublishedContent,
    known: KnownRows,
) -> ProjectionResult:
    rows = sorted(rows, key=lambda row: (row["timestamp"], row["id"]))
    completions: list[Completion] = []
    tour_completions: dict[tuple[str, str], dict[str, Any]] = {}
    event_rule_hits: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        name = row["name"]
        props = row["properties"]
        if name in TOUR_EVENT_STATUS:
            _apply_tour_event(raw, workspace_id, row)
            if name == "$tour_completed":
                tour_completions.setdefault((row["user_id"], props["tour"]), row)
        elif name == "$survey_answered":
            _store_survey(raw, workspace_id, row)
        elif name == "$page_viewed":
            completions.extend(
                Completion(row["user_id"], ref, row["timestamp"], "page_visited", row["id"])
                for ref in published.page_items(props["url"])
            )
        elif name == "$checklist_item_completed":
            ref = ItemRef(props["checklist"], props["item"])
            # The widget may only tick items meant to be ticked by hand; the host backend
            # (secret key) may mark any item, e.g. when a CS manager does it for a customer.
            if ref in published.manual_items or (source == "server" and ref in published.all_items):
                completions.append(
                    Completion(row["user_id"], ref, row["timestamp"], "manual", row["id"])
                )
        if name in published.event_rules:
            event_rule_hits.setdefault((row["user_id"], name), row)
    for (user_id, tour_key), row in tour_completions.items():
        completions.extend(
            Completion(user_id, ref, row["timestamp"], "tour_completed", row["id"])
            for ref in published.tour_rules.get(tour_key, ())
        )
    completions.extend(
        _event_rule_completions(raw, workspace_id, event_rule_hits, published, known)
    )
    # Items known to be complete already need no insert-if-absent (first time wins anyway).
    todo = [c for c in completions if done_key(workspace_id, c.user_id, c.ref) not in known]
    return ProjectionResult(
        completed_items=store_completions(raw, workspace_id, todo),
        existing=[done_key(workspace_id, c.user_id, c.ref) for c in todo],
    )


_RANK = (
    "CASE status"
    + "".join(f" WHEN '{name}' THEN {rank}" for name, rank in STATUS_RANK.items())
    + " ELSE 0 END"
)
_NEWER_STEP = "(current_step_at IS NULL OR current_step_at <= ?)"


def _earliest(column: str) -> str:
    return f"{column} = CASE WHEN {column} IS NULL OR ? < {column} THEN ? ELSE {column} END"


def _apply_tour_event(raw: Raw, workspace_id: int, row: dict[str, Any]) -> None:
    """One conditional UPDATE: the status only climbs, first times stay first, the step of
    the newest event wins, whatever order concurrent batches commit in."""
    props = row["properties"]
    user_id, tour_key, name = row["user_id"], props["tour"], row["name"]
    ts, now = row["stored_at"], raw.dt_out(utcnow())
    raw.run(
        "INSERT INTO tour_progress (workspace_id, user_id, tour_key, status, updated_at)"
        " VALUES (?, ?, ?, 'not_started', ?) ON CONFLICT DO NOTHING",
        (workspace_id, user_id, tour_key, now),
    )
    status = TOUR_EVENT_STATUS[name]
    sets = [f"status = CASE WHEN {_RANK} < ? THEN ? ELSE status END", _earliest("started_at")]
    params: list[Any] = [STATUS_RANK[status], status, ts, ts]
    if name == "$tour_completed":
        sets.append(_earliest("completed_at"))
        params += (ts, ts)
    elif name == "$tour_dismissed":
        sets.append(_earliest("dismissed_at"))
        params += (ts, ts)
    step, version = props.get("step"), props.get("version")
    if step is not None:
        # Every SET expression sees the row as it was, so all three use the old step time.
        sets.append(f"current_step = CASE WHEN {_NEWER_STEP} THEN ? ELSE current_step END")
        sets.append(f"current_step_at = CASE WHEN {_NEWER_STEP} THEN ? ELSE current_step_at END")
        params += (ts, step, ts, ts)
        if version is not None:
            # The version the user is on is the one of their newest step, like current_step.
            sets.append(f"version = CASE WHEN {_NEWER_STEP} THEN ? ELSE version END")
            params += (ts, version)
    elif version is not None:
        sets.append("version = COALESCE(version, ?)")
        params.append(version)
    sets.append("updated_at = ?")
    params += (now, workspace_id, user_id, tour_key)
    raw.run(
        f"UPDATE tour_progress SET {', '.join(sets)}"
        " WHERE workspace_id = ? AND user_id = ? AND tour_key = ?",
        params,
    )
    if name == "$tour_step_seen":
        raw.run(
            "INSERT INTO tour_step_seen (workspace_id, user_id, tour_key, step_id, first_seen_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (workspace_id, user_id, tour_key, step_id)"
            " DO UPDATE SET first_seen_at = CASE"
            " WHEN excluded.first_seen_at < tour_step_seen.first_seen_at"
            " THEN excluded.first_seen_at ELSE tour_step_seen.first_seen_at END",
            (workspace_id, user_id, tour_key, step, ts),
        )


def _store_survey(raw: Raw, workspace_id: int, row: dict[str, Any]) -> None:
    props = row["properties"]
    raw.run(
        "INSERT INTO survey_answer (workspace_id, event_id, user_id, checklist_key, rating,"
        " comment, answered_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (workspace_id, row["id"], row["user_id"], props["checklist"], props["rating"],
         props.get("comment"), row["stored_at"]),
    )  # fmt: skip


def _event_rule_completions(
    raw: Raw,
    workspace_id: int,
    hits: dict[tuple[str, str], dict[str, Any]],
    published: PublishedContent,
    known: KnownRows,
) -> list[Completion]:
    if not hits:
        return []
    completions: list[Completion] = []
    needs_count: list[tuple[str, str]] = []
    for (user_id, name), row in hits.items():
        for rule in published.event_rules[name]:
            if done_key(workspace_id, user_id, rule.ref) in known:
                continue
            if rule.min_count == 1:
                completions.append(
                    Completion(user_id, rule.ref, row["timestamp"], "event", row["id"])
                )
            else:
                needs_count.append((user_id, name))
    if not needs_count:
        return completions
    counts = read_counts(raw, workspace_id, needs_count)
    reached = [
        (user_id, name, rule)
        for user_id, name in needs_count
        for rule in published.event_rules[name]
        if rule.min_count > 1 and counts.get((user_id, name), 0) >= rule.min_count
    ]
    done = completed_refs(raw, workspace_id, {user_id for user_id, _, _ in reached})
    for user_id, name, rule in reached:
        if (user_id, rule.ref) not in done:
            stored = counts[(user_id, name)]
            completions.append(nth_event_completion(raw, workspace_id, user_id, name, rule, stored))
    return completions
