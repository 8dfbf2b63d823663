"""A user's integer key (`end_user.user_key`, given in arrival order) in place of the host's
id, in the statements on the tables keyed by it: `counted_event`, `user_event_count`,
`checklist_item_progress` and the event log (storage/tables.py says why they are). Those
tables keep the host's id as a column too, so their rows are read back with it; only their
keys need the number."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import ScalarSelect, Select
from sqlalchemy.types import NullType

from shirube.storage import in_values
from shirube.storage.tables import end_user


def key_of(user_id: str | ColumnElement[Any] = "user_id") -> ScalarSelect[Any]:
    """The key of the workspace's user whose id is bound as `user_id`, or is the expression
    `user_id` (one index lookup)."""
    given = bindparam(user_id) if isinstance(user_id, str) else user_id
    return (
        select(end_user.c.user_key)
        .where(
            end_user.c.workspace_id == bindparam("workspace_id"), end_user.c.external_id == given
        )
        .scalar_subquery()
    )


def keys_of(user_ids: str = "user_ids") -> Select[Any]:
    """The keys of the workspace's users whose ids are bound as the list `user_ids`."""
    return select(end_user.c.user_key).where(
        end_user.c.workspace_id == bindparam("workspace_id"),
        in_values(end_user.c.external_id, user_ids),
    )


class in_keys_of(ColumnElement[Any]):
    """`column` is the key of one of the users bound as the list `user_ids`. PostgreSQL: `=
    ANY(ARRAY(SELECT …))`, the keys read once and the column's index probed with them
    whatever the statistics (as `IN (SELECT …)` a table without statistics yet, before its
    first ANALYZE, was read whole for every batch: ten times slower ingestion)."""

    inherit_cache = False
    type = NullType()

    def __init__(self, column: ColumnElement[Any], user_ids: str = "user_ids") -> None:
        self.column = column
        self.keys = keys_of(user_ids)


@compiles(in_keys_of, "sqlite")
def _in_keys_of_sqlite(element: in_keys_of, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{compiler.process(element.column, **kw)} IN ({compiler.process(element.keys, **kw)})"


@compiles(in_keys_of, "postgresql")
def _in_keys_of_postgres(element: in_keys_of, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    return f"{column} = ANY(ARRAY({compiler.process(element.keys, **kw)}))"


def same_user(table: Any, key: Any, user_id: Any) -> ColumnElement[bool]:
    """`table`'s rows of the user whose key is `key` and id `user_id` (columns or parameters):
    by key in a table keyed by it, by id in any other."""
    if "user_key" in table.c:
        return table.c.user_key == key  # type: ignore[no-any-return]
    return table.c.user_id == user_id  # type: ignore[no-any-return]
