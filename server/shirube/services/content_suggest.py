"""What the console's content editor suggests and counts (#14): the event names a workspace
has really received, the trait names and sample values it has stored, and how many recently
seen users an audience matches.

Every query is bounded, whatever the workspace's size: event names are read one index seek
each (a skip scan of `ix_event_name`), traits from a sample of stored users and companies, and
the audience count from a sample of recently seen users, scaled to their total.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select

from shirube.content.audience import Audience, audience_matches, validate_audience
from shirube.services.kpi_refresh_users import read_people
from shirube.storage import Connection
from shirube.storage.tables import company, end_user, event

MAX_EVENT_NAMES = 150
TRAIT_SAMPLE = 500
MAX_TRAITS = 100
MAX_VALUES = 10
VALUE_MAX = 100
AUDIENCE_SAMPLE = 2000
SEEN_DAYS = 30

# The smallest name after `after`: one seek in (workspace_id, name), however many events
# carry each name.
_NEXT_NAME = select(func.min(event.c.name)).where(
    event.c.workspace_id == bindparam("workspace_id"), event.c.name > bindparam("after")
)
# Samples in primary-key order: no sort over the workspace's rows.
_USER_TRAITS = (
    select(end_user.c.traits)
    .where(end_user.c.workspace_id == bindparam("workspace_id"))
    .limit(TRAIT_SAMPLE)
)
_COMPANY_TRAITS = (
    select(company.c.traits)
    .where(company.c.workspace_id == bindparam("workspace_id"))
    .limit(TRAIT_SAMPLE)
)
_SEEN = (
    end_user.c.workspace_id == bindparam("workspace_id"),
    end_user.c.last_seen_at >= bindparam("since"),
)
_SEEN_COUNT = select(func.count()).select_from(end_user).where(*_SEEN)
_SEEN_SAMPLE = select(end_user.c.external_id).where(*_SEEN).limit(AUDIENCE_SAMPLE)


def event_names(conn: Connection, workspace_id: int) -> list[str]:
    """Names of events the workspace received (its own, not the widget's `$` names), in
    order, at most MAX_EVENT_NAMES."""
    names: list[str] = []
    after = ""
    # A bound on the seeks too: `$` names are skipped but each costs one.
    for _ in range(MAX_EVENT_NAMES + 50):
        found = conn.scalar(_NEXT_NAME, {"workspace_id": workspace_id, "after": after})
        if found is None:
            break
        after = str(found)
        if not after.startswith("$"):
            names.append(after)
            if len(names) >= MAX_EVENT_NAMES:
                break
    return names


@dataclass(frozen=True)
class TraitSample:
    name: str
    values: list[Any]

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "values": self.values}


def _summarize(rows: list[Any]) -> list[TraitSample]:
    seen: Counter[str] = Counter()
    values: dict[str, Counter[Any]] = {}
    for traits in rows:
        if not isinstance(traits, dict):
            continue
        for name, value in traits.items():
            if not isinstance(name, str) or len(name) > 64:
                continue
            seen[name] += 1
            if isinstance(value, str) and 0 < len(value) <= VALUE_MAX:
                values.setdefault(name, Counter())[value] += 1
            elif isinstance(value, bool | int | float) and value == value:
                # (bool, value) keeps True apart from 1 in the counter.
                values.setdefault(name, Counter())[(type(value).__name__, value)] += 1
    out = []
    for name, _ in seen.most_common(MAX_TRAITS):
        common = values.get(name, Counter()).most_common(MAX_VALUES)
        shown = [v[1] if isinstance(v, tuple) else v for v, _ in common]
        out.append(TraitSample(name, shown))
    return sorted(out, key=lambda sample: sample.name)


def trait_samples(conn: Connection, workspace_id: int) -> dict[str, list[TraitSample]]:
    """Trait names and their commonest values, from a sample of stored users and companies."""
    params = {"workspace_id": workspace_id}
    users = [row[0] for row in conn.all(_USER_TRAITS, params)]
    companies = [row[0] for row in conn.all(_COMPANY_TRAITS, params)]
    return {"user": _summarize(users), "company": _summarize(companies)}


@dataclass(frozen=True)
class AudienceCount:
    matched: int  # of the sample, scaled to `seen` when the sample is not everyone
    seen: int  # users seen in the last SEEN_DAYS days
    sampled: int
    exact: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "matched": self.matched,
            "seen": self.seen,
            "sampled": self.sampled,
            "exact": self.exact,
            "days": SEEN_DAYS,
        }


class _Target:
    """An audience as Person.in_audience reads published content: the server's own matching."""

    def __init__(self, audience: Audience | None) -> None:
        self.audience = audience

    def targets(self, user: dict[str, Any], company_traits: dict[str, Any] | None) -> bool:
        return audience_matches(self.audience, user, company_traits)


def count_audience(conn: Connection, workspace_id: int, data: Any, now: datetime) -> AudienceCount:
    """How many of the users seen in the last SEEN_DAYS days the audience (validated as a
    content audience: ValidationFailed with `audience…` paths) takes."""
    audience = validate_audience(data)
    params = {"workspace_id": workspace_id, "since": now - timedelta(days=SEEN_DAYS)}
    seen = int(conn.scalar(_SEEN_COUNT, params) or 0)
    ids = [row[0] for row in conn.all(_SEEN_SAMPLE, params)]
    people = read_people(conn, workspace_id, ids) if ids else {}
    target = _Target(audience)
    matched = sum(1 for person in people.values() if person.in_audience(target))
    exact = len(ids) >= seen
    if not exact and ids:
        matched = round(matched * seen / len(ids))
    return AudienceCount(matched, seen, len(ids), exact)
