"""`Connection`: one driver connection (sqlite3 or psycopg) and the only way code runs SQL.

Statements are SQLAlchemy Core (storage/statements.py), compiled once per engine; parameters
are passed by name in a dict, values as Python values (converted to their stored form by the
type of the column they meet: storage/types.py). Rows come back as named tuples.

The connection is in autocommit mode: each statement alone is atomic, and `transaction()`
groups statements (on SQLite BEGIN IMMEDIATE, so that two processes never deadlock upgrading a
read lock, or deferred when another holds the write lock; a nested `transaction()` joins the
one under way).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from psycopg.pq import TransactionStatus
from psycopg.types.json import Jsonb

from shirube.storage.lock_wait import is_lock_wait
from shirube.storage.statements import Compiled, Statement, StatementCache
from shirube.storage.types import iso_of_stored, json_text, stored_datetime

# Parameters by name; the statement's compiled form puts them in its order.
Params = Mapping[str, Any]


class Connection:
    __slots__ = ("_statements", "committed", "driver", "is_sqlite", "used")

    def __init__(self, driver: Any, statements: StatementCache) -> None:
        self.driver = driver
        self._statements = statements
        self.is_sqlite = statements.is_sqlite
        # Whether a statement has run: a unit of work whose connection turns out dead before
        # that is safe to run again on a new one (storage/database.py).
        self.used = False
        # Whether a transaction of this unit of work committed: work that then meets a lock
        # held elsewhere is not run again unless it is repeatable (storage/lock_wait.py).
        self.committed = False

    # Statements -------------------------------------------------------------------------------

    def all(self, statement: Statement, params: Params | None = None) -> list[Any]:
        compiled = self._statements.get(statement)
        rows = self._execute(compiled, params).fetchall()
        return _shaped(compiled, rows)

    def one(self, statement: Statement, params: Params | None = None) -> Any:
        """The first row, or None."""
        compiled = self._statements.get(statement)
        row = self._execute(compiled, params).fetchone()
        if row is None or compiled.row is None:
            return row
        if compiled.decoders:
            values = list(row)
            for index, convert in compiled.decoders:
                values[index] = convert(values[index])
            row = values
        return tuple.__new__(compiled.row, row)

    def scalar(self, statement: Statement, params: Params | None = None) -> Any:
        """The first column of the first row, or None."""
        row = self.one(statement, params)
        return None if row is None else row[0]

    def run(self, statement: Statement, params: Params | None = None) -> int:
        """Run a statement whose rows nobody reads; return how many rows it changed."""
        cursor = self._execute(self._statements.get(statement), params)
        return int(cursor.rowcount)

    def many(self, statement: Statement, rows: Sequence[Params]) -> int:
        """The statement once per row of parameters (the driver's executemany); return how
        many rows they changed in all."""
        if not rows:
            return 0
        compiled = self._statements.get(statement)
        values = [_bound(compiled, row) for row in rows]
        if self.is_sqlite:
            changed = self.driver.executemany(compiled.sql, values).rowcount
        else:
            with self.driver.cursor() as cursor:
                cursor.executemany(compiled.sql, values)
                changed = cursor.rowcount
        self.used = True
        return int(changed)

    def _execute(self, compiled: Compiled, params: Params | None) -> Any:
        cursor = self.driver.execute(compiled.sql, _bound(compiled, params or {}))
        self.used = True
        return cursor

    # Transactions -----------------------------------------------------------------------------

    @property
    def in_transaction(self) -> bool:
        if self.is_sqlite:
            return bool(self.driver.in_transaction)
        return bool(self.driver.info.transaction_status != TransactionStatus.IDLE)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN … COMMIT around the block (ROLLBACK when it raises); inside a transaction
        already under way, the block joins it."""
        if self.in_transaction:
            yield
            return
        if not self.is_sqlite:
            with self.driver.transaction():
                self.used = True
                yield
            self.committed = True
            return
        self._begin_sqlite()
        self.used = True
        try:
            yield
            self.driver.execute("COMMIT")
            self.committed = True
        except BaseException:
            # A COMMIT refused (busy, I/O) may leave the transaction open: ended here, or
            # the next unit of work on this connection would join it and never commit.
            self.rollback()
            raise

    def _begin_sqlite(self) -> None:
        """BEGIN IMMEDIATE takes the write lock at once, so that two writers never deadlock
        upgrading their read locks. When another connection holds it, the transaction begins
        deferred instead: work that only reads goes on at once on its snapshot (WAL), and
        work that writes meets the lock at its first write, rolled back there and run again
        once the lock is free (storage/lock_wait.py)."""
        try:
            self.driver.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if not is_lock_wait(exc):
                raise
            self.driver.execute("BEGIN")

    def rollback(self) -> None:
        """End the transaction under way, if any (nothing to do when BEGIN itself failed or
        the connection is gone)."""
        if self.closed or not self.in_transaction:
            return
        self.driver.execute("ROLLBACK")

    def pipeline(self) -> AbstractContextManager[Any]:
        """Statements whose results nobody reads go to PostgreSQL together, in one round trip
        (psycopg's pipeline mode); SQLite has no round trips to save."""
        return nullcontext() if self.is_sqlite else self.driver.pipeline()

    @property
    def closed(self) -> bool:
        return bool(getattr(self.driver, "closed", False))

    # Stored values, for the hot paths that skip decoding (statements.stored) ------------------

    def stored_time(self, value: Any) -> Any:
        """A datetime in its stored form: ingestion converts each distinct time once."""
        return stored_datetime(value, sqlite=self.is_sqlite)

    def stored_json(self, value: Any) -> Any:
        """A value of a JSON column in its stored form: text on SQLite, JSONB on PostgreSQL."""
        return json_text(value) if self.is_sqlite else Jsonb(value)

    @staticmethod
    def iso(value: Any) -> str:
        """A stored datetime (read with `stored()`) as the API writes it."""
        return iso_of_stored(value)

    @staticmethod
    def iso_or_none(value: Any) -> str | None:
        return None if value is None else iso_of_stored(value)


def _bound(compiled: Compiled, params: Params) -> tuple[Any, ...] | list[Any]:
    """The call's named parameters as the driver takes them: in order, in stored form."""
    if compiled.defaults:
        params = {**compiled.defaults, **params}
    values = compiled.values(params)
    if not compiled.encoders:
        return values
    converted = list(values)
    for position, convert in compiled.encoders:
        value = converted[position]
        if value is not None:
            converted[position] = convert(value)
    return converted


def _shaped(compiled: Compiled, rows: list[Any]) -> list[Any]:
    row_type = compiled.row
    if row_type is None:
        return rows
    decoders = compiled.decoders
    if not decoders:
        return [tuple.__new__(row_type, row) for row in rows]
    shaped = []
    for row in rows:
        values = list(row)
        for index, convert in decoders:
            values[index] = convert(values[index])
        shaped.append(tuple.__new__(row_type, values))
    return shaped
