"""Column types whose stored form differs between the engines, and how values cross over.

Values go to the driver and come back through `encoder` and `decoder` (storage/compiled.py
calls them by the type of each bound parameter and result column), so services pass and get
Python values: timezone-aware UTC datetimes, dicts and lists for JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from psycopg.types.json import Jsonb
from sqlalchemy import JSON, Boolean, DateTime
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine, UserDefinedType

from shirube.jsontext import dumps, loads


class UTCDateTime(TypeDecorator[datetime]):
    """Naive UTC in the database (SQLite has no time zones; its stored text, always the same
    layout, then orders like the times), timezone-aware UTC in Python."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


# JSONB on PostgreSQL (indexable, compact); JSON text on SQLite.
JSONType = JSON().with_variant(JSONB(), "postgresql")


class Stored(UserDefinedType[Any]):
    """A result column read as the driver gives it (`stored(column)`): the hot paths format
    SQLite's datetime text without building datetimes, and key memos on stored JSON text."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:  # pragma: no cover - never rendered in DDL
        return "STORED"


class ValueList(UserDefinedType[Any]):
    """A list bound as one parameter (`in_values`): a PostgreSQL array, or JSON text that
    SQLite's json_each() reads. The statement's text is then the same for any length."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:  # pragma: no cover - never rendered in DDL
        return "VALUELIST"


json_loads = loads


def json_text(value: Any) -> str:
    return dumps(value).decode()


def stored_datetime(value: datetime, *, sqlite: bool) -> Any:
    """A datetime as the column stores it: naive UTC, as text with microseconds on SQLite.
    A naive datetime is taken as naive UTC already (never as local time)."""
    if value.tzinfo is not None:
        if value.tzinfo is not UTC:
            value = value.astimezone(UTC)
        value = value.replace(tzinfo=None)
    return value.isoformat(" ", "microseconds") if sqlite else value


def iso_of_stored(value: Any) -> str:
    """A stored datetime as the API writes it (`2026-01-05T09:00:00Z`), without building a
    datetime from SQLite's fixed-layout text."""
    if isinstance(value, str):
        micro = value[20:26]
        if micro == "000000" or not micro:
            return f"{value[:10]}T{value[11:19]}Z"
        return f"{value[:10]}T{value[11:19]}.{micro}Z"
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat() + "Z"  # type: ignore[no-any-return]


Convert = Callable[[Any], Any]


def _datetime_in_sqlite(value: Any) -> Any:
    # A value already in its stored form passes (ingestion converts each distinct time once):
    # text on SQLite, a naive datetime on PostgreSQL.
    return value if type(value) is str else stored_datetime(value, sqlite=True)


def _datetime_in_postgres(value: Any) -> Any:
    return value if value.tzinfo is None else stored_datetime(value, sqlite=False)


def _datetime_out_sqlite(value: Any) -> Any:
    return None if value is None else datetime.fromisoformat(value).replace(tzinfo=UTC)


def _datetime_out_postgres(value: Any) -> Any:
    return None if value is None else value.replace(tzinfo=UTC)


def _bool_out_sqlite(value: Any) -> Any:
    return None if value is None else bool(value)


def _json_out_sqlite(value: Any) -> Any:
    return None if value is None else json_loads(value)


def encoder(type_: TypeEngine[Any], *, sqlite: bool) -> Convert | None:
    """How a bound value of this type goes to the driver (None: as it is)."""
    if isinstance(type_, UTCDateTime):
        return _datetime_in_sqlite if sqlite else _datetime_in_postgres
    if isinstance(type_, JSON):
        return json_text if sqlite else Jsonb
    if isinstance(type_, ValueList):
        return json_text if sqlite else list
    return None


def decoder(type_: TypeEngine[Any], *, sqlite: bool) -> Convert | None:
    """How a result value of this type comes back from the driver (None: as it is). JSON on
    PostgreSQL is decoded by the driver itself (storage/database.py registers `json_loads`)."""
    if isinstance(type_, UTCDateTime):
        return _datetime_out_sqlite if sqlite else _datetime_out_postgres
    if isinstance(type_, JSON) and sqlite:
        return _json_out_sqlite
    if isinstance(type_, Boolean) and sqlite:
        return _bool_out_sqlite  # SQLite stores 0 and 1
    return None
