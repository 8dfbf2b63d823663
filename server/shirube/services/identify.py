"""Identify: what a widget session or the server API says of a user or company, merged into
what is stored the way hosts expect (new trait keys overwrite, keys not sent are kept).

Deciding what to write is separate from writing it, so that a widget session can read
everything first and open a write transaction only when something changed (rarely).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import Integer, bindparam, literal_column, select, update

from shirube.services.kpi_dirty import mark_company, mark_dirty
from shirube.storage import ByEngine, Connection, insert
from shirube.storage.statements import Statement as SqlStatement
from shirube.storage.tables import company, end_user, membership
from shirube.timeutil import utcnow

# last_seen_at is refreshed at most this often by widget sessions: a write on every page load
# would cost more than a KPI measured in days needs.
LAST_SEEN_GRANULARITY = timedelta(minutes=5)

# A statement with its parameters, or a write that reads the row it changes first
# (`_store_user`).
Statement = tuple[SqlStatement, Mapping[str, Any]] | Callable[[Connection], None]


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

_USER = (
    end_user.c.workspace_id == bindparam("workspace_id"),
    end_user.c.external_id == bindparam("id"),
)
_COMPANY = (
    company.c.workspace_id == bindparam("workspace_id"),
    company.c.external_id == bindparam("id"),
)
_USER_FOR_UPDATE = ByEngine(
    sqlite=select(end_user.c.traits, end_user.c.locale, end_user.c.last_seen_at).where(*_USER),
    postgresql=select(end_user.c.traits, end_user.c.locale, end_user.c.last_seen_at)
    .where(*_USER)
    .with_for_update(),
)
_INSERT_USER = (
    insert(end_user)
    .values(
        workspace_id=bindparam("workspace_id"),
        external_id=bindparam("id"),
        traits=bindparam("traits"),
        locale=bindparam("locale"),
        first_seen_at=bindparam("seen_at"),
        last_seen_at=bindparam("seen_at"),
    )
    .on_conflict_do_nothing()
    .returning(literal_column("1", Integer))
)
_UPDATE_USER = (
    update(end_user).where(*_USER).values(traits=bindparam("traits"), locale=bindparam("locale"))
)
_UPDATE_SEEN_USER = _UPDATE_USER.values(last_seen_at=bindparam("seen_at"))
_COMPANY_FOR_UPDATE = ByEngine(
    sqlite=select(company.c.traits).where(*_COMPANY),
    postgresql=select(company.c.traits).where(*_COMPANY).with_for_update(),
)
_INSERT_COMPANY = (
    insert(company)
    .values(
        workspace_id=bindparam("workspace_id"),
        external_id=bindparam("id"),
        traits=bindparam("traits"),
        created_at=bindparam("now"),
        updated_at=bindparam("now"),
    )
    .on_conflict_do_nothing()
    .returning(literal_column("1", Integer))
)
_UPDATE_COMPANY = (
    update(company).where(*_COMPANY).values(traits=bindparam("traits"), updated_at=bindparam("now"))
)


def _store_user(
    conn: Connection,
    *,
    ids: tuple[int, str],
    traits: dict[str, Any],
    locale: str | None,
    seen_at: datetime | None,
) -> None:
    params: dict[str, Any] = {"workspace_id": ids[0], "id": ids[1]}
    current = conn.one(_USER_FOR_UPDATE, params)
    if current is None:
        inserted = conn.one(
            _INSERT_USER,
            {**params, "traits": traits, "locale": locale, "seen_at": seen_at or utcnow()},
        )
        if inserted is not None:
            mark_dirty(conn, ids[0], [ids[1]], seen_at or utcnow())
            return
        # Another transaction inserted the user since: merge into its row.
        current = conn.one(_USER_FOR_UPDATE, params)
        assert current is not None
    stored_traits, stored_locale, stored_seen = current
    params.update(traits=merged(stored_traits, traits), locale=locale or stored_locale)
    if not unchanged(params["traits"], stored_traits):
        # Audiences read traits: the user's figures may change (a seen time alone does not).
        mark_dirty(conn, ids[0], [ids[1]], seen_at or utcnow())
    if seen_at is None:
        conn.run(_UPDATE_USER, params)
        return
    conn.run(_UPDATE_SEEN_USER, {**params, "seen_at": max(stored_seen, seen_at)})


def _store_company(
    conn: Connection, *, ids: tuple[int, str], traits: dict[str, Any], now: datetime
) -> None:
    params: dict[str, Any] = {"workspace_id": ids[0], "id": ids[1], "now": now}
    current = conn.one(_COMPANY_FOR_UPDATE, params)
    if current is None:
        if conn.one(_INSERT_COMPANY, {**params, "traits": traits}) is not None:
            return
        current = conn.one(_COMPANY_FOR_UPDATE, params)
        assert current is not None
    conn.run(_UPDATE_COMPANY, {**params, "traits": merged(current.traits, traits)})
    mark_company(conn, ids[0], ids[1], now)


# Also for the memberships event batches make known (services/people.py); `at` in stored form
# or as a datetime.
INSERT_MEMBERSHIP = (
    insert(membership)
    .values(
        workspace_id=bindparam("workspace_id"),
        user_id=bindparam("user_id"),
        company_id=bindparam("company_id"),
        created_at=bindparam("at"),
    )
    .on_conflict_do_nothing()
)


def membership_insert(workspace_id: int, user_id: str, company_id: str, now: datetime) -> Statement:
    params = {"workspace_id": workspace_id, "user_id": user_id, "company_id": company_id}

    def store(conn: Connection) -> None:
        conn.run(INSERT_MEMBERSHIP, {**params, "at": now})
        mark_dirty(conn, workspace_id, [user_id], now)

    return store


def run_statements(conn: Connection, statements: list[Statement]) -> None:
    for statement in statements:
        if callable(statement):
            statement(conn)
        else:
            conn.run(*statement)


USER_ROW = select(
    end_user.c.traits, end_user.c.locale, end_user.c.first_seen_at, end_user.c.last_seen_at
).where(*_USER)
COMPANY_ROW = select(company.c.traits, company.c.created_at, company.c.updated_at).where(*_COMPANY)


def read_user(conn: Connection, workspace_id: int, user_id: str) -> StoredUser | None:
    row = conn.one(USER_ROW, {"workspace_id": workspace_id, "id": user_id})
    if row is None:
        return None
    return StoredUser(row.traits, row.locale, row.last_seen_at)


def read_company_traits(
    conn: Connection, workspace_id: int, company_id: str
) -> dict[str, Any] | None:
    row = conn.one(COMPANY_ROW, {"workspace_id": workspace_id, "id": company_id})
    return None if row is None else dict(row.traits)
