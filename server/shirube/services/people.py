"""End users and companies: upserts that merge traits the way hosts expect (new keys
overwrite, keys not sent are kept).

Deciding what to write is separate from writing it, so that a widget session can read
everything first and open a write transaction only when something changed (rarely).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlmodel import Session

from shirube.services.sql import Raw
from shirube.timeutil import utcnow

# last_seen_at is refreshed at most this often by widget sessions: a write on every page load
# would cost more than a KPI measured in days needs.
LAST_SEEN_GRANULARITY = timedelta(minutes=5)

# SQL with its parameters, or a write that reads the row it changes first (`_store_user`).
Statement = tuple[str, tuple[Any, ...]] | Callable[[Raw], None]


@dataclass(frozen=True)
class Person:
    external_id: str
    traits: dict[str, Any]
    locale: str | None = None


@dataclass(frozen=True)
class StoredUser:
    traits: dict[str, Any]
    locale: str | None
    last_seen_at: datetime


def merged(current: dict[str, Any], update: dict[str, Any] | None) -> dict[str, Any]:
    if not update:
        return current
    return {**current, **update}


def unchanged(new: dict[str, Any], stored: dict[str, Any]) -> bool:
    """Whether traits `new` are what `stored` already holds. PostgreSQL's JSONB gives a float
    written with an exponent back as the integer it equals (`1e23` as 10**23): without this,
    such a trait would look changed, and its row be rewritten, on every call."""
    return new == stored or (
        new.keys() == stored.keys() and all(_same_value(new[key], stored[key]) for key in new)
    )


def _same_value(new: Any, stored: Any) -> bool:
    if isinstance(new, list) and isinstance(stored, list):
        return len(new) == len(stored) and all(map(_same_value, new, stored))
    if isinstance(new, float) and type(stored) is int:
        try:
            return new == float(stored)
        except OverflowError:
            return False
    return bool(new == stored)


def identify_user(
    workspace_id: int,
    user_id: str,
    stored: StoredUser | None,
    traits: dict[str, Any] | None,
    locale: str | None,
    *,
    seen: bool,
    now: datetime,
) -> tuple[Person, list[Statement]]:
    """The user after this identify call (from `stored`, read before), and the statements
    that store it (none when nothing changed). `seen`: the user is here now (a widget
    session), as opposed to the host backend describing them."""
    if stored is None:
        person = Person(user_id, dict(traits or {}), locale)
    else:
        new_traits = merged(stored.traits, traits)
        new_locale = locale or stored.locale
        person = Person(user_id, new_traits, new_locale)
        refresh = seen and now - stored.last_seen_at >= LAST_SEEN_GRANULARITY
        if unchanged(new_traits, stored.traits) and new_locale == stored.locale and not refresh:
            return person, []  # the common case: a returning user, nothing new
    store = partial(
        _store_user, ids=(workspace_id, user_id), traits=traits or {}, locale=locale,
        seen_at=now if seen else None,
    )  # fmt: skip
    return person, [store]


def identify_company(
    workspace_id: int,
    company_id: str,
    stored_traits: dict[str, Any] | None,
    traits: dict[str, Any] | None,
    now: datetime,
) -> tuple[Person, list[Statement]]:
    if stored_traits is None:
        new_traits = dict(traits or {})
    else:
        new_traits = merged(stored_traits, traits)
        if unchanged(new_traits, stored_traits):
            return Person(company_id, new_traits), []
    store = partial(_store_company, ids=(workspace_id, company_id), traits=traits or {}, now=now)
    return Person(company_id, new_traits), [store]


# The writes run inside the write transaction and merge into the row as it is then (locked
# on PostgreSQL; SQLite's BEGIN IMMEDIATE already holds the database): two identify calls at
# once, from two instances or two threads, each keep the keys they sent. What the caller
# decided from its earlier read (audience, answer) may be a moment stale; what is stored is not.


def _store_user(
    raw: Raw,
    *,
    ids: tuple[int, str],
    traits: dict[str, Any],
    locale: str | None,
    seen_at: datetime | None,
) -> None:
    current = _current(raw, "SELECT traits, locale, last_seen_at FROM end_user", ids)
    if current is None:
        now = raw.dt_out(seen_at or utcnow())
        inserted = raw.one(
            "INSERT INTO end_user (workspace_id, external_id, traits, locale, first_seen_at,"
            " last_seen_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING 1",
            (*ids, raw.json_out(traits), locale, now, now),
        )
        if inserted is not None:
            return
        # Another transaction inserted the user since: merge into its row.
        current = _current(raw, "SELECT traits, locale, last_seen_at FROM end_user", ids)
        assert current is not None
    stored_traits, stored_locale, stored_seen = current
    new_traits = raw.json_out(merged(raw.json_in(stored_traits), traits))
    new_locale = locale or stored_locale
    if seen_at is None:
        raw.run(
            "UPDATE end_user SET traits = ?, locale = ? WHERE workspace_id = ? AND external_id = ?",
            (new_traits, new_locale, *ids),
        )
        return
    last_seen = max(raw.dt_in(stored_seen) or seen_at, seen_at)
    raw.run(
        "UPDATE end_user SET traits = ?, locale = ?, last_seen_at = ?"
        " WHERE workspace_id = ? AND external_id = ?",
        (new_traits, new_locale, raw.dt_out(last_seen), *ids),
    )


def _store_company(
    raw: Raw, *, ids: tuple[int, str], traits: dict[str, Any], now: datetime
) -> None:
    current = _current(raw, "SELECT traits FROM company", ids)
    if current is None:
        inserted = raw.one(
            "INSERT INTO company (workspace_id, external_id, traits, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING 1",
            (*ids, raw.json_out(traits), raw.dt_out(now), raw.dt_out(now)),
        )
        if inserted is not None:
            return
        current = _current(raw, "SELECT traits FROM company", ids)
        assert current is not None
    raw.run(
        "UPDATE company SET traits = ?, updated_at = ? WHERE workspace_id = ? AND external_id = ?",
        (raw.json_out(merged(raw.json_in(current[0]), traits)), raw.dt_out(now), *ids),
    )


def _current(raw: Raw, select: str, ids: tuple[int, str]) -> Any:
    lock = "" if raw.is_sqlite else " FOR UPDATE"
    return raw.one(f"{select} WHERE workspace_id = ? AND external_id = ?{lock}", ids)


def membership_insert(
    raw: Raw, workspace_id: int, user_id: str, company_id: str, now: datetime
) -> Statement:
    return (
        "INSERT INTO membership (workspace_id, user_id, company_id, created_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (workspace_id, user_id, company_id, raw.dt_out(now)),
    )


def run_statements(raw: Raw, statements: list[Statement]) -> None:
    for statement in statements:
        if callable(statement):
            statement(raw)
        else:
            raw.run(*statement)


# Session-based entry points (server API) ---------------------------------------------------


def read_user(raw: Raw, workspace_id: int, user_id: str) -> StoredUser | None:
    row = raw.one(
        "SELECT traits, locale, last_seen_at FROM end_user"
        " WHERE workspace_id = ? AND external_id = ?",
        (workspace_id, user_id),
    )
    if row is None:
        return None
    last_seen = raw.dt_in(row[2])
    assert last_seen is not None
    return StoredUser(raw.json_in(row[0]), row[1], last_seen)


def read_company_traits(raw: Raw, workspace_id: int, company_id: str) -> dict[str, Any] | None:
    row = raw.one(
        "SELECT traits FROM company WHERE workspace_id = ? AND external_id = ?",
        (workspace_id, company_id),
    )
    return None if row is None else raw.json_in(row[0])


def upsert_user(
    session: Session,
    workspace_id: int,
    user_id: str,
    traits: dict[str, Any] | None,
    locale: str | None,
    *,
    seen: bool = True,
) -> Person:
    raw = Raw.of_session(session)
    stored = read_user(raw, workspace_id, user_id)
    person, statements = identify_user(
        workspace_id, user_id, stored, traits, locale, seen=seen, now=utcnow()
    )
    run_statements(raw, statements)
    return person


def upsert_company(
    session: Session, workspace_id: int, company_id: str, traits: dict[str, Any] | None
) -> Person:
    raw = Raw.of_session(session)
    stored = read_company_traits(raw, workspace_id, company_id)
    person, statements = identify_company(workspace_id, company_id, stored, traits, utcnow())
    run_statements(raw, statements)
    return person


def add_membership(session: Session, workspace_id: int, user_id: str, company_id: str) -> None:
    raw = Raw.of_session(session)
    run_statements(raw, [membership_insert(raw, workspace_id, user_id, company_id, utcnow())])


def user_companies(session: Session, workspace_id: int, user_id: str) -> list[str]:
    rows = Raw.of_session(session).all(
        "SELECT company_id FROM membership WHERE workspace_id = ? AND user_id = ?",
        (workspace_id, user_id),
    )
    return [company_id for (company_id,) in rows]
