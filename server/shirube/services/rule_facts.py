"""Reading what completion rules are evaluated on (content/rules/base.UserFacts) for a set of
users: their first seen, counted events, completed tours and stored item completions. One
statement per kind of fact, whatever the number of users."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, null, select

from shirube.content.rules import Fact, UserFacts
from shirube.content.rules.active import ACTIVE, crossing_days
from shirube.services.completions import completion_times
from shirube.services.user_keys import in_keys_of, key_of
from shirube.storage import Connection, in_values
from shirube.storage.tables import counted_event, end_user, tour_progress, user_active_day
from shirube.storage.types import UTCDateTime

_FIRST_SEEN = select(end_user.c.external_id, end_user.c.first_seen_at).where(
    end_user.c.workspace_id == bindparam("workspace_id"),
    in_values(end_user.c.external_id, "user_ids"),
)
_ce = counted_event.c


def _events(properties: Any) -> Any:
    return (
        select(_ce.user_id, _ce.name, _ce.timestamp, _ce.event_id, properties)
        .where(
            _ce.workspace_id == bindparam("workspace_id"),
            in_keys_of(_ce.user_key),
            in_values(_ce.name, "names"),
        )
        # The key's order: each user's events of a name in time order, without a sort.
        .order_by(_ce.user_key, _ce.name, _ce.timestamp, _ce.event_id)
    )


_EVENTS = _events(_ce.properties)
# Without the properties, for names whose rules read none: decoding every event's JSON was
# a fifth of the KPI worker's time.
_EVENTS_BARE = _events(null().label("properties"))
_TOURS = select(
    tour_progress.c.user_id, tour_progress.c.tour_key, tour_progress.c.completed_at
).where(
    tour_progress.c.workspace_id == bindparam("workspace_id"),
    in_values(tour_progress.c.user_id, "user_ids"),
    tour_progress.c.completed_at.is_not(None),
)


def active_minutes(rules: Iterable[Any]) -> frozenset[int]:
    """The thresholds of the `active_time` rules among `rules`."""
    return frozenset(rule.minutes for rule in rules if rule.type == "active_time")


def property_names(rules: Iterable[Any]) -> frozenset[str]:
    """The event names whose properties some of `rules` read (a `where` filter, a page)."""
    return frozenset().union(
        *(
            rule.rule_type.counted_names(rule)
            for rule in rules
            if rule.where is not None or rule.type == "page_visited"
        )
    )


def load_facts(
    conn: Connection,
    workspace_id: int,
    user_ids: Collection[str],
    names: Collection[str],
    *,
    minutes: Collection[int] = (),
    properties_of: Collection[str] | None = None,
    tours: bool = True,
    items: bool = True,
) -> dict[str, UserFacts]:
    """Facts of `user_ids`, with the counted events of `names` (every user gets an entry),
    their properties for the names of `properties_of` (all names when None).
    `$active` events are read only for the days on which a user's active time reaches one of
    `minutes` (content/rules/active.py), with every user's seconds per day."""
    facts = {user_id: UserFacts(user_id) for user_id in user_ids}
    if not facts:
        return facts
    params = {"workspace_id": workspace_id, "user_ids": sorted(facts)}
    for user_id, first_seen in conn.all(_FIRST_SEEN, params):
        facts[user_id].first_seen = first_seen
    if ACTIVE in names:
        names = set(names) - {ACTIVE}
        _load_active(conn, workspace_id, facts, minutes)
    full = set(names) if properties_of is None else set(names) & set(properties_of)
    for statement, some in ((_EVENTS, full), (_EVENTS_BARE, set(names) - full)):
        if some:
            for user_id, name, at, event_id, properties in conn.all(
                statement, {**params, "names": sorted(some)}
            ):
                facts[user_id].events.setdefault(name, []).append(Fact(at, event_id, properties))
    if tours:
        for user_id, tour_key, at in conn.all(_TOURS, params):
            facts[user_id].tours_completed[tour_key] = at
    if items:
        for (user_id, ref), at in completion_times(conn, workspace_id, facts).items():
            facts[user_id].items[(ref.checklist, ref.item)] = at
    return facts


_day = user_active_day.c
_ACTIVE_DAYS = select(_day.user_id, _day.day, _day.seconds).where(
    _day.workspace_id == bindparam("workspace_id"),
    in_values(_day.user_id, "user_ids"),
)
# One user's `$active` events of one UTC day: a range of counted_event's primary key.
_ACTIVE_OF_DAY = (
    select(counted_event.c.timestamp, counted_event.c.event_id, counted_event.c.properties)
    .where(
        counted_event.c.workspace_id == bindparam("workspace_id"),
        counted_event.c.user_key == key_of(),
        counted_event.c.name == ACTIVE,
        counted_event.c.timestamp >= bindparam("start", type_=UTCDateTime()),
        counted_event.c.timestamp < bindparam("end", type_=UTCDateTime()),
    )
    .order_by(counted_event.c.timestamp, counted_event.c.event_id)
)


def _load_active(
    conn: Connection, workspace_id: int, facts: dict[str, UserFacts], minutes: Collection[int]
) -> None:
    params = {"workspace_id": workspace_id, "user_ids": sorted(facts)}
    for user_id, day, seconds in conn.all(_ACTIVE_DAYS, params):
        facts[user_id].active_days[day] = seconds
    for user_id, user_facts in facts.items():
        for day in sorted(crossing_days(user_facts.active_days, minutes)):
            start = datetime.fromisoformat(day).replace(tzinfo=UTC)
            found = conn.all(
                _ACTIVE_OF_DAY,
                {
                    "workspace_id": workspace_id,
                    "user_id": user_id,
                    "start": start,
                    "end": start + timedelta(days=1),
                },
            )
            user_facts.events.setdefault(ACTIVE, []).extend(Fact(*row) for row in found)
