"""SQLAlchemy Core statements compiled once per engine, and the few constructs the engines
spell differently.

Services write every statement with SQLAlchemy Core, usually as a module-level constant with
named `bindparam`s, and run it through `storage.Connection`. Each statement is compiled to the
driver's SQL once per engine and kept (`StatementCache`, bounded); running it again costs a
dict lookup. Going through SQLAlchemy's own execution instead (cache key, execution context,
result object) measured 100-500 µs of Python per statement on these machines against 5-15 µs
for the statement itself (docs/architecture.md), and the widget session and ingestion run
several statements per request.
"""

from __future__ import annotations

from collections import OrderedDict, namedtuple
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import bindparam, case, func, or_, type_coerce
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as _insert
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter, ClauseElement, ColumnElement
from sqlalchemy.sql.expression import Executable
from sqlalchemy.sql.selectable import TableValuedAlias
from sqlalchemy.types import NullType, String, TypeEngine

from shirube.storage.types import Convert, Stored, ValueList, decoder, encoder

# `INSERT … ON CONFLICT` for both engines: SQLite's compiler renders PostgreSQL's construct
# (the clause is the same on both), so one statement serves both.
insert = _insert


def earliest(current: ColumnElement[Any], new: ColumnElement[Any]) -> ColumnElement[Any]:
    """`new` when it comes before `current` (or `current` is NULL): a first time stays first
    whatever order concurrent writers commit in. (Two-argument min() is SQLite's only.)"""
    return case((or_(current.is_(None), new < current), new), else_=current)


def latest(current: ColumnElement[Any], new: ColumnElement[Any]) -> ColumnElement[Any]:
    """`new` when it comes after `current` (or `current` is NULL)."""
    return case((or_(current.is_(None), new > current), new), else_=current)


def array_rows(alias: str, /, **columns: TypeEngine[Any]) -> TableValuedAlias:
    """PostgreSQL: rows from one array parameter per column, each named as its column
    (`unnest(…) WITH ORDINALITY AS alias(…, n)`): one statement text and one round trip for
    any number of rows, kept in the order given (column `n`)."""
    arrays = (sql_cast(bindparam(column), ARRAY(type_)) for column, type_ in columns.items())
    return (
        func.unnest(*arrays).table_valued(*columns, with_ordinality="n").render_derived(name=alias)
    )


def stored_value(name: str) -> BindParameter[Any]:
    """A parameter the caller passes in its stored form (`Connection.stored_time`,
    `Connection.stored_json`), converted by nothing: for the rows of an ingestion batch, whose
    every conversion is a call per row and every list or dict a little more for the garbage
    collector."""
    return bindparam(name, type_=Stored())


