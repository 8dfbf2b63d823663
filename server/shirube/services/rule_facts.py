"""Reading what completion rules are evaluated on (content/rules/base.UserFacts) for a set of
users: their first seen, counted events, completed tours and stored item completions. One
statement per kind of fact, whatever the number of users."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import bindparam, select

from shirube.content.rules import Fact, UserFacts
from shirube.services.completions import completion_times
from shirube.storage import Connection, in_values
from shirube.storage.tables import counted_event, end_user, tour_progress

_FIRST_SEEN = select(end_user.c.external_id, end_user.c.first_seen_at).where(
    end_user.c.workspace_id == bindparam("workspace_id"),
    in_values(end_user.c.external_id, "user_ids"),
)
_EVENTS = (
    select(
        counted_event.c.user_id,
        counted_event.c.name,
        counted_event.c.timestamp,
        counted_event.c.event_id,
        counted_event.c.properties,
    )
    .where(
        counted_event.c.workspace_id == bindparam("workspace_id"),
        in_values(counted_event.c.user_id, "user_ids"),
        in_values(counted_event.c.name, "names"),
    )
    .order_by(
        counted_event.c.user_id,
        counted_event.c.name,
        counted_event.c.timestamp,
        counted_event.c.event_id,
    )
)
_TOURS = select(
    tour_progress.c.user_id, tour_progress.c.tour_key, tour_progress.c.completed_at
).where(
    tour_progress.c.workspace_id == bindparam("workspace_id"),
    in_values(tour_progress.c.user_id, "user_ids"),
    tour_progress.c.completed_at.is_not(None),
)


def load_facts(
    conn: Connection,
    workspace_id: int,
    user_ids: Collection[str],
    names: Collection[str],
    *,
    tours: bool = True,
    items: bool = True,
) -> dict[str, UserFacts]:
    """Facts of `user_ids`, with the counted events of `names` (every user gets an entry)."""
    facts = {user_id: UserFacts(user_id) for user_id in user_ids}
    if not facts:
        return facts
    params = {"workspace_id": workspace_id, "user_ids": sorted(facts)}
    for user_id, first_seen in conn.all(_FIRST_SEEN, params):
        facts[user_id].first_seen = first_seen
    if names:
        for user_id, name, at, event_id, properties in conn.all(
            _EVENTS, {**params, "names": sorted(names)}
        ):
            facts[user_id].events.setdefault(name, []).append(Fact(at, event_id, properties))
    if tours:
        for user_id, tour_key, at in conn.all(_TOURS, params):
            facts[user_id].tours_completed[tour_key] = at
    if items:
        for (user_id, ref), at in completion_times(conn, workspace_id, facts).items():
            facts[user_id].items[(ref.checklist, ref.item)] = at
    return facts
