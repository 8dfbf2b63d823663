"""SQL on the driver connection for the hot paths: the connection wrapper, transactions and
placeholders."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from functools import cache
from typing import Any

import orjson
from psycopg.types.json import Jsonb
from sqlmodel import Session

from shirube.jsontext import may_hold_big_integers


class Raw:
    """A DBAPI connection (sqlite3 or psycopg) and what differs between the two engines.

    The hot paths (widget session, ingestion) speak SQL to the driver directly: on these
    machines building and running a SQLAlchemy statement costs 10-50 times what SQLite takes
    to execute it (docs/architecture.md). Statements are written with `?` placeholders and
    converted once for psycopg. Values use the formats SQLAlchemy stores, so both layers read
    each other's rows: naive UTC datetimes (ISO text with microseconds on SQLite) and JSON
    (text on SQLite, JSONB on PostgreSQL).
    """

    __slots__ = ("conn", "is_sqlite")

    def __init__(self, conn: Any, *, is_sqlite: bool) -> None:
        self.conn = conn
        self.is_sqlite = is_sqlite

    @classmethod
    def of_session(cls, session: Session) -> Raw:
        """The driver connection under a Session's transaction (work stays in it)."""
        conn = session.connection().connection.driver_connection
        return cls(conn, is_sqlite=session.get_bind().dialect.name == "sqlite")

    def sql(self, statement: str) -> str:
        if self.is_sqlite:
            return statement
        converted = _PSYCOPG_SQL.get(statement)
        if converted is None:
            converted = _PSYCOPG_SQL[statement] = statement.replace("?", "%s")
        return converted

    def all(self, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        return self.conn.execute(self.sql(statement), params).fetchall()  # type: ignore[no-any-return]

    def one(self, statement: str, params: Sequence[Any] = ()) -> Any:
        return self.conn.execute(self.sql(statement), params).fetchone()

    def run(self, statement: str, params: Sequence[Any] = ()) -> None:
        self.conn.execute(self.sql(statement), params)

    def many(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        if self.is_sqlite:
            self.conn.executemany(statement, rows)
        else:
            with self.conn.cursor() as cursor:
                cursor.executemany(self.sql(statement), rows)

    def pipeline(self) -> AbstractContextManager[Any]:
        """Statements whose results nobody reads go to PostgreSQL together, in one round
        trip (psycopg pipeline mode); SQLite has no round trips to save."""
        return nullcontext() if self.is_sqlite else self.conn.pipeline()

    # Values ---------------------------------------------------------------------------------

    def dt_out(self, value: datetime | None) -> Any:
        """A timezone-aware datetime as the column stores it."""
        if value is None:
            return None
        if value.tzinfo is not UTC:
            value = value.astimezone(UTC)
        naive = value.replace(tzinfo=None)
        if self.is_sqlite:
            return naive.isoformat(" ", "microseconds")
        return naive

    def dt_in(self, value: Any) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]

    def iso_or_none(self, value: Any) -> str | None:
        return None if value is None else self.iso(value)

    def iso(self, value: Any) -> str:
        """A stored datetime as the API writes it (`2026-01-05T09:00:00Z`), without building
        a datetime on SQLite, whose stored text has a fixed layout."""
        if isinstance(value, str):
            micro = value[20:26]
            if micro == "000000" or not micro:
                return f"{value[:10]}T{value[11:19]}Z"
            return f"{value[:10]}T{value[11:19]}.{micro}Z"
        return value.isoformat() + "Z"  # type: ignore[no-any-return]

    def json_out(self, value: Any) -> Any:
        if self.is_sqlite:
            return json_text(value)
        return Jsonb(value)

    def json_in(self, value: Any) -> Any:
        return json_loads(value) if isinstance(value, str) else value


def json_loads(text: str | bytes | memoryview) -> Any:
    data = text.encode() if isinstance(text, str) else bytes(text)
    if may_hold_big_integers(data):
        return json.loads(data)
    return orjson.loads(data)


def json_text(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # integers beyond 64 bits: the standard library writes them
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# Statements converted to psycopg's placeholders (the hot paths' statements: a few dozen).
_PSYCOPG_SQL: dict[str, str] = {}


@contextmanager
def write_transaction(raw: Raw) -> Iterator[None]:
    """BEGIN … COMMIT around the writes (reads before it ran in autocommit mode); IMMEDIATE on
    SQLite, so that two processes never deadlock upgrading a read lock. Inside a Session's
    transaction (PostgreSQL), a savepoint."""
    if not raw.is_sqlite:
        with raw.conn.transaction():
            yield
        return
    raw.conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        raw.conn.execute("ROLLBACK")
        raise
    raw.conn.execute("COMMIT")


@cache
def placeholders(width: int, rows: int | None = None) -> str:
    """`?, ?, ?` for an IN list; with `rows`, `(?, ?), (?, ?)` for a multi-row VALUES."""
    one = ", ".join("?" * width)
    if rows is None:
        return one
    return ", ".join([f"({one})"] * rows)
