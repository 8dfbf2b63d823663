"""Dialect-aware SQL building blocks shared by the write paths."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Table, case
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session


def insert_for(session: Session, table: Any) -> Any:
    """An INSERT that supports ON CONFLICT on both engines (sqlite and postgresql dialects
    spell it the same way)."""
    target: Table = table.__table__ if hasattr(table, "__table__") else table
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(target)
    return sqlite.insert(target)


def earliest(current: Any, candidate: Any) -> ColumnElement[Any]:
    return case((current.is_(None), candidate), (candidate < current, candidate), else_=current)


def latest(current: Any, candidate: Any) -> ColumnElement[Any]:
    return case((current.is_(None), candidate), (candidate > current, candidate), else_=current)
