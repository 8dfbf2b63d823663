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

from sqlalchemy import bindparam, func, null, select

from shirube.content.audience import Audience, audience_matches, validate_audience
from shirube.services.kpi_refresh_users import Person
from shirube.storage import Connection
from shirube.storage.tables import company, end_user, event, membership

MAX_EVENT_NAMES = 150
TRAIT_SAMPLE = 500
MAX_TRAITS = 100
MAX_VALUES = 10
VALUE_MAX = 100
AUDIENCE_SAMPLE = 1000
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
_SAMPLE = (
    select(end_user.c.external_id, end_user.c.traits).where(*_SEEN).limit(AUDIENCE_SAMPLE)
).subquery("sample")
_SEEN_USERS = select(_SAMPLE.c.external_id, _SAMPLE.c.traits, null())
# The sampled users with each of their companies' traits, in one statement (no list of ids
# sent back: 2,000 bound ids made PostgreSQL's plan ten times slower).
_SEEN_PEOPLE = (
    select(_SAMPLE.c.external_id, _SAMPLE.c.traits, company.c.traits)
    .select_from(_SAMPLE)
    .outerjoin(
        membership,
        (membership.c.workspace_id == bindparam("workspace_id"))
        & (membership.c.user_id == _SAMPLE.c.external_id),
    )
    .outerjoin(
        company,
        (company.c.workspace_id == membership.c.workspace_id)
        & (company.c.external_id == membership.c.company_id),
    )
)


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


def _uses_company(node: Any) -> bool:
    if isinstance(node, dict):
        attribute = node.get("attribute")
        if isinstance(attribute, str) and attribute.startswith("company."):
            return True
        return any(_uses_company(node.get(key)) for key in ("all", "any"))
    if isinstance(node, list):
        return any(_uses_company(entry) for entry in node)
    return False


def count_audience(conn: Connection, workspace_id: int, data: Any, now: datetime) -> AudienceCount:
    """How many of the users seen in the last SEEN_DAYS days the audience (validated as a
    content audience: ValidationFailed with `audience…` paths) takes."""
    audience = validate_audience(data)
    params = {"workspace_id": workspace_id, "since": now - timedelta(days=SEEN_DAYS)}
    seen = int(conn.scalar(_SEEN_COUNT, params) or 0)
    people: dict[str, Person] = {}
    # Companies are read only for an audience that has a company condition (a user-only one
    # matches the same users whatever their companies).
    query = _SEEN_PEOPLE if _uses_company(data) else _SEEN_USERS
    for user_id, traits, company_traits in conn.all(query, params):
        person = people.get(user_id)
        if person is None:
            person = people[user_id] = Person(user_id, dict(traits or {}), [])
        if company_traits is not None:
            person.companies.append(dict(company_traits))
    target = _Target(audience)
    matched = sum(1 for person in people.values() if person.in_audience(target))
    sampled = len(people)
    exact = sampled >= seen
    if not exact and sampled:
        matched = round(matched * seen / sampled)
    return AudienceCount(matched, seen, sampled, exact)
