"""Which users a KPI figure covers (`KpiFilter`), as SQL conditions on `end_user` rows, and the
audience rows every per-user figure starts from (definitions: docs/kpis.md).

Segment values are compared with stored traits on both engines alike: a value equals a trait
of the same JSON value (`3` equals `3.0`); a text value also equals a number or boolean trait
written the same way (`"3"` equals `3`, `"true"` equals `true`), since query strings carry
text only. Lists and objects never equal a segment value.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, select, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Select
from sqlalchemy.types import NullType, String

from shirube.jsontext import dumps
from shirube.services.kpi_model import KpiFilter, Objective
from shirube.services.kpi_sql import in_listed, in_set
from shirube.storage import Connection
from shirube.storage.tables import company, end_user, kpi_user, membership
from shirube.storage.types import UTCDateTime, ValueList

_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")


class trait_in(ColumnElement[Any]):
    """`traits[key]` is one of the JSON values bound as `values` (their JSON texts)."""

    inherit_cache = False
    type = NullType()

    def __init__(self, column: ColumnElement[Any], key: str, values: str) -> None:
        self.column = column
        self.key_param: Any = bindparam(key)
        self.values = bindparam(values, type_=ValueList())


@compiles(trait_in, "sqlite")
def _trait_in_sqlite(element: trait_in, compiler: SQLCompiler, **kw: Any) -> str:
    # json_each, not json_extract: a trait name may hold any character, and a JSON path
    # cannot quote every one. Booleans come out of json_each as 1 and 0: written back as JSON.
    column = compiler.process(element.column, **kw)
    key = compiler.process(element.key_param, **kw)
    values = compiler.process(element.values, **kw)
    return (
        f"EXISTS (SELECT 1 FROM json_each({column}) AS tr WHERE tr.key = {key} AND "
        "(CASE tr.type WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' "
        "WHEN 'text' THEN json_quote(tr.value) WHEN 'integer' THEN CAST(tr.value AS TEXT) "
        "WHEN 'real' THEN CAST(tr.value AS TEXT) END) "
        f"IN (SELECT value FROM json_each({values})))"
    )


@compiles(trait_in, "postgresql")
def _trait_in_postgres(element: trait_in, compiler: SQLCompiler, **kw: Any) -> str:
    # jsonb equality compares numbers by value (3 = 3.0) and strings exactly.
    column = compiler.process(element.column, **kw)
    key = compiler.process(element.key_param, **kw)
    values = compiler.process(element.values, **kw)
    return f"({column} -> CAST({key} AS TEXT)) = ANY(CAST(CAST({values} AS TEXT[]) AS JSONB[]))"


class json_property(ColumnElement[Any]):
    """A JSON column's top-level property as text: `properties.tour`. `name` is a constant of
    the code (a plain identifier), written into the statement. (SQLAlchemy's own JSON index
    converts its path parameter in a bind processor, which storage/ does not run.)"""

    inherit_cache = False
    type = String()

    def __init__(self, column: ColumnElement[Any], name: str) -> None:
        if not name.isidentifier():
            raise ValueError(f"not a plain property name: {name!r}")
        self.column = column
        self.name = name


@compiles(json_property, "sqlite")
def _json_property_sqlite(element: json_property, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_extract({compiler.process(element.column, **kw)}, '$.{element.name}')"


@compiles(json_property, "postgresql")
def _json_property_postgres(element: json_property, compiler: SQLCompiler, **kw: Any) -> str:
    return f"({compiler.process(element.column, **kw)} ->> '{element.name}')"


def trait_values(value: str | int | float | bool) -> list[str]:
    """The JSON texts a segment value equals (see the module's docstring). SQLite writes a
    whole real as `3.0` and an integer as `3`; both spellings are listed for whole numbers."""
    if isinstance(value, bool):
        return [dumps(value).decode()]
    if isinstance(value, int | float):
        return _number_texts(float(value))
    texts = [dumps(value).decode()]
    if value in ("true", "false"):
        texts.append(value)
    elif _NUMBER.fullmatch(value):
        number = float(value)
        if math.isfinite(number):
            texts += _number_texts(number)
    return texts


def _number_texts(number: float) -> list[str]:
    if number.is_integer() and abs(number) < 2**63:
        return [str(int(number)), repr(number)]
    return [repr(number)]


@dataclass
class Segment:
    """The filter's conditions with their parameters, built once per query."""

    filt: KpiFilter
    params: dict[str, Any]

    @property
    def by_user(self) -> bool:
        """Whether the filter keeps some users out by what they are (first seen, traits)."""
        f = self.filt
        return bool(f.first_seen_from or f.first_seen_to or f.user_traits or f.company_traits)

    def user_conditions(
        self, user_id: ColumnElement[Any] = end_user.c.external_id
    ) -> list[ColumnElement[Any]]:
        """Conditions on `end_user` (joined in the query); a resolved segment's users are
        matched on `user_id` (an audience's `kpi_user.user_id`: PostgreSQL then hashes the
        segment's audience rows rather than all of them)."""
        conditions: list[ColumnElement[Any]] = []
        start, end = first_seen_range(self.filt)
        if start is not None:
            self.params["fs_from"] = start
            conditions.append(end_user.c.first_seen_at >= bindparam("fs_from", type_=UTCDateTime()))
        if end is not None:
            self.params["fs_to"] = end
            conditions.append(end_user.c.first_seen_at < bindparam("fs_to", type_=UTCDateTime()))
        if self.filt.trait_users is not None and self.filt.user_traits:
            # The users both the user and the company traits keep, read once. (Kept when a
            # caller sets company_traits aside to count per company: a user of a kept company
            # is in the list, and the companies not kept are left out of those counts anyway.)
            self.params["trait_users"] = self.filt.trait_users
            conditions.append(in_listed(user_id, "trait_users"))
            return conditions
        conditions += self._traits(end_user.c.traits, "ut", self.filt.user_traits)
        if self.filt.company_traits:
            # A user of at least one company that has every one of the traits: a semi-join,
            # the kept companies' members (ix_membership_company) read once per statement.
            # (A correlated EXISTS per user joined membership and company and parsed the
            # company's traits for every user: 1.5 s at 100,000 users on SQLite.)
            kept = select(company.c.external_id).where(
                company.c.workspace_id == bindparam("workspace_id"), *self.company_conditions()
            )
            members = select(membership.c.user_id).where(
                membership.c.workspace_id == bindparam("workspace_id"),
                membership.c.company_id.in_(kept.scalar_subquery()),
            )
            conditions.append(in_set(end_user.c.external_id, members.scalar_subquery()))
        return conditions

    def company_conditions(self) -> list[ColumnElement[Any]]:
        """Conditions on `company` (joined in the query)."""
        return self._traits(company.c.traits, "ct", self.filt.company_traits)

    def _traits(
        self, column: ColumnElement[Any], prefix: str, traits: dict[str, str | int | float | bool]
    ) -> list[ColumnElement[Any]]:
        conditions: list[ColumnElement[Any]] = []
        for index, (name, value) in enumerate(sorted(traits.items())):
            key, values = f"{prefix}_k{index}", f"{prefix}_v{index}"
            self.params[key] = name
            self.params[values] = trait_values(value)
            conditions.append(trait_in(column, key, values))
        return conditions


def first_seen_range(filt: KpiFilter) -> tuple[datetime | None, datetime | None]:
    """[start, end) in UTC for the filter's inclusive dates (None: unbounded)."""
    start = _midnight(filt.first_seen_from) if filt.first_seen_from else None
    end = None
    if filt.first_seen_to is not None and filt.first_seen_to < date.max:
        end = _midnight(filt.first_seen_to + timedelta(days=1))
    return start, end


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def week_start(moment: datetime | date) -> date:
    """The Monday (UTC) of the ISO week of `moment`."""
    day = moment.astimezone(UTC).date() if isinstance(moment, datetime) else moment
    return day - timedelta(days=day.weekday())


_KU = kpi_user.c
_JOIN_USER = and_(
    end_user.c.workspace_id == _KU.workspace_id, end_user.c.external_id == _KU.user_id
)


def audience(
    objective: Objective, workspace_id: int, filt: KpiFilter, *columns: Any
) -> tuple[Select[Any], Segment]:
    """`SELECT columns` over the objective's audience users the filter keeps (kpi_user joined
    with end_user); the caller may add conditions, and runs it with `segment.params`."""
    segment = Segment(filt, {"workspace_id": workspace_id, "kind": objective.kind})
    segment.params["key"] = objective.key
    query = (
        select(*columns)
        .select_from(kpi_user.join(end_user, _JOIN_USER))
        .where(
            _KU.workspace_id == bindparam("workspace_id"),
            _KU.kind == bindparam("kind"),
            _KU.key == bindparam("key"),
            _KU.in_audience == true(),
            *segment.user_conditions(_KU.user_id),
        )
    )
    return query, segment


def audience_times(
    conn: Connection, workspace_id: int, objective: Objective, filt: KpiFilter
) -> list[tuple[datetime, datetime | None, datetime | None]]:
    """(first seen, started, completed) of every audience user the filter keeps."""
    query, segment = audience(
        objective, workspace_id, filt, end_user.c.first_seen_at, _KU.started_at, _KU.completed_at
    )
    return [tuple(row) for row in conn.all(query, segment.params)]


def filtered_users(workspace_id: int, filt: KpiFilter) -> tuple[Select[Any], Segment]:
    """`SELECT external_id FROM end_user` for the users the filter keeps (all users, not an
    objective's audience)."""
    segment = Segment(filt, {"workspace_id": workspace_id})
    query = select(end_user.c.external_id).where(
        end_user.c.workspace_id == bindparam("workspace_id"), *segment.user_conditions()
    )
    return query, segment


def resolve_segment(conn: Connection, workspace_id: int, filt: KpiFilter) -> KpiFilter:
    """On SQLite, the filter with the users its user traits (and company traits, if any)
    keep read now, once (`trait_users`), for the several statements of a page or an
    endpoint: SQLite reads a trait with json_each() per user (about 1 µs each; no index
    answers a trait), and each statement of the overview with a role segment did so again
    over every user, four times; the list costs each statement about a tenth of that
    (bench/README.md). Unchanged on PostgreSQL, where a jsonb trait costs less than binding
    the list (a text per user adapted by the client for every statement), and when there
    are no user traits or they are resolved already."""
    if not conn.is_sqlite or not filt.user_traits or filt.trait_users is not None:
        return filt
    # The company traits too (a semi-join through membership that each statement read again).
    traits_only = KpiFilter(user_traits=filt.user_traits, company_traits=filt.company_traits)
    users, segment = filtered_users(workspace_id, traits_only)
    kept = tuple(row[0] for row in conn.all(users, segment.params))
    return replace(filt, trait_users=kept)


def seconds_between(start: datetime, end: datetime) -> float:
    """Exact seconds (microseconds kept); never negative (a completion stamped before the
    user's first seen, by a skewed client clock, counts as instant)."""
    return max(0.0, (end - start).total_seconds())


def nearest_rank(ordered: list[float], percent: int) -> float | None:
    """The nearest-rank percentile of sorted values: the ⌈P × n / 100⌉-th smallest."""
    if not ordered:
        return None
    rank = max(1, -(-percent * len(ordered) // 100))
    return ordered[rank - 1]
