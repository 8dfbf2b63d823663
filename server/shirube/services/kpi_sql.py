"""Per-engine SQL expressions the KPI queries count with, so that counting, percentiles and
week grouping happen in the database instead of decoding one row per user in Python (a
`datetime` decoded per row cost more than the query itself: bench/kpis.py).

Both are exact on both engines: SQLite stores a time as `YYYY-MM-DD HH:MM:SS.ffffff` text
(SQLAlchemy's layout, always six digits), PostgreSQL as `timestamp` (microseconds).
"""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import BigInteger, bindparam
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import NullType, String

from shirube.storage.types import ValueList

Period = Literal["day", "week"]
MICROS = 1_000_000


class period_start(ColumnElement[Any]):
    """The first day (UTC, `YYYY-MM-DD` text) of the day or ISO week of a stored time, or of a
    day stored as `YYYY-MM-DD` text (`day_text`: `user_active_day.day`)."""

    inherit_cache = False
    type = String()

    def __init__(self, column: ColumnElement[Any], period: Period, day_text: bool = False) -> None:
        self.column = column
        self.period = period
        self.day_text = day_text


@compiles(period_start, "sqlite")
def _period_sqlite(element: period_start, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    if element.period == "week":
        # Back 6 days, then on to the next Monday (the same day when it is one).
        return f"date({column}, '-6 days', 'weekday 1')"
    return f"date({column})"


@compiles(period_start, "postgresql")
def _period_postgres(element: period_start, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    if element.day_text:
        if element.period == "day":
            return column
        column = f"CAST({column} AS DATE)"
    unit = "week" if element.period == "week" else "day"
    return f"to_char(date_trunc('{unit}', {column}), 'YYYY-MM-DD')"


class utc_day(ColumnElement[Any]):
    """The UTC day of a stored time, cheapest to group by: `YYYY-MM-DD` text on SQLite (the
    stored text's first ten characters), a `date` on PostgreSQL (`str()` of either is the
    day). Grouping users by it and adding the days up in Python is half the time of grouping
    by a week's first day as text, computed per row (bench/kpis.py)."""

    inherit_cache = False
    type = NullType()

    def __init__(self, column: ColumnElement[Any]) -> None:
        self.column = column


@compiles(utc_day, "sqlite")
def _utc_day_sqlite(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    return f"substr({compiler.process(element.column, **kw)}, 1, 10)"


@compiles(utc_day, "postgresql")
def _utc_day_postgres(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST({compiler.process(element.column, **kw)} AS DATE)"


class micros_between(ColumnElement[Any]):
    """`end - start` in whole microseconds (an integer, negative when end is earlier): what
    `(end - start) / timedelta(microseconds=1)` gives in Python, so that seconds derived from
    it equal `kpi_segment.seconds_between`'s exactly."""

    inherit_cache = False
    type = BigInteger()

    def __init__(self, start: ColumnElement[Any], end: ColumnElement[Any]) -> None:
        self.start = start
        self.end = end


@compiles(micros_between, "sqlite")
def _micros_sqlite(element: micros_between, compiler: SQLCompiler, **kw: Any) -> str:
    start = compiler.process(element.start, **kw)
    end = compiler.process(element.end, **kw)
    # Whole seconds from unixepoch (the same integer as strftime('%s'), without formatting
    # and parsing it again), the six fraction digits (characters 21-26) as an integer.
    return (
        f"((unixepoch({end}) - unixepoch({start}))"
        f" * {MICROS} + CAST(substr({end}, 21, 6) AS INTEGER)"
        f" - CAST(substr({start}, 21, 6) AS INTEGER))"
    )


@compiles(micros_between, "postgresql")
def _micros_postgres(element: micros_between, compiler: SQLCompiler, **kw: Any) -> str:
    start = compiler.process(element.start, **kw)
    end = compiler.process(element.end, **kw)
    # EXTRACT gives numeric (exact) since PostgreSQL 14.
    return f"CAST(EXTRACT(EPOCH FROM ({end} - {start})) * {MICROS} AS BIGINT)"


def seconds_of(micros: int | None) -> float | None:
    """Seconds from `micros_between`, never negative (as `kpi_segment.seconds_between`)."""
    return None if micros is None else max(0, int(micros)) / MICROS


class unindexed(ColumnElement[Any]):
    """A column that SQLite's planner must not read in its index order (`+column`; the
    column itself elsewhere). Without statistics SQLite would otherwise drive a join grouped
    by `membership.company_id` from `ix_membership_company` and look each user's audience row
    up from there: 0.9 s instead of 0.3 s at 100,000 users (bench/kpis.py)."""

    inherit_cache = False

    def __init__(self, column: ColumnElement[Any]) -> None:
        self.column = column
        self.type = column.type


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element: unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return f"+{compiler.process(element.column, **kw)}"


@compiles(unindexed, "postgresql")
def _unindexed_postgres(element: unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return str(compiler.process(element.column, **kw))


class in_set(ColumnElement[Any]):
    """`column IN (subquery)` for a segment's users, the subquery's rows hashed once per
    statement on both engines. SQLite does so of itself (an ephemeral index). PostgreSQL
    would pull the subquery up into a semi-join planned from its row estimate, and a
    trait condition is estimated at a handful of rows: it then scanned the whole segment
    once per event (`Join Filter`; the funnel with a role + plan segment took 15-50 s at
    100,000 users, bench/kpis.py). Wrapped in `IS TRUE`, the subquery is not pulled up and
    becomes a hashed SubPlan: built once, probed per row."""

    inherit_cache = False
    # Not Boolean: SQLAlchemy would write `... = 1` after it on SQLite, which keeps SQLite
    # from planning the IN itself (the funnel with a segment took twice the time).
    type = NullType()

    def __init__(self, column: ColumnElement[Any], subquery: ColumnElement[Any]) -> None:
        self.column = column
        self.subquery = subquery


@compiles(in_set, "sqlite")
def _in_set_sqlite(element: in_set, compiler: SQLCompiler, **kw: Any) -> str:
    return str(compiler.process(element.column.in_(element.subquery), **kw))


@compiles(in_set, "postgresql")
def _in_set_postgres(element: in_set, compiler: SQLCompiler, **kw: Any) -> str:
    return f"({compiler.process(element.column.in_(element.subquery), **kw)}) IS TRUE"


class in_listed(ColumnElement[Any]):
    """`column IN (the texts bound as one list parameter)`, hashed once per statement as
    `in_set` is: a segment's users read once (`kpi_segment.resolve_segment`) and given to each
    statement of a page. On PostgreSQL `= ANY(array)` is hashed only when the array is a
    constant of the plan, which a generic plan of a prepared statement does not have."""

    inherit_cache = False
    type = NullType()  # not Boolean: see in_set

    def __init__(self, column: ColumnElement[Any], name: str) -> None:
        self.column = column
        self.values = bindparam(name, type_=ValueList())


@compiles(in_listed, "sqlite")
def _in_listed_sqlite(element: in_listed, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    return f"{column} IN (SELECT value FROM json_each({compiler.process(element.values, **kw)}))"


@compiles(in_listed, "postgresql")
def _in_listed_postgres(element: in_listed, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    values = compiler.process(element.values, **kw)
    return f"({column} IN (SELECT unnest(CAST({values} AS TEXT[])))) IS TRUE"