def stored(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """`column` read back as the driver gives it, not decoded (storage/types.Stored)."""
    return type_coerce(column, Stored()).label(getattr(column, "name", None))


class in_values(ColumnElement[Any]):
    """`column IN (the list bound as :name)`, with one statement text for any length: an
    array on PostgreSQL (`= ANY(:name)`), JSON text read by json_each() on SQLite. (Core's
    expanding IN writes one text per list length: a statement per batch size.)"""

    inherit_cache = False
    # Not Boolean: SQLite, which has no booleans, would be given `… IN (…) = 1`, which no
    # index serves.
    type = NullType()

    def __init__(self, column: ColumnElement[Any], name: str) -> None:
        self.column = column
        self.values = bindparam(name, type_=ValueList())


@compiles(in_values, "sqlite")
def _in_values_sqlite(element: in_values, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    return f"{column} IN (SELECT value FROM json_each({compiler.process(element.values, **kw)}))"


@compiles(in_values, "postgresql")
def _in_values_postgres(element: in_values, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    # Never a length: a cast to VARCHAR(n) would cut a longer value to a matching prefix.
    type_ = String() if isinstance(element.column.type, String) else element.column.type
    array = compiler.dialect.type_compiler_instance.process(type_) + "[]"
    return f"{column} = ANY(CAST({compiler.process(element.values, **kw)} AS {array}))"


@dataclass(frozen=True)
class ByEngine:
    """One statement per engine, where the best way differs (e.g. a row read `FOR UPDATE` on
    PostgreSQL, where SQLite's write lock holds the whole database already)."""

    sqlite: Executable
    postgresql: Executable


Statement = Executable | ByEngine


@dataclass(frozen=True)
class Compiled:
    """A statement as the driver runs it, with positional parameters (`?` or `%s`): both
    drivers bind those fastest (sqlite3 looks every named parameter up by name again, for
    every row of an executemany)."""

    sql: str
    # The call's named parameters in the order the statement takes them.
    values: Callable[[Mapping[str, Any]], tuple[Any, ...]]
    # Parameters given in the statement itself (literal values), under the call's own.
    defaults: Mapping[str, Any]
    # Positions whose values need converting to their stored form (storage/types.encoder).
    encoders: tuple[tuple[int, Convert], ...]
    # Result columns that need converting back, by position; and the row type.
    decoders: tuple[tuple[int, Convert], ...]
    row: type[tuple[Any, ...]] | None


def _result_columns(statement: Any) -> list[Any]:
    for attribute in ("selected_columns", "exported_columns"):
        columns = getattr(statement, attribute, None)
        if columns is not None:
            return list(columns)
    return []


def compile_for(statement: Executable, dialect: Dialect) -> Compiled:
    assert isinstance(statement, ClauseElement)
    compiled = cast(SQLCompiler, statement.compile(dialect=dialect))
    sql = str(compiled)
    if "POSTCOMPILE" in sql:
        raise TypeError("expanding IN lists write one statement per length: use in_values()")
    sqlite_engine = dialect.name == "sqlite"
    # Values written into the statement itself (`.values(x=None)`, literals in expressions).
    defaults = {name: bind.value for name, bind in compiled.binds.items() if not bind.required}
    names = tuple(compiled.positiontup or ())
    encoders = tuple(
        (position, convert)
        for position, name in enumerate(names)
        if (convert := encoder(compiled.binds[name].type, sqlite=sqlite_engine)) is not None
    )
    columns = _result_columns(statement)
    decoders = tuple(
        (index, convert)
        for index, column in enumerate(columns)
        if (convert := decoder(column.type, sqlite=sqlite_engine)) is not None
    )
    row_type: type[tuple[Any, ...]] | None = None
    if columns:
        column_names = [
            getattr(column, "key", None) or f"_{index}" for index, column in enumerate(columns)
        ]
        row_type = _row_type(column_names)
    return Compiled(sql, _values_in_order(names), defaults, encoders, decoders, row_type)


def _values_in_order(names: tuple[str, ...]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    if not names:
        return lambda params: ()
    if len(names) == 1:
        (name,) = names
        return lambda params: (params[name],)
    return itemgetter(*names)  # a tuple, built in C


def _row_type(names: list[str]) -> type[tuple[Any, ...]]:
    """Rows read by position (`a, b = row`) or by name (`row.traits`)."""
    return namedtuple("Row", names, rename=True)


# Statements kept per engine: every module-level constant, plus room for the statements the
# console and the server API build per request (each compiled again once it is pushed out).
CACHE_SIZE = 1024


class StatementCache:
    """Compiled statements by statement object, the oldest compilation out first when full."""

    def __init__(self, dialect: Dialect, size: int = CACHE_SIZE) -> None:
        self.dialect = dialect
        self.is_sqlite = dialect.name == "sqlite"
        self._size = size
        # By id(): statements are compared by identity (ClauseElement overloads ==), and the
        # entry holds the statement, so its id cannot be reused while the entry lives.
        self._entries: OrderedDict[int, tuple[Any, Compiled]] = OrderedDict()

    def get(self, statement: Statement) -> Compiled:
        if isinstance(statement, ByEngine):
            statement = statement.sqlite if self.is_sqlite else statement.postgresql
        key = id(statement)
        entries = self._entries
        entry = entries.get(key)
        if entry is not None and entry[0] is statement:
            return entry[1]
        compiled = compile_for(statement, self.dialect)
        entries[key] = (statement, compiled)
        if len(entries) > self._size:
            # Hits do not move entries (a hit is the hot path's only cost): the oldest
            # compilation goes first, and the constants come back with their next use.
            entries.popitem(last=False)
        return compiled

    def __len__(self) -> int:
        return len(self._entries)


def sqlite_dialect() -> Dialect:
    """SQLite's dialect (`?` parameters)."""
    dialect: Dialect = sqlite.dialect()
    return dialect


def postgresql_dialect() -> Dialect:
    """psycopg's dialect with positional parameters (`%s`)."""
    dialect: Dialect = postgresql.psycopg.dialect(paramstyle="format")  # type: ignore[no-untyped-call]
    return dialect
