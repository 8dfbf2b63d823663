"""`StatementCache`: each statement compiled once per engine, and the cache bounded; a list
bound as one parameter keeps one statement text for any length."""

from __future__ import annotations

from shirube.storage import ByEngine, Database, in_values, tables
from shirube.storage.statements import StatementCache, sqlite_dialect
from sqlalchemy import bindparam, select


def test_the_cache_is_bounded_and_keeps_what_it_compiled() -> None:
    cache = StatementCache(sqlite_dialect(), size=4)
    statements = [select(tables.event.c.id).limit(n) for n in range(10)]
    compiled = [cache.get(statement) for statement in statements]
    assert len(cache) == 4
    assert cache.get(statements[-1]) is compiled[-1]  # kept: not compiled again
    assert cache.get(statements[0]).sql == compiled[0].sql  # pushed out: compiled again


def test_a_list_of_any_length_is_one_statement(database: Database) -> None:
    query = select(tables.event.c.id).where(
        tables.event.c.workspace_id == bindparam("ws"), in_values(tables.event.c.id, "ids")
    )
    for length in (1, 2, 100, 500):
        ids = [f"e{n}" for n in range(length)]
        params = {"ws": 1, "ids": ids}
        assert database.run_sync(lambda conn, params=params: conn.all(query, params)) == []
    # Every length ran the same compiled statement (an expanding IN writes one per length).
    compiled = database.statements.get(query)
    assert "?" in compiled.sql or "%s" in compiled.sql
    assert database.statements.get(query) is compiled
    assert compiled.sql.count("?") + compiled.sql.count("%s") == 2


def test_by_engine_runs_the_statement_of_the_engine(database: Database) -> None:
    both = ByEngine(
        sqlite=select(bindparam("x", "sqlite")), postgresql=select(bindparam("x", "postgresql"))
    )
    engine = "sqlite" if database.is_sqlite else "postgresql"
    assert database.run_sync(lambda conn: conn.scalar(both), transaction=False) == engine
